"""Forward values of every op in the table against numpy, over random shapes (hypothesis).

Inputs come contiguous, permuted (a transposed view) or sliced (every other element), so ops
must not assume C-contiguous memory.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edutorch

from .op_table import LAYOUTS, OPS, flat_outputs, make_arrays, make_tensor

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def check_close(got, want, name):
    """``got`` (an edutorch tensor) equals ``want`` (a numpy value) in shape, dtype and values."""
    want = np.asarray(want)
    assert isinstance(got, edutorch.Tensor), f"{name}: expected a Tensor, got {type(got).__name__}"
    assert tuple(got.shape) == want.shape, f"{name}: shape {tuple(got.shape)} != {want.shape}"
    assert got._data.dtype == want.dtype, f"{name}: dtype {got._data.dtype} != {want.dtype}"
    if want.dtype.kind == "f":
        tol = 1e-5 if want.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got._data, want, rtol=tol * 10, atol=tol, err_msg=name)
    else:
        np.testing.assert_array_equal(got._data, want, err_msg=name)


@pytest.mark.parametrize("spec", OPS, ids=lambda s: s.name)
@SETTINGS
@given(data=st.data())
def test_forward_matches_numpy(spec, data):
    draw = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
    args = spec.args(draw)
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    layout = "contiguous" if spec.view_only else data.draw(st.sampled_from(LAYOUTS), label="layout")
    arrays = make_arrays(spec, args, np.random.default_rng(seed), dtype)
    tensors = [make_tensor(edutorch, a, layout)[0] for a in arrays]
    got = flat_outputs(spec.call(edutorch, *tensors))
    want = flat_outputs(spec.ref(*arrays))
    assert len(got) == len(want), f"{spec.name}: {len(got)} outputs, numpy gives {len(want)}"
    for g, w in zip(got, want):
        check_close(g, w, spec.name)
    # the inputs are untouched (no op may write into its arguments)
    for t, a in zip(tensors, arrays):
        np.testing.assert_array_equal(t._data, a)


@pytest.mark.parametrize("spec", [s for s in OPS if s.diff], ids=lambda s: s.name)
def test_forward_builds_graph(spec):
    """With requires_grad the result has a grad_fn and the same values as without."""
    rng = np.random.default_rng(0)
    args = spec.args(lambda lo, hi: int(rng.integers(lo, hi + 1)))
    arrays = make_arrays(spec, args, rng)
    plain = flat_outputs(spec.call(edutorch, *[edutorch.tensor(a) for a in arrays]))
    leaves = [edutorch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    tracked = flat_outputs(spec.call(edutorch, *leaves))
    for p, t in zip(plain, tracked):
        np.testing.assert_array_equal(p._data, t._data)
        if t.dtype.is_floating_point:
            assert t.requires_grad and t.grad_fn is not None, spec.name
        else:
            assert not t.requires_grad, f"{spec.name}: integer/bool outputs never require grad"
    with edutorch.no_grad():
        for t in flat_outputs(spec.call(edutorch, *leaves)):
            assert t.grad_fn is None and not t.requires_grad, spec.name

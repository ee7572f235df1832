"""Error messages: torch's wording for the common mistakes, and no raw numpy error for any.

The battery at the end feeds every op in the table wrong shapes, wrong types, wrong dtypes and
too few dimensions. Whatever edutorch raises must be a RuntimeError/TypeError/IndexError/
ValueError raised by edutorch itself (not by numpy), with a message in torch's terms; and where
torch is installed, edutorch must fail exactly when torch fails.
"""

from __future__ import annotations

import os
import re
import traceback

import numpy as np
import pytest

import edutorch

from .op_table import OPS, Arg, make_arrays, rng_draw

try:
    import torch
except ImportError:
    torch = None

EDUTORCH_DIR = os.path.dirname(os.path.abspath(edutorch.__file__))
NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
TABLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_table.py")
ALLOWED = (RuntimeError, TypeError, IndexError, ValueError)
# phrases only numpy uses: seeing one means a numpy error reached the user unexplained
NUMPY_WORDS = re.compile(
    r"operands could not be broadcast|\baxis\b|ndarray|numpy|ufunc|\barray\b|inhomogeneous|"
    r"dtype\('|casting rule|object of type|not broadcastable"
)


def t(*shape):
    return edutorch.ones(*shape)


def raises(fn, exc, message):
    """``fn()`` raises ``exc`` whose message is exactly ``message`` (or matches it, if a regex)."""
    with pytest.raises(exc) as info:
        fn()
    if isinstance(message, re.Pattern):
        assert message.search(str(info.value)), str(info.value)
    else:
        assert str(info.value) == message


# ------------------------------------------------------------------ torch's wording
def test_matmul_shape_mismatch():
    msg = "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"
    raises(lambda: t(2, 3) @ t(4, 5), RuntimeError, msg)
    raises(lambda: edutorch.mm(t(2, 3), t(4, 5)), RuntimeError, msg)
    raises(lambda: t(2, 3).matmul(t(4, 5)), RuntimeError, msg)
    raises(lambda: edutorch.bmm(t(2, 2, 3), t(2, 4, 5)), RuntimeError, re.compile("batch2"))
    raises(lambda: edutorch.dot(t(3), t(4)), RuntimeError, re.compile("inconsistent tensor size"))
    raises(lambda: t(2, 3) @ t(4), RuntimeError, re.compile(r"\(2x3 and 4x1\)"))
    raises(lambda: edutorch.tensor(1.0) @ t(2), RuntimeError, re.compile("at least 1D"))


def test_broadcast_mismatch():
    msg = (
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    )
    raises(lambda: t(2, 3) + t(2, 4), RuntimeError, msg)
    raises(lambda: t(2, 3) * t(4), RuntimeError, msg)
    raises(lambda: edutorch.maximum(t(2, 3), t(2, 4)), RuntimeError, msg)
    raises(lambda: t(2, 3) < t(2, 4), RuntimeError, msg)
    raises(lambda: edutorch.where(t(2, 3) > 0, t(2, 3), t(2, 4)), RuntimeError, re.compile("size"))


def test_index_out_of_range():
    raises(lambda: t(2, 3)[5], IndexError, "index 5 is out of bounds for dimension 0 with size 2")
    raises(lambda: t(2, 3)[:, -4], IndexError, re.compile("out of bounds for dimension 1"))
    raises(lambda: t(2, 3)[edutorch.tensor([0, 7])], IndexError, re.compile("index 7"))
    raises(lambda: t(2, 3)[0, 0, 0], IndexError, "too many indices for tensor of dimension 2")
    raises(lambda: t(2, 3).gather(1, edutorch.tensor([[5]])), RuntimeError, re.compile("index 5"))


def test_dimension_out_of_range():
    msg = "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    for fn in (lambda: t(2, 3).sum(2), lambda: t(2, 3).softmax(2), lambda: t(2, 3).transpose(0, 2),
               lambda: t(2, 3).max(2), lambda: edutorch.cat([t(2, 3)], 2)):  # fmt: skip
        raises(fn, IndexError, msg)


def test_shape_errors():
    raises(lambda: t(2, 3).view(4), RuntimeError, "shape '[4]' is invalid for input of size 6")
    raises(lambda: t(2, 3).reshape(4, -1), RuntimeError, re.compile("invalid for input of size 6"))
    raises(lambda: t(2, 3).t().view(6), RuntimeError, re.compile("Use .reshape"))
    raises(lambda: edutorch.cat([t(2, 3), t(3, 2)]), RuntimeError, re.compile("Sizes of tensors"))
    raises(lambda: edutorch.stack([t(2), t(3)]), RuntimeError, re.compile("stack expects each"))
    raises(lambda: t(2, 3).expand(4, 3), RuntimeError, re.compile("expanded size"))
    raises(lambda: t(2, 3).permute(0, 0), RuntimeError, re.compile("duplicate dims"))


def test_wrong_types():
    raises(lambda: edutorch.exp([1.0]), TypeError, re.compile("must be Tensor, not list"))
    raises(lambda: t(2) + "a", TypeError, re.compile("unsupported operand"))
    raises(lambda: t(2, 3)[1.5], IndexError, re.compile("only integers, slices"))
    raises(lambda: t(2)[edutorch.tensor([0.5])], IndexError, re.compile("tensors used as indices"))
    raises(lambda: edutorch.zeros(2, "a"), TypeError, re.compile("int"))
    raises(lambda: edutorch.cat([t(2), 3]), TypeError, re.compile("expected Tensor"))


def test_bool_mask_shape_mismatch():
    mask = edutorch.tensor([True, False, True])
    raises(lambda: t(2, 3)[mask], IndexError, re.compile("shape of the mask"))


def test_ragged_nested_lists():
    raises(lambda: edutorch.tensor([[1, 2], [3]]), ValueError, re.compile("expected sequence"))


def test_errors_match_torch_wording():
    if torch is None:
        pytest.skip("torch is not installed")
    cases = [
        lambda T: T.ones(2, 3) @ T.ones(4, 5),
        lambda T: T.ones(2, 3) + T.ones(2, 4),
        lambda T: T.ones(2, 3)[5],
        lambda T: T.ones(2, 3).sum(2),
        lambda T: T.ones(2, 3).view(4),
        lambda T: T.ones(2, 3)[0, 0, 0],
        lambda T: T.ones(2, 3).item(),
        lambda T: T.tensor([True]) - T.tensor([True]),
        lambda T: T.ones(2, requires_grad=True).numpy(),
        lambda T: T.ones(2).backward(),
        lambda T: T.ones(2, requires_grad=True).add_(1),
        lambda T: T.cat([T.ones(2, 3), T.ones(3, 2)]),
        lambda T: T.ones(2, 3).gather(1, T.tensor([[5]])),
        lambda T: T.ones(2, 3).expand(4, 3),
        lambda T: T.ones(2, 3).t().view(6),
    ]
    for make in cases:
        with pytest.raises(Exception) as want:
            make(torch)
        with pytest.raises(Exception) as got:
            make(edutorch)
        assert type(got.value) is type(want.value) or isinstance(got.value, type(want.value))
        want_msg = str(want.value).split("\n")[0].replace("torch.", "edutorch.")
        assert str(got.value).split("\n")[0] == want_msg


# ------------------------------------------------------------------ the battery
def _bad_variants(spec):
    """(label, args, arrays-or-values) for one op: each a plausible user mistake."""
    rng = np.random.default_rng(0)
    args = spec.args(rng_draw(rng))
    good = make_arrays(spec, args, rng)
    variants = []
    for k, a in enumerate(args):

        def swap(value, label, k=k):
            vals = list(good)
            vals[k] = value
            variants.append((f"arg{k}:{label}", vals))

        swap("x", "str")
        swap(None, "None")
        # torch truncates a list of floats used as an index; edutorch refuses it (clean IndexError)
        swap([[1.0, 2.0]], "list" if a.kind == "f" else "float-list-index")
        if a.kind == "f":
            swap(edutorch.tensor(good[k]).long(), "int64")
            swap(edutorch.tensor(good[k]) > 0, "bool")
            swap(edutorch.tensor(1.5), "0-dim")
            swap(edutorch.ones(0), "empty")
            if a.shape:  # grow the last dim to a size nothing else has
                swap(edutorch.ones(*a.shape[:-1], a.shape[-1] + 5), "mismatched")
            swap(edutorch.ones(7, 1, 5), "other-shape")
        else:
            swap(edutorch.tensor(good[k]).float(), "float-index")
            if a.kind == "i":
                swap(edutorch.tensor(good[k]) + 50, "out-of-range")
    return variants


def _as_inputs(T, values):
    return [T.tensor(v) if isinstance(v, np.ndarray) else _convert(T, v) for v in values]


def _convert(T, v):
    if T is edutorch or not isinstance(v, edutorch.Tensor):
        return v
    return torch.from_numpy(np.array(v._data))  # the same bad tensor, for torch


def _deepest_frame(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].filename if frames else ""


BATTERY = [(spec, label, values) for spec in OPS for label, values in _bad_variants(spec)]


@pytest.mark.parametrize(
    "spec,label,values", BATTERY, ids=[f"{s.name}-{label}" for s, label, _ in BATTERY]
)
def test_bad_inputs_give_clean_errors(spec, label, values):
    try:
        spec.call(edutorch, *_as_inputs(edutorch, values))
        ours = None
    except Exception as e:  # noqa: BLE001  (judged below)
        ours = e
    if ours is not None:
        where = _deepest_frame(ours)
        if where == TABLE_FILE:
            pass  # the test's own lambda failed (e.g. None.shape): not the library's doing
        else:
            assert not where.startswith(NUMPY_DIR), f"numpy raised: {ours!r}"
            assert where.startswith(EDUTORCH_DIR), f"raised outside edutorch ({where}): {ours!r}"
            assert isinstance(ours, ALLOWED), f"{type(ours).__name__}: {ours}"
            assert str(ours), "an error needs a message"
            assert not NUMPY_WORDS.search(str(ours)), f"numpy's wording: {ours}"
    if torch is None or label.endswith("float-list-index"):
        return
    try:
        spec.call(torch, *_as_inputs(torch, values))
        theirs = None
    except Exception as e:  # noqa: BLE001
        theirs = e
    if (ours is None) != (theirs is None):
        assert ours is not None, f"torch raises {theirs!r} but edutorch accepts"
        assert theirs is not None, f"edutorch raises {ours!r} but torch accepts"


def test_battery_covers_every_op():
    assert {spec.name for spec, _, _ in BATTERY} == {spec.name for spec in OPS}
    assert len(BATTERY) > 10 * len(OPS)
    assert Arg((1,)).kind == "f"

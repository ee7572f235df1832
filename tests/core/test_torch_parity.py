"""Every op in the table against PyTorch itself: same values, dtypes and gradients.

The op lambdas are written against a module ``T``, so the same line runs with ``T=edutorch`` and
``T=torch``. Skipped when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import edutorch

from .op_table import LAYOUTS, OPS, flat_outputs, make_arrays, make_tensor, rng_draw

torch = pytest.importorskip("torch")

# ops edutorch differentiates but torch does not ("derivative for aten::remainder is not
# implemented" for a Python number % tensor): forward is compared, backward is not
TORCH_HAS_NO_GRAD = {"rmod"}


def _run(T, spec, arrays, layout, requires_grad):
    made = [
        make_tensor(T, a, layout, requires_grad=requires_grad and a.dtype.kind == "f")
        for a in arrays
    ]
    outs = flat_outputs(spec.call(T, *[m[0] for m in made]))
    return outs, [m[1] for m in made]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors")  # torch's warning for 1-D .T
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("spec", OPS, ids=lambda s: s.name)
def test_parity_with_torch(spec, layout):
    if spec.view_only and layout != "contiguous":
        pytest.skip("view needs contiguous input")
    for seed in range(3):
        rng = np.random.default_rng(seed)
        arrays = make_arrays(spec, spec.args(rng_draw(rng)), rng)
        ours, our_leaves = _run(edutorch, spec, arrays, layout, spec.diff)
        theirs, their_leaves = _run(torch, spec, arrays, layout, spec.diff)
        assert len(ours) == len(theirs), spec.name
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape), f"{spec.name}: shape"
            assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{spec.name}: dtype"
            np.testing.assert_allclose(_np(o), _np(t), rtol=1e-5, atol=1e-6, err_msg=spec.name)
            assert o.requires_grad == t.requires_grad, f"{spec.name}: requires_grad"
        if not spec.diff or spec.name in TORCH_HAS_NO_GRAD:
            continue
        # backward with the same random output gradients; compare the leaves' .grad
        pairs = [(o, t) for o, t in zip(ours, theirs) if t.requires_grad]
        grads = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for _, t in pairs]
        edutorch.autograd.backward([o for o, _ in pairs], [edutorch.tensor(g) for g in grads])
        torch.autograd.backward([t for _, t in pairs], [torch.tensor(g) for g in grads])
        for mine, ref in zip(our_leaves, their_leaves):
            if ref.grad is None:
                assert mine.grad is None or not mine.grad._data.any(), f"{spec.name}: grad"
                continue
            assert mine.grad is not None, f"{spec.name}: missing grad"
            assert mine.grad.dtype is edutorch.float32
            np.testing.assert_allclose(
                _np(mine.grad), _np(ref.grad), rtol=1e-4, atol=1e-5, err_msg=f"{spec.name} grad"
            )

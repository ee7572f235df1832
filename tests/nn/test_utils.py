"""nn.utils: gradient clipping and parameter vectors, compared with torch."""

import numpy as np
import pytest

import edutorch
from edutorch import nn
from edutorch.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _params(lib, dtype="float32", scale=1.0):
    """Three parameters with fixed gradients (one parameter without a gradient)."""
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    params = []
    for i, s in enumerate(shapes):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(dtype)))
        if i != 1:
            p.grad = lib.tensor((scale * rng.standard_normal(s)).astype(dtype))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, "inf", float("inf"), 0.5])
@pytest.mark.parametrize("max_norm", [0.1, 100.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = _params(edutorch, dtype), _params(torch, dtype)
    n_ours = clip_grad_norm_(ours, max_norm, norm_type)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(n_ours, edutorch.Tensor) and n_ours.dim() == 0
    assert n_ours.dtype.name == str(n_theirs.dtype).split(".")[1]
    rtol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(n_ours.item(), n_theirs.item(), rtol=rtol)
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_single_tensor_generator_and_empty():
    torch = pytest.importorskip("torch")
    p = _params(edutorch)[0]
    q = _params(torch)[0]
    np.testing.assert_allclose(
        clip_grad_norm_(p, 0.5).item(), torch.nn.utils.clip_grad_norm_(q, 0.5).item(), rtol=1e-6
    )
    m = nn.Linear(3, 2)
    m(edutorch.randn(4, 3)).sum().backward()
    total = clip_grad_norm_(m.parameters(), 1e-3)  # a generator is consumed once, still clips
    assert total.item() > 1e-3
    grads = np.concatenate([p.grad.numpy().ravel() for p in m.parameters()])
    np.testing.assert_allclose(np.linalg.norm(grads), 1e-3, rtol=1e-3)
    empty = clip_grad_norm_([], 1.0)
    assert empty.item() == 0.0 and empty.dtype == edutorch.float32


def test_clip_grad_norm_keeps_grad_objects_and_nonfinite():
    ps = _params(edutorch, scale=100.0)
    g = ps[0].grad
    clip_grad_norm_(ps, 1.0)
    assert ps[0].grad is g  # scaled in place: optimizers holding the grad see the change
    ps[0].grad = edutorch.tensor([[float("nan")] * 4] * 3)
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert np.isnan(clip_grad_norm_(ps, 1.0).item())


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _params(edutorch, scale=3.0), _params(torch, scale=3.0)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for a, b in zip(ours, theirs):
        if a.grad is not None:
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
            assert np.abs(a.grad.numpy()).max() <= np.float32(0.7)


def test_parameters_vector_round_trip_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _params(edutorch), _params(torch)
    v_ours = parameters_to_vector(ours)
    v_theirs = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(v_ours.detach().numpy(), v_theirs.detach().numpy())
    assert v_ours.requires_grad and v_ours.shape == (24,)
    new = edutorch.arange(24, dtype=edutorch.float32)
    vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.arange(24, dtype=torch.float32), theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert isinstance(a, nn.Parameter) and a.requires_grad
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        vector_to_parameters([1, 2], ours)


def test_parameters_to_vector_is_differentiable():
    m = nn.Linear(2, 2)
    v = parameters_to_vector(m.parameters())
    (v * v).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), 2 * m.weight.detach().numpy(), rtol=1e-6)

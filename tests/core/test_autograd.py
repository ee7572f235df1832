"""Autograd behaviour beyond single ops: graphs, hooks, grad modes, custom Functions, in-place
updates and version counters; plus dtypes/promotion, creation functions, devices and repr."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import edutorch
from edutorch.autograd import Function

try:
    import torch
except ImportError:  # the torch comparisons below skip themselves
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def leaf(values, dtype=None):
    return edutorch.tensor(values, dtype=dtype, requires_grad=True)


# ------------------------------------------------------------------ graph walking
def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0  # 100,000 nodes deep
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad.item() == 1.0


def test_diamond_graph_sums_every_path():
    a = leaf(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0
    # a node used by many later nodes: d = a*a + a*a*a → dd/da = 2a + 3a²
    a = leaf(2.0)
    sq = a * a
    d = sq + sq * a
    d.backward()
    assert a.grad.item() == 2 * 2 + 3 * 4


def test_gradients_accumulate_across_backward_calls():
    a = leaf([1.0, 2.0])
    (a * 3).sum().backward()
    (a * a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3 + 2, 3 + 4])
    a.grad = None
    (a * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3, 3])


def test_second_backward_through_freed_graph_raises():
    a = leaf([1.0, 2.0])
    y = (a * a).sum()  # mul saves its inputs
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_second_backward_without_saved_tensors_is_allowed():
    """As in torch: only freed *saved tensors* make a second backward fail."""
    a = leaf([1.0, 2.0])
    y = (a + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])


def test_retain_graph_allows_a_second_backward():
    a = leaf([1.0, 2.0])
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [4.0, 8.0])


def test_backward_needs_a_scalar_or_a_gradient():
    a = leaf([1.0, 2.0])
    y = a * 2
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        y.backward()
    y.backward(edutorch.tensor([1.0, 10.0]))
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 20.0])


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        edutorch.tensor(1.0).backward()


def test_grad_is_float32_and_owned():
    """Each leaf's .grad is its own memory: an optimizer may change it in place."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    assert a.grad.dtype is edutorch.float32
    a.grad.mul_(0)
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_only_tensors_that_require_grad_get_one():
    a, c = leaf([1.0]), edutorch.tensor([2.0])
    (a * c).sum().backward()
    assert c.grad is None and not c.requires_grad
    assert a.is_leaf and c.is_leaf and not (a * c).is_leaf


# ------------------------------------------------------------------ hooks and retain_grad
def test_register_hook_can_replace_the_gradient_and_be_removed():
    a = leaf([1.0, 2.0])
    y = a * 2
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    y.sum().backward()
    np.testing.assert_allclose(seen[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(a.grad.numpy(), [20.0, 20.0])
    handle.remove()
    a.grad = None
    y = a * 2
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])


def test_hook_on_a_leaf_sees_and_replaces_its_gradient():
    a = leaf([1.0, 2.0])
    handle = a.register_hook(lambda g: g + 1)
    (a * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [4.0, 4.0])
    handle.remove()
    (a * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [7.0, 7.0])


def test_hook_returning_none_keeps_the_gradient():
    a = leaf([1.0])
    a.register_hook(lambda g: None)
    (a * 5).sum().backward()
    assert a.grad.item() == 5.0


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        edutorch.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    a = leaf([1.0, 2.0])
    y = a * a
    z = y * 3
    y.retain_grad()
    z.sum().backward()
    assert y.retains_grad and not z.retains_grad
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])
    assert z.grad is None
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 12.0])


# ------------------------------------------------------------------ autograd.grad
def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = edutorch.autograd.grad((a * b).sum(), [a, b])
    np.testing.assert_allclose(ga.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gb.numpy(), [1.0, 2.0])
    assert a.grad is None and b.grad is None


def test_autograd_grad_allow_unused():
    a, unused = leaf([1.0]), leaf([2.0])
    y = (a * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        edutorch.autograd.grad(y, [a, unused], retain_graph=True)
    ga, gu = edutorch.autograd.grad(y, [a, unused], allow_unused=True)
    assert ga.item() == 2.0 and gu is None


def test_autograd_grad_of_a_non_leaf_input():
    a = leaf([1.0, 2.0])
    h = a * a
    (gh,) = edutorch.autograd.grad((h * 3).sum(), h)
    np.testing.assert_allclose(gh.numpy(), [3.0, 3.0])


def test_create_graph_gives_second_derivatives():
    x = leaf(2.0, edutorch.float64)
    y = x**3
    (dy,) = edutorch.autograd.grad(y, x, create_graph=True)
    assert dy.item() == 12.0 and dy.requires_grad
    (d2y,) = edutorch.autograd.grad(dy, x, create_graph=True)
    assert d2y.item() == 12.0  # 6x
    (d3y,) = edutorch.autograd.grad(d2y, x)
    assert d3y.item() == 6.0


def test_backward_with_create_graph_then_backward_of_the_gradient():
    x = leaf([1.0, 2.0])
    y = (x.sin() * x).sum()
    y.backward(create_graph=True)
    g = x.grad  # cos(x)·x + sin(x), itself differentiable
    x.grad = None
    g.sum().backward()
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(xs) * xs + 2 * np.cos(xs), rtol=1e-6)


# ------------------------------------------------------------------ custom Function
class Cube(Function):
    """y = x³ with a hand-written backward."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad if hasattr(ctx, "needs_input_grad") else None
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * ctx.scale, None


def test_custom_function_forward_backward_and_needs_input_grad():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None and not y.is_leaf
    assert y.grad_fn.needs_input_grad == (True, False)
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_custom_function_forward_runs_without_grad():
    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.inside = edutorch.is_grad_enabled()
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return grad

    y = Probe.apply(leaf([1.0]))
    assert y.grad_fn.inside is False and y.requires_grad


def test_custom_function_with_two_outputs_and_a_non_differentiable_one():
    class SortWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            idx = edutorch.argsort(x)
            ctx.save_for_backward(idx)
            ctx.mark_non_differentiable(idx)
            return x[idx], idx

        @staticmethod
        def backward(ctx, grad_values, grad_idx):
            (idx,) = ctx.saved_tensors
            out = edutorch.zeros_like(grad_values)
            out[idx] = grad_values
            return out

    x = leaf([3.0, 1.0, 2.0])
    values, idx = SortWithIndex.apply(x)
    assert not idx.requires_grad and values.requires_grad
    np.testing.assert_allclose(values.detach().numpy(), [1.0, 2.0, 3.0])
    (values * edutorch.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_custom_function_used_twice_in_one_graph():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 1.0) + Cube.apply(x * 2, 1.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 4.0]) * (1 + 8))


def test_custom_function_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


# ------------------------------------------------------------------ grad modes
def test_no_grad_context_manager_and_decorator():
    a = leaf([1.0])
    with edutorch.no_grad():
        assert not edutorch.is_grad_enabled()
        y = a * 2
    assert edutorch.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad

    @edutorch.no_grad()
    def f(t):
        return t * 2

    assert not f(a).requires_grad and edutorch.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    a = leaf([1.0])
    with edutorch.no_grad():
        with edutorch.enable_grad():
            assert (a * 2).requires_grad
        assert not (a * 2).requires_grad

    @edutorch.enable_grad()
    def f(t):
        return t * 2

    with edutorch.no_grad():
        assert f(a).requires_grad


def test_set_grad_enabled_as_context_manager_function_and_decorator():
    a = leaf([1.0])
    with edutorch.set_grad_enabled(False):
        assert not (a * 2).requires_grad
    assert (a * 2).requires_grad
    edutorch.set_grad_enabled(False)  # plain call switches the mode, as in torch
    try:
        assert not edutorch.is_grad_enabled()
    finally:
        edutorch.set_grad_enabled(True)

    @edutorch.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert edutorch.is_grad_enabled()
    assert not f(a).requires_grad and edutorch.is_grad_enabled()


def test_grad_off_count_and_threads():
    """Ops skip the per-thread read while no thread has grad off (grad_mode.grad_off == 0): the
    count must come back to 0, and a thread with grad off must not switch it off elsewhere."""
    import threading

    from edutorch.autograd import grad_mode

    a = leaf([1.0])
    with edutorch.no_grad(), edutorch.no_grad(), edutorch.enable_grad():
        assert (a * 2).requires_grad
    edutorch.set_grad_enabled(False)
    edutorch.set_grad_enabled(False)
    edutorch.set_grad_enabled(True)
    (a * 2).sum().backward()  # the engine switches grad off for the pass
    assert grad_mode.grad_off == 0 and (a * 2).requires_grad
    inside, release = threading.Event(), threading.Event()
    seen = []

    def worker():
        with edutorch.no_grad():
            seen.append((a * 2).requires_grad)
            inside.set()
            release.wait(5)

    th = threading.Thread(target=worker)
    th.start()
    inside.wait(5)
    assert grad_mode.grad_off == 1 and (a * 2).requires_grad  # main thread: still on
    release.set()
    th.join()
    assert seen == [False] and grad_mode.grad_off == 0


def test_backward_formulas_follow_each_pass_create_graph():
    """Formulas read node.create_graph, set by the engine per pass: a retained graph run with
    create_graph=True and then without gives a differentiable gradient only the first time."""
    x = leaf([0.5, -1.0])
    y = ((x * x).tanh() - x).sigmoid().sum()
    (g1,) = edutorch.autograd.grad(y, x, create_graph=True)
    (g2,) = edutorch.autograd.grad(y, x, retain_graph=True)
    (g3,) = edutorch.autograd.grad(y, x, create_graph=True)
    assert g1.requires_grad and not g2.requires_grad and g3.requires_grad
    np.testing.assert_allclose(g1.detach().numpy(), g2.numpy(), rtol=1e-6)
    np.testing.assert_allclose(g3.detach().numpy(), g2.numpy(), rtol=1e-6)


def test_backward_returning_a_non_tensor_is_a_type_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.numpy()  # a numpy array, not a Tensor

    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="backward must return Tensors or None, got ndarray"):
        (Bad.apply(x) * x).sum().backward()


def test_broadcast_and_dtype_gradients_are_fitted_to_the_input():
    x = leaf([[1.0], [2.0]])
    x32 = leaf([1.0, 2.0])
    (x * edutorch.ones(2, 3)).sum().backward()
    (x32 * edutorch.ones(2, dtype=edutorch.float64)).sum().backward()  # a float64 gradient
    assert x.grad.shape == (2, 1) and x.grad.tolist() == [[3.0], [3.0]]
    assert x32.grad.dtype == edutorch.float32


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with edutorch.no_grad():
            raise ValueError
    assert edutorch.is_grad_enabled()


# ------------------------------------------------------------------ anomaly detection
def test_detect_anomaly_names_the_forward_op_and_the_user_line():
    x = leaf([0.0, 1.0])
    with edutorch.autograd.detect_anomaly():
        y = x.sqrt()  # THE-LINE: d sqrt(x)/dx = inf at 0
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "SqrtBackward0" in msg and "inf" in msg
    assert "'sqrt'" in msg
    assert __file__ in msg and "THE-LINE" in msg
    assert not edutorch.autograd.is_anomaly_enabled()


def test_detect_anomaly_reports_nan_and_is_off_by_default():
    x = leaf([-1.0])
    y = x.log()  # created outside detect_anomaly: no location recorded, nan passes silently
    y.backward(retain_graph=True)
    assert y.grad_fn.location is None
    with edutorch.autograd.detect_anomaly():
        z = (x * 0).log() * 0  # 0 · (1/0) = nan in backward of mul
        with pytest.raises(RuntimeError, match="nan"):
            z.sum().backward()


# ------------------------------------------------------------------ in-place ops
def test_inplace_ops_change_values_and_keep_identity():
    x = edutorch.tensor([1.0, -2.0, 3.0])
    mem = x.data_ptr()
    assert x.add_(1) is x
    x.sub_(edutorch.tensor([0.5, 0.5, 0.5]))
    x.mul_(2)
    x.div_(4)
    np.testing.assert_allclose(x.numpy(), [0.75, -0.75, 1.75])
    x.clamp_(-0.5, 0.5)
    np.testing.assert_allclose(x.numpy(), [0.5, -0.5, 0.5])
    x.copy_(edutorch.tensor([7.0, 8.0, 9.0]))
    np.testing.assert_allclose(x.numpy(), [7.0, 8.0, 9.0])
    x.fill_(2.5)
    np.testing.assert_allclose(x.numpy(), [2.5, 2.5, 2.5])
    x.zero_()
    np.testing.assert_allclose(x.numpy(), [0.0, 0.0, 0.0])
    x.add_(edutorch.tensor([1.0, 1.0, 1.0]), alpha=3)
    np.testing.assert_allclose(x.numpy(), [3.0, 3.0, 3.0])
    assert x.data_ptr() == mem  # same memory throughout: views and optimizers rely on it


def test_inplace_random_fills():
    edutorch.manual_seed(0)
    x = edutorch.empty(1000)
    x.normal_(2.0, 0.5)
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 0.5) < 0.1
    x.uniform_(-1, 1)
    assert x.min().item() >= -1 and x.max().item() < 1
    assert x.dtype is edutorch.float32


def test_inplace_writes_through_views():
    base = edutorch.zeros(2, 3)
    base[0].add_(1)
    base[:, 2].fill_(5)
    base.t()[1].mul_(3)
    np.testing.assert_allclose(base.numpy(), [[1, 3, 5], [0, 0, 5]])


def test_parameter_update_under_no_grad():
    p = leaf([1.0, 2.0])
    (p * p).sum().backward()
    mem = p.data_ptr()
    with edutorch.no_grad():
        p -= 0.1 * p.grad
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None and p.data_ptr() == mem


def test_inplace_on_a_leaf_that_requires_grad_raises():
    p = leaf([1.0, 2.0])
    for op in (lambda: p.add_(1), lambda: p.mul_(2), lambda: p.zero_(), lambda: p.normal_()):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p[0] = 3.0


def test_inplace_on_a_non_leaf_is_differentiated():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.add_(2)
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(y.detach().numpy(), [9.0, 12.0])


def test_inplace_change_of_a_saved_tensor_raises_at_backward():
    x = leaf([1.0, 2.0])
    y = x.sigmoid()  # saves its output y
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_of_a_saved_input_raises_at_backward():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    h = x * 1
    out = h * w  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        out.sum().backward()


def test_inplace_change_through_no_grad_is_still_detected():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    out = x * w
    with edutorch.no_grad():
        x.add_(1)  # allowed (no_grad) but the saved x has changed
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_inplace_through_a_detached_alias_is_detected():
    """detach() shares memory and the version counter, as in torch."""
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    out = x * w
    x.detach().zero_()
    assert x._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# in-place changes through views, under autograd: the same values and gradients as torch
def slice_mul_(T, x, w):
    y = x * 1
    y[0:2].mul_(2)
    return y


def row_copy_into_buffer(T, x, w):
    buf = T.zeros(2, 3)
    buf[0].copy_(x * w)
    return buf


def setitem_on_a_view(T, x, w):
    y = x.reshape(3, 1) * 1
    y.t()[0] = w
    return y


def unsqueeze_then_use_base(T, x, w):
    h = x * 1
    h.unsqueeze(0).mul_(w)
    return h * h


def view_of_a_view(T, x, w):
    y = x.reshape(1, 3) * 1
    y.view(3)[1:].add_(w[:2])
    return y


def one_element(T, x, w):
    y = x * 2
    y[1].mul_(w[0])
    return y


def clamp_a_column(T, x, w):
    m = x.outer(w) * 1
    m[:, 1].clamp_(-0.1, 0.1)
    return m


def view_made_before_base_changed(T, x, w):
    y = x * 1
    v = y[0:2]
    y.mul_(w)
    return T.cat([v, v])


def sibling_view_changed(T, x, w):
    y = x.reshape(3, 1) * 1
    first, last = y[0:2], y[1:]
    last.mul_(w[:2].reshape(2, 1))
    return T.cat([first.reshape(-1), y.reshape(-1)])


VIEW_CASES = [
    slice_mul_, row_copy_into_buffer, setitem_on_a_view, unsqueeze_then_use_base, view_of_a_view,
    one_element, clamp_a_column, view_made_before_base_changed, sibling_view_changed,
]  # fmt: skip


@pytest.mark.parametrize("case", VIEW_CASES, ids=lambda f: f.__name__)
def test_inplace_through_a_view_matches_torch(case):
    values = ([0.5, -1.0, 2.0], [1.5, 0.25, -0.75])
    weights = [1.0, 10.0, 100.0]

    def run(T):
        x, w = (T.tensor(v, requires_grad=True) for v in values)
        out = case(T, x, w)
        (out.reshape(-1)[: len(weights)] * T.tensor(weights)).sum().backward()
        return out.detach().numpy().copy(), x.grad.numpy().copy(), w.grad

    got = run(edutorch)
    if torch is None:
        assert got[1].shape == (3,)
        return
    want = run(torch)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    assert (got[2] is None) == (want[2] is None)
    if want[2] is not None:
        np.testing.assert_allclose(got[2].numpy(), want[2].numpy(), rtol=1e-6)


def test_inplace_on_a_view_of_a_leaf_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].add_(1)
    with edutorch.no_grad():
        x[0].add_(1)  # fine outside autograd
    assert x.detach().tolist() == [2.0, 2.0]


def test_inplace_on_an_expanded_tensor_raises():
    x = edutorch.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        x.add_(1)


def test_views_see_an_inplace_change_under_autograd():
    x = leaf([1.0, 2.0])
    y = x * 1
    v = y.view(2)
    y.add_(1)
    assert v.tolist() == [2.0, 3.0]


# ------------------------------------------------------------------ __setitem__, data, detach
def test_setitem_outside_autograd():
    x = edutorch.zeros(3, 4)
    x[0] = 1.0
    x[1, 1:3] = edutorch.tensor([2.0, 3.0])
    x[:, -1] = edutorch.tensor([7.0, 8.0, 9.0])
    x[x == 0] = -1.0
    x[edutorch.tensor([2, 2])] = 5.0
    expected = np.array([[1, 1, 1, 7], [-1, 2, 3, 8], [5, 5, 5, 5]], dtype=np.float32)
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 5


def test_setitem_on_a_non_leaf_is_differentiated():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y[1] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 2.0])


def test_data_property_shares_memory_and_has_no_history():
    x = leaf([1.0, 2.0])
    d = x.data
    assert not d.requires_grad and d.grad_fn is None
    d.mul_(10)  # invisible to autograd, visible in x
    np.testing.assert_allclose(x.detach().numpy(), [10.0, 20.0])
    x.data = edutorch.tensor([5.0, 6.0])
    np.testing.assert_allclose(x.detach().numpy(), [5.0, 6.0])
    assert x.requires_grad and x.is_leaf


def test_detach_shares_memory_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad
    assert np.shares_memory(d._data, y._data)
    assert not (d * x).detach().requires_grad
    z = (d * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_requires_grad_flags():
    x = edutorch.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        edutorch.tensor([1, 2]).requires_grad_()
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


# ------------------------------------------------------------------ dtypes and promotion
def test_dtype_conversions():
    x = edutorch.tensor([1.7, -2.2])
    assert x.dtype is edutorch.float32
    assert x.double().dtype is edutorch.float64
    assert x.long().tolist() == [1, -2]
    assert x.int().dtype is edutorch.int32
    assert x.bool().tolist() == [True, True]
    assert x.to(edutorch.float64).dtype is edutorch.float64
    assert x.to(edutorch.int64).dtype is edutorch.int64
    assert x.float() is x and x.to(edutorch.float32) is x
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to("cpu", edutorch.float64).dtype is edutorch.float64
    assert x.to(edutorch.tensor([1])).dtype is edutorch.int64
    assert x.type() == "edutorch.FloatTensor"
    assert edutorch.tensor([1, 0]).bool().float().tolist() == [1.0, 0.0]
    assert edutorch.tensor([255], dtype=edutorch.uint8).dtype is edutorch.uint8


def test_dtype_conversion_is_differentiable():
    x = leaf([1.5, 2.5])
    y = x.double() * 2
    y.sum().backward()
    assert x.grad.dtype is edutorch.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


PROMOTION_CASES = [
    (lambda T: T.tensor([1, 2]) * 2.5, "float32", [2.5, 5.0]),
    (lambda T: T.tensor([1, 2]) + T.tensor([0.5, 0.5]), "float32", [1.5, 2.5]),
    (lambda T: T.tensor([1, 2]) + T.tensor(0.5, dtype=T.float64), "float64", [1.5, 2.5]),
    (lambda T: T.tensor([1.0, 2.0]) + T.tensor(1.0, dtype=T.float64), "float32", [2.0, 3.0]),
    (lambda T: T.tensor([1, 2], dtype=T.int32) + T.tensor(1), "int32", [2, 3]),
    (lambda T: T.tensor([1, 2], dtype=T.int32) + T.tensor([1]), "int64", [2, 3]),
    (lambda T: T.tensor([True, False]) + 1, "int64", [2, 1]),
    (lambda T: T.tensor([True, False]) * 1.5, "float32", [1.5, 0.0]),
    (lambda T: T.tensor([True, False]) & T.tensor([True, True]), "bool", [True, False]),
    (lambda T: T.tensor([1, 2], dtype=T.uint8) + T.tensor([1], dtype=T.int32), "int32", [2, 3]),
    (lambda T: T.tensor([1, 2], dtype=T.uint8) + 300, "uint8", [45, 46]),
    (lambda T: T.tensor([1.0], dtype=T.float64) * T.tensor([2.0]), "float64", [2.0]),
    (lambda T: T.tensor([3, 4]) / 2, "float32", [1.5, 2.0]),
    (lambda T: T.tensor([3, 4]) / T.tensor([2, 2]), "float32", [1.5, 2.0]),
    (lambda T: T.tensor([7, -7]) // 2, "int64", [3, -4]),
    (lambda T: T.tensor([7, -7]) % 3, "int64", [1, 2]),
    (lambda T: T.tensor([2, 3]) ** 2, "int64", [4, 9]),
    (lambda T: T.tensor([2, 3]) ** 0.5, "float32", [2**0.5, 3**0.5]),
    (lambda T: 2 ** T.tensor([2, 3]), "int64", [4, 8]),
    (lambda T: T.tensor([1, 2]) < 1.5, "bool", [True, False]),
    (lambda T: T.tensor([1, 2]).sum(), "int64", 3),
    (lambda T: T.tensor([True, True]).sum(), "int64", 2),
    (lambda T: T.tensor([1, 2]).float().mean(), "float32", 1.5),
    (lambda T: T.tensor([1, 4]).sqrt(), "float32", [1.0, 2.0]),
    (lambda T: T.tensor([1, 2]).exp().dtype == T.float32, "bool", True),
    (lambda T: T.where(T.tensor([True, False]), T.tensor([1, 2]), 0.5), "float32", [1.0, 0.5]),
    (lambda T: T.cat([T.tensor([1]), T.tensor([0.5])]), "float32", [1.0, 0.5]),
]


@pytest.mark.parametrize("case", range(len(PROMOTION_CASES)))
def test_type_promotion(case):
    make, dtype, values = PROMOTION_CASES[case]
    out = make(edutorch)
    out = out if isinstance(out, edutorch.Tensor) else edutorch.tensor(out)
    assert out.dtype.name == dtype
    np.testing.assert_allclose(out.numpy(), values, rtol=1e-6)
    if torch is not None:
        ref = make(torch)
        ref = ref if isinstance(ref, torch.Tensor) else torch.tensor(ref)
        assert str(ref.dtype) == f"torch.{dtype}"
        np.testing.assert_allclose(ref.numpy(), values, rtol=1e-6)


@needs_torch
@pytest.mark.parametrize("op", ["add", "mul", "div", "lt"])
def test_promotion_table_matches_torch(op):
    """Every pair among bool/uint8/int32/int64/float32/float64, dimensioned and 0-dim, and
    Python scalars: edutorch's result dtype is torch's."""
    names = ["bool", "uint8", "int32", "int64", "float32", "float64"]
    operands = [("t", n) for n in names] + [("0", n) for n in names]
    operands += [("s", True), ("s", 2), ("s", 2.5)]

    def make(T, kind, v):
        if kind == "s":
            return v
        dtype = getattr(T, v)
        return T.ones(2, dtype=dtype) if kind == "t" else T.ones((), dtype=dtype)

    for ka, va in operands:
        for kb, vb in operands:
            if ka == "s" and (kb == "s" or op == "lt"):
                continue  # torch.lt takes a number only as its second argument
            ref = getattr(torch, op)(make(torch, ka, va), make(torch, kb, vb))
            got = getattr(edutorch, op)(make(edutorch, ka, va), make(edutorch, kb, vb))
            want = str(ref.dtype).replace("torch.", "")
            assert got.dtype.name == want, f"{op}({ka}:{va}, {kb}:{vb})"


# ------------------------------------------------------------------ creation
def test_tensor_infers_dtypes_like_torch():
    assert edutorch.tensor([1.0, 2]).dtype is edutorch.float32
    assert edutorch.tensor([1, 2]).dtype is edutorch.int64
    assert edutorch.tensor([True, False]).dtype is edutorch.bool
    assert edutorch.tensor([True, 2]).dtype is edutorch.int64
    assert edutorch.tensor(3.5).shape == () and edutorch.tensor(3.5).dtype is edutorch.float32
    assert edutorch.tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert edutorch.tensor(np.zeros(2)).dtype is edutorch.float64  # numpy's dtype is kept
    assert edutorch.tensor(np.zeros(2, np.int32)).dtype is edutorch.int32
    assert edutorch.tensor([], dtype=edutorch.float64).shape == (0,)
    assert edutorch.tensor([1, 2], dtype=edutorch.float64).dtype is edutorch.float64
    assert edutorch.tensor([edutorch.tensor(1.0), edutorch.tensor(2.0)]).tolist() == [1.0, 2.0]
    arr = np.ones(2, np.float32)
    t = edutorch.tensor(arr)
    arr[0] = 5
    assert t[0].item() == 1.0  # tensor() copies


def test_as_tensor_and_from_numpy_share_memory():
    arr = np.zeros(3, np.float32)
    a, f = edutorch.as_tensor(arr), edutorch.from_numpy(arr)
    arr[0] = 7
    assert a[0].item() == 7 and f[0].item() == 7
    f[1] = 3
    assert arr[1] == 3
    assert edutorch.from_numpy(np.zeros(2)).dtype is edutorch.float64
    assert edutorch.as_tensor([1, 2]).dtype is edutorch.int64
    t = edutorch.tensor([1.0])
    assert edutorch.as_tensor(t) is t
    with pytest.raises(TypeError):
        edutorch.from_numpy([1, 2])


def test_filled_creation_functions():
    assert edutorch.zeros(2, 3).shape == (2, 3) and edutorch.zeros(2, 3).dtype is edutorch.float32
    assert edutorch.zeros((2, 3)).shape == (2, 3)
    assert edutorch.ones(2, dtype=edutorch.int64).tolist() == [1, 1]
    assert edutorch.empty(4).shape == (4,)
    assert edutorch.full((2,), 7).dtype is edutorch.int64
    assert edutorch.full((2,), 7.0).dtype is edutorch.float32
    assert edutorch.full((2,), True).dtype is edutorch.bool
    ref = edutorch.ones(2, 2, dtype=edutorch.float64)
    for like in (edutorch.zeros_like, edutorch.ones_like, edutorch.empty_like):
        out = like(ref)
        assert out.shape == (2, 2) and out.dtype is edutorch.float64
    assert edutorch.full_like(ref, 3).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert edutorch.zeros_like(ref, dtype=edutorch.int64).dtype is edutorch.int64
    assert edutorch.zeros(2, requires_grad=True).requires_grad


def test_arange_linspace_eye():
    assert edutorch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert edutorch.arange(5).dtype is edutorch.int64
    assert edutorch.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert edutorch.arange(0.0, 1.0, 0.25).dtype is edutorch.float32
    assert len(edutorch.arange(0, 1, 0.1)) == 10
    assert edutorch.arange(5, dtype=edutorch.float64).dtype is edutorch.float64
    assert edutorch.arange(3, 0, -1).tolist() == [3, 2, 1]
    lin = edutorch.linspace(0, 1, 5)
    assert lin.dtype is edutorch.float32 and lin.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert edutorch.eye(3).tolist() == np.eye(3).tolist()
    assert edutorch.eye(2, 3).shape == (2, 3)


def test_random_creation_is_reproducible_with_manual_seed():
    def draw():
        return [
            edutorch.rand(3), edutorch.randn(2, 2), edutorch.randint(0, 10, (5,)),
            edutorch.randperm(6),
        ]  # fmt: skip

    edutorch.manual_seed(123)
    first = draw()
    edutorch.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        assert a.tolist() == b.tolist()
    r, n, i, p = first
    assert r.dtype is edutorch.float32 and (r.numpy() >= 0).all() and (r.numpy() < 1).all()
    assert n.shape == (2, 2)
    assert i.dtype is edutorch.int64 and ((i.numpy() >= 0) & (i.numpy() < 10)).all()
    assert sorted(p.tolist()) == list(range(6)) and p.dtype is edutorch.int64
    assert edutorch.randint(5, (3,)).shape == (3,)


def test_generator_is_an_independent_stream():
    g1 = edutorch.Generator().manual_seed(7)
    g2 = edutorch.Generator().manual_seed(7)
    edutorch.manual_seed(0)
    a = edutorch.randn(4, generator=g1)
    edutorch.randn(10)  # the default stream moving on does not affect g2
    b = edutorch.randn(4, generator=g2)
    assert a.tolist() == b.tolist()
    state = g1.get_state()
    c = edutorch.rand(3, generator=g1)
    g1.set_state(state)
    assert edutorch.rand(3, generator=g1).tolist() == c.tolist()
    assert g1.initial_seed() == 7


# ------------------------------------------------------------------ attributes and device
def test_tensor_attributes():
    x = edutorch.arange(6).reshape(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 6
    assert repr(x.shape) == "edutorch.Size([2, 3])"
    assert x.T.shape == (3, 2) and x.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert x[1, 2].item() == 5 and isinstance(x[1, 2].item(), int)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert isinstance(x.numpy(), np.ndarray)
    c = x.clone()
    c[0, 0] = 9
    assert x[0, 0].item() == 0
    assert not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert x.contiguous() is x
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        leaf([1.0]).numpy()


def test_device_is_cpu_and_cuda_raises_clearly():
    x = edutorch.ones(2, device="cpu")
    assert str(x.device) == "cpu" and x.device == edutorch.device("cpu") and not x.is_cuda
    assert x.to(edutorch.device("cpu")) is x
    for bad in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: edutorch.zeros(2, device="cuda"),
                lambda: edutorch.device("cuda:0"), lambda: x.to(device="cuda")):  # fmt: skip
        with pytest.raises(RuntimeError, match="cuda"):
            bad()
    assert edutorch.cuda.is_available() is False


# ------------------------------------------------------------------ repr
REPR_CASES = [
    lambda T: T.tensor([1.0, 2.5]),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]),
    lambda T: T.tensor(3.25),
    lambda T: T.tensor([1, 2, 3]),
    lambda T: T.tensor([True, False]),
    lambda T: T.tensor([1.5, 2.0], dtype=T.float64),
    lambda T: T.tensor([1, 2], dtype=T.int32),
    lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    lambda T: T.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda T: T.tensor([1.0, 2.0], requires_grad=True) + 1,
    lambda T: T.tensor([1.0, 2.0], requires_grad=True).sum(),
    lambda T: T.tensor([1e-5, 1.0]),
    lambda T: T.tensor([123456.0, 1.0]),
    lambda T: T.tensor([-1.0, 0.5]),
    lambda T: T.tensor([float("nan"), 1.0, float("inf")]),
    lambda T: T.zeros(2, 0),
    lambda T: T.tensor([]),
    lambda T: T.arange(12).reshape(3, 4),
    lambda T: T.ones(2, 3, 2),
    lambda T: T.arange(2000),
    lambda T: T.tensor([0.1, 0.25, 100.0]),
]


@needs_torch
@pytest.mark.parametrize("case", range(len(REPR_CASES)))
def test_repr_matches_torch(case):
    make = REPR_CASES[case]
    want = repr(make(torch)).replace("torch.", "edutorch.")
    assert repr(make(edutorch)) == want


@needs_torch
def test_repr_matches_torch_over_shapes_scales_and_dtypes():
    """Number format, padding, line breaks, summaries and suffixes, on random values."""
    rng = np.random.default_rng(0)
    shapes = [(), (5,), (3, 4), (2, 3, 4), (30,), (40, 40), (1500,), (7, 200), (2, 0), (0,)]
    mismatches = []
    for dtype in (np.float32, np.float64, np.int64, np.int32, np.bool_):
        for scale in (1e-6, 1e-3, 1.0, 1e5, 1e9):
            for shape in shapes:
                values = rng.standard_normal(shape) * scale
                values = (values > 0) if dtype is np.bool_ else values.astype(dtype)
                grad = dtype in (np.float32, np.float64) and scale == 1.0
                want = repr(torch.tensor(values, requires_grad=grad)).replace("torch.", "edutorch.")
                got = repr(edutorch.tensor(values, requires_grad=grad))
                if got != want:
                    mismatches.append(f"{dtype.__name__} x{scale} {shape}:\n{got}\n!=\n{want}")
    assert not mismatches, mismatches[0]


def test_repr_without_torch():
    assert repr(edutorch.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(leaf([1.0]) * 2) == "tensor([2.], grad_fn=<MulBackward0>)"
    assert repr(edutorch.tensor([1, 2], dtype=edutorch.int32)) == (
        "tensor([1, 2], dtype=edutorch.int32)"
    )


# ------------------------------------------------------------------ what a debugger sees
def test_graph_nodes_keep_what_a_debugger_needs():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = a * b
    node = y.grad_fn
    assert node.op == "mul" and node.name() == "MulBackward0"
    assert node.inputs[0] is a and node.inputs[1] is b
    assert node.saved_tensors[0] is a and node.saved_tensors[1] is b
    assert node.outputs == (None,)  # weak references to outputs: only while being watched
    assert node.location is None  # recorded only while a tracer or anomaly mode is on
    (leaf_a, _), (leaf_b, _) = node.next_functions
    assert leaf_a.variable is a and leaf_b.variable is b
    z = y.sum()
    assert z.grad_fn.next_functions[0][0] is node
    with edutorch.autograd.detect_anomaly():
        w = a * 2  # THE-LOCATION
    assert w.grad_fn.location[0] == __file__ and "THE-LOCATION" in w.grad_fn.location[2]
    assert w.grad_fn.outputs[0]() is w


def test_no_graph_is_built_without_grad():
    a = leaf([1.0])
    with edutorch.no_grad():
        y = a * a
    assert y.grad_fn is None
    y = edutorch.tensor([1.0]) * 2  # no input requires grad
    assert y.grad_fn is None and not y.requires_grad


def test_backward_with_inputs_only_fills_those():
    a, b = leaf([1.0]), leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None

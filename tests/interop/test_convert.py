"""to_torch / from_torch: every layer and option computes the same numbers in both frameworks.

For each case: the converted layer gives the same outputs (eval and train mode) and gradients to
float32 rounding, has the same state_dict keys and values, and a round trip gives back exactly
the same weights.
"""

import subprocess
import sys

import numpy as np
import pytest

import edutorch
from edutorch.interop import from_torch, tensors_from_torch, tensors_to_torch, to_torch
from edutorch.interop._layers import ARGS, CONTAINERS

from .cases import CASES, STATE_ONLY, TRAIN_RANDOM

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-5, "atol": 2e-6}
# torch's advice (nested tensors, padding='same' with even kernels) is not what is tested here
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def to_numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def flat(out):
    """Every tensor of a (possibly nested) output, as numpy arrays; None stays out."""
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in flat(o)]
    return [] if out is None else [to_numpy(out)]


def state(module):
    return {k: to_numpy(v) for k, v in module.state_dict().items()}


def assert_same_state(a, b, exact=False):
    sa, sb = state(a), state(b)
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype, k
        if exact:
            np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)
        else:
            np.testing.assert_allclose(sa[k], sb[k], err_msg=k, **TOL)


def run(framework, module, arrays, weights):
    """Outputs, and the gradients of sum(output * weights) w.r.t. every parameter."""
    xs = [framework.from_numpy(a.copy()) for a in arrays]
    for x in xs:
        if x.is_floating_point():
            x.requires_grad_(True)
    out = module(*xs)
    outs, tensors = flat(out), _tensors(out)
    total = sum((t * framework.from_numpy(w)).sum() for t, w in zip(tensors, weights)
                if t.is_floating_point())  # fmt: skip
    grads = []
    if getattr(total, "requires_grad", False):
        total.backward()
        grads = [to_numpy(p.grad) for p in module.parameters() if p.grad is not None]
        grads += [to_numpy(x.grad) for x in xs if x.grad is not None]
    return outs, grads


def _tensors(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return [] if out is None else [out]


def check_same_function(a, fa, b, fb, arrays, train):
    rng = np.random.default_rng(1)
    a.train(train)
    b.train(train)
    # copies: a training-mode call moves BatchNorm's running statistics
    a2, b2 = _clone(a), _clone(b)
    out_a = flat(_clone(a)(*[fa.from_numpy(x.copy()) for x in arrays]))
    weights = [rng.standard_normal(o.shape).astype(o.dtype) for o in out_a]
    outs_a, grads_a = run(fa, a2, arrays, weights)
    outs_b, grads_b = run(fb, b2, arrays, weights)
    assert len(outs_a) == len(outs_b)
    for x, y in zip(outs_a, outs_b):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, **TOL)
    assert len(grads_a) == len(grads_b)
    for x, y in zip(grads_a, grads_b):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
    assert_same_state(a2, b2)  # running statistics moved the same way


def _clone(module):
    import copy

    return copy.deepcopy(module)


@pytest.mark.parametrize("direction", ["to_torch", "from_torch"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_converted_layer_computes_the_same_function(name, direction):
    src, dst, convert = (edutorch, torch, to_torch) if direction == "to_torch" else (
        torch, edutorch, from_torch)  # fmt: skip
    build, inputs = CASES[name]
    src.manual_seed(0)
    original = build(src.nn)
    converted = convert(original)
    assert type(converted) is getattr(dst.nn, type(original).__name__)
    assert_same_state(original, converted, exact=True)
    arrays = inputs(np.random.default_rng(0))
    for train in (False,) if name in TRAIN_RANDOM else (False, True):
        check_same_function(original, src, converted, dst, arrays, train)


@pytest.mark.parametrize("name", sorted(CASES) + sorted(STATE_ONLY))
def test_round_trip_is_the_identity_on_weights_and_repr(name):
    build = CASES[name][0] if name in CASES else STATE_ONLY[name]
    edutorch.manual_seed(0)
    ours = build(edutorch.nn)
    theirs = to_torch(ours)
    back = from_torch(theirs)
    assert_same_state(ours, theirs, exact=True)
    assert_same_state(ours, back, exact=True)
    assert repr(back) == repr(ours)
    assert [k for k, _ in back.named_parameters()] == [k for k, _ in ours.named_parameters()]


def test_every_layer_of_edutorch_nn_is_covered():
    bases = {"Module", "RNNBase", "RNNCellBase", "NonDynamicallyQuantizableLinear"}
    layers = {
        name for name in dir(edutorch.nn)
        if isinstance(getattr(edutorch.nn, name), type)
        and issubclass(getattr(edutorch.nn, name), edutorch.nn.Module)
    } - bases  # fmt: skip
    assert layers - set(ARGS) - set(CONTAINERS) == set()
    tested = {name.split("-")[0] for name in CASES} | set(STATE_ONLY)
    assert layers - tested == set()


def test_buffers_modes_and_flags_carry_over():
    edutorch.manual_seed(0)
    model = edutorch.nn.Sequential(edutorch.nn.Linear(3, 4), edutorch.nn.BatchNorm1d(4))
    model(edutorch.randn(8, 3))  # running statistics move, num_batches_tracked = 1
    model(edutorch.randn(8, 3))
    model[0].weight.requires_grad_(False)
    model.eval()
    model[1].train()  # modes are per module
    model[0].register_buffer("extra", edutorch.ones(2), persistent=False)
    t = to_torch(model)
    assert int(t[1].num_batches_tracked) == 2 and t[1].num_batches_tracked.dtype == torch.int64
    np.testing.assert_array_equal(t[1].running_var.numpy(), model[1].running_var.numpy())
    assert (t.training, t[0].training, t[1].training) == (False, False, True)
    assert not t[0].weight.requires_grad and t[0].bias.requires_grad
    assert "0.extra" not in t.state_dict() and t[0].extra.tolist() == [1.0, 1.0]
    back = from_torch(t)
    assert int(back[1].num_batches_tracked) == 2
    assert (back.training, back[0].training, back[1].training) == (False, False, True)
    assert not back[0].weight.requires_grad


def test_dtype_and_shared_layers_are_kept():
    edutorch.manual_seed(0)
    shared = edutorch.nn.Linear(3, 3).double()
    model = edutorch.nn.Sequential(shared, edutorch.nn.Tanh(), shared)
    t = to_torch(model)
    assert t[0].weight.dtype == torch.float64
    assert t[0] is t[2]  # one layer used twice stays one layer
    assert len(list(t.parameters())) == 2
    x = np.random.default_rng(0).standard_normal((2, 3))
    np.testing.assert_allclose(model(edutorch.from_numpy(x)).detach().numpy(),
                               t(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)  # fmt: skip


def test_unsupported_classes_raise_a_type_error_naming_them():
    class Net(edutorch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = edutorch.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(TypeError, match="cannot convert Net .*tensors_to_torch"):
        to_torch(Net())
    with pytest.raises(TypeError, match="cannot convert Net"):
        to_torch(edutorch.nn.Sequential(edutorch.nn.Linear(2, 2), Net()))
    with pytest.raises(TypeError, match="cannot convert Bilinear"):
        from_torch(torch.nn.Bilinear(2, 2, 2))
    with pytest.raises(TypeError, match="cannot convert Linear"):
        from_torch(edutorch.nn.Linear(2, 2))  # the wrong direction
    with pytest.raises(TypeError, match="cannot convert the activation"):
        to_torch(edutorch.nn.TransformerEncoderLayer(4, 2, 8, activation=lambda x: x))


def net_class(nn):
    """The same user-written class, against either framework."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)
            self.norm = nn.BatchNorm1d(3)

        def forward(self, x):
            return self.norm(self.fc(x))

    return Net


def test_a_custom_class_moves_with_tensors_to_torch():
    ours = net_class(edutorch.nn)()
    ours(edutorch.randn(4, 2))
    theirs = net_class(torch.nn)()
    theirs.load_state_dict(tensors_to_torch(ours.state_dict()))
    assert_same_state(ours, theirs, exact=True)
    back = tensors_from_torch(theirs.state_dict())
    assert all(isinstance(v, edutorch.Tensor) for v in back.values())
    ours.load_state_dict(back)


def test_optimizer_state_moves_and_training_continues_the_same():
    """Train 3 Adam steps in edutorch, carry model and optimizer to torch, step both again."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.integers(0, 2, 16)
    edutorch.manual_seed(0)
    model = edutorch.nn.Sequential(edutorch.nn.Linear(3, 8), edutorch.nn.ReLU(),
                                   edutorch.nn.Linear(8, 2))  # fmt: skip
    opt = edutorch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.01)

    def step(fw, model, opt):
        loss = fw.nn.functional.cross_entropy(model(fw.from_numpy(x)), fw.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step(edutorch, model, opt)
    t_model = to_torch(model)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=0.01, weight_decay=0.01)
    t_opt.load_state_dict(tensors_to_torch(opt.state_dict()))
    for _ in range(3):
        assert step(torch, t_model, t_opt) == pytest.approx(step(edutorch, model, opt), rel=1e-5)
    assert_same_state(model, t_model)


def test_edutorch_imports_without_torch_and_onnx():
    code = (
        "import sys; sys.modules['torch'] = sys.modules['onnx'] = None\n"
        "import edutorch, edutorch.interop\n"
        "m = edutorch.nn.Linear(2, 2)\n"
        "for f in (lambda: edutorch.interop.to_torch(m),\n"
        "          lambda: edutorch.onnx.export(m, edutorch.randn(1, 2), 'm.onnx')):\n"
        "    try:\n        f()\n    except ImportError as e:\n        print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "needs PyTorch" in out.stdout and "needs the onnx package" in out.stdout


def test_converting_leaves_the_random_streams_alone():
    model = edutorch.nn.Sequential(edutorch.nn.Linear(3, 4), edutorch.nn.LSTM(4, 5))
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    theirs = to_torch(model)
    assert torch.equal(torch.rand(3), expected)
    edutorch.manual_seed(7)
    expected = edutorch.rand(3)
    edutorch.manual_seed(7)
    from_torch(theirs)
    assert edutorch.equal(edutorch.rand(3), expected)

"""Module and Parameter: registration, traversal, state_dict, modes, conversion, hooks, repr."""

import copy
from collections import OrderedDict

import numpy as np
import pytest

import edutorch
from edutorch import nn
from edutorch.nn import Module, Parameter


def _net(lib):
    """The same nested model in edutorch or torch: shared layers, buffers, a None bias."""
    tnn = lib.nn

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(3, 3)
            self.register_buffer("running_mean", lib.zeros(3))
            self.register_buffer("num_batches_tracked", lib.tensor(0))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.scale = tnn.Parameter(lib.ones(3))

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = tnn.Linear(4, 3)
            self.blocks = tnn.Sequential(Block(), tnn.ReLU(), Block())
            self.head = tnn.ModuleDict({"out": tnn.Linear(3, 2, bias=False)})
            self.tied = self.fc1  # a shared module: its parameters appear once
            self.extra = tnn.ParameterList([tnn.Parameter(lib.zeros(2))])

        def forward(self, x):
            return self.head["out"](self.blocks(self.fc1(x)))

    return Net()


def _copy_weights(src, dst):
    """Copy an edutorch model's state into a torch model of the same structure."""
    import torch

    sd = {k: torch.from_numpy(np.array(v._data)) for k, v in src.state_dict().items()}
    dst.load_state_dict(sd)


# ------------------------------------------------------------------ Parameter
def test_parameter_shares_memory_and_is_leaf():
    t = edutorch.randn(2, 3)
    p = Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, edutorch.Tensor)
    p.data.mul_(0)
    assert np.all(t.numpy() == 0)
    assert not Parameter(t, requires_grad=False).requires_grad
    assert type(p * 2) is edutorch.Tensor  # results of ops are plain tensors
    assert Parameter().shape == (0,)


def test_parameter_repr_and_errors():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, -2.5], [3.0, 4.0]], dtype=np.float32)
    assert repr(Parameter(edutorch.tensor(a))) == repr(torch.nn.Parameter(torch.tensor(a)))
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        Parameter(edutorch.arange(3))
    q = copy.deepcopy(Parameter(edutorch.ones(2)))
    assert isinstance(q, Parameter) and q.requires_grad


def test_parameter_from_non_leaf_is_a_leaf():
    x = edutorch.ones(2, requires_grad=True) * 2
    p = Parameter(x)
    assert p.is_leaf and p.grad_fn is None


# ------------------------------------------------------------------ registration
def test_setattr_registers_parameters_buffers_modules():
    m = _net(edutorch)
    assert set(m._parameters) == set()
    assert list(m._modules) == ["fc1", "blocks", "head", "tied", "extra"]
    block = m.blocks[0]
    assert list(block._parameters) == ["scale"]
    assert list(block._buffers) == ["running_mean", "num_batches_tracked", "scratch"]
    assert m.tied is m.fc1
    assert m.head["out"].bias is None and "bias" in m.head["out"]._parameters


def test_reassign_and_delete():
    m = nn.Linear(2, 2)
    with pytest.raises(
        TypeError, match="cannot assign 'edutorch.FloatTensor' as parameter 'weight'"
    ):
        m.weight = edutorch.zeros(2, 2)
    m.weight = None  # allowed: a declared but absent parameter
    assert m.weight is None
    m.weight = Parameter(edutorch.zeros(2, 2))
    m.sub = nn.ReLU()
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    m.register_buffer("buf", edutorch.zeros(1))
    with pytest.raises(TypeError, match="as buffer 'buf'"):
        m.buf = 3
    m.buf = edutorch.ones(1)
    assert m._buffers["buf"].item() == 1
    # a name moves between kinds, never in two at once
    m.sub = Parameter(edutorch.ones(1))
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub, m.buf
    assert "sub" not in m._parameters and "buf" not in m._buffers
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'sub'"):
        getattr(m, "sub")  # noqa: B009


def test_registration_errors_match_torch():
    torch = pytest.importorskip("torch")

    def errors(lib):
        out = []

        class Early(lib.nn.Module):
            def __init__(self):
                self.w = lib.nn.Parameter(lib.zeros(1))

        class EarlyModule(lib.nn.Module):
            def __init__(self):
                self.m = lib.nn.ReLU()

        m = lib.nn.Linear(1, 1)
        m.plain = 1
        attempts = [
            Early, EarlyModule,
            lambda: m.register_parameter("a.b", None),
            lambda: m.register_parameter("", None),
            lambda: m.register_parameter("plain", None),
            lambda: m.register_parameter("x", lib.zeros(1)),
            lambda: m.register_buffer("a.b", None),
            lambda: m.register_buffer("y", 3),
            lambda: m.add_module("a.b", None),
            lambda: m.add_module("z", 3),
            lambda: m.add_module("plain", lib.nn.ReLU()),
            lambda: lib.nn.Module().forward(),
        ]  # fmt: skip
        for attempt in attempts:
            with pytest.raises(Exception) as info:
                attempt()
            out.append((info.type.__name__, str(info.value).replace("edutorch.", "torch.")))
        return out

    ours, theirs = errors(edutorch), errors(torch)
    assert ours == theirs


def test_non_leaf_parameter_rejected():
    m = Module()
    p = Parameter(edutorch.ones(2))
    p.grad_fn = (p * 2).grad_fn  # simulate a computed parameter
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        m.register_parameter("w", p)


# ------------------------------------------------------------------ traversal, vs torch
def test_named_members_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _net(edutorch), _net(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_parameters(prefix="model", recurse=True)] == [
        n for n, _ in theirs.named_parameters(prefix="model")
    ]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.blocks[0].named_parameters(recurse=False)] == ["scale"]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.buffers())) == len(list(theirs.buffers()))


def test_shared_parameter_yielded_once():
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    names = [n for n, _ in seq.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.bias"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_state_dict_keys_and_order_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _net(edutorch), _net(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "blocks.0.num_batches_tracked" in ours.state_dict()
    assert "blocks.0.scratch" not in ours.state_dict()
    assert list(ours.state_dict(keep_vars=True)) == list(theirs.state_dict(keep_vars=True))
    assert list(ours.state_dict(prefix="m.")) == list(theirs.state_dict(prefix="m."))


def test_state_dict_values_are_detached_views():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["weight"]
    assert not w.requires_grad and type(w) is edutorch.Tensor
    assert w.data_ptr() == m.weight.data_ptr()
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_copies_in_place():
    src, dst = _net(edutorch), _net(edutorch)
    w = dst.fc1.weight
    ptr = w.data_ptr()
    result = dst.load_state_dict(src.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst.fc1.weight is w and w.data_ptr() == ptr
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert dst.fc1.weight.requires_grad


def test_load_state_dict_strict_errors_match_torch():
    torch = pytest.importorskip("torch")

    def attempt(lib, strict):
        m = _net(lib)
        sd = m.state_dict()
        del sd["fc1.bias"]
        sd["blocks.0.fc.weight"] = lib.zeros(2, 3)
        sd["blocks.9.weight"] = lib.zeros(1)
        sd["bogus"] = lib.zeros(1)
        if strict:
            with pytest.raises(RuntimeError) as info:
                m.load_state_dict(sd)
            return str(info.value)
        with pytest.raises(RuntimeError) as info:  # size mismatches raise even when not strict
            m.load_state_dict(sd, strict=False)
        del sd["blocks.0.fc.weight"]
        return m.load_state_dict(sd, strict=False)

    ours, theirs = attempt(edutorch, True), attempt(torch, True)
    assert ours.startswith(
        "Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict:"
    )
    assert ours == theirs.replace("torch.Size", "edutorch.Size")
    ours, theirs = attempt(edutorch, False), attempt(torch, False)
    assert ours.missing_keys == theirs.missing_keys == ["fc1.bias", "blocks.0.fc.weight"]
    assert ours.unexpected_keys == theirs.unexpected_keys
    assert repr(ours) == repr(theirs)


def test_state_dict_metadata_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _net(edutorch).state_dict(), _net(torch).state_dict()
    assert dict(ours._metadata) == {
        k: {"version": v["version"]} for k, v in theirs._metadata.items()
    }


def test_load_state_dict_assign_takes_the_tensors():
    m = nn.Linear(2, 2)
    m.register_buffer("buf", edutorch.zeros(2))
    w, b = edutorch.ones(2, 2), edutorch.full((2,), 3.0)
    m.load_state_dict({"weight": w, "bias": b, "buf": b}, assign=True)
    assert isinstance(m.weight, Parameter) and m.weight.requires_grad
    assert m.weight.data_ptr() == w.data_ptr() and m.buf is b


def test_load_state_dict_type_errors():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight"'):
        m.load_state_dict({"weight": np.zeros((2, 2)), "bias": edutorch.zeros(2)})


def test_load_state_dict_from_torch_model_output_matches():
    torch = pytest.importorskip("torch")
    ours, theirs = _net(edutorch), _net(torch)
    _copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(edutorch.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


# ------------------------------------------------------------------ modes and conversion
def test_train_eval_recursive():
    m = _net(edutorch)
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_zero_grad_and_requires_grad():
    m = nn.Linear(3, 2)
    m(edutorch.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and np.all(g.numpy() == 0)
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_apply_order_children_first():
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_dtype_keeps_objects_and_integer_buffers():
    m = _net(edutorch)
    w = m.fc1.weight
    m(edutorch.randn(2, 4)).sum().backward()
    assert m.to(edutorch.float64) is m
    assert m.fc1.weight is w and w.dtype == edutorch.float64 and w.grad.dtype == edutorch.float64
    assert m.blocks[0].running_mean.dtype == edutorch.float64
    assert m.blocks[0].num_batches_tracked.dtype == edutorch.int64
    m.float()
    assert w.dtype == edutorch.float32
    m.double()
    assert w.dtype == edutorch.float64
    m.to("cpu").to(edutorch.device("cpu"), edutorch.float32)
    assert w.dtype == edutorch.float32
    m.to(edutorch.zeros(1, dtype=edutorch.float64))
    assert w.dtype == edutorch.float64
    assert m.cpu() is m
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        m.to(edutorch.int64)
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda")
    out = m(edutorch.randn(2, 4, dtype=edutorch.float64))
    assert out.dtype == edutorch.float64


def test_get_submodule_parameter_buffer():
    torch = pytest.importorskip("torch")
    for lib in (edutorch, torch):
        m = _net(lib)
        assert m.get_submodule("blocks.0.fc") is m.blocks[0].fc
        assert m.get_submodule("") is m
        assert m.get_parameter("blocks.2.scale") is m.blocks[2].scale
        assert m.get_buffer("blocks.0.running_mean") is m.blocks[0].running_mean

    def msg(lib, fn):
        with pytest.raises(AttributeError) as info:
            fn(_net(lib))
        return str(info.value)

    for fn in (
        lambda m: m.get_submodule("blocks.7"),
        lambda m: m.get_submodule("blocks.0.scale"),
        lambda m: m.get_parameter("blocks.0.running_mean"),
        lambda m: m.get_parameter("fc1.nope"),
        lambda m: m.get_buffer("fc1.weight"),
    ):
        assert msg(edutorch, fn) == msg(torch, fn)


def test_dir_and_deepcopy():
    m = _net(edutorch)
    names = dir(m)
    assert "fc1" in names and "forward" in names and "state_dict" in names
    assert "running_mean" in dir(m.blocks[0])
    m2 = copy.deepcopy(m)
    assert m2.fc1.weight is not m.fc1.weight and isinstance(m2.fc1.weight, Parameter)
    assert m2.tied is m2.fc1  # sharing survives the copy
    np.testing.assert_array_equal(m2.fc1.weight.detach().numpy(), m.fc1.weight.detach().numpy())


# ------------------------------------------------------------------ hooks
def test_forward_hooks_order_and_removal():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre1"))
    m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("fwd"))
    m.register_forward_hook(lambda mod, args, out: out + 1)
    out = m(edutorch.randn(3, 2))
    assert calls == ["pre0", "pre1", "fwd"]
    np.testing.assert_allclose(
        out.detach().numpy(), (m.bias.detach().numpy() + 1)[None].repeat(3, 0)
    )
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    calls.clear()
    m(edutorch.randn(3, 2))
    assert calls == ["pre0"]


def test_forward_hooks_with_kwargs():
    class Scale(Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    seen = {}
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs), with_kwargs=True)
    assert m(edutorch.ones(1), factor=2.0).item() == 3.0
    assert seen == {"factor": 3.0}


def test_hooks_fire_for_every_call_of_nested_modules():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    order = []
    for name, mod in m.named_modules():
        mod.register_forward_pre_hook(lambda mod, args, n=name: order.append(("pre", n)))
        mod.register_forward_hook(lambda mod, args, out, n=name: order.append(("post", n)))
    m(edutorch.randn(1, 2))
    m(edutorch.randn(1, 2))
    one = [("pre", ""), ("pre", "0"), ("post", "0"), ("pre", "1"), ("post", "1"),
           ("pre", "2"), ("post", "2"), ("post", "")]  # fmt: skip
    assert order == one + one


def _hooked_grads(lib, replace=False):
    """Run a two-input module with full backward hooks; return what the hooks saw and x.grad."""
    tnn = lib.nn

    class Mix(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(3, 2)

        def forward(self, x, y, scale):
            h = self.fc(x) * y
            return h * scale, h.sum(-1)

    m = Mix()
    with lib.no_grad():
        m.fc.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=lib.float32))
        m.fc.bias.fill_(0.5)
    seen = []

    def hook(mod, grad_input, grad_output):
        seen.append(
            [None if g is None else g.detach().numpy().copy() for g in grad_input]
            + [None if g is None else g.detach().numpy().copy() for g in grad_output]
        )
        if replace and len(grad_input) == 3:  # the outer module's (x, y, scale)
            return (grad_input[0] * 2, grad_input[1], None)

    m.register_full_backward_hook(hook)
    m.fc.register_full_backward_hook(hook)
    pre_seen = []
    m.register_full_backward_pre_hook(lambda mod, go: pre_seen.append(len(go)))
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), dtype=lib.float32, requires_grad=True)
    y = lib.tensor(np.linspace(0, 2, 8).reshape(4, 2), dtype=lib.float32, requires_grad=True)
    a, b = m(x, y, 3.0)
    (a.sum() + (b * b).sum()).backward()
    return seen, pre_seen, x.grad.numpy(), y.grad.numpy()


@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hook_matches_torch(replace):
    torch = pytest.importorskip("torch")
    ours, theirs = _hooked_grads(edutorch, replace), _hooked_grads(torch, replace)
    assert len(ours[0]) == len(theirs[0]) == 2  # inner Linear first, then the outer module
    for row_o, row_t in zip(ours[0], theirs[0]):
        assert len(row_o) == len(row_t)
        for a, b in zip(row_o, row_t):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours[1] == theirs[1] == [2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6)


def test_full_backward_hook_input_without_grad_and_removal():
    m = nn.Linear(2, 2)
    seen = []
    h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    m(edutorch.randn(3, 2)).sum().backward()  # the input needs no grad: grad_input is (None,)
    assert len(seen) == 1 and seen[0][0] == (None,) and seen[0][1][0].shape == (3, 2)
    h.remove()
    m(edutorch.randn(3, 2)).sum().backward()
    assert len(seen) == 1
    with edutorch.no_grad():  # no graph, no hook, no error
        m.register_full_backward_hook(lambda *a: seen.append(a))
        m(edutorch.randn(3, 2))


def test_full_backward_hook_grad_input_replacement_changes_input_grad():
    m = nn.Identity()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
    x = edutorch.ones(3, requires_grad=True)
    m(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [10.0, 10.0, 10.0])


# ------------------------------------------------------------------ repr
def test_repr_matches_torch_for_nested_model():
    torch = pytest.importorskip("torch")

    def build(lib):
        tnn = lib.nn
        inner = tnn.Sequential(
            OrderedDict([("flat", tnn.Flatten()), ("fc", tnn.Linear(12, 8)), ("act", tnn.GELU())])
        )
        net = tnn.Sequential(
            inner,
            tnn.ModuleList([tnn.Linear(8, 8), tnn.Linear(8, 8), tnn.ReLU(), tnn.Tanh()]),
            tnn.ModuleDict({"b": tnn.LeakyReLU(0.2, inplace=True), "a": tnn.Identity()}),
            tnn.Unflatten(1, (2, 4)),
            tnn.Softmax(dim=-1),
            tnn.Linear(4, 1, bias=False),
        )
        net.add_module("empty", tnn.Sequential())
        return net

    assert repr(build(edutorch)) == repr(build(torch))


def test_repr_with_multiline_extra_repr():
    class Multi(Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "line one\nline two"

    assert repr(Multi()) == (
        "Multi(\n  line one\n  line two\n"
        "  (fc): Linear(in_features=1, out_features=1, bias=True)\n)"
    )

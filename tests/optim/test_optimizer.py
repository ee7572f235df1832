"""The Optimizer base class: groups, errors worded as torch words them, zero_grad, step, repr."""

import pytest

import edutorch
from edutorch.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from edutorch.optim.optimizer import required


def _leaf(*values):
    return edutorch.tensor(list(values) or [1.0, 2.0], requires_grad=True)


def test_params_as_tensors_or_groups():
    a, b = _leaf(), _leaf()
    opt = SGD([a, b], lr=0.1)
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["params"] == [a, b]
    opt = SGD([{"params": [a], "lr": 0.5}, {"params": b}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    assert SGD(iter([a]), lr=0.1).param_groups[0]["params"] == [a]  # any iterable


def test_named_parameters_are_accepted():
    a, b = _leaf(), _leaf()
    opt = SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [_leaf()]})


def test_add_param_group():
    a, b = _leaf(), _leaf()
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
        opt.add_param_group([a])
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate"):
        SGD([a, a], lr=0.1)


def test_construction_errors():
    a = _leaf()
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got"):
        SGD(a, lr=0.1)
    with pytest.raises(
        TypeError, match="optimizer can only optimize Tensors, but one of the params is int"
    ):  # noqa: E501
        SGD([a, 3], lr=0.1)
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered"):
        SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([a * 2], lr=0.1)

    class NeedsLr(Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": required})

    with pytest.raises(
        ValueError, match="didn't specify a value of required optimization parameter lr"
    ):  # noqa: E501
        NeedsLr([a])
    assert NeedsLr([{"params": [a], "lr": 1.0}]).param_groups[0]["lr"] == 1.0
    assert repr(required) == "<required parameter>"


@pytest.mark.parametrize("make, message", [
    (lambda p: SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: SGD(p, weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
    (lambda p: SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: AdamW(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: RMSprop(p, alpha=-0.9), "Invalid alpha value: -0.9"),
    (lambda p: RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),  # noqa: E501
    (lambda p: Adagrad(p, eps=-1), "Invalid epsilon value: -1"),
])  # fmt: skip
def test_hyper_parameter_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([_leaf()])


def test_defaults_and_repr_match_torch():
    p = _leaf()
    assert repr(SGD([p])) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.001\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)"
    )
    assert Adam([p]).defaults["betas"] == (0.9, 0.999) and Adam([p]).defaults["eps"] == 1e-8
    assert AdamW([p]).defaults["weight_decay"] == 1e-2
    assert AdamW([p]).defaults["decoupled_weight_decay"] is True
    assert RMSprop([p]).defaults["lr"] == 1e-2 and RMSprop([p]).defaults["alpha"] == 0.99
    assert Adagrad([p]).defaults["eps"] == 1e-10


def test_zero_grad():
    a = _leaf()
    opt = SGD([a], lr=0.1)
    (a * a).sum().backward()
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and a.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None
    opt.zero_grad()  # nothing to do is fine


def test_step_skips_parameters_without_grad_and_returns_the_closure_loss():
    a, b = _leaf(), _leaf(3.0)
    opt = SGD([a, b], lr=0.5)

    def closure():
        assert edutorch.is_grad_enabled()  # the closure may build a graph...
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [3.0] and b.grad is None
    assert opt.step() is None


def test_step_runs_without_grad_and_bumps_the_version():
    a = _leaf()
    opt = Adam([a], lr=0.1)
    (a * a).sum().backward()
    saved = (a * a).sum()  # its graph saved a
    opt.step()
    assert not a.grad_fn and a.requires_grad and edutorch.is_grad_enabled()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()


def test_state_is_keyed_by_parameter():
    a, b = _leaf(), _leaf()
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    (a * b).sum().backward()
    opt.step()
    assert set(opt.state) == {a, b}
    assert opt.state[a]["momentum_buffer"].tolist() == [1.0, 2.0]
    assert len(SGD([a], lr=0.1).state) == 0  # plain SGD keeps no state


def test_works_with_nn_parameter():
    p = edutorch.nn.Parameter(edutorch.tensor([1.0, -1.0]))
    opt = SGD([p], lr=0.25)
    (p * p).sum().backward()
    opt.step()
    assert p.tolist() == [0.5, -0.5] and isinstance(p, edutorch.nn.Parameter)


def test_float64_parameters_keep_their_dtype():
    p = edutorch.tensor([1.0, 2.0], dtype=edutorch.float64, requires_grad=True)
    for cls in (SGD, Adam, AdamW, RMSprop, Adagrad):
        opt = cls([p], lr=0.1, **({"momentum": 0.9} if cls in (SGD, RMSprop) else {}))
        for _ in range(2):
            (p * p).sum().backward()
            opt.step()
            opt.zero_grad()
        assert p.dtype == edutorch.float64
        for value in opt.state[p].values():
            if value.dim():
                assert value.dtype == edutorch.float64

"""Optimizer state dicts: torch's format, exact round trips, validation, and torch interchange."""

import numpy as np
import pytest

import edutorch

from ._problem import make_params, train

CASES = [
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.02)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
]
IDS = [name for name, _ in CASES]


def _groups(w, b):
    return [{"params": [w], "lr": 0.01}, {"params": [b]}]


def _optimizer(lib, name, kwargs, params):
    return getattr(lib.optim, name)(params, **kwargs)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_round_trip_continues_exactly(name, kwargs):
    w, b = make_params(edutorch)
    opt = _optimizer(edutorch, name, kwargs, _groups(w, b))
    first = train(edutorch, opt, (w, b), 20)
    saved = opt.state_dict()

    # a fresh optimizer, with other hyper-parameters, over fresh tensors holding the same values
    w2 = edutorch.tensor(w.detach().numpy().copy(), requires_grad=True)
    b2 = edutorch.tensor(b.detach().numpy().copy(), requires_grad=True)
    opt2 = _optimizer(edutorch, name, dict(kwargs, lr=123.0), _groups(w2, b2))
    opt2.load_state_dict(saved)
    assert [g["lr"] for g in opt2.param_groups] == [0.01, kwargs["lr"]]
    assert opt2.param_groups[0]["params"] == [w2]
    resumed = train(edutorch, opt2, (w2, b2), 30)

    w3, b3 = make_params(edutorch)
    whole = train(edutorch, _optimizer(edutorch, name, kwargs, _groups(w3, b3)), (w3, b3), 50)
    np.testing.assert_array_equal(np.concatenate([first, resumed]), whole)


def test_format_is_torchs():
    w, b = make_params(edutorch)
    extra = edutorch.zeros(2, requires_grad=True)  # never gets a gradient: no state
    opt = edutorch.optim.Adam([{"params": [w]}, {"params": [b, extra], "lr": 0.5}])
    train(edutorch, opt, (w, b), 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"].item() == 2.0
    assert "params" in opt.param_groups[0]  # packing did not touch the live groups


def test_load_copies_and_casts_state():
    w = edutorch.tensor([1.0, 2.0], requires_grad=True)
    opt = edutorch.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = edutorch.tensor([1.0, 1.0])
    opt.step()
    saved = opt.state_dict()
    w64 = edutorch.tensor([1.0, 2.0], dtype=edutorch.float64, requires_grad=True)
    opt64 = edutorch.optim.SGD([w64], lr=0.1, momentum=0.9)
    opt64.load_state_dict(saved)
    buf = opt64.state[w64]["momentum_buffer"]
    assert buf.dtype == edutorch.float64  # state follows the parameter's dtype, as in torch
    buf.mul_(0)
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]  # a copy was loaded


def test_adam_step_stays_float32_and_old_numeric_steps_load():
    w = edutorch.tensor([1.0], dtype=edutorch.float64, requires_grad=True)
    opt = edutorch.optim.Adam([w])
    state = {"step": 3, "exp_avg": edutorch.tensor([0.5]), "exp_avg_sq": edutorch.tensor([1.0])}
    opt.load_state_dict({"state": {0: state}, "param_groups": opt.state_dict()["param_groups"]})
    assert opt.state[w]["step"].dtype == edutorch.float32
    assert opt.state[w]["step"].item() == 3.0
    assert opt.state[w]["exp_avg"].dtype == edutorch.float64


def test_load_validates_groups():
    a, b = edutorch.zeros(2, requires_grad=True), edutorch.zeros(2, requires_grad=True)
    one_group = edutorch.optim.SGD([a, b], lr=0.1).state_dict()
    two_groups = edutorch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter"):
        two_groups.load_state_dict(one_group)
    with pytest.raises(ValueError, match="contains a parameter group that doesn't match the size"):
        edutorch.optim.SGD([a], lr=0.1).load_state_dict(one_group)


def _to_edutorch(value):
    """A torch state dict with edutorch tensors in it (what a saved file would give back)."""
    import torch

    if isinstance(value, torch.Tensor):
        return edutorch.tensor(value.numpy())
    if isinstance(value, dict):
        return {k: _to_edutorch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_edutorch(v) for v in value]
    return value


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_torch_state_dict_loads_and_continues_like_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    tw, tb = make_params(torch)
    topt = _optimizer(torch, name, kwargs, _groups(tw, tb))
    train(torch, topt, (tw, tb), 20)
    tsd = topt.state_dict()

    w = edutorch.tensor(tw.detach().numpy().copy(), requires_grad=True)
    b = edutorch.tensor(tb.detach().numpy().copy(), requires_grad=True)
    opt = _optimizer(edutorch, name, kwargs, _groups(w, b))
    opt.load_state_dict(_to_edutorch(tsd))

    # the dicts agree key for key, and continuing gives torch's trajectory
    ours = opt.state_dict()
    assert ours["param_groups"] == tsd["param_groups"]
    for i, state in tsd["state"].items():
        assert set(ours["state"][i]) == set(state)
    np.testing.assert_allclose(
        train(edutorch, opt, (w, b), 30), train(torch, topt, (tw, tb), 30), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_state_dict_values_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    dicts = []
    for lib in (edutorch, torch):
        w, b = make_params(lib)
        opt = _optimizer(lib, name, kwargs, _groups(w, b))
        train(lib, opt, (w, b), 10)
        dicts.append(opt.state_dict())
    ours, theirs = dicts
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for i in theirs["state"]:
        for key, value in theirs["state"][i].items():
            mine = ours["state"][i][key]
            assert str(mine.dtype).split(".")[1] == str(value.dtype).split(".")[1]
            # buffers sum terms that partly cancel: measure rounding against their largest entry
            scale = float(np.abs(value.numpy()).max())
            np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-5, atol=1e-5 * scale)


def test_checkpoint_through_edutorch_save(tmp_path):
    """Optimizer and scheduler state survive ``edutorch.save``/``load`` and resume exactly."""

    def run(checkpoint_at=None):
        w, b = make_params(edutorch)
        opt = edutorch.optim.Adam([w, b], lr=0.05, amsgrad=True)
        sched = edutorch.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 15], gamma=0.5)
        rows = []
        for step in range(20):
            if step == checkpoint_at:
                path = tmp_path / "ckpt.pt"
                edutorch.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, path)
                opt = edutorch.optim.Adam([w, b], lr=0.05, amsgrad=True)
                sched = edutorch.optim.lr_scheduler.MultiStepLR(opt, milestones=[1], gamma=0.5)
                ckpt = edutorch.load(path)
                opt.load_state_dict(ckpt["opt"])
                sched.load_state_dict(ckpt["sched"])
            rows.append(train(edutorch, opt, (w, b), 1)[0])
            sched.step()
        with pytest.warns(UserWarning):
            sched.step(30)  # the closed form works on the loaded milestones too
        return np.array(rows), sched.get_last_lr()

    (whole, lr_whole), (resumed, lr_resumed) = run(), run(checkpoint_at=8)
    np.testing.assert_array_equal(whole, resumed)
    assert lr_whole == lr_resumed == [0.05 * 0.25]

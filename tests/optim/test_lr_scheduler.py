"""lr schedulers: hand-checked values, state_dict round trips, and (with torch) 60-step parity."""

import math
import warnings

import numpy as np
import pytest

import edutorch
from edutorch.optim import lr_scheduler

from ._problem import make_params, train


def _sgd(lib=edutorch, lrs=(0.1, 0.05), momentum=0.9):
    params = [lib.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    return lib.optim.SGD(groups, lr=0.1, momentum=momentum)


def _adam(lib=edutorch):
    return lib.optim.Adam([lib.zeros(2, requires_grad=True)], lr=0.01)


def _run(opt, sched, steps=60, metrics=None):
    """Step optimizer then scheduler; record lrs and momenta (or β₁) after each step."""
    rows = []
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
        rows.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], momenta))
    return rows


# ---------------------------------------------------------------- hand-computed, no torch
def test_step_lr_by_hand():
    opt = _sgd(lrs=(1.0,))
    s = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    assert s.get_last_lr() == [1.0] and opt.param_groups[0]["initial_lr"] == 1.0
    lrs = [_run(opt, s, 1)[0][0][0] for _ in range(7)]
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_multistep_exponential_lambda_by_hand():
    opt = _sgd(lrs=(1.0,))
    s = lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.5)
    assert [r[0][0] for r in _run(opt, s, 5)] == [1.0, 0.5, 0.5, 0.125, 0.125]
    opt = _sgd(lrs=(1.0,))
    s = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [r[0][0] for r in _run(opt, s, 3)] == [0.5, 0.25, 0.125]
    opt = _sgd(lrs=(1.0, 2.0))
    s = lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: e])
    assert s.get_last_lr() == [1.0, 0.0]
    assert [r[0] for r in _run(opt, s, 2)] == [[0.5, 2.0], [1 / 3, 4.0]]


def test_cosine_annealing_follows_the_closed_form():
    opt = _sgd(lrs=(0.1,))
    s = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    got = [r[0][0] for r in _run(opt, s, 20)]
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(1, 21)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[9] == pytest.approx(0.01) and got[19] == pytest.approx(0.1)  # back up after T_max


def test_one_cycle_by_hand():
    opt = _sgd(lrs=(0.1,))
    s = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.2)
    g = opt.param_groups[0]
    assert (g["lr"], g["momentum"]) == (pytest.approx(0.04), 0.95)  # max_lr / 25, max_momentum
    rows = _run(opt, s, 9)
    assert rows[0][0][0] == pytest.approx(1.0) and rows[0][2][0] == pytest.approx(0.85)  # peak
    assert rows[-1][0][0] == pytest.approx(0.04 / 1e4)  # initial_lr / final_div_factor
    assert rows[-1][2][0] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        _run(opt, s, 2)


def test_one_cycle_cycles_adams_beta1_and_checks_arguments():
    opt = _adam()
    lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(_adam(), max_lr=0.1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start, but got 1"):
        lr_scheduler.OneCycleLR(_adam(), max_lr=0.1, total_steps=5, pct_start=1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(_adam(), max_lr=0.1, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(_adam(), max_lr=[0.1, 0.2], total_steps=5)


def test_reduce_on_plateau_by_hand():
    opt = _sgd(lrs=(1.0,))
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    metrics = [5, 4, 4, 4, 4, 4, 4, 4, 4]
    got = [r[0][0] for r in _run(opt, s, len(metrics), metrics=metrics)]
    # 2 bad epochs (> patience) halve the lr; a cooldown epoch; never below min_lr
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    s.step(edutorch.tensor(0.1))  # a 0-dim tensor is a metric too
    assert s.best == pytest.approx(0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")


def test_errors_and_warnings():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        lr_scheduler.StepLR(_sgd(), step_size=1, last_epoch=3)
    s = lr_scheduler.ExponentialLR(_sgd(), gamma=0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        s.step(3)
    assert s.get_last_lr() == [0.1 * 0.5**3, 0.05 * 0.5**3]  # the closed form at epoch 3


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.95, 0.9] * 5


@pytest.mark.parametrize("make, metrics", [
    (lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5), None),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.001), None),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.3, total_steps=30), None),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1), PLATEAU_METRICS),
])  # fmt: skip
def test_state_dict_round_trip(make, metrics):
    def run(split):
        opt = _sgd()
        sched = make(opt)
        rows = _run(opt, sched, split, metrics)
        opt2 = _sgd()
        sched2 = make(opt2)  # build the scheduler first, then load both, as torch recommends
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(sched.state_dict())
        return rows + _run(opt2, sched2, 25 - split, metrics[split:] if metrics else None)

    assert run(10) == run(25)


def test_lambda_lr_state_dict_keeps_callable_objects_only():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    s = lr_scheduler.LambdaLR(_sgd(), [Warmup(5), lambda e: 1.0])
    state = s.state_dict()
    assert state["lr_lambdas"] == [{"n": 5}, None]
    s2 = lr_scheduler.LambdaLR(_sgd(), [Warmup(2), lambda e: 1.0])
    s2.load_state_dict(state)
    assert s2.lr_lambdas[0].n == 5 and "lr_lambdas" in state


# ---------------------------------------------------------------- against torch
SCHEDULERS = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "CosineAnnealingLR-short": lambda m, o: m.CosineAnnealingLR(o, T_max=9),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95**e),
    "LambdaLR-list": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9**e]),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=60),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(
        o,
        max_lr=[0.1, 0.2],
        epochs=6,
        steps_per_epoch=10,
        pct_start=0.25,
        anneal_strategy="linear",
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=[0.8, 0.7],
        max_momentum=0.9,
    ),  # fmt: skip
    "OneCycleLR-no-momentum": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, total_steps=61, cycle_momentum=False, pct_start=0.4
    ),
}
PLATEAU = {
    "min-rel": dict(patience=3),
    "min-abs-cooldown": dict(
        patience=2,
        threshold=0.05,
        threshold_mode="abs",
        cooldown=3,
        factor=0.5,
        min_lr=[0.01, 0.02],
    ),  # fmt: skip
    "max-rel": dict(mode="max", patience=1, factor=0.7, threshold=0.01, eps=1e-3),
    "max-abs": dict(mode="max", patience=0, threshold=0.2, threshold_mode="abs", min_lr=0.004),
}
METRICS = list(np.random.default_rng(3).standard_normal(60).cumsum() * 0.1 + np.linspace(2, 0, 60))


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = _run(opt := _sgd(edutorch), SCHEDULERS[name](lr_scheduler, opt))
    theirs = _run(opt := _sgd(torch), SCHEDULERS[name](torch.optim.lr_scheduler, opt))
    assert ours == theirs


def test_one_cycle_with_adam_matches_torch():
    torch = pytest.importorskip("torch")
    make = SCHEDULERS["OneCycleLR"]
    ours = _run(opt := _adam(edutorch), make(lr_scheduler, opt))
    theirs = _run(opt := _adam(torch), make(torch.optim.lr_scheduler, opt))
    assert ours == theirs


@pytest.mark.parametrize("name", list(PLATEAU))
def test_reduce_on_plateau_matches_torch(name):
    torch = pytest.importorskip("torch")
    kw = PLATEAU[name]
    ours = _run(opt := _sgd(edutorch), lr_scheduler.ReduceLROnPlateau(opt, **kw), metrics=METRICS)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt := _sgd(torch), **kw)
    theirs = _run(opt, sched, metrics=METRICS)
    assert ours == theirs
    assert len({tuple(r[0]) for r in ours}) > 1  # the lr did change


def test_closed_form_steps_match_torch():
    torch = pytest.importorskip("torch")
    epochs = [0, 3, 4, 11, 20, 33]
    for name in ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"):
        got = []
        for lib, mod in ((edutorch, lr_scheduler), (torch, torch.optim.lr_scheduler)):
            sched = SCHEDULERS[name](mod, _sgd(lib))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got.append([(sched.step(e), sched.get_last_lr())[1] for e in epochs])
        assert got[0] == got[1], name


def test_scheduler_state_dict_has_torchs_keys():
    torch = pytest.importorskip("torch")
    for name in ("CosineAnnealingLR", "OneCycleLR"):
        ours = SCHEDULERS[name](lr_scheduler, _sgd(edutorch)).state_dict()
        theirs = SCHEDULERS[name](torch.optim.lr_scheduler, _sgd(torch)).state_dict()
        assert ours == theirs


def test_training_with_one_cycle_matches_torch():
    torch = pytest.importorskip("torch")
    trajectories = []
    for lib in (edutorch, torch):
        w, b = make_params(lib)
        opt = lib.optim.SGD([w, b], lr=0.1, momentum=0.9, nesterov=True)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=50)
        trajectories.append(train(lib, opt, (w, b), 50, scheduler=sched))
    np.testing.assert_allclose(trajectories[0], trajectories[1], rtol=1e-5, atol=1e-6)

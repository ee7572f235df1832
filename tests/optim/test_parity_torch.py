"""Every optimizer and option against torch: 50 steps from the same weights, same trajectory.

Each framework computes its own gradients, so they differ from the start by float32 rounding
(a different summation order in the matmul); the problem is well conditioned, so that difference
stays at rounding level and rtol=1e-5, atol=1e-6 holds for all 50 steps.
"""

import numpy as np
import pytest

import edutorch

from ._problem import make_params, train

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.8, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-3, maximize=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1, amsgrad=True, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.02, maximize=True)),
    ("RMSprop", dict(lr=0.005)),
    ("RMSprop", dict(lr=0.002, momentum=0.9)),
    ("RMSprop", dict(lr=0.005, centered=True)),
    ("RMSprop", dict(lr=0.002, centered=True, momentum=0.5, alpha=0.9)),
    ("RMSprop", dict(lr=0.005, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
]


def _ids(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _trajectory(lib, name, kwargs, groups=False, steps=50):
    w, b = make_params(lib)
    params = [{"params": [w], "lr": kwargs["lr"] / 2}, {"params": [b]}] if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **kwargs)
    return train(lib, opt, (w, b), steps, maximize=kwargs.get("maximize", False))


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kwargs = case
    ours = _trajectory(edutorch, name, kwargs)
    theirs = _trajectory(torch, name, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-2  # the run really moved the weights


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_groups_with_different_lrs_match_torch(name):
    kwargs = dict(lr=0.02, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.05)
    ours = _trajectory(edutorch, name, kwargs, groups=True)
    theirs = _trajectory(torch, name, kwargs, groups=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

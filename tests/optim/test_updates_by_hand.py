"""The first steps of every update rule, against arithmetic written out by hand (no torch).

Parameters are float64 scalars-in-a-vector and gradients are set by hand, so each expected value
is the documented rule applied to plain Python floats.
"""

import math

import pytest

import edutorch
from edutorch.optim import SGD, Adagrad, Adam, AdamW, RMSprop

EPS = 1e-8


def _steps(cls, grads, p0=1.0, **kwargs):
    """Run ``cls`` on one float64 weight, feeding it ``grads``; the weight after each step."""
    p = edutorch.tensor([p0], dtype=edutorch.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    out = []
    for g in grads:
        p.grad = edutorch.tensor([g], dtype=edutorch.float64)
        opt.step()
        out.append(p.item())
    return out


def close(values):
    return pytest.approx(values, rel=1e-12, abs=1e-15)


def test_sgd():
    assert _steps(SGD, [1, 1], lr=0.1) == close([0.9, 0.8])
    assert _steps(SGD, [1, 1], lr=0.1, maximize=True) == close([1.1, 1.2])
    # λ = 0.1: g ← g + λθ
    assert _steps(SGD, [1, 1], lr=0.1, weight_decay=0.1) == close([1 - 0.11, 0.89 - 0.1089])


def test_sgd_momentum_dampening_nesterov():
    # b₁ = g₁ (not (1 − τ)g₁);  b₂ = μb₁ + (1 − τ)g₂
    assert _steps(SGD, [1, 1, 1], lr=0.1, momentum=0.9) == close([0.9, 0.71, 0.439])
    assert _steps(SGD, [1, 1], lr=0.1, momentum=0.9, dampening=0.5) == close([0.9, 0.76])
    # Nesterov steps along g + μb
    assert _steps(SGD, [1, 1], lr=0.1, momentum=0.9, nesterov=True) == close([0.81, 0.539])


def test_adam():
    m1, v1 = 0.1 * 1, 0.001 * 1
    p1 = 1 - 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + EPS)
    m2, v2 = 0.9 * m1 + 0.1 * 3, 0.999 * v1 + 0.001 * 9
    p2 = p1 - 0.1 / (1 - 0.9**2) * m2 / (math.sqrt(v2) / math.sqrt(1 - 0.999**2) + EPS)
    assert _steps(Adam, [1, 3], lr=0.1) == close([p1, p2])
    assert _steps(Adam, [1, 1, 1], lr=0.1, eps=0.0) == close([0.9, 0.8, 0.7])  # |step| = lr
    assert _steps(Adam, [-1], lr=0.1, eps=0.0, maximize=True) == close([0.9])


def test_adam_amsgrad_divides_by_the_largest_v():
    b2 = 0.5
    v1, v2 = (1 - b2) * 9, b2 * (1 - b2) * 9 + (1 - b2) * 0.01  # v shrinks at step 2...
    m2 = 0.9 * 0.3 + 0.1 * 0.1
    p1 = 1 - 0.1 * (0.3 / 0.1) / (math.sqrt(v1 / (1 - b2)) + EPS)
    p2 = p1 - 0.1 / (1 - 0.81) * m2 / (math.sqrt(v1) / math.sqrt(1 - b2**2) + EPS)  # ...max is v1
    assert v2 < v1
    assert _steps(Adam, [3, 0.1], lr=0.1, betas=(0.9, b2), amsgrad=True) == close([p1, p2])


def test_adam_weight_decay_l2_versus_adamw_decoupled():
    # Adam: g ← g + λθ enters m and v; at step 1 the normalised step is still exactly lr
    assert _steps(Adam, [1], lr=0.1, eps=0.0, weight_decay=0.5) == close([0.9])
    # AdamW: θ ← θ(1 − lr·λ) first, then the plain Adam step
    assert _steps(AdamW, [1], lr=0.1, eps=0.0, weight_decay=0.5) == close([0.95 - 0.1])
    assert _steps(AdamW, [1], lr=0.1, eps=0.0) == close([0.999 - 0.1])  # default λ = 1e-2


def test_rmsprop():
    v1 = 0.01 * 1
    p1 = 1 - 0.01 * 1 / (math.sqrt(v1) + EPS)
    v2 = 0.99 * v1 + 0.01 * 4
    p2 = p1 - 0.01 * 2 / (math.sqrt(v2) + EPS)
    assert _steps(RMSprop, [1, 2], lr=0.01) == close([p1, p2])


def test_rmsprop_centered_and_momentum():
    v1, g_avg1 = 0.01, 0.01
    p1 = 1 - 0.01 / (math.sqrt(v1 - g_avg1**2) + EPS)  # divide by the running std, not the rms
    assert _steps(RMSprop, [1], lr=0.01, centered=True) == close([p1])
    b1 = 1 / (math.sqrt(0.01) + EPS)
    b2 = 0.9 * b1 + 1 / (math.sqrt(0.99 * 0.01 + 0.01) + EPS)
    assert _steps(RMSprop, [1, 1], lr=0.01, momentum=0.9) == close(
        [1 - 0.01 * b1, 1 - 0.01 * (b1 + b2)]
    )


def test_adagrad():
    eps = 1e-10
    p1 = 1 - 0.1 * 1 / (math.sqrt(1) + eps)
    p2 = p1 - 0.1 / (1 + 0.5) * 2 / (math.sqrt(1 + 4) + eps)  # lr decays as lr / (1 + (t−1)·d)
    assert _steps(Adagrad, [1, 2], lr=0.1, lr_decay=0.5) == close([p1, p2])
    # the accumulator starts at initial_accumulator_value
    assert _steps(Adagrad, [1], lr=0.1, initial_accumulator_value=1.0) == close(
        [1 - 0.1 / (math.sqrt(2) + eps)]
    )
    assert _steps(Adagrad, [1], lr=0.1, weight_decay=1.0) == close([1 - 0.1 * 2 / (2 + eps)])


def test_state_keys_are_torchs():
    p = edutorch.tensor([1.0], requires_grad=True)
    cases = [
        (SGD([p], lr=0.1, momentum=0.9), {"momentum_buffer"}),
        (Adam([p], amsgrad=True), {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
        (AdamW([p]), {"step", "exp_avg", "exp_avg_sq"}),
        (RMSprop([p], momentum=0.9, centered=True),
         {"step", "square_avg", "momentum_buffer", "grad_avg"}),
        (Adagrad([p]), {"step", "sum"}),
    ]  # fmt: skip
    for opt, keys in cases:
        p.grad = edutorch.tensor([1.0])
        opt.step()
        assert set(opt.state[p]) == keys, type(opt).__name__
    assert cases[1][0].state[p]["step"].item() == 1.0

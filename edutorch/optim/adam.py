"""Adam: steps scaled by running averages of the gradient and of its square."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _step_tensor, _zeros_like

__all__ = ["Adam"]


class Adam(Optimizer):
    """``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``;
    ``θ ← θ − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)``.

    ``weight_decay`` adds λθ to g (L2), or with ``decoupled_weight_decay`` (AdamW) shrinks θ by
    ``lr·λ`` before the step. ``amsgrad`` divides by the largest v seen so far instead of v.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):  # fmt: skip
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["exp_avg"] = _zeros_like(p)
            state["exp_avg_sq"] = _zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_like(p)
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        state["step"]._data += 1
        t = state["step"].item()

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p._data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * p._data

        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m += (1 - beta1) * (grad - m)  # torch writes this as a lerp towards grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]._data
            np.maximum(v_max, v, out=v_max)
            v = v_max

        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + group["eps"]  # eps after the bias correction
        p._data += -step_size * m / denom

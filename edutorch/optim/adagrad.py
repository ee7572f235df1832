"""Adagrad: each weight's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _step_tensor, _zeros_like

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``s ← s + g²``;  ``θ ← θ − lr/(1 + (t−1)·lr_decay) · g / (√s + ε)``."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False,
                 fused=None):  # fmt: skip
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch fills the state up front, not at the first step
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = _step_tensor()
        state["sum"] = _zeros_like(p, group["initial_accumulator_value"])

    def _update(self, p, grad, group):
        state = self.state[p]
        if len(state) == 0:  # a parameter added later with add_param_group
            self._init_state(p, group)
        state["step"]._data += 1
        t = state["step"].item()

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p._data
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]._data
        s += grad * grad
        std = np.sqrt(s) + group["eps"]
        p._data += -clr * grad / std

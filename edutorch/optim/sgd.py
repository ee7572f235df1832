"""Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov)."""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``b ← μ·b + (1 − τ)·(g + λθ)``;  ``θ ← θ − lr·b``  (Nesterov: ``θ ← θ − lr·(g + μ·b)``).

    As in torch, the momentum buffer starts as the first gradient itself (so dampening only
    applies from the second step on), and lr multiplies the buffer rather than entering it.
    ``foreach``, ``differentiable`` and ``fused`` are accepted so torch scripts run; edutorch has
    one implementation.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):  # fmt: skip
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay != 0:
            grad = grad + weight_decay * p._data  # L2 penalty λ/2·θ² adds λθ to the gradient
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                state["momentum_buffer"] = Tensor._make(grad.copy())
                step = grad
            else:
                b = buf._data
                b *= momentum
                b += (1 - group["dampening"]) * grad
                step = b
            grad = grad + momentum * step if group["nesterov"] else step
        p._data -= group["lr"] * grad

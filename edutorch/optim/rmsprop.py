"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _step_tensor, _zeros_like

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``v ← αv + (1−α)g²``;  ``θ ← θ − lr · g / (√v + ε)``.

    ``centered`` divides by the running variance instead (``√(v − ḡ²)``, ḡ the running mean
    of g); with ``momentum`` μ the step goes through a buffer: ``b ← μb + g/(√v + ε)``,
    ``θ ← θ − lr·b``.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):  # fmt: skip
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["square_avg"] = _zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = _zeros_like(p)
        alpha, momentum = group["alpha"], group["momentum"]
        state["step"]._data += 1  # kept for torch's state format; the rule does not use it

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p._data
        v = state["square_avg"]._data
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            g_avg = state["grad_avg"]._data
            g_avg += (1 - alpha) * (grad - g_avg)
            avg = np.sqrt(v - g_avg * g_avg)
        else:
            avg = np.sqrt(v)
        avg += group["eps"]

        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += grad / avg
            p._data -= group["lr"] * buf
        else:
            p._data += -group["lr"] * grad / avg

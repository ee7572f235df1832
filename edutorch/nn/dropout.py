"""Dropout layers: ``Dropout`` (elements), ``Dropout1d`` and ``Dropout2d`` (whole channels).

Active in training mode only (``model.train()``); in eval mode they return the input unchanged.
"""

from __future__ import annotations

from . import functional as F
from .functional.dropout import _check_p
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _check_p(p)  # the functional form's check and message
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training, scale the rest by 1/(1-p): (*) -> (*)."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) input with probability p during training."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) input with probability p during training."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)

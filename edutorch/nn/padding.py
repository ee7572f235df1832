"""Padding layers: ``F.pad`` as a module, one class per mode and number of padded dims.

``padding`` is an int (the same on every side) or a tuple (left, right[, top, bottom[, front,
back]]), as in torch. ``ZeroPad`` and ``ConstantPad`` pad any number of leading dims; the others
take a (N, C, *S) or unbatched (C, *S) input with 1, 2 or 3 padded dims S.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import functional as F
from .module import Module

__all__ = [
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]  # fmt: skip


def _sides(padding, n):
    """An int repeated on all n sides; anything else as a tuple, unchecked (as torch does)."""
    return tuple(padding) if isinstance(padding, Iterable) else (padding,) * n


class _PadNd(Module):
    """x (*, *S) -> (*, *S'), S' = S + before + after per padded dim: F.pad(x, padding, mode)."""

    mode = "constant"
    _dims = 1  # how many trailing dims it pads

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, 2 * self._dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads with ``value``."""

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    """Pads with zeros (a ConstantPad with value 0.0, whose repr shows only the padding)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class _ReflectionPadNd(_PadNd):
    """Mirrors about the edge, which is not repeated: [a b c d] by 2 is [c b a b c d c b]."""

    mode = "reflect"


class _ReplicationPadNd(_PadNd):
    """Repeats the edge element: [a b c d] by 2 is [a a a b c d d d]."""

    mode = "replicate"


class _CircularPadNd(_PadNd):
    """Wraps around, as on a torus: [a b c d] by 2 is [c d a b c d a b]."""

    mode = "circular"

    def forward(self, input):
        n = self._dims
        if input.dim() not in (n + 1, n + 2):  # torch checks here, before F.pad
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")
        return super().forward(input)


def _per_dim(base, parents=(None, None, None)):
    """The 1d, 2d and 3d layers of one kind: ``base`` with ``_dims`` = 1, 2, 3 (torch's
    ZeroPad{n}d also subclasses ConstantPad{n}d: ``parents``)."""
    kind = base.__name__.strip("_")[:-2]  # "_ReflectionPadNd" -> "ReflectionPad"
    last = ("W", "H, W", "D, H, W")
    return tuple(
        type(f"{kind}{d}d", (base, parent) if parent else (base,), {
            "_dims": d, "__module__": __name__,
            "__doc__": f"Pads the last {d} dim{'s'[: d - 1]} ({last[d - 1]}). {base.__doc__}",
        })
        for d, parent in zip((1, 2, 3), parents)
    )  # fmt: skip


ConstantPad1d, ConstantPad2d, ConstantPad3d = _constant = _per_dim(_ConstantPadNd)
ZeroPad1d, ZeroPad2d, ZeroPad3d = _per_dim(_ZeroPadNd, _constant)
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _per_dim(_ReflectionPadNd)
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _per_dim(_ReplicationPadNd)
CircularPad1d, CircularPad2d, CircularPad3d = _per_dim(_CircularPadNd)

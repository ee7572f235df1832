"""A tensor's value frozen at one moment, so later in-place changes do not rewrite history.

Small tensors are copied whole. Tensors larger than the tape's ``max_elements`` keep summary
statistics and a down-sampled preview instead, and say so (``complete`` is False).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def statistics(values: np.ndarray) -> dict:
    """min, max, mean, std, fraction of zeros, NaN and Inf counts of an array (NaN-safe)."""
    x = np.asarray(values)
    if x.size == 0:
        return {"min": math.nan, "max": math.nan, "mean": math.nan, "std": math.nan,
                "zeros": 0.0, "nan": 0, "inf": 0, "norm": 0.0}  # fmt: skip
    nan = int(np.isnan(x).sum()) if x.dtype.kind == "f" else 0
    inf = int(np.isinf(x).sum()) if x.dtype.kind == "f" else 0
    finite = x[np.isfinite(x)] if (nan or inf) else x
    f = finite.astype(np.float64, copy=False)
    if f.size == 0:
        lo = hi = mean = std = norm = math.nan
    else:
        lo, hi = float(f.min()), float(f.max())
        mean, std = float(f.mean()), float(f.std())
        norm = float(np.sqrt(np.sum(f * f)))
    return {"min": lo, "max": hi, "mean": mean, "std": std, "zeros": float(np.mean(x == 0)),
            "nan": nan, "inf": inf, "norm": norm}  # fmt: skip


def downsample(values: np.ndarray, max_elements: int) -> np.ndarray:
    """Every k-th element along each axis, with k chosen so at most ``max_elements`` remain."""
    x = values
    if x.size <= max_elements:
        return x.copy()
    factor = (x.size / max_elements) ** (1.0 / x.ndim)
    steps = tuple(max(1, math.ceil(factor)) for _ in x.shape)
    out = x[tuple(slice(None, None, s) for s in steps)]
    while out.size > max_elements:  # uneven shapes: tighten the largest axis until it fits
        axis = int(np.argmax(out.shape))
        out = out[(slice(None),) * axis + (slice(None, None, 2),)]
    return out.copy()


@dataclass
class TensorSnapshot:
    """What the tape keeps of one tensor: shape, dtype and either all values or a summary."""

    tensor_id: int  # stable within one tape: the same tensor object always gets the same id
    shape: tuple
    dtype: str
    values: np.ndarray | None  # a full copy, or None when the tensor was too large
    preview: np.ndarray | None = None  # a down-sampled copy when values is None
    name: str | None = None  # a parameter's name (e.g. "fc1.weight"), if it is one
    requires_grad: bool = False
    _stats: dict | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        return self.values is not None

    @property
    def stats(self) -> dict:
        if self._stats is None:
            self._stats = statistics(self.values)  # computed on demand: recording stays cheap
        return self._stats

    @property
    def data(self) -> np.ndarray:
        """The values if complete, else the preview (check ``complete`` to know which)."""
        return self.values if self.values is not None else self.preview

    def nbytes(self) -> int:
        return 0 if self.values is None else int(self.values.nbytes)

    def describe(self) -> str:
        shape = "x".join(str(s) for s in self.shape) or "scalar"
        return f"{self.name + ' ' if self.name else ''}{shape} {self.dtype}"


def snapshot(tensor, tensor_id: int, max_elements: int, name=None) -> tuple[TensorSnapshot, bool]:
    """Freeze ``tensor``; returns the snapshot and whether its full values were dropped."""
    x = tensor._data
    common = dict(tensor_id=tensor_id, shape=tuple(x.shape), dtype=str(x.dtype), name=name,
                  requires_grad=bool(tensor._requires_grad))  # fmt: skip
    if x.size <= max_elements:
        return TensorSnapshot(values=np.array(x, copy=True), **common), False
    snap = TensorSnapshot(values=None, preview=downsample(x, max_elements), **common)
    snap._stats = statistics(x)  # the only chance: the full values are not kept
    return snap, True

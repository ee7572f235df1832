"""dtypes as torch names them, each a thin wrapper around a numpy dtype; torch's promotion rules."""

from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A tensor element type, e.g. ``edutorch.float32``. Compare with ``is`` or ``==``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name: str, np_type, category: int):
        self.name = name
        self.np = np.dtype(np_type)
        self.category = category  # 0 bool < 1 integer < 2 floating: the order torch promotes in
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or self.np.kind == "i"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"edutorch.{self.name}"

    def __reduce__(self):
        return self.name  # pickles (e.g. by multiprocessing) as the module-level singleton


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
# torch's aliases: torch.float is float32, torch.long is int64, ...
ALIASES = {
    "float": float32, "double": float64, "half": float16, "long": int64,
    "int": int32, "short": int16, "bool": bool_,
}  # fmt: skip

_default_float = float32


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype Python floats become (float32 unless changed, as in torch)."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accept an edutorch dtype, a numpy dtype or Python's float/int/bool."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64  # torch maps the Python type float to float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    return from_numpy_dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to without changing category."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar has when it stands alone: bool, int64 or the default float."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool_
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, (builtins.float, np.floating)):
        return _default_float
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type(*operands) -> dtype:
    """torch.result_type: tensors with dims decide first, then 0-dim tensors, then Python scalars.

    A lower-priority operand only changes the result when it is of a higher category
    (bool < int < float), which is why ``int64_tensor * 2.5`` is float32, not float64.
    """
    best = [None, None, None]  # promoted dtype among: dimensioned tensors, 0-dim tensors, scalars
    for x in operands:
        if hasattr(x, "_data"):
            d = x.dtype
            slot = 0 if x._data.ndim else 1
        else:
            d = scalar_dtype(x)
            slot = 2
        best[slot] = d if best[slot] is None else promote_types(best[slot], d)
    result = None
    for d in best:
        if d is not None and (result is None or d.category > result.category):
            result = d
    return result

"""``detect_anomaly()``: stop at the first backward step that produces NaN or Inf, and say where.

While it is on, every graph node records the line of user code that created it.
"""

from __future__ import annotations

import linecache
import os
import sys

import numpy as np

from .grad_mode import STATE

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_location(skip_package=_PACKAGE_DIR):
    """(filename, line number, source line, function) of the first frame outside edutorch."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(skip_package):
        frame = frame.f_back
    if frame is None:
        return None
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    return (filename, lineno, linecache.getline(filename, lineno).strip(), frame.f_code.co_name)


def describe(location) -> str:
    if location is None:
        return "an unknown place"
    filename, lineno, source, func = location
    return f'File "{filename}", line {lineno}, in {func}\n    {source}'


def check_gradients(node, grads):
    for i, g in enumerate(grads):
        if g is None:
            continue
        if not np.all(np.isfinite(g._data)):
            kind = "nan" if np.isnan(g._data).any() else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output.\n"
                f"The forward op '{node.op}' that produced it was created at:\n"
                f"{describe(node.location)}"
            )


class detect_anomaly:
    """Context manager (and decorator): check every backward step for NaN/Inf."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = STATE.anomaly
        STATE.anomaly = self.check_nan

    def __exit__(self, *exc):
        STATE.anomaly = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


def set_detect_anomaly(mode: bool):
    STATE.anomaly = bool(mode)


def is_anomaly_enabled() -> bool:
    return STATE.anomaly

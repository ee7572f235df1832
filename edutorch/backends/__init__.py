"""Which kernels run the heavy layers (conv, pooling, normalisation): the one place it is chosen.

A *backend* is a module of pure-array kernels (numpy arrays in, numpy arrays out; no Tensors, no
autograd). The ops in ``edutorch.nn.functional`` call ``get_backend().conv_forward(...)`` and so on,
so a faster backend only has to provide the same functions.

    edutorch.backends.set_backend("numpy")   # or "numba"; also EDUTORCH_BACKEND=numba
    edutorch.backends.describe()             # what was asked for and what actually runs

Importing this package also asks glibc to keep freed memory for reuse (see ``memory.py``).

"numba" runs ``numba_kernels`` (the numpy kernels with compiled loops where they were measured
to win); when numba is not installed it warns once and the numpy kernels run.
"""

from __future__ import annotations

import importlib.util
import os
import warnings

from . import memory, numpy_kernels

__all__ = ["get_backend", "set_backend", "backend_name", "describe", "BACKENDS"]

BACKENDS = ("numpy", "numba")

_requested = "numpy"  # what the user asked for
_kernels = numpy_kernels  # the module whose kernels actually run
_note = ""  # why the two differ, for describe()
_warned = False


def _numba_installed() -> bool:
    # find_spec does not import numba (importing it costs ~90 MiB and a second)
    return importlib.util.find_spec("numba") is not None


def set_backend(name: str) -> None:
    """Choose the kernels for conv, pooling and normalisation: ``"numpy"`` or ``"numba"``."""
    global _requested, _kernels, _note, _warned
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")
    _requested, _kernels, _note = name, numpy_kernels, ""
    if name == "numba":
        if _numba_installed():
            from . import numba_kernels  # imports numba (~90 MiB): only when chosen

            _kernels = numba_kernels
        else:
            _note = "numba is not installed (pip install numba): the numpy kernels run"
            if not _warned:
                _warned = True
                warnings.warn(
                    "edutorch backend 'numba' was requested but numba is not installed; "
                    "falling back to the numpy backend",
                    RuntimeWarning,
                    stacklevel=2,
                )


def get_backend():
    """The active kernel module (``numpy_kernels`` or ``numba_kernels``)."""
    return _kernels


def backend_name() -> str:
    """The name of the kernels that actually run ("numpy" even when "numba" fell back)."""
    return _kernels.NAME


def describe() -> str:
    """One line: requested backend, running kernels and, if they differ, why; memory policy."""
    text = f"requested {_requested!r}, running the {_kernels.NAME} kernels"
    if _note:
        text += f" ({_note})"
    if memory.tuned:
        text += "; freed memory is kept for reuse (glibc mallopt, EDUTORCH_MALLOC_TUNING=0 to stop)"
    return text


def _from_environment():
    name = os.environ.get("EDUTORCH_BACKEND", "").strip().lower() or "numpy"
    if name not in BACKENDS:  # a typo in the environment must not make ``import edutorch`` fail
        warnings.warn(
            f"EDUTORCH_BACKEND={name!r} is not one of {', '.join(BACKENDS)}; using numpy",
            RuntimeWarning,
            stacklevel=3,
        )
        name = "numpy"
    set_backend(name)


_from_environment()
memory.keep_freed_memory()

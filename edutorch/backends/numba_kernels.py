"""The numba kernels: the numpy kernels, with a compiled loop only where it was measured to win.

Same functions and signatures as ``numpy_kernels``: everything not defined here *is* the numpy
kernel. Numba only pays where it replaces one of numpy's slow paths, never BLAS (a naive compiled
matmul is ~100x slower than ``@``), so the convolutions keep im2col + one GEMM.

Measured against the numpy kernels (2-core VM, float32, one thread each, medians of 30 calls;
LeNet and benchmarks/conv.py shapes). Only the winner is compiled:

==========================================  =============  ==========================
kernel                                      numpy kernels  compiled per-plane loop
==========================================  =============  ==========================
max-pool backward (winners' scatter)        0.05-0.44 ms   0.025-0.22 ms: **kept**
max-pool forward with indices               0.28-1.7 ms    0.54-5.7 ms (dropped)
col2im, conv backward-input (gather/scat.)  1.2-10 ms      2.5-12.8 ms (dropped)
avg-pool backward                           0.19-1.2 ms    0.18-1.5 ms (dropped)
==========================================  =============  ==========================

The numpy kernels already avoid the slow paths (col2im is K contiguous adds over the flat padded
image, max-pool's winner search is branch-free uint8 arithmetic), and generic compiled loops over
2-5-wide windows with runtime sizes do not vectorise. ``parallel=True`` (prange over planes) made
every kernel *slower* on the shared 2-core machine: each call stalled ~8 ms waiting for the second
worker thread, so the kernels are serial, and there is no thread fight with OpenBLAS.

``njit(cache=True)``: the compile is paid once per machine (``compile_all`` reports it).
Importing this module imports numba (~90 MiB RSS), which is why ``edutorch.backends`` imports it
only when the numba backend is chosen.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from . import numpy_kernels as _np
from .numpy_kernels import *  # noqa: F403 (the same API; only some kernels are replaced below)
from .numpy_kernels import __all__  # noqa: F401

NAME = "numba"


@njit(cache=True)
def _max_pool_backward(grad, indices, out):
    """out[p, indices[p, l]] += grad[p, l] for every plane p, in order (so overlaps sum)."""
    planes, size = grad.shape
    for p in range(planes):
        out[p, :] = 0
        for i in range(size):
            out[p, indices[p, i]] += grad[p, i]


def max_pool_backward(grad, indices, input_shape, overlapping):
    """Route each output gradient to its window's winner: grad (N, C, *out) -> (N, C, *S)."""
    if grad.dtype.kind != "f" or grad.size == 0:
        return _np.max_pool_backward(grad, indices, input_shape, overlapping)
    planes = input_shape[0] * input_shape[1]
    out = np.empty((planes, int(np.prod(input_shape[2:]))), dtype=grad.dtype)
    g = np.ascontiguousarray(grad).reshape(planes, -1)
    _max_pool_backward(g, np.ascontiguousarray(indices, dtype=np.int64).reshape(planes, -1), out)
    return out.reshape(input_shape)


def compile_all(dtypes=(np.float32, np.float64)) -> float:
    """Compile (or load from numba's cache) every kernel for ``dtypes``; returns the seconds."""
    start = time.perf_counter()
    for dtype in dtypes:
        x = np.zeros((1, 1, 4, 4), dtype=dtype)
        values, indices = max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), False)  # noqa: F405
        max_pool_backward(values, indices, x.shape, False)
    return time.perf_counter() - start

"""The numba kernels: the numpy kernels, with a compiled loop only where it was measured to win.

Same functions and signatures as ``numpy_kernels``: everything not defined here *is* the numpy
kernel. Numba only pays where it replaces one of numpy's slow paths, never BLAS (a naive compiled
matmul is ~100x slower than ``@``), so the convolutions keep im2col + one GEMM, and only the
memory-bound layout steps around the GEMMs are compiled.

**Why the loops index with unsigned integers** (``np.uint64``): numba must allow a negative index
to wrap around, and that check inside a loop stops LLVM from vectorising it. The same col2im
loop ran 2.9 ms with signed indices and 1.0 ms with unsigned ones; the first numba backend's
kernels (all but the max-pool backward measured slower than numpy) had that problem.

Measured against the numpy kernels (2-core VM, float32, one thread each, interleaved medians;
benchmarks/conv.py layer = 32x16x32x32, 3x3 pad 1; LeNet = its second conv and both pools):

===================================  ===================  ===================  =================
kernel                               numpy                compiled             shipped
===================================  ===================  ===================  =================
col2im (stride 1), into (N, C, *S)   4.7 ms / LeNet 1.1   2.8 ms / LeNet 0.30  yes
conv output copy (+ bias, crop)      1.3 ms / LeNet 0.20  0.6 ms / LeNet 0.05  yes
max-pool 2x2 stride 2 forward        0.9 / 0.5 ms         0.4 / 0.14 ms        yes
max-pool backward (winners' scatter) 0.05-0.44 ms         0.025-0.22 ms        yes
im2col (stride 1)                    2.3 ms / LeNet 0.60  2.7 ms / LeNet 0.51  no (a memcpy)
gradient rows for the GEMMs          0.8 ms / LeNet 0.12  0.9 ms / LeNet 0.08  no
max-pool forward, any window         0.9 ms (LeNet)       1.6 ms (LeNet)       no (see below)
===================================  ===================  ===================  =================

A general max-pool with runtime window sizes did not vectorise (the winner update inside a loop
over offsets), so only the 2x2/stride-2 window, nearly every CNN's, is compiled; other windows,
strided convolutions and 3-D inputs run the numpy kernels. ``parallel=True`` (prange over
planes) made kernels *slower* on the shared 2-core machine (each call stalled ~8 ms waiting for
the second worker thread), so the kernels are serial: no thread fight with OpenBLAS either.

``njit(cache=True)``: the compile is paid once per machine (``compile_all`` reports it).
Importing this module imports numba (~90 MiB RSS), which is why ``edutorch.backends`` imports it
only when the numba backend is chosen.
"""

from __future__ import annotations

import functools
import time

import numpy as np
from numba import njit

from . import numpy_kernels as _np
from .numpy_kernels import *  # noqa: F403 (the same API; only some kernels are replaced below)
from .numpy_kernels import __all__  # noqa: F401

NAME = "numba"


# =============================================================================== convolution
@njit(cache=True)
def _col2im_flat(gcols, starts, inside, out):
    """out[n, c, i] = Σ_k gcols[c, k, n, inside[i] - starts[k]]: the K runs of each (n, c) are
    summed into one padded plane (in cache), then its inside is copied out.

    gcols (C, K, N, L), starts (K,), inside (S,) flat positions of the input in the padded plane,
    out (N, C, S).
    """
    channels, kernel, n_samples, length = gcols.shape
    plane = np.empty(length + starts[kernel - 1], dtype=gcols.dtype)
    for n in range(n_samples):
        for c in range(channels):
            plane[:] = 0
            for k in range(kernel):
                start = np.uint64(starts[k])
                for i in range(np.uint64(length)):
                    plane[start + i] += gcols[c, k, n, i]
            for i in range(np.uint64(inside.size)):
                out[n, c, i] = plane[np.uint64(inside[i])]


@njit(cache=True)
def _rows_to_output(rows, inside, bias, out):
    """out[n, o, i] = rows[o, n, inside[i]] + bias[o]: transpose, junk-column removal and bias.

    rows (O, N, L), inside (S_out,) where the real outputs are in L, bias (O,), out (N, O, S_out).
    """
    n_out, n_samples = rows.shape[:2]
    for n in range(n_samples):
        for o in range(n_out):
            b = bias[o]
            for i in range(np.uint64(inside.size)):
                out[n, o, i] = rows[o, n, np.uint64(inside[i])] + b


_FLOATS = (np.float32, np.float64)  # compiled for these only: no surprise compile for a rare dtype


def _positions(grid, window):
    """Flat positions, in a C-ordered ``grid``, of the cells of ``window`` (a tuple of slices)."""
    return np.arange(int(np.prod(grid)), dtype=np.int64).reshape(grid)[window].ravel()


class _Geometry(_np._Geometry):
    """The numpy layout, with compiled col2im and output copy for stride-1 (``flat``) convs."""

    @functools.cached_property
    def inside(self):
        """Flat positions of the input inside the padded plane."""
        return _positions(self.padded, self.crop()[2:])

    @functools.cached_property
    def outputs(self):
        """Positions of the real outputs on the (out[0], *padded[1:]) grid of one sample."""
        grid = (self.out[0],) + self.padded[1:]
        return _positions(grid, tuple(slice(0, s) for s in self.out))

    def col2im(self, gcols, out):
        if not (self.flat and gcols.dtype == out.dtype in _FLOATS):
            return super().col2im(gcols, out)
        n, c = out.shape[:2]
        cols = gcols.reshape(c, self.K, n, self.L)
        _col2im_flat(cols, self.starts, self.inside, out.reshape(n, c, -1))

    def rows_to_output(self, rows, bias, out):
        same = bias is None or bias.dtype == out.dtype
        if not (self.flat and rows.dtype == out.dtype in _FLOATS and same):
            return super().rows_to_output(rows, bias, out)
        n, o = out.shape[:2]
        b = np.zeros(o, rows.dtype) if bias is None else np.ascontiguousarray(bias)
        _rows_to_output(rows.reshape(o, n, self.L), self.outputs, b, out.reshape(n, o, -1))


(conv_columns, conv_forward, conv_backward, conv_backward_input, conv_backward_weight) = (
    _np.ConvKernels(
        _Geometry,
        chunk_bytes=1 << 20,  # ~L2-sized: the compiled col2im reads them from cache
    ).export()
)


# =============================================================================== pooling
@njit(cache=True)
def _max_pool_2x2(x, out, indices):
    """2x2 windows, stride 2: out = the max of each window, indices = its flat position h·W + w.

    x (P, H, W) -> out, indices (P, H//2, W//2). Ties go to the first in (0,0), (0,1), (1,0),
    (1,1) order; a NaN wins over numbers, the last NaN over earlier ones (torch's rule).
    Branch-free selects, so the loop over a row vectorises.
    """
    planes, width = x.shape[0], x.shape[2]
    rows, cols = out.shape[1], out.shape[2]
    for p in range(planes):
        for i in range(np.uint64(rows)):
            top, bottom = x[p, 2 * i], x[p, 2 * i + 1]
            best_row, where_row = out[p, i], indices[p, i]
            for j in range(np.uint64(cols)):
                best, where = top[2 * j], 0
                v = top[2 * j + 1]
                take = (v > best) | (v != v)  # v != v: v is NaN
                best, where = (v, 1) if take else (best, where)
                v = bottom[2 * j]
                take = (v > best) | (v != v)
                best, where = (v, width) if take else (best, where)
                v = bottom[2 * j + 1]
                take = (v > best) | (v != v)
                best, where = (v, width + 1) if take else (best, where)
                best_row[j] = best
                where_row[j] = 2 * i * width + 2 * j + where


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    """out = max over each window; indices = flat position (in x's spatial plane) of the winner.

    x (N, C, *S) -> (out (N, C, *out), indices int64 (N, C, *out)); compiled for 2x2 windows with
    stride 2 and no padding or dilation, the numpy kernel otherwise.
    """
    common = (kernel, stride, padding, dilation) == ((2, 2), (2, 2), (0, 0), (1, 1))
    h, w = x.shape[2:] if x.ndim == 4 else (1, 1)
    # ceil_mode only adds a (partial) last window when a size is odd
    if not common or x.dtype not in _FLOATS or x.size == 0 or (ceil_mode and (h % 2 or w % 2)):
        return _np.max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode)
    n, c = x.shape[:2]
    out = np.empty((n, c, h // 2, w // 2), dtype=x.dtype)
    indices = np.empty(out.shape, dtype=np.int64)
    planes = (n * c, h // 2, w // 2)
    _max_pool_2x2(np.ascontiguousarray(x).reshape(n * c, h, w), out.reshape(planes),
                  indices.reshape(planes))  # fmt: skip
    return out, indices


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
    pads = ((1, 1), (1, 1))
    for dtype in dtypes:
        x = np.zeros((1, 1, 4, 4), dtype=dtype)
        w = np.zeros((1, 1, 3, 3), dtype=dtype)
        y = conv_forward(x, w, w[0, 0, 0, :1], (1, 1), pads, (1, 1), 1)
        conv_backward_input(y, w, x.shape, (1, 1), pads, (1, 1), 1)
        values, indices = max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
        max_pool_backward(values, indices, x.shape, False)
    return time.perf_counter() - start

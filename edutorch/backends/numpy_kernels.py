"""The numpy kernels: convolution, pooling and normalisation on plain arrays.

No Tensors and no autograd here: numpy arrays in, numpy arrays out, so another backend (numba) only
has to provide the same functions. The ops in ``edutorch.nn.functional`` do the checking, the
Tensor wrapping and the gradient bookkeeping.

Conventions: inputs are channel-first, ``x`` is (N, C, *spatial) with 1, 2 or more spatial dims;
``stride``, ``dilation`` and kernel sizes are tuples with one int per spatial dim; ``padding`` is a
tuple of (before, after) pairs per spatial dim, so that the asymmetric ``padding="same"`` fits too.

How convolution is made fast (measured in benchmarks/conv.py):

* **im2col, channel-major.** ``cols[n, (c, k), l]`` holds input channel c at kernel offset k for
  output position l, so the forward pass is one batched matmul ``W (O, C*K) @ cols (N, C*K, L)``
  whose result (N, O, L) already is the NCHW output: no transpose copy after BLAS.
* **The flat trick (stride 1).** In a zero-padded image stored row by row, the inputs under kernel
  offset (i, j) for *all* output positions are one contiguous run of the flat buffer, starting at
  ``i * row_pitch + j``, if we also compute outputs for the few columns that hang over the right
  edge and throw those away afterwards. Building ``cols`` is then K memcpy-like copies, and col2im
  is K contiguous adds.
* **col2im by strided accumulation**: one vectorised add per kernel offset, never ``np.add.at``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

NAME = "numpy"

__all__ = [
    "conv_output_size", "conv_forward", "conv_backward_input", "conv_backward_weight",
    "pool_output_size", "max_pool_forward", "max_pool_backward", "avg_pool_forward",
    "avg_pool_backward", "adaptive_avg_pool_forward", "adaptive_avg_pool_backward",
    "normalize_forward",
]  # fmt: skip


# =============================================================================== convolution
def conv_output_size(size, k, stride, pad, dilation):
    """Output length along one dim: ⌊(size + before + after - dilation·(k-1) - 1)/stride⌋ + 1."""
    return (size + pad[0] + pad[1] - dilation * (k - 1) - 1) // stride + 1


class _Geometry:
    """Sizes and layout of one convolution, shared by forward and both backward kernels.

    ``flat`` (all strides 1): outputs are computed on an (out[0], padded[1], ..., padded[-1]) grid
    of length ``L`` laid over the flat padded image; the columns past ``out[d]`` are junk, dropped.
    Otherwise outputs are the dense (out[0], ..., out[-1]) grid.
    """

    def __init__(self, spatial, ksize, stride, padding, dilation):
        self.spatial, self.ksize, self.stride = tuple(spatial), tuple(ksize), tuple(stride)
        self.padding, self.dilation = tuple(padding), tuple(dilation)
        self.padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, padding))
        self.out = tuple(
            conv_output_size(*a) for a in zip(spatial, ksize, stride, padding, dilation)
        )
        self.K = math.prod(ksize)
        self.flat = all(s == 1 for s in stride)
        if self.flat:
            # pitch[d]: how far apart, in elements, two neighbours along dim d are in the flat image
            self.pitch = tuple(math.prod(self.padded[d + 1 :]) for d in range(len(spatial)))
            self.L = self.out[0] * self.pitch[0]
            # the last junk columns read up to this far past the image: allocate that much extra
            z = zip(ksize[1:], dilation[1:], self.pitch[1:])
            self.tail = sum(dl * (k - 1) * p for k, dl, p in z)
            self.junk = self.padded[1:] != self.out[1:]
        else:
            self.L = math.prod(self.out)

    def crop(self):
        """Index that takes the unpadded input out of a padded (N, C, *padded) array."""
        return (slice(None), slice(None)) + tuple(
            slice(lo, lo + s) for (lo, _), s in zip(self.padding, self.spatial)
        )

    def padded_input(self, x):
        """x inside zeros: ``flat``: a (N, C, prod(padded) + tail) buffer, else (N, C, *padded)."""
        n, c = x.shape[:2]
        if self.flat:
            size = math.prod(self.padded)
            buf = np.zeros((n, c, size + self.tail), dtype=x.dtype)
            buf[:, :, :size].reshape((n, c) + self.padded)[self.crop()] = x
            return buf
        if not any(lo or hi for lo, hi in self.padding):
            return x  # as_strided copes with any strides, so no copy is needed
        buf = np.zeros((n, c) + self.padded, dtype=x.dtype)
        buf[self.crop()] = x
        return buf

    def im2col(self, x):
        """(N, C, *spatial) -> cols (N, C*K, L), channel-major: row (c, k) = channel c, offset k."""
        n, c = x.shape[:2]
        buf = self.padded_input(x)
        item = buf.itemsize
        if self.flat:
            offsets = tuple(dl * p * item for dl, p in zip(self.dilation, self.pitch))
            view = as_strided(
                buf, (n, c) + self.ksize + (self.L,), buf.strides[:2] + offsets + (item,),
                writeable=False,
            )  # fmt: skip
        else:
            sp = buf.strides[2:]
            view = as_strided(
                buf,
                (n, c) + self.ksize + self.out,
                buf.strides[:2]
                + tuple(dl * s for dl, s in zip(self.dilation, sp))
                + tuple(st * s for st, s in zip(self.stride, sp)),
                writeable=False,
            )
        return np.ascontiguousarray(view).reshape(n, c * self.K, self.L)

    def grad_rows(self, grad):
        """grad (N, O, *out) laid out as (N, O, L) on the output grid, zero where it has no value:
        the junk columns, and outputs a transposed conv's output_padding left out."""
        n, o = grad.shape[:2]
        grid = (self.out[0],) + self.padded[1:] if self.flat else self.out
        if grad.shape[2:] == grid:
            return np.ascontiguousarray(grad).reshape(n, o, self.L)
        g = np.zeros((n, o) + grid, dtype=grad.dtype)
        g[(slice(None), slice(None)) + tuple(slice(0, s) for s in grad.shape[2:])] = grad
        return g.reshape(n, o, self.L)

    def rows_to_output(self, rows, bias):
        """(N, O, L) matmul result -> contiguous (N, O, *out) + bias (fused into the copy)."""
        n, o = rows.shape[:2]
        b = None if bias is None else bias.reshape((o,) + (1,) * len(self.out))
        if self.flat and self.junk:
            grid = rows.reshape((n, o, self.out[0]) + self.padded[1:])
            view = grid[(slice(None),) * 3 + tuple(slice(0, s) for s in self.out[1:])]
            out = np.empty((n, o) + self.out, dtype=rows.dtype)
            if b is None:
                np.copyto(out, view)
            else:
                np.add(view, b, out=out)
            return out
        out = rows.reshape((n, o) + self.out)
        if b is not None:
            out += b
        return out

    def col2im(self, gcols, dtype):
        """Adjoint of im2col: (N, C, *k, L) column gradients summed back into (N, C, *spatial)."""
        n, c = gcols.shape[:2]
        if self.flat:
            size = math.prod(self.padded)
            gbuf = np.zeros((n, c, size + self.tail), dtype=dtype)
            for kidx in itertools.product(*map(range, self.ksize)):
                start = sum(i * dl * p for i, dl, p in zip(kidx, self.dilation, self.pitch))
                gbuf[:, :, start : start + self.L] += gcols[(slice(None), slice(None)) + kidx]
            padded = gbuf[:, :, :size].reshape((n, c) + self.padded)
        else:
            padded = np.zeros((n, c) + self.padded, dtype=dtype)
            gcols = gcols.reshape((n, c) + self.ksize + self.out)
            for kidx in itertools.product(*map(range, self.ksize)):
                window = tuple(
                    slice(i * dl, i * dl + st * (o - 1) + 1, st)
                    for i, dl, st, o in zip(kidx, self.dilation, self.stride, self.out)
                )
                padded[(slice(None), slice(None)) + window] += gcols[
                    (slice(None), slice(None)) + kidx
                ]
        return np.ascontiguousarray(padded[self.crop()])


def _grouped(a, groups):
    """(N, G*R, L) -> (N, G, R, L) so that one broadcast matmul does every group."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, a.shape[2])


def conv_forward(x, weight, bias, stride, padding, dilation, groups):
    """out[n, o] = b[o] + Σ_{c,k} W[o, c, k] · x_padded[n, c, stride·l + dilation·k].

    x (N, C, *S), weight (O, C/groups, *k), bias (O,) or None -> (out (N, O, *out), cols).
    ``cols`` is the im2col matrix, handed back to ``conv_backward_weight`` to save rebuilding it.
    """
    geo = _Geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    n, o = x.shape[0], weight.shape[0]
    cols = geo.im2col(x)
    if groups == 1:
        rows = np.matmul(weight.reshape(o, -1), cols)  # (O, C*K) @ (N, C*K, L) -> (N, O, L)
    else:
        w = weight.reshape(groups, o // groups, -1)
        rows = np.matmul(w, _grouped(cols, groups)).reshape(n, o, geo.L)
    return geo.rows_to_output(rows, bias), cols


def conv_backward_input(grad, weight, input_shape, stride, padding, dilation, groups):
    """d loss / d x: cols gradient Wᵀ @ grad, then col2im. Also the forward of conv_transpose.

    grad (N, O, *out), weight (O, C/groups, *k), input_shape (N, C, *S) -> (N, C, *S).
    """
    geo = _Geometry(input_shape[2:], weight.shape[2:], stride, padding, dilation)
    n, c, o = input_shape[0], input_shape[1], weight.shape[0]
    rows = geo.grad_rows(grad)
    if groups == 1:
        gcols = np.matmul(weight.reshape(o, -1).T, rows)  # (C*K, O) @ (N, O, L)
    else:
        wt = weight.reshape(groups, o // groups, -1).transpose(0, 2, 1)
        gcols = np.matmul(wt, _grouped(rows, groups))
    return geo.col2im(gcols.reshape((n, c) + geo.ksize + (geo.L,)), grad.dtype)


def conv_backward_weight(grad, x, weight_shape, stride, padding, dilation, groups, cols=None):
    """d loss / d W = Σ_n grad[n] @ cols[n]ᵀ. grad (N, O, *out), x (N, C, *S) -> weight_shape.

    ``cols`` is what ``conv_forward`` returned for this x (rebuilt when None).
    """
    geo = _Geometry(x.shape[2:], weight_shape[2:], stride, padding, dilation)
    if cols is None:
        cols = geo.im2col(x)
    rows = geo.grad_rows(grad)
    if groups == 1:
        gw = np.matmul(rows, cols.transpose(0, 2, 1)).sum(axis=0)  # Σ_n (O, L) @ (L, C*K)
    else:
        gw = np.matmul(_grouped(rows, groups), _grouped(cols, groups).transpose(0, 1, 3, 2))
        gw = gw.sum(axis=0)
    return gw.reshape(weight_shape).astype(grad.dtype, copy=False)


# =============================================================================== pooling
def pool_output_size(size, k, stride, pad, dilation, ceil_mode):
    """torch's pooling output length; with ceil_mode the last window must start inside the input
    or its left padding."""
    span = size + 2 * pad - dilation * (k - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill):
    """x padded with ``fill``, and per kernel offset the index of its strided (N, C, *out) slice.

    Returns (out shape, padded buffer, list of index tuples, one per kernel offset).
    """
    spatial = x.shape[2:]
    geometry = zip(spatial, kernel, stride, padding, dilation)
    out = tuple(pool_output_size(*a, ceil_mode) for a in geometry)
    # room for the padding on both sides and for a ceil_mode window hanging over the right edge
    size = tuple(
        max(s + 2 * p, (o - 1) * st + dl * (k - 1) + 1)
        for s, p, o, st, dl, k in zip(spatial, padding, out, stride, dilation, kernel)
    )
    if size == spatial:
        buf = x
    else:
        buf = np.full(x.shape[:2] + size, fill, dtype=x.dtype)
        inside = tuple(slice(p, p + s) for p, s in zip(padding, spatial))
        buf[(slice(None), slice(None)) + inside] = x
    windows = [
        (slice(None), slice(None))
        + tuple(
            slice(i * dl, i * dl + st * (o - 1) + 1, st)
            for i, dl, st, o in zip(kidx, dilation, stride, out)
        )
        for kidx in itertools.product(*map(range, kernel))
    ]
    return out, buf, windows


def _window_origins(spatial, out, stride, padding):
    """Flat input index of each output window's top-left corner (may lie in the padding)."""
    pitch = [math.prod(spatial[d + 1 :]) for d in range(len(spatial))]
    base = np.zeros(out, dtype=np.int64)
    for d, (o, st, p, pt) in enumerate(zip(out, stride, padding, pitch)):
        shape = [1] * len(out)
        shape[d] = o
        base = base + ((np.arange(o) * st - p) * pt).reshape(shape)
    return base, pitch


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    """out = max over each window; indices = flat position (in x's spatial plane) of the winner.

    x (N, C, *S) -> (out (N, C, *out), indices int64 (N, C, *out)). Ties go to the first element in
    the window, a NaN wins over numbers (the last NaN, as in torch).
    """
    floating = x.dtype.kind == "f"
    fill = -np.inf if floating else np.iinfo(x.dtype).min
    out, buf, windows = _pool_windows(x, kernel, stride, padding, dilation, ceil_mode, fill)
    best = buf[windows[0]].copy()
    for w in windows[1:]:
        np.maximum(best, buf[w], out=best)  # branch-free, unlike a masked "where" update
    # which offset won: the first whose value equals the max (uint8 arithmetic, no branches)
    K = len(windows)
    kid = np.full(best.shape, K, dtype=np.uint8 if K < 255 else np.int64)
    for i in range(K - 1, -1, -1):
        hit = np.equal(buf[windows[i]], best).astype(kid.dtype)
        np.minimum(kid, K - hit * (K - i), out=kid)  # hit -> i, miss -> K
    if floating and (kid == K).any():  # NaN maxima equal nothing: the last NaN in the window wins
        for i, w in enumerate(windows):
            kid[np.isnan(buf[w]) & np.isnan(best)] = i
    spatial = x.shape[2:]
    base, pitch = _window_origins(spatial, out, stride, padding)
    if any(padding):
        _first_real_offset(kid, best == fill, out, kernel, stride, padding, dilation)
    offsets = np.array(
        [sum(i * dl * pt for i, dl, pt in zip(kidx, dilation, pitch))
         for kidx in itertools.product(*map(range, kernel))],
        dtype=np.int64,
    )  # fmt: skip
    indices = offsets[kid]
    indices += base
    return best, indices


def _first_real_offset(kid, mask, out, kernel, stride, padding, dilation):
    """Where a window's max is the padding value itself (all inputs -inf), point at its first real
    element, as torch does, instead of at the padding."""
    if not mask.any():
        return
    firsts = []
    for d, (o, st, p, dl) in enumerate(zip(out, stride, padding, dilation)):
        shape = [1] * len(out)
        shape[d] = o
        first = np.maximum(0, -(-(p - np.arange(o) * st) // dl))  # skip offsets in the left pad
        firsts.append(first.reshape(shape))
    first_kid = np.ravel_multi_index(tuple(np.broadcast_arrays(*firsts)), kernel)
    kid[mask] = np.broadcast_to(first_kid, kid.shape)[mask]


def max_pool_backward(grad, indices, input_shape, overlapping):
    """Route each output gradient to its window's winner: grad (N, C, *out) -> (N, C, *S).

    Disjoint windows (stride >= window) never share a winner, so one scatter assignment does it;
    overlapping windows may, so their gradients are summed with ``np.bincount`` (not ``np.add.at``).
    """
    n, c = input_shape[:2]
    plane = math.prod(input_shape[2:])
    idx = indices.reshape(n * c, -1)
    if not overlapping:
        gx = np.zeros((n * c, plane), dtype=grad.dtype)
        np.put_along_axis(gx, idx, grad.reshape(n * c, -1), axis=1)
        return gx.reshape(input_shape)
    flat = (idx + (np.arange(n * c, dtype=np.int64) * plane)[:, None]).ravel()
    gx = np.bincount(flat, weights=grad.ravel(), minlength=n * c * plane)
    return gx.astype(grad.dtype).reshape(input_shape)


def _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad):
    """How many elements each window averages over, as an array broadcastable to (*out)."""
    div = np.ones((1,) * len(out))
    for d, (s, o, k, st, p) in enumerate(zip(spatial, out, kernel, stride, padding)):
        start = np.arange(o) * st - p
        end = np.minimum(start + k, s + p)  # a ceil_mode window stops at the right padding
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, s)
        shape = [1] * len(out)
        shape[d] = o
        div = div * (end - start).reshape(shape)
    return div


def avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """out = (Σ over the window) / divisor. x (N, C, *S) -> (N, C, *out)."""
    ones = (1,) * len(kernel)
    out, buf, windows = _pool_windows(x, kernel, stride, padding, ones, ceil_mode, 0)
    acc_dtype = x.dtype if x.dtype.kind == "f" else np.int64
    total = buf[windows[0]].astype(acc_dtype)
    for w in windows[1:]:
        total += buf[w]
    if divisor_override:
        div = np.asarray(divisor_override)
    else:
        div = _avg_divisor(x.shape[2:], out, kernel, stride, padding, count_include_pad)
    if x.dtype.kind != "f":  # integer pooling divides with truncation, as torch's C++ does
        return np.trunc(total / div).astype(x.dtype)
    return total / div.astype(x.dtype)


def avg_pool_backward(grad, input_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                      divisor_override):  # fmt: skip
    """Every input in a window gets grad / divisor: strided adds, one per kernel offset."""
    spatial = tuple(input_shape[2:])
    out = grad.shape[2:]
    if divisor_override:
        div = np.asarray(divisor_override)
    else:
        div = _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad)
    g = grad / div.astype(grad.dtype)
    size = tuple(
        max(s + 2 * p, (o - 1) * st + k)
        for s, p, o, st, k in zip(spatial, padding, out, stride, kernel)
    )
    gbuf = np.zeros(tuple(input_shape[:2]) + size, dtype=grad.dtype)
    for kidx in itertools.product(*map(range, kernel)):
        window = tuple(slice(i, i + st * (o - 1) + 1, st) for i, st, o in zip(kidx, stride, out))
        gbuf[(slice(None), slice(None)) + window] += g
    crop = tuple(slice(p, p + s) for p, s in zip(padding, spatial))
    return np.ascontiguousarray(gbuf[(slice(None), slice(None)) + crop])


def _adaptive_matrix(size, out, dtype):
    """(out, size) averaging matrix: row i averages inputs ⌊i·size/out⌋ .. ⌈(i+1)·size/out⌉ - 1."""
    A = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        A[i, start:end] = 1.0 / (end - start)
    return A


def _apply_along(x, matrices):
    """Multiply spatial dim d of x (N, C, *S) by matrices[d] (rows: new size)."""
    for d, A in enumerate(matrices):
        axis = 2 + d
        x = np.moveaxis(np.moveaxis(x, axis, -1) @ A.T, -1, axis)
    return np.ascontiguousarray(x)


def adaptive_avg_pool_forward(x, output_size):
    """Average over the adaptive bins; separable, so one small matmul per spatial dim.

    x (N, C, *S) -> (N, C, *output_size).
    """
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    mats = [_adaptive_matrix(s, o, dtype) for s, o in zip(x.shape[2:], output_size)]
    return _apply_along(x.astype(dtype, copy=False), mats).astype(x.dtype, copy=False)


def adaptive_avg_pool_backward(grad, input_shape):
    """The transpose of the forward's matrices: grad (N, C, *out) -> (N, C, *S)."""
    mats = [_adaptive_matrix(s, o, grad.dtype).T for s, o in zip(input_shape[2:], grad.shape[2:])]
    return _apply_along(grad, mats)


# =============================================================================== normalisation
def normalize_forward(x, axes, eps):
    """x̂ = (x - mean) / √(var + eps) over ``axes`` (biased var). -> (x̂, mean, var, rstd).

    mean, var and rstd keep the reduced axes (size 1). Shared by batch, layer and group norm;
    their backward is in Tensor ops (nn/functional/normalization.py), so it has a graph.
    """
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=axes, keepdims=True)  # two passes: no cancellation
    rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
    return centred * rstd, mean, var, rstd

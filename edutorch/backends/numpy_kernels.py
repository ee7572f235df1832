"""The numpy kernels: convolution, pooling and normalisation on plain arrays.

No Tensors and no autograd here: numpy arrays in, numpy arrays out, so another backend (numba) only
has to provide the same functions. The ops in ``edutorch.nn.functional`` do the checking, the
Tensor wrapping and the gradient bookkeeping.

Conventions: inputs are channel-first, ``x`` is (N, C, *spatial) with 1, 2 or more spatial dims;
``stride``, ``dilation`` and kernel sizes are tuples with one int per spatial dim; ``padding`` is a
tuple of (before, after) pairs per spatial dim, so that the asymmetric ``padding="same"`` fits too.

How convolution is made fast (measured in benchmarks/conv.py):

* **im2col, channel-major, one GEMM.** ``cols[(c, k), (n, l)]`` holds input channel c at kernel
  offset k for sample n, output position l. Then each of the three products (forward, weight
  gradient, input gradient) is *one* large matrix product: W (O, C·K) @ cols (C·K, N·L), and so
  on. One big GEMM keeps BLAS efficient, and it degrades gracefully when other processes compete
  for the cores; a batched matmul (one small GEMM per sample, each with its own thread
  hand-off) was 2-3x slower under such contention. The (O, N, L) result is transposed to NCHW
  inside the copy that adds the bias, so the transpose costs no extra pass.
* **The flat trick (stride 1).** In a zero-padded image stored row by row, the inputs under kernel
  offset (i, j) for *all* output positions are one contiguous run of the flat buffer, starting at
  ``i * row_pitch + j``, if we also compute outputs for the few columns that hang over the right
  edge and throw those away afterwards. Building ``cols`` is then K memcpy-like copies, and col2im
  is K contiguous adds.
* **col2im by strided accumulation**: one vectorised add per kernel offset, never ``np.add.at``.
* **The input gradient in chunks of samples.** Wᵀ @ grad writes column gradients as large as
  cols (20 MB on the benchmark layer) only for col2im to read them back; a few samples at a time
  (``chunk_bytes``), they are still in the CPU cache when col2im reads them. The GEMM alone got
  ~1.5x faster; the input gradient went 10-13 -> 7-8 ms with numpy's col2im (8 MiB chunks: numpy
  pays per call), 5 ms with numba's (1 MiB chunks). Likewise the forward GEMM reads each 1 MiB
  chunk of cols right after im2col wrote it (forward 12-15% faster).
* **Reused scratch memory.** Fresh memory costs a page fault on first touch of every 4 KiB; in a
  virtual machine that was ~6 µs a page, so the ~13 MB of new temporaries per step cost more than
  torch's whole convolution. The big temporaries (padded input, cols, column gradients) live in
  ``_workspace`` buffers reused from call to call.
* **cols kept for the weight gradient** (``conv_columns``): the forward's cols (20 MB on the
  benchmark layer) are handed to ``conv_backward_weight`` instead of being rebuilt (2-3 ms). The
  ops only do this when glibc keeps freed memory for reuse (``memory.py``): otherwise each fresh
  cols array would pay its page faults, far more than the rebuild.
* **One backward call** (``conv_backward``): dx, dW and db all read the output gradient laid out
  as (O, N*L) GEMM rows; building that 4 MB copy once instead of once per gradient, padding the
  input and preparing the strided im2col views once per batch instead of once per chunk made
  the benchmark step 6-7% faster (in-process A/B, both backends).

A backend with faster layout steps subclasses ``_Geometry`` and builds its own ``ConvKernels``
(see ``numba_kernels``): the GEMMs and the grouping logic stay here, once.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

NAME = "numpy"

__all__ = [
    "conv_output_size", "conv_columns", "conv_forward", "conv_backward", "conv_backward_input",
    "conv_backward_weight",
    "pool_output_size", "max_pool_forward", "max_pool_backward", "avg_pool_forward",
    "avg_pool_backward", "adaptive_avg_pool_forward", "adaptive_avg_pool_backward",
    "normalize_forward",
]  # fmt: skip


# role -> uint8 buffer, grown to the largest request; per thread, so that a GUI thread and a
# training thread never scribble on each other's scratch memory
_WORKSPACE = threading.local()


def _workspace(role, shape, dtype, zero=False):
    """A scratch array (uninitialised unless ``zero``) that is reused by the next call asking for
    the same role. Only for temporaries: never return it, copy the result out of it."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    buffers = _WORKSPACE.__dict__
    buf = buffers.get(role)
    if buf is None or buf.nbytes < nbytes:
        buf = buffers[role] = np.empty(nbytes, dtype=np.uint8)
    out = buf[:nbytes].view(dtype).reshape(shape)
    if zero:
        out.fill(0)
    return out


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
            buf = _workspace("padded", (n, c, size + self.tail), x.dtype, zero=True)
            buf[:, :, :size].reshape((n, c) + self.padded)[self.crop()] = x
            return buf
        if not any(lo or hi for lo, hi in self.padding):
            return x  # as_strided copes with any strides, so no copy is needed
        buf = _workspace("padded", (n, c) + self.padded, x.dtype, zero=True)
        buf[self.crop()] = x
        return buf

    @functools.cached_property
    def starts(self):
        """``flat`` only: how far into the flat padded image each kernel offset's run starts."""
        return np.array(
            [sum(i * dl * p for i, dl, p in zip(kidx, self.dilation, self.pitch))
             for kidx in itertools.product(*map(range, self.ksize))],
            dtype=np.int64,
        )  # fmt: skip

    def windows(self, x):
        """x's columns as a read-only (C, *k, N, *L) view of its padded copy: [c, k, n, l] is the
        input under kernel offset k for output position l of sample n. The padded copy is made
        here, once for the batch; the view itself costs nothing to slice by samples."""
        n, c = x.shape[:2]
        buf = self.padded_input(x)
        item = buf.itemsize
        sn, sc = buf.strides[:2]
        if self.flat:
            offsets = tuple(dl * p * item for dl, p in zip(self.dilation, self.pitch))
            shape = (c,) + self.ksize + (n, self.L)
            strides = (sc,) + offsets + (sn, item)
        else:
            sp = buf.strides[2:]
            shape = (c,) + self.ksize + (n,) + self.out
            strides = (
                (sc,) + tuple(dl * s for dl, s in zip(self.dilation, sp)) + (sn,)
                + tuple(st * s for st, s in zip(self.stride, sp))
            )  # fmt: skip
        return as_strided(buf, shape, strides, writeable=False)

    def column_view(self, cols):
        """cols (C*K, m*L) as (C, *k, m, *L), the shape of ``windows``: it only splits axes, so
        it is a view, even of a block of columns."""
        shape = (cols.shape[0] // self.K,) + self.ksize + (cols.shape[1] // self.L,)
        shape += (self.L,) if self.flat else self.out
        return as_strided(cols, shape, _split_strides(cols.strides, shape, 1 + len(self.ksize)))

    def im2col(self, x, out=None):
        """(N, C, *spatial) -> cols (C*K, N*L), channel-major: row (c, k) = channel c, offset k.

        Into ``out`` (a (C*K, N*L) array or column block of one), else a reused scratch buffer."""
        if out is None:
            out = _workspace("cols", (x.shape[1] * self.K, x.shape[0] * self.L), x.dtype)
        np.copyto(self.column_view(out), self.windows(x))
        return out

    def grad_rows(self, grad):
        """grad (N, O, *out) as (O, N*L) on the output grid, zero where it has no value: the
        junk columns, and outputs that a transposed conv's output_padding left out."""
        n, o = grad.shape[:2]
        grid = (self.out[0],) + self.padded[1:] if self.flat else self.out
        g = _workspace("grad_rows", (o, n) + grid, grad.dtype)
        g[(slice(None), slice(None)) + tuple(slice(0, s) for s in grad.shape[2:])] = grad.swapaxes(
            0, 1
        )
        # zero only what the copy left out (the junk columns): the rest was just overwritten
        for d, s in enumerate(grad.shape[2:]):
            g[(slice(None),) * (2 + d) + (slice(s, None),)] = 0
        return g.reshape(o, n * self.L)

    def rows_to_output(self, rows, bias, out):
        """(O, n*L) matmul result -> out (n, O, *out): the transpose, the junk columns' removal
        and the bias all happen in this one copy."""
        n, o = out.shape[:2]
        if self.flat:
            grid = rows.reshape((o, n, self.out[0]) + self.padded[1:])
            view = grid[(slice(None),) * 3 + tuple(slice(0, s) for s in self.out[1:])]
        else:
            view = rows.reshape((o, n) + self.out)
        if bias is None:
            np.copyto(out, view.swapaxes(0, 1))
        else:
            np.add(view.swapaxes(0, 1), bias.reshape((o,) + (1,) * len(self.out)), out=out)

    def col2im(self, gcols, out):
        """Adjoint of im2col: (C*K, n*L) column gradients of n samples summed into out
        (n, C, *spatial)."""
        n, c = out.shape[:2]
        if self.flat:
            size = math.prod(self.padded)
            gbuf = _workspace("gbuf", (n, c, size + self.tail), out.dtype, zero=True)
            target = gbuf.swapaxes(0, 1)  # (C, N, flat): matches the layout of gcols' rows
            gcols = gcols.reshape((c,) + self.ksize + (n, self.L))
            for kidx, start in zip(itertools.product(*map(range, self.ksize)), self.starts):
                target[:, :, start : start + self.L] += gcols[(slice(None),) + kidx]
            padded = gbuf[:, :, :size].reshape((n, c) + self.padded)
        else:
            padded = _workspace("gbuf", (n, c) + self.padded, out.dtype, zero=True)
            target = padded.swapaxes(0, 1)
            gcols = gcols.reshape((c,) + self.ksize + (n,) + self.out)
            for kidx in itertools.product(*map(range, self.ksize)):
                window = tuple(
                    slice(i * dl, i * dl + st * (o - 1) + 1, st)
                    for i, dl, st, o in zip(kidx, self.dilation, self.stride, self.out)
                )
                target[(slice(None), slice(None)) + window] += gcols[(slice(None),) + kidx]
        out[...] = padded[self.crop()]


def _split_strides(strides, shape, lead):
    """Strides that view a 2-D array as ``shape``: its first axis split into shape[:lead], its
    second into shape[lead:], both in C order (a view even of a block of columns)."""
    out = []
    for dims, step in ((shape[:lead], strides[0]), (shape[lead:], strides[1])):
        out += [step * math.prod(dims[i + 1 :]) for i in range(len(dims))]
    return tuple(out)


def _grouped(a, groups):
    """(G*R, M) -> (G, R, M) so that one broadcast matmul does every group."""
    return a.reshape(groups, a.shape[0] // groups, a.shape[1])


def _matmul(a, b, role):
    """a @ b into a reused scratch array (so the product's memory is not fresh every call)."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    return np.matmul(a, b, out=_workspace(role, shape, np.result_type(a, b)))


class ConvKernels:
    """The convolution kernels over one layout class (``_Geometry`` or a faster subclass).

    Geometries are cached per shape: a training loop asks for the same few again and again.
    """

    forward_chunk = 1 << 20  # bytes of cols per forward GEMM: ~L2-sized (measured 12% faster)

    def __init__(self, layout, chunk_bytes):
        self.geometry = functools.lru_cache(maxsize=256)(layout)
        self.chunk_bytes = chunk_bytes  # column gradients per col2im call (see backward_input)

    def _geo(self, spatial, ksize, stride, padding, dilation):
        return self.geometry(tuple(spatial), tuple(ksize), tuple(stride),
                             tuple(map(tuple, padding)), tuple(dilation))  # fmt: skip

    def columns(self, x, ksize, stride, padding, dilation):
        """An empty (C*K, N*L) array for x's columns: ``conv_forward(..., cols=it)`` fills it,
        ``conv_backward_weight(..., cols=it)`` (same geometry) reads it instead of rebuilding."""
        geo = self._geo(x.shape[2:], ksize, stride, padding, dilation)
        return np.empty((x.shape[1] * geo.K, x.shape[0] * geo.L), dtype=x.dtype)

    @staticmethod
    def _chunks(n, sample_bytes, chunk_bytes):
        """Slices of about ``chunk_bytes`` worth of samples out of n."""
        step = max(1, chunk_bytes // sample_bytes)
        return [slice(start, min(start + step, n)) for start in range(0, n, step)]

    def forward(self, x, weight, bias, stride, padding, dilation, groups, cols=None):
        """out[n, o] = b[o] + Σ_{c,k} W[o, c, k] · x_padded[n, c, stride·l + dilation·k].

        x (N, C, *S), weight (O, C/groups, *k), bias (O,) or None -> (N, O, *out).
        ``cols``: an array from ``conv_columns``, filled here to be kept for the weight gradient.
        A few samples at a time, so that the GEMM reads their columns from the CPU cache.
        """
        geo = self._geo(x.shape[2:], weight.shape[2:], stride, padding, dilation)
        n, c, o = x.shape[0], x.shape[1], weight.shape[0]
        w = weight.reshape(groups, o // groups, -1)  # (G, O/G, C*K/G)
        out = np.empty((n, o) + geo.out, dtype=np.result_type(x, weight))
        parts = self._chunks(n, c * geo.K * geo.L * x.itemsize, self.forward_chunk)
        # padding and the strided views once for the batch, not per chunk: 32 one-sample
        # im2col calls cost 3.6 ms, slicing two prepared views 2 ms (benchmark layer)
        windows = geo.windows(x)
        kept = cols is not None
        if not kept:  # one chunk's columns at a time, in a buffer that stays in the CPU cache
            step = parts[0].stop if parts else 0
            cols = _workspace("cols", (c * geo.K, step * geo.L), x.dtype)
        columns = geo.column_view(cols)
        lead = (slice(None),) * (1 + len(geo.ksize))  # the sample axis comes after C and k
        for part in parts:
            to = part if kept else slice(0, part.stop - part.start)
            np.copyto(columns[lead + (to,)], windows[lead + (part,)])  # im2col of these samples
            block = cols[:, to.start * geo.L : to.stop * geo.L]
            rows = _matmul(w, _grouped(block, groups), "rows")  # (G, O/G, C*K/G) @ (G, ., m)
            geo.rows_to_output(rows.reshape(o, -1), bias, out[part])
        return out

    def backward(self, grad, x, weight, stride, padding, dilation, groups, cols=None,
                 need=(True, True, True)):  # fmt: skip
        """(dx, dW, db) of ``forward`` from one layout of the output gradient: the (O, N*L) rows
        that both GEMMs read are built once (two ~4 MB copies -> one on the benchmark layer).

        grad (N, O, *out), x (N, C, *S), weight (O, C/groups, *k); ``need``: which of the three
        to compute (None for the others). db[o] = Σ_{n,l} grad[n, o, l], a matrix-vector product
        with ones over the rows (their junk columns are zero).
        """
        geo = self._geo(x.shape[2:], weight.shape[2:], stride, padding, dilation)
        rows = geo.grad_rows(grad)
        gx = self._input_grad(geo, rows, weight, x.shape, groups) if need[0] else None
        gw = self._weight_grad(geo, rows, x, weight.shape, groups, cols) if need[1] else None
        gb = rows.sum(axis=1) if need[2] else None
        return gx, gw, gb

    def backward_input(self, grad, weight, input_shape, stride, padding, dilation, groups):
        """d loss / d x: column gradients Wᵀ @ grad, then col2im. Also conv_transpose's forward.

        grad (N, O, *out), weight (O, C/groups, *k), input_shape (N, C, *S) -> (N, C, *S).
        """
        geo = self._geo(input_shape[2:], weight.shape[2:], stride, padding, dilation)
        return self._input_grad(geo, geo.grad_rows(grad), weight, input_shape, groups)

    def _input_grad(self, geo, rows, weight, input_shape, groups):
        """dx from the gradient rows (O, N*L). A few samples at a time, so that their column
        gradients stay in the CPU cache between the GEMM that writes them and col2im."""
        o, n = weight.shape[0], input_shape[0]
        wt = weight.reshape(groups, o // groups, -1).transpose(0, 2, 1)  # (G, C*K/G, O/G)
        out = np.empty(input_shape, dtype=rows.dtype)
        sample_bytes = input_shape[1] * geo.K * geo.L * rows.itemsize
        for part in self._chunks(n, sample_bytes, self.chunk_bytes):
            block = rows[:, part.start * geo.L : part.stop * geo.L]
            gcols = _matmul(wt, _grouped(block, groups), "gcols")  # (G, C*K/G, O/G) @ (G, ., m)
            geo.col2im(gcols.reshape(-1, block.shape[1]), out[part])
        return out

    def backward_weight(self, grad, x, weight_shape, stride, padding, dilation, groups,
                        cols=None):  # fmt: skip
        """d loss / d W = grad (O, N*L) @ colsᵀ (N*L, C*K). grad (N, O, *out), x (N, C, *S).

        ``cols``: the forward's columns of x (``conv_columns``); rebuilt from x when None.
        """
        geo = self._geo(x.shape[2:], weight_shape[2:], stride, padding, dilation)
        return self._weight_grad(geo, geo.grad_rows(grad), x, weight_shape, groups, cols)

    def _weight_grad(self, geo, rows, x, weight_shape, groups, cols):
        """dW from the gradient rows (O, N*L) and x's columns (rebuilt when ``cols`` is None)."""
        if cols is None:
            cols = geo.im2col(x)  # its scratch buffers are not the rows': both stay valid
        # computed transposed, (C*K, N*L) @ (N*L, O): OpenBLAS ran this 1.7x faster than
        # (O, N*L) @ (N*L, C*K) here; transposing the small result back is free
        if groups == 1:
            gw = (cols @ rows.T).T
        else:
            gw = _grouped(cols, groups) @ _grouped(rows, groups).transpose(0, 2, 1)
            gw = gw.transpose(0, 2, 1)
        return np.ascontiguousarray(gw, dtype=rows.dtype).reshape(weight_shape)

    def export(self):
        """The module-level kernel functions: (conv_columns, conv_forward, conv_backward,
        conv_backward_input, conv_backward_weight)."""
        return (self.columns, self.forward, self.backward, self.backward_input,
                self.backward_weight)  # fmt: skip


(conv_columns, conv_forward, conv_backward, conv_backward_input, conv_backward_weight) = (
    ConvKernels(
        _Geometry,
        chunk_bytes=8 << 20,  # numpy pays per call: few, big chunks (3 on the benchmark)
    ).export()
)


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
    small = K < 255
    kid = np.full(best.shape, K, dtype=np.uint8 if small else np.int64)
    for i in range(K - 1, -1, -1):
        hit = np.equal(buf[windows[i]], best).view(np.uint8)  # bools are 0/1 bytes: no copy
        if not small:
            hit = hit.astype(np.int64)
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
    # flat position of each winner in the whole (N*C*plane) input
    flat = indices.reshape(n * c, -1) + (np.arange(n * c, dtype=np.int64) * plane)[:, None]
    if not overlapping:
        gx = np.zeros(n * c * plane, dtype=grad.dtype)
        gx[flat.ravel()] = grad.ravel()
        return gx.reshape(input_shape)
    gx = np.bincount(flat.ravel(), weights=grad.ravel(), minlength=n * c * plane)
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

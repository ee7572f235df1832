"""``pad``: grow (or, with negative amounts, crop) the borders of a tensor.

Four modes, shown on one row [a b c d] padded by 2 on each side:

* constant   v v a b c d v v    (a fixed ``value``, 0 by default)
* reflect    c b a b c d c b    (mirrored about the edge element, which is not repeated)
* replicate  a a a b c d d d    (the edge element, repeated)
* circular   c d a b c d a b    (the row wraps around, as on a torus)

Every output element is a copy of one input element (or the fill value), so the gradient is a
*fold*: each output's gradient is summed back onto the input position it was read from. The op
``Pad`` and its adjoint ``PadFold`` are each other's gradients, so second derivatives work too.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Op

__all__ = ["pad"]

# torch's names -> np.pad's
_NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                "circular": "wrap"}  # fmt: skip


class Pad(Op):
    """x (*S) -> y (*S'), S'_d = S_d + lo_d + hi_d: y = x with borders added (or cut) per dim.

    Backward: dx = PadFold(dy), the scatter-add of dy onto the positions the outputs read.
    """

    @staticmethod
    def forward(ctx, x, pairs, mode, value):
        ctx.pad = (pairs, mode, x._data.shape)
        return _padded(x._data, pairs, mode, value)

    @staticmethod
    def backward(ctx, grad):
        pairs, mode, shape = ctx.pad
        if ctx.create_graph:  # create_graph: an op, so that this gradient is differentiable
            return PadFold.apply(grad, pairs, mode, shape)
        return Tensor._make(_fold(grad._data, pairs, mode, shape))  # no graph to build


class PadFold(Op):
    """g (*S') -> (*S): dx[src[i]] += g[i] along each padded dim (the adjoint of ``Pad``).

    Backward: the same Pad with value 0 (the fill value is a constant: its derivative is 0).
    """

    @staticmethod
    def forward(ctx, g, pairs, mode, shape):
        ctx.pad = (pairs, mode)
        return _fold(g._data, pairs, mode, shape)

    @staticmethod
    def backward(ctx, grad):
        return Pad.apply(grad, *ctx.pad, 0)


def _padded(a, pairs, mode, value):
    """numpy array ``a`` padded by ``pairs`` ((lo, hi) per dim of a, negative = crop).

    Where a dim is both cut and grown, torch cuts first for constant and circular (circular wraps
    the part that is kept) but grows first for reflect and replicate (the mirror and the repeated
    edge are those of the whole input).
    """
    if a.ndim == 0:
        return a.copy()  # nothing to pad (and np.pad refuses an empty list of widths)
    cut = [(max(-lo, 0), max(-hi, 0)) for lo, hi in pairs]
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    fill = {"constant_values": value} if mode == "constant" else {}
    if mode in ("constant", "circular"):
        kept = _cropped(a, cut)
        if kept.size == 0 and mode == "circular":  # nothing to wrap (an empty tensor: any shape)
            return np.full([s + lo + hi for s, (lo, hi) in zip(a.shape, pairs)], value, a.dtype)
        return np.pad(kept, grow, _NUMPY_MODES[mode], **fill)
    return _cropped(np.pad(a, grow, _NUMPY_MODES[mode]), cut)


def _cropped(a, cut):
    return a[tuple(slice(lo, max(n - hi, lo)) for n, (lo, hi) in zip(a.shape, cut))]


def _fold(g, pairs, mode, shape):
    """The gradient of ``_padded``: g (*S') -> (*S), dx[..., src[i], ...] += g[..., i, ...] along
    each padded dim, where src (the input position output i read) is 0..n-1 padded the same way;
    fill positions get -1 and drop out."""
    for axis, (lo, hi) in enumerate(pairs):
        if lo == hi == 0:
            continue
        src = _padded(np.arange(shape[axis]), [(lo, hi)], mode, -1)
        out = np.zeros(g.shape[:axis] + (shape[axis],) + g.shape[axis + 1 :], g.dtype)
        at = (slice(None),) * axis
        # the middle, where output i is input i - lo, in one copy; then the few border positions
        start = min(max(lo, 0), len(src))
        stop = max(len(src) - max(hi, 0), start)
        out[at + (slice(start - lo, stop - lo),)] = g[at + (slice(start, stop),)]
        for i in [*range(start), *range(stop, len(src))]:
            if src[i] >= 0:
                out[at + (src[i],)] += g[at + (i,)]
        g = out
    return g


# ------------------------------------------------------------------------------ argument checks
def _ints(pad):
    """pad as a list of ints, or torch's TypeError (its argument parser vets the first element
    more strictly than the rest, hence two messages)."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}"
        )
    for pos, p in enumerate(pad):
        if not hasattr(type(p), "__index__") or (pos == 0 and isinstance(p, bool)):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                f"type {type(p).__name__} at pos {pos}"
                if pos == 0
                else "pad(): argument 'pad' failed to unpack the object at pos 2 with error "
                f'"type must be tuple of ints,but got {type(p).__name__}"'
            )
    return [int(p) for p in pad]


def _check_layout(shape, n, mode):
    """Non-constant modes pad the last 1, 2 or 3 dims of a batched or unbatched input."""
    if n not in (1, 2, 3) or len(shape) not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {2 * n} is not supported for {len(shape)}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    batched = len(shape) == n + 2
    if mode != "circular" and 0 in shape[int(batched) :]:  # only a batch may be empty
        raise RuntimeError(
            f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(shape)}"
        )


def _check_sizes(shape, pairs, n, mode):
    """torch's limits on the padded dims (the last n), in torch's order."""
    padded = range(len(shape) - n, len(shape))
    out = [s + lo + hi for s, (lo, hi) in zip(shape, pairs)]
    if mode == "circular":
        return _check_circular(shape, pairs, out, padded)
    for k, d in enumerate(reversed(padded)):
        lo, hi = pairs[d]
        if mode == "reflect" and (lo >= shape[d] or hi >= shape[d]):  # a mirror needs 2 sides
            raise RuntimeError(
                f"Argument #{4 + 2 * k}: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}"
            )
    if all(out[d] < 1 for d in padded):
        raise RuntimeError(_too_small(shape[-n:], out[-n:], mode))
    if any(o < 0 for o in out):
        first = next(o for o in out if o < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {first}: {out}")


def _check_circular(shape, pairs, out, padded):
    for d in padded:
        if max(pairs[d]) > shape[d]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out[d] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    for d in padded if all(shape) else ():  # wrapping more than a crop leaves reads junk in torch
        lo, hi = pairs[d]
        if max(lo, hi) > shape[d] - max(-lo, 0) - max(-hi, 0):
            raise RuntimeError("Padding value causes wrapping around more than once.")


def _too_small(sizes, out, mode):
    """torch's message, spacing and all: "input (H: 3, W: 4) is too small. Calculated output..."."""
    names = "DHW"[3 - len(sizes) :]
    given = [f"{c}: {s}" for c, s in zip(names, sizes)]
    given = " ".join(given[:-1]) + ", " + given[-1] if len(given) > 1 else given[0]
    space = " " if mode == "replicate" and len(sizes) == 2 else ""
    wanted = " ".join(f"{c}: {o}" for c, o in zip(names, out))
    return f"input ({given}{space}) is too small. Calculated output {wanted}"


def pad(input, pad, mode="constant", value=None):
    """input (*S) -> (*S'), S'_d = S_d + before_d + after_d, with ``pad`` = (before, after) pairs
    from the LAST dim backwards: (left, right, top, bottom, front, back). Negative amounts crop.

    mode: "constant" (fill with ``value``, default 0; any number of dims), "reflect",
    "replicate" or "circular" (the last 1, 2 or 3 dims of a (N, C, *S) or (C, *S) input).
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    amounts = _ints(pad)
    if mode not in _NUMPY_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    shape = input._data.shape
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(amounts) > 2 * len(shape):
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(amounts)} and input of dimension {len(shape)}"
        )
    n = len(amounts) // 2
    # pad lists the last dim first; pairs has one (lo, hi) per dim, in the tensor's own order
    pairs = [(0, 0)] * (len(shape) - n) + list(zip(amounts[-2::-2], amounts[-1::-2]))
    if mode == "constant":
        if any(s + min(lo, 0) + min(hi, 0) < 0 for s, (lo, hi) in zip(shape, pairs)):
            raise RuntimeError("narrow(): length must be non-negative.")
        return Pad.apply(input, tuple(pairs), mode, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    _check_layout(shape, n, mode)
    _check_sizes(shape, pairs, n, mode)
    return Pad.apply(input, tuple(pairs), mode, 0)

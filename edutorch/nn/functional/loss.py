"""Loss functions: compare a prediction with a target and return one number (or one per element).

Every loss takes ``reduction``: ``'none'`` (a loss per element), ``'mean'`` or ``'sum'``.
Regression losses are a few Tensor ops, so autograd derives their gradients. The
classification losses are fused ``Op``s computed in one numpy pass: log-softmax and the
negative log-likelihood together never exponentiate a large logit, so logits of 1e4 are fine.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._tensor import _TYPE_NAMES, Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from ...ops import where
from ...ops._util import broadcast_error

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss",
    "kl_div", "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss",
]  # fmt: skip


# ---------------------------------------------------------------- shared helpers
def _reduction(reduction, size_average=None, reduce=None):
    """Check ``reduction``; the deprecated size_average/reduce flags override it, as in torch."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    """Tensor version: a loss per element -> 'none' / 'mean' / 'sum'."""
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _reduce_np(loss, reduction, count=None):
    """numpy version, for the fused ops; 'mean' divides by ``count`` (default: the numel)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total, dtype=loss.dtype)
    count = loss.size if count is None else count
    mean = total / count if count else np.nan  # an empty (or all-ignored) mean is nan, as in torch
    return np.asarray(mean, dtype=loss.dtype)


def _grad_per_element(grad, reduction, count):
    """The gradient reaching each element's loss: 'mean' shares the incoming gradient by 1/count."""
    return grad / count if reduction == "mean" else grad


def _warn_if_sizes_differ(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _not_differentiable(fn, name, t):
    """Torch gives no gradient for some arguments (class weights): refuse them early, as it does."""
    if t is not None and t.requires_grad and STATE.grad_enabled:
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
            "This input cannot have requires_grad True."
        )


def _float(*arrays):
    """The common floating dtype of the arguments (numpy arrays or None), as torch promotes."""
    return np.result_type(*[a for a in arrays if a is not None])


# ---------------------------------------------------------------- regression losses
def _weighted(loss, weight, input, reduction, mean):
    """torch's optional element weights for mse/l1/huber: input's shape, applied before reducing."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean == "by_weight" else loss.mean()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ℓ = (x - y)²; input, target (*) of one shape (else: broadcast, warn)."""
    _warn_if_sizes_differ(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    d = input - target
    return _weighted(d * d, weight, input, reduction, "by_weight")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ℓ = |x - y|; its gradient at x = y is 0, as in torch."""
    _warn_if_sizes_differ(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    return _weighted((input - target).abs(), weight, input, reduction, "by_weight")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """ℓ = 0.5 d²/β if |d| < β else |d| - 0.5β, d = x - y: quadratic near 0, linear beyond β."""
    _warn_if_sizes_differ(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:  # the quadratic part vanishes: plain L1 (and no division by zero)
        return l1_loss(input, target, reduction=reduction)
    d = (input - target).abs()
    return _reduce(where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """ℓ = 0.5 d² if |d| < δ else δ(|d| - 0.5δ): smooth_l1_loss times δ (note: no size_average)."""
    _warn_if_sizes_differ(input, target)
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _weighted(loss, weight, input, reduction, "mean")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target ‖ input) per element with input = log q: ℓ = y (log y - x) (y = eᵗ if log_target).

    ``'batchmean'`` divides the sum by the batch size (input.size(0)): the true KL divergence.
    """
    if size_average is None and reduce is None and reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next major "
            "release.",
            stacklevel=2,
        )
    if reduction != "batchmean" or size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # y log y is taken as 0 where y = 0 (torch's xlogy), not 0 * -inf = nan
        loss = target * where(target == 0, 1.0, target).log() - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.size(0) if input.ndim else total
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- binary classification
class BinaryCrossEntropy(Op):
    """ℓ = -w (y log x + (1 - y) log(1 - x)), each log clamped to ≥ -100 so x = 0 or 1 stays finite.

    Backward (torch's formulas): dℓ/dx = w (x - y) / max(x(1 - x), 1e-12), dℓ/dy = -w logit(x).
    """

    @staticmethod
    def forward(ctx, input, target, weight, reduction):
        x, y = input._data, target._data
        if np.any((x < 0) | (x > 1)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        if np.any((y < 0) | (y > 1)):
            raise RuntimeError("all elements of target should be between 0 and 1")
        w = weight._data if weight is not None else None
        dtype = _float(x, y, w)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(input, target, weight)
        ctx.reduction, ctx.count = reduction, loss.size
        return _reduce_np(loss.astype(dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        g = _grad_per_element(grad, ctx.reduction, ctx.count)
        if w is not None:
            g = g * w
        gx = g * (x - y) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
        gy = g * ((1 - x).log() - x.log()) if ctx.needs_input_grad[1] else None
        return gx, gy, None, None


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target``, same shape (*).

    ``weight`` broadcasts against the target and scales each element's loss.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        _not_differentiable("binary_cross_entropy", "weight", weight)
        try:
            np.broadcast_shapes(weight.shape, target.shape)
        except ValueError:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {weight.shape[-1]} at -1! "
                f"Mismatching argument at index 1 had {weight.size()}; but expected shape should "
                f"be broadcastable to {list(target.shape)}"
            ) from None
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


class BinaryCrossEntropyWithLogits(Op):
    """ℓ = w ((1 - y) x - (1 + (p - 1) y) log σ(x)), p = pos_weight: BCE of σ(x), no σ(x) formed.

    log σ(x) = min(x, 0) - log(1 + e^-|x|) exponentiates only non-positive numbers: any x is safe.
    Backward: dℓ/dx = w ((1 - y) - (1 + (p - 1) y) σ(-x)), dℓ/dy = -w (x + (p - 1) log σ(x)).
    """

    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        x, y = input._data, target._data
        w = weight._data if weight is not None else None
        p = pos_weight._data if pos_weight is not None else None
        dtype = _float(x, y, w, p)
        log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
        log_weight = 1 + (p - 1) * y if p is not None else 1  # positives count p times
        loss = (1 - y) * x - log_weight * log_sig
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(input, target)
        ctx.log_sig, ctx.w, ctx.p = log_sig, w, p
        ctx.reduction, ctx.count = reduction, loss.size
        return _reduce_np(loss.astype(dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = _grad_per_element(grad, ctx.reduction, ctx.count)
        if ctx.w is not None:
            g = g * Tensor._make(ctx.w)
        p = Tensor._make(ctx.p) if ctx.p is not None else None
        log_weight = 1 + (p - 1) * y if p is not None else 1
        gx = g * ((1 - y) - log_weight * (-x).sigmoid()) if ctx.needs_input_grad[0] else None
        gy = None
        if ctx.needs_input_grad[1]:
            # under create_graph log σ(x) is redone in Tensor ops, so gy is differentiable too
            log_sig = x.sigmoid().log() if ctx.create_graph else Tensor._make(ctx.log_sig)
            gy = -g * x if p is None else -g * (x + (p - 1) * log_sig)
        return gx, gy, None, None, None


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """Sigmoid + binary cross-entropy in one stable step; input (logits) and target, same shape (*).

    ``pos_weight`` (one per class, broadcast over the last dim) scales the loss of positive targets.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        _not_differentiable("binary_cross_entropy_with_logits", name, t)
    if pos_weight is not None:
        try:  # pos_weight runs along the last (class) dim
            np.broadcast_shapes(pos_weight.shape, target.shape)
        except ValueError:
            raise broadcast_error(pos_weight, target) from None
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


# ---------------------------------------------------------------- multi-class classification
def _class_axis(x):
    return 0 if x.ndim == 1 else 1  # (C,) unbatched, else (N, C, d1, ...)


def _check_class_targets(input, target, weight, fn):
    """torch's checks of class-index targets, in torch's order and words; returns (targets, C)."""
    x, t = input._data, target._data  # numpy shapes: cheaper than Tensor properties
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and x.shape[0] != (t.shape[0] if t.ndim else 0):
        raise ValueError(
            f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
            f"({t.shape[0] if t.ndim else 0})."
        )
    n_classes = x.shape[_class_axis(x)]
    if x.ndim == 1 and t.ndim >= 1 and t.size != 1:
        raise ValueError(
            f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}"
        )
    if x.ndim <= 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if x.ndim == 4 and t.ndim != 3:
        raise RuntimeError(
            "only batches of spatial targets supported (3D tensors) but got targets of dimension: "
            f"{t.ndim}"
        )
    if x.ndim > 2 and t.shape != _position_shape(x.shape, 1):
        if x.ndim == 4:
            raise RuntimeError(
                f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}"
            )
        expected = list(_position_shape(x.shape, 1))
        raise RuntimeError(f"Expected target size {expected}, got {list(t.shape)}")
    if weight is not None:
        if weight.ndim != 1 or weight.numel() != n_classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {n_classes} classes or no classes "
                f"but got weight tensor of shape: {list(weight.shape)}"
            )
        _not_differentiable(fn, "weight", weight)
    if t.dtype.type not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_TYPE_NAMES[t.dtype][:-6]}"
        )
    return (t.reshape(()) if x.ndim == 1 else t), n_classes


def _check_bounds(t, n_classes, ignore_index):
    if t.size == 0 or (t.min() >= 0 and t.max() < n_classes):  # the common case, checked fast
        return
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def _position_shape(shape, ax):
    """The shape of one value per position: the input's shape without the class axis."""
    return shape[:ax] + shape[ax + 1 :]


def _by_position(x, ax):
    """(N, C, d1, ...) or (C,) → (M, C), one row per position: picking classes is a[rows, t]."""
    if ax != x.ndim - 1:
        x = np.moveaxis(x, ax, -1)  # a copy below, but only for the rare (N, C, d1, ...) inputs
    return x.reshape(-1 if x.size else math.prod(x.shape[:-1]), x.shape[-1])


def _from_positions(a, shape, ax):
    """Inverse of ``_by_position``: (M, C) back to ``shape``, the class axis at ``ax``."""
    if ax == len(shape) - 1:
        return a.reshape(shape)
    moved = a.reshape(_position_shape(shape, ax) + (shape[ax],))
    return np.ascontiguousarray(np.moveaxis(moved, -1, ax))  # gradients are contiguous in torch


def _log_softmax(x, axis):
    """log softmax along ``axis``; the result is a (non-contiguous) view of the input's shape."""
    # classes first and contiguous: numpy reduces across whole rows ~2x faster than along a
    # short last axis (for 10 classes), which is what softmax over (N, C) logits would do
    a = x.swapaxes(0, axis).copy()
    a -= a.max(axis=0)  # largest logit first: exp then sees only numbers <= 0 and cannot overflow
    a -= np.log(np.exp(a).sum(axis=0))
    return a.swapaxes(0, axis)


class NllLoss(Op):
    """Negative log-likelihood of class indices: ℓᵢ = -w[tᵢ] x[i, tᵢ] (x holds log-probabilities).

    input (N, C, d1, ...) or (C,), target (N, d1, ...) or (); positions whose target is
    ``ignore_index`` get loss 0, and 'mean' divides by Σ w[tᵢ] over the other positions.
    ``CrossEntropy`` reuses all of this, fusing log-softmax in front.
    Inside, every position is a row of an (M, C) array, so one fancy index picks all targets.
    """

    softmax = False

    @classmethod
    def forward(cls, ctx, input, t, weight, ignore_index, reduction, smoothing=0.0):
        x = input._data
        ax = _class_axis(x)
        logp = _by_position(x, ax)
        if cls.softmax:
            logp = _log_softmax(logp, 1)
        t = t.reshape(-1)
        keep = t != ignore_index
        idx = t if keep.all() else np.where(keep, t, 0)  # ignored positions read class 0, masked
        w = weight._data.astype(x.dtype, copy=False) if weight is not None else None
        if w is None and idx is t:  # the usual case: every position counts once, weight 1
            w_t, count = 1.0, t.size
        else:  # each position's weight: w[t], or 0 where ignored
            w_t = keep.astype(x.dtype)
            if w is not None:
                w_t *= w[idx]
            count = w_t.sum()
        rows = np.arange(t.size)
        loss = logp[rows, idx] * ((smoothing - 1) * w_t)
        if smoothing > 0:  # the ε/C share spread over every class (torch's label smoothing)
            per_class = logp * w if w is not None else logp
            loss -= smoothing / logp.shape[1] * keep * per_class.sum(axis=1)
        ctx.save_for_backward(input)
        ctx.ax, ctx.reduction, ctx.count = ax, reduction, count
        ctx.logp, ctx.rows, ctx.idx, ctx.keep = logp, rows, idx, keep
        ctx.w_t, ctx.w, ctx.smoothing = w_t, w, smoothing
        loss = loss.reshape(_position_shape(x.shape, ax)).astype(x.dtype, copy=False)
        return _reduce_np(loss, reduction, count)

    @classmethod
    def backward(cls, ctx, grad):
        # d(-Σ_c q_c log softmax(x)_c)/dx = (Σ_c q_c) softmax(x) - q, for the target weights q
        (input,) = ctx.saved_tensors
        ax, shape = ctx.ax, input.shape
        if ctx.create_graph:  # create_graph: Tensor ops, so that this gradient is differentiable
            g = _grad_per_element(grad, ctx.reduction, ctx.count)
            g = g.unsqueeze(ax) if ctx.reduction == "none" else g
            q = _add_q(np.zeros_like(ctx.logp), ctx, 1.0)
            q_sum = Tensor._make(q.sum(axis=1).reshape(_position_shape(shape, ax))).unsqueeze(ax)
            q = Tensor._make(_from_positions(q, shape, ax))
            dx = (input.softmax(ax) * q_sum - q) * g if cls.softmax else -q * g
            return dx, None, None, None, None, None
        # the usual case: the same formula in numpy on the (M, C) rows, q never built
        g = grad._data / ctx.count if ctx.reduction == "mean" else grad._data
        g = g.reshape(-1) if ctx.reduction == "none" else g  # a number, or one per position
        if cls.softmax:
            dx = np.exp(ctx.logp, order="C") * _per_row(_q_sum(ctx) * g)  # C: logp is a view
        else:
            dx = np.zeros_like(ctx.logp)
        dx = _add_q(dx, ctx, -g)
        return Tensor._make(_from_positions(dx, shape, ax)), None, None, None, None, None


def _q_sum(ctx):
    """Σ_c q_c for each position (a number when every position has weight 1)."""
    q_sum = (1 - ctx.smoothing) * ctx.w_t
    if ctx.smoothing > 0:
        mean_w = ctx.w.mean() if ctx.w is not None else 1.0  # Σ_c w_c / C
        q_sum = q_sum + ctx.smoothing * mean_w * ctx.keep
    return q_sum


def _add_q(out, ctx, scale):
    """out (M, C) += q · scale, q never built: (1 - ε) w[t] at each position's target class plus
    ε/C · w over every class (label smoothing), 0 where ignored; scale: a number or one per row."""
    out[ctx.rows, ctx.idx] += (1 - ctx.smoothing) * ctx.w_t * scale
    if ctx.smoothing > 0:
        w = ctx.w if ctx.w is not None else 1.0
        out += _per_row(ctx.smoothing / out.shape[1] * ctx.keep * scale) * w
    return out


def _per_row(a):
    """A value per row (M,) as a column (M, 1) that broadcasts over the classes; numbers pass."""
    return a[:, None] if np.ndim(a) == 1 else a


class CrossEntropy(NllLoss):
    """ℓᵢ = -log softmax(xᵢ)[tᵢ] (weighted, smoothed), log-softmax and NLL fused in one numpy pass.

    Backward: (softmax(x) - one-hot) scaled by the target's weight, for the whole batch at once.
    """

    softmax = True


def _class_shaped(w, ndim, ax, n_classes):
    """Per-class values (array or Tensor) shaped to broadcast on the class axis: (1, C, 1, ...)."""
    shape = [1] * ndim
    shape[ax] = n_classes
    return w.reshape(tuple(shape))


class SoftCrossEntropy(Op):
    """Cross-entropy against class probabilities: ℓᵢ = -Σ_c w_c y_ic log softmax(xᵢ)_c.

    Target has the input's shape; label smoothing mixes it with the uniform distribution first.
    'mean' divides by the number of positions (numel / C), as torch does.
    Backward: dℓ/dx = (Σ_c q_c) softmax(x) - q with q = w y; dℓ/dy = -w log softmax(x).
    """

    @staticmethod
    def forward(ctx, input, target, weight, reduction, smoothing):
        x, y = input._data, target._data
        ax = _class_axis(x)
        n_classes = x.shape[ax]
        logp = _log_softmax(x, ax)
        if smoothing > 0:
            y = y * (1 - smoothing) + smoothing / n_classes
        w = _class_shaped(weight._data, x.ndim, ax, n_classes) if weight is not None else 1
        loss = -(y * w * logp).sum(axis=ax)
        ctx.save_for_backward(input, target, weight)
        ctx.ax, ctx.reduction, ctx.count, ctx.smoothing = ax, reduction, loss.size, smoothing
        ctx.logp = logp
        return _reduce_np(loss.astype(_float(x, y), copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight = ctx.saved_tensors
        ax, eps, n_classes = ctx.ax, ctx.smoothing, input.shape[ctx.ax]
        g = _grad_per_element(grad, ctx.reduction, ctx.count)
        if ctx.reduction == "none":
            g = g.unsqueeze(ax)
        # in Tensor ops, and log-softmax redone under create_graph, so these are differentiable
        logp = input.log_softmax(ax) if ctx.create_graph else Tensor._make(ctx.logp)
        y = target * (1 - eps) + eps / n_classes if eps > 0 else target
        w = _class_shaped(weight, input.ndim, ax, n_classes) if weight is not None else 1
        q = y * w
        grads = [None] * 5
        if ctx.needs_input_grad[0]:
            grads[0] = (logp.exp() * q.sum(ax, keepdim=True) - q) * g
        if ctx.needs_input_grad[1]:  # y enters as (1 - ε) y + ε/C
            grads[1] = -(1 - eps if eps > 0 else 1) * w * logp * g
        if ctx.needs_input_grad[2]:
            per_class = -(y * logp * g)
            dims = tuple(d for d in range(input.ndim) if d != ax)
            grads[2] = per_class.sum(dims) if dims else per_class
        return tuple(grads)


def nll_loss(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"
):
    """Negative log-likelihood: input (N, C, d1, ...) or (C,) of log-probs; target: class ids."""
    reduction = _reduction(reduction, size_average, reduce)
    t, n_classes = _check_class_targets(input, target, weight, "nll_loss_forward")
    _check_bounds(t, n_classes, ignore_index)
    return NllLoss.apply(input, t, weight, ignore_index, reduction)


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
    reduction="mean", label_smoothing=0.0,
):  # fmt: skip
    """Softmax + negative log-likelihood in one stable step.

    input (N, C, d1, ...) or (C,) of logits; target either class indices (N, d1, ...) / () of
    int64, or class probabilities of the input's shape. ``weight`` (C,) scales each class;
    ``label_smoothing`` ε mixes the target with the uniform distribution: (1 - ε) y + ε/C.
    """
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape == input.shape:  # same shape: class probabilities
        if not target.is_floating_point():
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{_TYPE_NAMES[target._data.dtype][:-6]}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        n_classes = input.shape[_class_axis(input)]
        if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
            raise RuntimeError(
                "cross_entropy: weight tensor should be defined either for all "
                f"{n_classes} classes or no classes but got weight tensor of shape: "
                f"{list(weight.shape)}"
            )
        _check_smoothing(label_smoothing)
        return SoftCrossEntropy.apply(input, target, weight, reduction, label_smoothing)
    t, n_classes = _check_class_targets(input, target, weight, "nll_loss_forward")
    _check_smoothing(label_smoothing)
    _check_bounds(t, n_classes, ignore_index)
    smoothing = label_smoothing if label_smoothing > 0 else 0.0  # torch ignores ε ≤ 0
    return CrossEntropy.apply(input, t, weight, ignore_index, reduction, smoothing)


def _check_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")

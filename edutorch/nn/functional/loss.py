"""Loss functions: compare a prediction with a target and return one number (or one per element).

Every loss takes ``reduction``: ``'none'`` (a loss per element), ``'mean'`` or ``'sum'``.
Regression losses are a few Tensor ops, so autograd derives their gradients. The
classification losses are fused ``Op``s computed in one numpy pass: log-softmax and the
negative log-likelihood together never exponentiate a large logit, so logits of 1e4 are fine.
"""

from __future__ import annotations

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
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty (or all-ignored) mean is nan
        return np.asarray(total / (loss.size if count is None else count), dtype=loss.dtype)


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
            log_sig = x.sigmoid().log() if STATE.grad_enabled else Tensor._make(ctx.log_sig)
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
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != (target.shape[0] if target.ndim else 0):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 0})."
        )
    n_classes = input.shape[_class_axis(input)]
    if input.ndim == 1 and target.ndim >= 1 and target.numel() != 1:
        raise ValueError(
            f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
        )
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 4 and target.ndim != 3:
        raise RuntimeError(
            "only batches of spatial targets supported (3D tensors) but got targets of dimension: "
            f"{target.ndim}"
        )
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if input.ndim > 2 and tuple(target.shape) != expected:
        if input.ndim == 4:
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
            )
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    if weight is not None:
        if weight.ndim != 1 or weight.numel() != n_classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {n_classes} classes or no classes "
                f"but got weight tensor of shape: {list(weight.shape)}"
            )
        _not_differentiable(fn, "weight", weight)
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            "expected target dtype to be Long or Byte, but got "
            f"{_TYPE_NAMES[target._data.dtype][:-6]}"
        )
    t = target._data.reshape(()) if input.ndim == 1 else target._data
    return t, n_classes


def _check_bounds(t, n_classes, ignore_index):
    if t.size == 0 or (t.min() >= 0 and t.max() < n_classes):  # the common case, checked fast
        return
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def _log_softmax(x, axis):
    # subtract the largest logit first: exp then sees only numbers <= 0 and cannot overflow
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class NllLoss(Op):
    """Negative log-likelihood of class indices: ℓᵢ = -w[tᵢ] x[i, tᵢ] (x holds log-probabilities).

    input (N, C, d1, ...) or (C,), target (N, d1, ...) or (); positions whose target is
    ``ignore_index`` get loss 0, and 'mean' divides by Σ w[tᵢ] over the other positions.
    ``CrossEntropy`` reuses all of this, fusing log-softmax in front.
    """

    softmax = False

    @classmethod
    def forward(cls, ctx, input, t, weight, ignore_index, reduction, smoothing=0.0):
        x = input._data
        ax = _class_axis(x)
        n_classes = x.shape[ax]
        logp = _log_softmax(x, ax) if cls.softmax else x
        # per-position arrays keep a size-1 class axis, so they broadcast against logp
        keep = np.expand_dims(t != ignore_index, ax)
        idx = np.where(keep, np.expand_dims(t, ax), 0)  # ignored positions read class 0, masked
        w_t = keep.astype(x.dtype)
        if weight is not None:
            w = weight._data.astype(x.dtype, copy=False)
            w_t *= w[idx]
        loss = -(1 - smoothing) * w_t * np.take_along_axis(logp, idx, ax)
        w_b = _class_shaped(w, x.ndim, ax, n_classes) if weight is not None else 1
        if smoothing > 0:  # the ε/C share spread over every class (torch's label smoothing)
            loss -= smoothing / n_classes * keep * (logp * w_b).sum(axis=ax, keepdims=True)
        ctx.save_for_backward(input)
        ctx.ax, ctx.reduction, ctx.count = ax, reduction, w_t.sum()
        if STATE.grad_enabled and input.requires_grad:
            # q: the weighted target distribution; d(-Σ q log softmax(x))/dx = (Σ q) p - q
            q = np.zeros_like(logp)
            np.put_along_axis(q, idx, (1 - smoothing) * w_t, ax)
            if smoothing > 0:
                q += smoothing / n_classes * w_b * keep
            ctx.logp, ctx.q, ctx.q_sum = logp, q, q.sum(axis=ax, keepdims=True)
        return _reduce_np(loss.squeeze(ax).astype(x.dtype, copy=False), reduction, ctx.count)

    @classmethod
    def backward(cls, ctx, grad):
        (input,) = ctx.saved_tensors
        ax, q, q_sum = ctx.ax, ctx.q, ctx.q_sum
        if STATE.grad_enabled:  # create_graph: Tensor ops, so that this gradient is differentiable
            g = _grad_per_element(grad, ctx.reduction, ctx.count)
            g = g.unsqueeze(ax) if ctx.reduction == "none" else g
            q = Tensor._make(q)
            dx = (input.softmax(ax) * Tensor._make(q_sum) - q) * g if cls.softmax else -q * g
        else:  # the usual case: the same formula in numpy, with no graph nodes to build
            g = grad._data / ctx.count if ctx.reduction == "mean" else grad._data
            g = np.expand_dims(g, ax) if ctx.reduction == "none" else g
            dx = Tensor._make(((np.exp(ctx.logp) * q_sum - q) if cls.softmax else -q) * g)
        return dx, None, None, None, None, None


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
        logp = input.log_softmax(ax) if STATE.grad_enabled else Tensor._make(ctx.logp)
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

"""Dropout: ``dropout`` zeroes single elements, ``dropout2d`` whole channels, during training.

Kept elements are scaled by 1/(1-p), so the expected output equals the input and evaluation needs
no rescaling. The output is ``input * mask`` with an ordinary multiply, so gradients (of any order)
come from the multiply op: d out / d input = mask.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..._tensor import Tensor
from ...random import _gen

__all__ = ["dropout", "dropout1d", "dropout2d"]


def _check_p(p):
    if not isinstance(p, numbers.Number) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input, p, mask_shape, inplace):
    """input * (Bernoulli(1-p) mask / (1-p)), the mask drawn with ``mask_shape`` and broadcast."""
    dtype = input._data.dtype
    if p == 1.0:
        mask = np.zeros(mask_shape, dtype=dtype)  # 1/(1-p) would be inf, and inf·0 = nan
    else:
        keep = _gen().random(mask_shape, dtype=np.float32) >= p  # P(keep) = 1 - p
        mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    mask = Tensor._make(mask)
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not
    training. input (*) -> (*)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, p, input._data.shape, inplace)


def _channel_dropout(input, p, training, inplace, batched_ndim):
    _check_p(p)
    if not training or p == 0.0:
        return input
    shape = input._data.shape
    # a (C, *spatial) input without batch drops per channel of the single sample
    keep = 2 if input.dim() == batched_ndim else 1
    return _apply_mask(input, p, shape[:keep] + (1,) * (len(shape) - keep), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability p (scale the rest)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(
            "dropout1d: Expected 2D or 3D input, but received a "
            f"{input.dim()}D input. Note that dropout1d exists to provide channel-wise dropout on "
            "inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension "
            "(i.e. 2D or 3D inputs)."
        )
    return _channel_dropout(input, p, training, inplace, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input with probability p, scaling the rest by 1/(1-p).

    As in torch, a 3-D input is read as (N, C, L) (with a warning), other ranks warn and still
    drop along dims 0 and 1.
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if not training or p == 0.0:
        return input
    shape = input._data.shape
    keep = min(2, ndim)
    return _apply_mask(input, p, shape[:keep] + (1,) * (ndim - keep), inplace)

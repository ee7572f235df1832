"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``.

Weights start as torch's do: kaiming_uniform_(a=√5), which is U(-1/√fan_in, 1/√fan_in) with
fan_in = in_channels/groups · kernel elements, and the bias from the same range.
"""

from __future__ import annotations

from .. import _creation
from . import functional as F
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value, n):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    return value * n if len(value) == 1 else value


def _pad_pairs(padding, kernel_size, dilation):
    """[left, right, top, bottom, ...]: p on both sides, or for "same" d(k-1) split with the odd
    element after; "valid" is all zeros."""
    pairs = []
    for i, (k, d) in enumerate(zip(kernel_size, dilation)):
        if isinstance(padding, str):
            total = d * (k - 1) if padding == "same" else 0
            pairs.append([total // 2, total - total // 2])
        else:
            pairs.append([padding[i], padding[i]])
    return [p for pair in reversed(pairs) for p in pair]


class _ConvNd(Module):
    """Shared constructor, initialisation and repr; subclasses set ``_dims`` and ``forward``."""

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):  # fmt: skip
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _ntuple(stride, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        if padding_mode != "zeros" and transposed:  # torch checks this one first
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, "
                f"but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = stride
        self.padding = padding
        self.dilation = _ntuple(dilation, n)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # what F.pad takes for the other padding modes: (before, after) per dim, last dim first
        self._reversed_padding_repeated_twice = _pad_pairs(padding, self.kernel_size, self.dilation)
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(_creation.empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    # torch initialises convolutions exactly like Linear: U(±1/√fan_in) for weight and bias
    reset_parameters = Linear.reset_parameters

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)  # fmt: skip

    def forward(self, input):
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._dims - 1]
        padding = self.padding
        if self.padding_mode != "zeros":  # pad with F.pad first, then a conv without padding
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return conv(input, self.weight, self.bias, self.stride, padding, self.dilation,
                    self.groups)  # fmt: skip


class Conv1d(_Conv):
    """(N, C_in, L) -> (N, C_out, L_out), L_out = ⌊(L + 2p - d(k-1) - 1)/s⌋ + 1.

    weight (C_out, C_in/groups, k), bias (C_out,); padding: int, tuple, "valid" or "same".
    """

    _dims = 1


class Conv2d(_Conv):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out), H_out = ⌊(H + 2p - d(k-1) - 1)/s⌋ + 1.

    weight (C_out, C_in/groups, kH, kW), bias (C_out,); padding: int, pair, "valid" or "same".
    """

    _dims = 2


class Conv3d(_Conv):
    """(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""

    _dims = 3


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)  # fmt: skip

    def _output_padding(self, input, output_size):
        """output_padding, or the one that makes the output exactly ``output_size``."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        batch_dims = 2 if input.dim() == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == batch_dims + n:
            output_size = output_size[batch_dims:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                f"{batch_dims + n} elements (got {len(output_size)})"
            )
        min_sizes = [
            (input.shape[d + batch_dims] - 1) * self.stride[d] - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1) + 1
            for d in range(n)
        ]  # fmt: skip
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if not lo <= size <= hi:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of {input.shape[batch_dims:]})"
                )
        return tuple(size - lo for size, lo in zip(output_size, min_sizes))

    def forward(self, input, output_size=None):
        conv = (F.conv_transpose1d, F.conv_transpose2d)[self._dims - 1]
        output_padding = self._output_padding(input, output_size)
        return conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                    self.groups, self.dilation)  # fmt: skip


class ConvTranspose1d(_ConvTranspose):
    """(N, C_in, L) -> (N, C_out, (L-1)·s - 2p + d(k-1) + output_padding + 1).

    weight (C_in, C_out/groups, k): the transpose of a Conv1d(C_out, C_in) weight.
    """

    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    """Upsampling "deconvolution": (N, C_in, H, W) -> (N, C_out, H_out, W_out), with
    H_out = (H-1)·s - 2p + d(kH-1) + output_padding + 1.

    weight (C_in, C_out/groups, kH, kW). ``forward(x, output_size)`` picks the output_padding
    that gives exactly that size (several input sizes share one output size under a stride).
    """

    _dims = 2

"""Image transforms with torchvision's semantics: Compose, ToTensor, Normalize, Lambda,
RandomHorizontalFlip, RandomCrop.

An image is a tensor (..., C, H, W), a numpy array (H, W) or (H, W, C) (what ``ImageFolder`` and
``MNIST`` return), or a PIL image when Pillow is installed. Random choices use edutorch's default
generator, so ``edutorch.manual_seed`` makes them repeat.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _dtype as dt
from ._creation import as_tensor, rand, randint
from ._tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop"]


def _is_pil(img) -> bool:
    return type(img).__module__.startswith("PIL.")


def _as_array(img):
    """(array, h_axis, rebuild): the pixels, where the height axis is, and how to wrap a result."""
    if isinstance(img, Tensor):
        return img._data, img._data.ndim - 2, Tensor._make
    if isinstance(img, np.ndarray):
        return img, 0, lambda a: a
    if _is_pil(img):
        from PIL import Image

        return np.asarray(img), 0, Image.fromarray
    raise TypeError(f"img should be a Tensor, a numpy array or a PIL Image. Got {type(img)}")


def get_dimensions(img):
    """(height, width) of an image of any of the three kinds."""
    a, h, _ = _as_array(img)
    return a.shape[h], a.shape[h + 1]


class Compose:
    """Apply transforms one after the other: ``Compose([ToTensor(), Normalize(m, s)])``."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class ToTensor:
    """(H, W, C) or (H, W) array or PIL image -> tensor (C, H, W); uint8 becomes float32 / 255.

    Other dtypes keep their values and dtype, as in torchvision.
    """

    def __call__(self, pic):
        if _is_pil(pic):
            a = np.asarray(pic)
            a = a.astype(np.uint8) * 255 if pic.mode == "1" else a  # 1-bit images are 0 or 255
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            a = pic
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if a.ndim == 2:
            a = a[:, :, None]  # a grey image gets its channel axis
        chw = np.ascontiguousarray(a.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            chw = chw.astype(dt.get_default_dtype().np) / np.float32(255)
        return Tensor._make(chw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """Per channel: out[c] = (x[c] - mean[c]) / std[c], for a float tensor (..., C, H, W).

    With ``inplace=True`` the input tensor itself is changed (and returned).
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                f"{tensor.size()}"
            )
        mean = as_tensor(np.asarray(self.mean), dtype=tensor.dtype)
        std = as_tensor(np.asarray(self.std), dtype=tensor.dtype)
        if (std._data == 0).any():
            raise ValueError(
                f"std evaluated to zero after conversion to {tensor.dtype}, leading to division "
                "by zero."
            )
        if mean.ndim == 1:
            mean = mean.view(-1, 1, 1)  # one value per channel, spread over H and W
        if std.ndim == 1:
            std = std.view(-1, 1, 1)
        out = tensor if self.inplace else tensor.clone()
        return out.sub_(mean).div_(std)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Use a function as a transform: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        if rand(1).item() < self.p:
            return hflip(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def hflip(img):
    """The image mirrored left-right (the width axis reversed)."""
    if isinstance(img, Tensor):
        return img.flip(-1)
    a, h, wrap = _as_array(img)
    return wrap(np.ascontiguousarray(np.flip(a, axis=h + 1)))


def _padding_ltrb(padding):
    """torchvision's padding forms -> (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number):
        return (int(padding),) * 4
    p = [int(v) for v in padding]
    if len(p) == 1:
        return (p[0],) * 4
    if len(p) == 2:
        return p[0], p[1], p[0], p[1]  # (left/right, top/bottom)
    if len(p) == 4:
        return tuple(p)
    raise ValueError(
        f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(p)} element tuple"
    )


def pad(img, padding, fill=0, padding_mode="constant"):
    """Add ``padding`` pixels around the image; modes constant (with ``fill``), edge, reflect and
    symmetric, as numpy.pad names them."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    a, h, wrap = _as_array(img)
    widths = [(0, 0)] * a.ndim
    widths[h], widths[h + 1] = (top, bottom), (left, right)
    if padding_mode != "constant":
        return wrap(np.pad(a, widths, mode=padding_mode))
    if isinstance(fill, numbers.Number) or a.ndim < 3:
        return wrap(np.pad(a, widths, constant_values=fill))
    # a colour per channel: the channel axis is last for arrays and PIL, first for tensors
    c_axis = h - 1 if isinstance(img, Tensor) else 2
    out = np.stack(
        [np.pad(ch, widths[:c_axis] + widths[c_axis + 1 :], constant_values=f)
         for ch, f in zip(np.moveaxis(a, c_axis, 0), fill)],
        axis=c_axis,
    )  # fmt: skip
    return wrap(out)


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window whose top-left pixel is (``top``, ``left``)."""
    if isinstance(img, Tensor):
        return img[..., top : top + height, left : left + width]
    a, h, wrap = _as_array(img)
    index = [slice(None)] * a.ndim
    index[h], index[h + 1] = slice(top, top + height), slice(left, left + width)
    return wrap(np.ascontiguousarray(a[tuple(index)]))


class RandomCrop:
    """Cut a random ``size`` window out of the image (after optional padding).

    ``padding``: an int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
    ``pad_if_needed``: pad each side of a too-small image by the shortfall before cropping.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        if isinstance(size, numbers.Number):
            size = (int(size), int(size))
        elif len(size) == 1:
            size = (size[0], size[0])
        elif len(size) != 2:
            raise ValueError("Please provide only two dimensions (h, w) for size.")
        self.size = tuple(size)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of ``output_size``."""
        h, w = get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"Required crop size {(th, tw)} is larger than input image size {(h, w)}"
            )
        if w == tw and h == th:
            return 0, 0, h, w
        i = randint(0, h - th + 1, size=(1,)).item()
        j = randint(0, w - tw + 1, size=(1,)).item()
        return i, j, th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        height, width = get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"

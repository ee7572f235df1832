"""``MNIST``: the handwritten digits, read from the four IDX files if you have them.

edutorch never downloads. Put the files (plain or .gz, as they are distributed) in ``root`` or in
``root/MNIST/raw`` (where torchvision keeps them, so one copy serves both):

    train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte

No files at hand? ``Glyphs`` is a digit set drawn in code that needs none.
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from .._tensor import Tensor
from ..utils.data import Dataset
from ._base import apply_transforms

# IDX header byte 3 -> element type; multi-byte types are stored big-endian
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """An IDX file (``.gz`` too) as an array. Layout: 0 0 type ndim, ndim big-endian sizes, data."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (its first 4 bytes are {raw[:4].hex()})")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    body = raw[4 + 4 * ndim :]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise ValueError(f"{path}: the header says {shape} ({expected} bytes), found {len(body)}")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Save a numpy array as an IDX file (gzip-compressed when ``path`` ends in .gz)."""
    a = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    code = codes.get(a.dtype)
    if code is None:
        raise TypeError(f"IDX has no type for {a.dtype}; use uint8, int8, int16, int32 or floats")
    header = bytes([0, 0, code, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    body = a.astype(np.dtype(_IDX_TYPES[code])).tobytes()
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + body)


class MNIST(Dataset):
    """28x28 digit images: item i is (uint8 array (28, 28), or ``transform`` of it; label int
    in {0..9}). torchvision gives a PIL image where this gives the array; ``ToTensor`` makes
    either a float tensor (1, 28, 28) in [0, 1]. ``.data`` uint8 (N, 28, 28), ``.targets`` (N,).
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]  # fmt: skip
    files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root, self.train = os.fspath(os.path.expanduser(root)), train
        self.transform, self.target_transform = transform, target_transform
        images, labels = (self._find(name) for name in self.files[train])
        self.data = Tensor._make(read_idx(images))
        self.targets = Tensor._make(read_idx(labels).astype(np.int64))
        if len(self.data._data) != len(self.targets._data):
            raise ValueError(
                f"{images} holds {len(self.data._data)} images but {labels} holds "
                f"{len(self.targets._data)} labels"
            )

    @property
    def raw_folder(self) -> str:
        """Where torchvision keeps the files: ``root/<ClassName>/raw``."""
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, name):
        for folder in (self.root, self.raw_folder):
            for candidate in (name, name + ".gz"):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        names = "\n".join(f"    {n}" for pair in self.files.values() for n in pair)
        raise FileNotFoundError(
            f"{type(self).__name__}: {name} not found (edutorch does not download). Put the four "
            f"files, plain or .gz, in\n    {os.path.abspath(self.root)}\n"
            f"(or in {os.path.abspath(self.raw_folder)}, where torchvision keeps them):\n{names}\n"
            "No files at hand? edutorch.datasets.Glyphs is a digit set drawn in code."
        )

    def __len__(self) -> int:
        return len(self.data._data)

    def __getitem__(self, index):
        img, target = self.data._data[index], int(self.targets._data[index])
        return apply_transforms(self, img, target)

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return f"{type(self).__name__}(root={self.root!r}, split={split}, n_samples={len(self)})"


class FashionMNIST(MNIST):
    """Zalando's clothing images in MNIST's format and file names (put them in ``root`` or
    ``root/FashionMNIST/raw``); labels {0..9} name the garments in ``.classes``."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # fmt: skip

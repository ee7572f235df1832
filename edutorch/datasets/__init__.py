"""Datasets that work offline: generated toys, glyph images, text, and loaders for your own files.

Every dataset is an ``edutorch.utils.data.Dataset`` with a documented item shape and label set;
``available()`` lists the built-in ones (name, description, input shape, task, classes).
"""

from ._registry import DatasetInfo, available, load
from .csv import CSVDataset, CSVError
from .glyphs import Glyphs, glyphs
from .image_folder import DatasetFolder, ImageFolder, decode_image
from .mnist import MNIST, FashionMNIST, read_idx, write_idx
from .regression import Plane, Polynomial, Sine, plane, polynomial, sine
from .sequences import CharText, Counting, Parity, char_text, corpus, counting, parity
from .toy2d import XOR, Circles, Gaussians, Moons, Spiral, circles, gaussians, moons, spiral, xor

__all__ = [
    "DatasetInfo", "available", "load",
    "Circles", "XOR", "Gaussians", "Spiral", "Moons",
    "circles", "xor", "gaussians", "spiral", "moons",
    "Plane", "Sine", "Polynomial", "plane", "sine", "polynomial",
    "Glyphs", "glyphs",
    "CharText", "Parity", "Counting", "char_text", "parity", "counting", "corpus",
    "CSVDataset", "CSVError", "ImageFolder", "DatasetFolder", "decode_image",
    "MNIST", "FashionMNIST", "read_idx", "write_idx",
]  # fmt: skip

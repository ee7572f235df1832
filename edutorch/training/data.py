"""Data settings (a plain dict, as the project file stores them) -> train set, test set, info.

    train, test, info = load_data({"name": "spiral", "n_samples": 600, "noise": 0.05,
                                   "seed": 0, "test_fraction": 0.2})
    load_data({"name": "csv", "path": "my.csv", "label_column": -1})
    load_data({"name": "image_folder", "path": "photos/", "size": 28})

Any failure is a ``DataError`` whose message names the file (and the row, for a CSV).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .. import datasets
from ..datasets._base import ArrayDataset

__all__ = ["DataError", "DataInfo", "load_data", "load_image_folder", "SOURCES", "preview_kind"]

FILE_SOURCES = ("csv", "image_folder")
SOURCES = tuple(datasets.available()) + FILE_SOURCES
COMMON = {"n_samples", "noise", "seed"}  # what the data panel offers for a built-in set


class DataError(ValueError):
    """Data that cannot be loaded; the message says which file (and row) and why."""


@dataclass
class DataInfo:
    """What the views need to know: ``task`` ("classification" or "regression"),
    ``input_shape`` of one sample, ``classes`` (None for regression), ``kind`` of preview
    ("points" for 1-D/2-D inputs, "images", "table") and the settings it was made from."""

    name: str
    task: str
    input_shape: tuple
    classes: list | None
    kind: str
    settings: dict

    @property
    def num_classes(self) -> int | None:
        return len(self.classes) if self.classes else None


def preview_kind(input_shape) -> str:
    if len(input_shape) == 1 and input_shape[0] in (1, 2):
        return "points"
    if len(input_shape) == 3 and input_shape[0] in (1, 3):
        return "images"
    return "table"


def parameters_of(name: str) -> dict:
    """The settings a built-in dataset takes, with defaults: {"n_samples": 300, ...}."""
    sig = inspect.signature(datasets.available()[name].factory)
    return {p.name: p.default for p in sig.parameters.values()
            if p.default is not inspect.Parameter.empty}  # fmt: skip


def load_data(settings: dict):
    """(train, test, DataInfo) from data settings: ``name`` (a built-in dataset, "csv" or
    "image_folder"), ``test_fraction`` (default 0.2), and the source's own settings."""
    settings = dict(settings)
    name = settings.get("name")
    fraction = settings.get("test_fraction", 0.2)
    if name == "csv":
        full = _csv(settings)
    elif name == "image_folder":
        full = load_image_folder(settings.get("path"), settings.get("size", 28))
    elif name in datasets.available():
        accepted = parameters_of(name)
        kwargs = {k: v for k, v in settings.items() if k in accepted}
        try:
            full = datasets.load(name, **kwargs)
        except (TypeError, ValueError) as e:
            raise DataError(f"dataset {name!r}: {e}") from None
    else:
        raise DataError(f"unknown data source {name!r}; choose one of {', '.join(SOURCES)}")
    try:
        train, test = full.split(fraction, seed=settings.get("seed", 0) or 0)
    except ValueError as e:
        raise DataError(f"dataset {name!r}: {e}") from None
    shape = tuple(full.data.shape[1:])
    classes = list(full.classes) if full.classes else None
    task = "classification" if classes else "regression"
    return train, test, DataInfo(name, task, shape, classes, preview_kind(shape), settings)


def _csv(settings):
    path = settings.get("path")
    if not path:
        raise DataError("choose a CSV file first")
    kwargs = {k: settings[k] for k in ("label_column", "feature_columns", "header", "delimiter",
                                       "categorical") if k in settings}  # fmt: skip
    try:
        return datasets.CSVDataset(path, **kwargs)
    except (datasets.CSVError, FileNotFoundError, UnicodeDecodeError) as e:
        message = str(e)
        if isinstance(e, UnicodeDecodeError):
            message = f"{path}: not a text file (byte {e.start} is not UTF-8)"
        raise DataError(message) from None


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour resize of (H, W, C) to (size, size, C): enough for small lesson images."""
    h, w = img.shape[:2]
    rows = (np.arange(size) * h // size).clip(0, h - 1)
    cols = (np.arange(size) * w // size).clip(0, w - 1)
    return img[rows][:, cols]


def load_image_folder(path, size=28) -> ArrayDataset:
    """Every picture under ``path/<class>/`` as float32 (3, size, size) in [0, 1], labels from
    the folder names (see ``datasets.ImageFolder``). A picture that cannot be decoded raises
    DataError naming it."""
    if not path:
        raise DataError("choose an image folder first")
    try:
        folder = datasets.ImageFolder(path, loader=lambda p: p)
    except (FileNotFoundError, OSError) as e:
        raise DataError(str(e)) from None
    images = np.zeros((len(folder), 3, size, size), np.float32)
    for i, (file, _) in enumerate(folder.samples):
        try:
            img = datasets.decode_image(file)
        except Exception as e:  # each decoder has its own errors; all mean "not a picture"
            raise DataError(f"{file}: cannot read this image ({e})") from None
        images[i] = _resize(img, size).transpose(2, 0, 1) / 255.0
    full = ArrayDataset(images, np.asarray(folder.targets, dtype=np.int64))
    full.classes, full.root = list(folder.classes), folder.root
    return full

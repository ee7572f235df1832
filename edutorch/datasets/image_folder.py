"""``ImageFolder``: your own pictures, one sub-folder per class, as torchvision reads them.

    root/cat/001.png, root/cat/002.jpg, root/dog/a.png  ->  classes ['cat', 'dog']

Images are decoded by Pillow when it is installed, else by Qt (the studio's PySide6), and come
out the same either way: a uint8 RGB array (H, W, 3). torchvision gives a PIL image instead;
``transforms.ToTensor`` turns either into a float tensor (3, H, W).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..utils.data import Dataset
from ._base import apply_transforms

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def image_backend():
    """ "pillow", "qt" or None: what ``decode_image`` will use."""
    for name, module in (("pillow", "PIL.Image"), ("qt", "PySide6.QtGui")):
        try:
            __import__(module)
            return name
        except ImportError:
            pass
    return None


def decode_image(path, backend=None):
    """The picture at ``path`` as a uint8 RGB array (H, W, 3)."""
    backend = backend or image_backend()
    if backend == "pillow":
        from PIL import Image

        with Image.open(path) as img:
            return np.asarray(img.convert("RGB")).copy()
    if backend == "qt":
        from PySide6.QtGui import QImage

        img = QImage(str(path))
        if img.isNull():
            raise OSError(f"Qt could not decode the image {path}")
        img = img.convertToFormat(QImage.Format.Format_RGB888)
        h, w = img.height(), img.width()
        # Qt pads each row to 4 bytes: read whole rows, then cut the padding off
        rows = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
        return rows.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()
    raise ImportError(
        f"reading {path} needs an image decoder: pip install pillow "
        "(or install the studio, whose Qt can decode PNG and JPEG)"
    )


def find_classes(directory):
    """(classes, class_to_idx): the sub-folder names, sorted, and their indices."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"ImageFolder: no such folder: {directory}")
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {c: i for i, c in enumerate(classes)}


def make_dataset(directory, class_to_idx, extensions=IMG_EXTENSIONS, is_valid_file=None,
                 allow_empty=False):  # fmt: skip
    """[(path, class_index)]: every accepted file under each class folder, sorted by path."""
    if is_valid_file is None:

        def is_valid_file(p):
            return p.lower().endswith(tuple(extensions))

    samples, empty = [], []
    for name in sorted(class_to_idx):
        before = len(samples)
        for folder, _, files in sorted(os.walk(os.path.join(directory, name), followlinks=True)):
            for f in sorted(files):
                path = os.path.join(folder, f)
                if is_valid_file(path):
                    samples.append((path, class_to_idx[name]))
        if len(samples) == before:
            empty.append(name)
    if empty and not allow_empty:
        raise FileNotFoundError(
            f"Found no valid file for the classes {', '.join(sorted(empty))}. "
            f"Supported extensions are: {', '.join(extensions)}"
        )
    return samples


class DatasetFolder(Dataset):
    """Files in class sub-folders: item i is (transform(loader(path)), target_transform(class)).

    ``.classes`` (sorted folder names), ``.class_to_idx``, ``.samples`` [(path, class_index)],
    ``.targets`` [class_index], with torchvision's semantics.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):  # fmt: skip
        self.root = os.fspath(Path(root).expanduser())
        self.loader, self.extensions = loader, extensions
        self.transform, self.target_transform = transform, target_transform
        self.classes, self.class_to_idx = find_classes(self.root)
        exts = extensions if extensions is not None else IMG_EXTENSIONS
        self.samples = make_dataset(self.root, self.class_to_idx, exts, is_valid_file, allow_empty)
        self.targets = [t for _, t in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return apply_transforms(self, self.loader(path), target)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(root={self.root!r}, n_samples={len(self)}, classes={self.classes})"


class ImageFolder(DatasetFolder):
    """Images in class sub-folders: item i is (uint8 RGB array (H, W, 3) or ``transform`` of it,
    class index int). PNG and JPEG need Pillow or PySide6; see ``decode_image``."""

    def __init__(self, root, transform=None, target_transform=None, loader=decode_image,
                 is_valid_file=None, allow_empty=False):  # fmt: skip
        exts = IMG_EXTENSIONS if is_valid_file is None else None
        super().__init__(
            root, loader, exts, transform, target_transform, is_valid_file, allow_empty
        )
        self.imgs = self.samples

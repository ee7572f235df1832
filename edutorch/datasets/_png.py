"""Write PNG files with the standard library (zlib + struct): image grids, test fixtures."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def write_png(path, image):
    """Save ``image`` — (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA; uint8, or floats in [0, 1]."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)
    if a.ndim == 2:
        a = a[:, :, None]
    h, w, c = a.shape
    color_type = {1: 0, 3: 2, 4: 6}[c]  # PNG's codes for grey, RGB and RGBA

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    # each row starts with filter byte 0 (no filter)
    rows = np.concatenate([np.zeros((h, 1), np.uint8), a.reshape(h, w * c)], axis=1)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def image_grid(images, nrow=10, padding=2, pad_value=0.5):
    """Tile (N, H, W) or (N, 1, H, W) images into one (rows*(H+pad)+pad, nrow*(W+pad)+pad) array."""
    imgs = np.asarray(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0]
    n, h, w = imgs.shape
    rows = -(-n // nrow)
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding), pad_value)
    for i, img in enumerate(imgs):
        r, c = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + c * (w + padding)
        grid[y : y + h, x : x + w] = img
    return grid

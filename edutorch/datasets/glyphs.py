"""Glyphs: digit-like images 0-9 drawn in code from pen strokes, an offline stand-in for MNIST.

Each digit is a few polylines (straight strokes and sampled arcs) in a unit box, with one to three
handwriting variants (a ``1`` with or without a flag, a ``7`` with or without a bar, ...). Every
image moves the points a little, then applies a random rotation, scale, shear and shift, draws the
strokes with a random pen width (anti-aliased: ink = clamp(width/2 + 1/2 - distance, 0, 1)), dims
the ink at random and adds Gaussian pixel noise. 10,000 images at 28x28 take about half a second.
"""

from __future__ import annotations

import numpy as np

from ._base import ArrayDataset
from ._split import make_rng

# ----------------------------------------------------------------------------- the strokes


def _arc(cx, cy, rx, ry, start, stop, n=None):
    """Points on an ellipse from angle ``start`` to ``stop`` in degrees (0 = right, 90 = down)."""
    n = n or max(3, int(abs(stop - start) / 30) + 1)  # a point every ~30 degrees is smooth enough
    a = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(t), cy + ry * np.sin(t)) for t in a]


def _digit_variants():
    """For each digit 0-9, a list of variants; a variant is a list of polylines in a unit box."""
    top_loop = _arc(0.5, 0.35, 0.17, 0.15, 0, 360, 13)
    return [
        [  # 0: an oval, upright or a little squarer
            [_arc(0.5, 0.5, 0.19, 0.3, -90, 270, 15)],
            [_arc(0.5, 0.5, 0.22, 0.29, -80, 280, 15)],
        ],
        [  # 1: a bare stroke, with a flag, with a flag and a base
            [[(0.52, 0.18), (0.5, 0.82)]],
            [[(0.36, 0.32), (0.53, 0.18), (0.5, 0.82)]],
            [[(0.38, 0.3), (0.53, 0.18), (0.5, 0.8)], [(0.36, 0.81), (0.64, 0.81)]],
        ],
        [  # 2: a hook, a diagonal and a base (the second one curls at the bottom)
            [_arc(0.5, 0.34, 0.18, 0.15, 195, 395) + [(0.3, 0.8), (0.72, 0.8)]],
            [_arc(0.48, 0.33, 0.17, 0.14, 190, 400) + [(0.36, 0.7), (0.3, 0.8), (0.72, 0.79)]],
        ],
        [  # 3: two bowls open to the left, or a flat top with a lower bowl
            [_arc(0.48, 0.34, 0.17, 0.14, 200, 450) + _arc(0.48, 0.64, 0.19, 0.16, 270, 520)],
            [[(0.32, 0.2), (0.68, 0.2), (0.46, 0.45)] + _arc(0.47, 0.63, 0.2, 0.17, 250, 520)],
        ],
        [  # 4: closed (triangle) or open top
            [[(0.6, 0.18), (0.28, 0.62), (0.74, 0.62)], [(0.6, 0.18), (0.6, 0.84)]],
            [[(0.34, 0.18), (0.3, 0.58), (0.74, 0.58)], [(0.63, 0.24), (0.63, 0.84)]],
        ],
        [  # 5: a flag, a short down stroke and a bowl
            [[(0.68, 0.2), (0.37, 0.2), (0.35, 0.47)] + _arc(0.48, 0.63, 0.19, 0.17, 220, 505)],
        ],
        [  # 6: a sweep down the left side into a loop at the bottom
            [_arc(0.68, 0.62, 0.36, 0.44, 245, 180) + _arc(0.5, 0.64, 0.18, 0.17, 180, 540)],
        ],
        [  # 7: a top bar and a diagonal, with or without a cross bar
            [[(0.29, 0.2), (0.72, 0.2), (0.44, 0.82)]],
            [[(0.29, 0.2), (0.72, 0.2), (0.44, 0.82)], [(0.4, 0.5), (0.68, 0.5)]],
        ],
        [  # 8: a small loop on a larger one
            [_arc(0.5, 0.34, 0.15, 0.14, 0, 360, 13), _arc(0.5, 0.64, 0.19, 0.16, 0, 360, 13)],
        ],
        [  # 9: a loop at the top with a straight or a curved tail
            [top_loop, [(0.67, 0.35), (0.62, 0.83)]],
            [top_loop, _arc(0.32, 0.35, 0.35, 0.48, 0, 75)],
        ],
    ]


def _segments(polylines):
    """(S, 2, 2) start and end points of every straight piece of the polylines."""
    segs = []
    for line in polylines:
        p = np.asarray(line, dtype=np.float32)
        segs.append(np.stack([p[:-1], p[1:]], axis=1))
    return np.concatenate(segs)


_VARIANTS = [[_segments(v) for v in variants] for variants in _digit_variants()]


# ----------------------------------------------------------------------------- drawing


def _random_affine(rng, n):
    """(n, 2, 3) matrices: rotate +-15 degrees, scale 0.8-1.15, shear +-0.25, shift +-0.09."""
    angle = np.radians(rng.uniform(-15, 15, n))
    sx = rng.uniform(0.8, 1.15, n) * rng.uniform(0.85, 1.1, n)  # width varies more than height
    sy = rng.uniform(0.8, 1.15, n)
    shear = rng.uniform(-0.25, 0.25, n)
    c, s = np.cos(angle), np.sin(angle)
    # rotation @ shear @ scale, written out: the glyph is turned about the box centre (0.5, 0.5)
    a = np.stack([c * sx, (c * shear - s) * sy, s * sx, (s * shear + c) * sy], 1)
    m = np.zeros((n, 2, 3), dtype=np.float32)
    m[:, 0, :2], m[:, 1, :2] = a[:, :2], a[:, 2:]
    shift = rng.uniform(-0.09, 0.09, (n, 2))
    m[:, :, 2] = 0.5 + shift - np.einsum("nij,j->ni", m[:, :, :2], np.array([0.5, 0.5]))
    return m


def _draw(segs, size, width, chunk=64):
    """Ink (n, size*size) for n glyphs given as (n, S, 2, 2) segments in pixel units.

    For each pixel the distance d to the nearest segment, then ink = clamp(width/2 + 1/2 - d, 0, 1).
    """
    if len(segs) > chunk:  # 64 glyphs at a time keep the work arrays in the CPU cache (2x faster)
        parts = [
            _draw(segs[i : i + chunk], size, width[i : i + chunk])
            for i in range(0, len(segs), chunk)
        ]
        return np.concatenate(parts)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5  # pixel centres
    gx, gy = xs.reshape(1, -1), ys.reshape(1, -1)
    best = np.full((segs.shape[0], size * size), np.inf, dtype=np.float32)
    for k in range(segs.shape[1]):
        a, b = segs[:, k, 0], segs[:, k, 1]
        ab = b - a
        inv = 1.0 / np.maximum((ab * ab).sum(1), 1e-6)
        px, py = gx - a[:, :1], gy - a[:, 1:]
        # t: where the pixel's foot falls on the segment, clamped to its ends
        t = np.clip((px * ab[:, :1] + py * ab[:, 1:]) * inv[:, None], 0.0, 1.0)
        dx, dy = px - t * ab[:, :1], py - t * ab[:, 1:]
        np.minimum(best, dx * dx + dy * dy, out=best)
    return np.clip(width[:, None] / 2 + 0.5 - np.sqrt(best), 0.0, 1.0)


def render_glyphs(labels, size=28, noise=0.1, rng=None):
    """Draw one glyph per label: float32 array (N, size, size) in [0, 1]."""
    rng = np.random.default_rng(0) if rng is None else rng
    labels = np.asarray(labels)
    out = np.empty((len(labels), size * size), dtype=np.float32)
    variant = rng.random(len(labels))
    for digit in range(10):
        choices = _VARIANTS[digit]
        pick = np.minimum((variant * len(choices)).astype(int), len(choices) - 1)
        for v, segs in enumerate(choices):
            idx = np.flatnonzero((labels == digit) & (pick == v))
            n = len(idx)
            if n == 0:
                continue
            # move every stroke end a little (so no two glyphs are the same shape), then transform
            pts = segs[None] + rng.normal(0, 0.012, (n, *segs.shape)).astype(np.float32)
            m = _random_affine(rng, n)
            pts = np.einsum("nij,nskj->nski", m[:, :, :2], pts) + m[:, None, None, :, 2]
            width = np.maximum(rng.uniform(1.3, 3.0, n) * (size / 28), 1.0).astype(np.float32)
            ink = _draw(pts * size, size, width)
            out[idx] = ink * rng.uniform(0.65, 1.0, (n, 1)).astype(np.float32)
    if noise:
        out += rng.normal(0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0, out=out).reshape(len(labels), size, size)


# ----------------------------------------------------------------------------- the dataset


class Glyphs(ArrayDataset):
    """Digit-like 0-9 images drawn in code: item i is (image float32 (1, size, size) in [0, 1],
    label int64 ()), labels in {0, ..., 9}, balanced.

    ``train=True`` and ``train=False`` draw from different random streams of the same ``seed``,
    so the two sets never share an image. ``size`` is 28 (like MNIST) or 16 (faster lessons).
    ``.data`` is (N, 1, size, size), ``.targets`` (N,).
    """

    classes = [str(d) for d in range(10)]

    def __init__(
        self,
        train=True,
        n_samples=None,
        size=28,
        noise=0.1,
        seed=0,
        transform=None,
        target_transform=None,
    ):
        if size < 8:
            raise ValueError(f"Glyphs: size must be at least 8 pixels, got {size}")
        n = n_samples if n_samples is not None else (10000 if train else 2000)
        rng = make_rng(seed, stream=0 if train else 1)
        labels = rng.permutation(np.arange(n) % 10).astype(np.int64)  # balanced, shuffled
        images = render_glyphs(labels, size, noise, rng)
        super().__init__(images[:, None], labels, transform, target_transform)
        self.train, self.size, self.noise, self.seed = train, size, noise, seed


def glyphs(train=True, n_samples=None, size=28, noise=0.1, seed=0, **kwargs):
    """``Glyphs(...)``: digit-like images; see ``Glyphs``."""
    return Glyphs(train, n_samples, size, noise, seed, **kwargs)

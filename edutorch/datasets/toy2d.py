"""2-D classification toys: circles, xor, gaussians, spiral, moons.

Every set is a ``Dataset`` whose item i is (x float32 (2,), y int64 ()), with ``.data`` (N, 2),
``.targets`` (N,), ``.classes`` and ``split``. ``noise`` is the standard deviation of Gaussian noise
added to each coordinate; ``seed`` fixes the draw (``seed=None`` follows ``torch.manual_seed``).
The samples are shuffled, and the classes are as equal in size as ``n_samples`` allows.
"""

from __future__ import annotations

import numpy as np

from ._base import ArrayDataset
from ._split import make_rng


def _class_labels(n, k, rng):
    """n labels in {0..k-1}, as equal in number as possible, in random order."""
    return rng.permutation(np.arange(n) % k).astype(np.int64)


def _finish(xy, labels, noise, rng):
    xy = xy + rng.normal(0.0, noise, xy.shape) if noise else xy
    return xy.astype(np.float32), labels


def make_circles(n_samples=200, noise=0.05, factor=0.5, rng=None):
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1)."""
    rng = rng or np.random.default_rng(0)
    y = _class_labels(n_samples, 2, rng)
    t = rng.uniform(0, 2 * np.pi, n_samples)
    r = np.where(y == 1, factor, 1.0)
    return _finish(np.stack([r * np.cos(t), r * np.sin(t)], 1), y, noise, rng)


def make_xor(n_samples=200, noise=0.1, rng=None):
    """Points in [-1, 1]^2; label 1 where x0 and x1 have opposite signs (quadrants 2 and 4)."""
    rng = rng or np.random.default_rng(0)
    y = _class_labels(n_samples, 2, rng)
    # draw |x| away from the axes (>= 0.05) so noise, not luck, decides how blurred the border is
    mag = rng.uniform(0.05, 1.0, (n_samples, 2))
    s0 = rng.choice([-1.0, 1.0], n_samples)
    s1 = np.where(y == 1, -s0, s0)
    return _finish(mag * np.stack([s0, s1], 1), y, noise, rng)


def make_gaussians(n_samples=300, noise=0.5, n_classes=3, rng=None):
    """``n_classes`` round blobs of std ``noise``, centred evenly on a circle of radius 2."""
    rng = rng or np.random.default_rng(0)
    y = _class_labels(n_samples, n_classes, rng)
    angle = np.pi / 2 + 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
    return _finish(centres[y], y, noise, rng)


def make_spiral(n_samples=300, noise=0.05, n_classes=3, rng=None):
    """``n_classes`` arms winding out from the origin: arm k at radius r has angle 2*pi*k/K + 4r."""
    if n_classes < 2:
        raise ValueError(f"spiral needs n_classes >= 2, got {n_classes}")
    rng = rng or np.random.default_rng(0)
    y = _class_labels(n_samples, n_classes, rng)
    r = rng.uniform(0.05, 1.0, n_samples)
    t = 2 * np.pi * y / n_classes + 4.0 * r
    return _finish(np.stack([r * np.cos(t), r * np.sin(t)], 1), y, noise, rng)


def make_moons(n_samples=200, noise=0.1, rng=None):
    """Two interleaving half circles: the upper (label 0) and the lower, shifted one (label 1)."""
    rng = rng or np.random.default_rng(0)
    y = _class_labels(n_samples, 2, rng)
    t = rng.uniform(0, np.pi, n_samples)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    return _finish(np.where(y[:, None] == 0, upper, lower), y, noise, rng)


class _Toy2D(ArrayDataset):
    def __init__(self, make, n_samples, noise, seed, classes, **kwargs):
        x, y = make(n_samples, noise, rng=make_rng(seed), **kwargs)
        super().__init__(x, y)
        self.classes, self.n_samples, self.noise, self.seed = classes, n_samples, noise, seed


class Circles(_Toy2D):
    """Two concentric circles; labels {0: outer (radius 1), 1: inner (radius ``factor``)}."""

    def __init__(self, n_samples=200, noise=0.05, seed=0, factor=0.5):
        super().__init__(make_circles, n_samples, noise, seed, ["outer", "inner"], factor=factor)


class XOR(_Toy2D):
    """The four quadrants of [-1, 1]^2; labels {0: same signs, 1: opposite signs}."""

    def __init__(self, n_samples=200, noise=0.1, seed=0):
        super().__init__(make_xor, n_samples, noise, seed, ["same sign", "opposite sign"])


class Gaussians(_Toy2D):
    """``n_classes`` Gaussian blobs of std ``noise`` on a circle of radius 2; labels {0..K-1}."""

    def __init__(self, n_samples=300, noise=0.5, seed=0, n_classes=3):
        classes = [f"blob {k}" for k in range(n_classes)]
        super().__init__(make_gaussians, n_samples, noise, seed, classes, n_classes=n_classes)


class Spiral(_Toy2D):
    """``n_classes`` (>= 2) interleaved spiral arms of radius <= 1; labels {0..K-1}, one per arm."""

    def __init__(self, n_samples=300, noise=0.05, seed=0, n_classes=3):
        classes = [f"arm {k}" for k in range(n_classes)]
        super().__init__(make_spiral, n_samples, noise, seed, classes, n_classes=n_classes)


class Moons(_Toy2D):
    """Two interleaving half moons; labels {0: upper, 1: lower}."""

    def __init__(self, n_samples=200, noise=0.1, seed=0):
        super().__init__(make_moons, n_samples, noise, seed, ["upper", "lower"])


def circles(n_samples=200, noise=0.05, seed=0, factor=0.5):
    """``Circles(...)``: x (2,) float32, y () int64 in {0: outer, 1: inner}."""
    return Circles(n_samples, noise, seed, factor)


def xor(n_samples=200, noise=0.1, seed=0):
    """``XOR(...)``: x (2,) float32, y () int64 in {0: same sign, 1: opposite sign}."""
    return XOR(n_samples, noise, seed)


def gaussians(n_samples=300, noise=0.5, seed=0, n_classes=3):
    """``Gaussians(...)``: x (2,) float32, y () int64 in {0..n_classes-1}."""
    return Gaussians(n_samples, noise, seed, n_classes)


def spiral(n_samples=300, noise=0.05, seed=0, n_classes=3):
    """``Spiral(...)``: x (2,) float32, y () int64 in {0..n_classes-1}."""
    return Spiral(n_samples, noise, seed, n_classes)


def moons(n_samples=200, noise=0.1, seed=0):
    """``Moons(...)``: x (2,) float32, y () int64 in {0: upper, 1: lower}."""
    return Moons(n_samples, noise, seed)

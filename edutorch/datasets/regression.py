"""Regression toys: plane, sine, polynomial.

Item i is (x float32 (d,), y float32 (1,)): the target keeps a feature axis so it matches a model's
(N, 1) output in ``MSELoss`` without reshaping. ``noise`` is the std of Gaussian noise added to y;
the true function's parameters are kept as attributes so a lesson can compare them with what a
model learned. ``.classes`` is None.
"""

from __future__ import annotations

import numpy as np

from ._base import ArrayDataset
from ._split import make_rng


class _Regression(ArrayDataset):
    def __init__(self, x, clean_y, n_samples, noise, seed, rng):
        y = clean_y + (rng.normal(0.0, noise, clean_y.shape) if noise else 0.0)
        super().__init__(x.astype(np.float32), y.astype(np.float32).reshape(-1, 1))
        self.n_samples, self.noise, self.seed = n_samples, noise, seed


class Plane(_Regression):
    """x uniform in [-1, 1]^2 (2,), y = x @ weight + bias + noise (1,)."""

    def __init__(self, n_samples=200, noise=0.1, seed=0, weight=(2.0, -3.0), bias=0.5):
        rng = make_rng(seed)
        x = rng.uniform(-1, 1, (n_samples, 2))
        self.weight, self.bias = tuple(float(w) for w in weight), float(bias)
        super().__init__(x, x @ np.array(self.weight) + self.bias, n_samples, noise, seed, rng)


class Sine(_Regression):
    """x uniform in [-pi, pi] (1,), y = sin(frequency * x) + noise (1,)."""

    def __init__(self, n_samples=200, noise=0.1, seed=0, frequency=1.0):
        rng = make_rng(seed)
        x = rng.uniform(-np.pi, np.pi, (n_samples, 1))
        self.frequency = float(frequency)
        super().__init__(x, np.sin(self.frequency * x[:, 0]), n_samples, noise, seed, rng)


class Polynomial(_Regression):
    """x uniform in [-2, 2] (1,), y = sum_k coefficients[k] * x**k + noise (1,).

    The default coefficients (0, -1.5, 0, 0.5) give 0.5x^3 - 1.5x, an S-shaped curve.
    """

    def __init__(self, n_samples=200, noise=0.1, seed=0, coefficients=(0.0, -1.5, 0.0, 0.5)):
        rng = make_rng(seed)
        x = rng.uniform(-2, 2, (n_samples, 1))
        self.coefficients = tuple(float(c) for c in coefficients)
        y = np.polynomial.polynomial.polyval(x[:, 0], self.coefficients)
        super().__init__(x, y, n_samples, noise, seed, rng)


def plane(n_samples=200, noise=0.1, seed=0, weight=(2.0, -3.0), bias=0.5):
    """``Plane(...)``: x (2,) float32, y (1,) float32 = x @ weight + bias + noise."""
    return Plane(n_samples, noise, seed, weight, bias)


def sine(n_samples=200, noise=0.1, seed=0, frequency=1.0):
    """``Sine(...)``: x (1,) float32 in [-pi, pi], y (1,) float32 = sin(frequency x) + noise."""
    return Sine(n_samples, noise, seed, frequency)


def polynomial(n_samples=200, noise=0.1, seed=0, coefficients=(0.0, -1.5, 0.0, 0.5)):
    """``Polynomial(...)``: x (1,) float32 in [-2, 2], y (1,) float32 = polynomial(x) + noise."""
    return Polynomial(n_samples, noise, seed, coefficients)

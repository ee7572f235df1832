"""The task both training scripts share: three interleaved spiral arms in the plane, and a model.

numpy only, so the PyTorch runs need nothing from edutorch.
"""

import numpy as np


def spiral(n=3000, noise=0.3, turns=1.5, seed=0):
    """(x_train, y_train, x_test, y_test): points (N, 2) float32, arm labels (N,) int64; 80/20.

    Each arm winds ``turns`` times around the centre; ``noise`` blurs the angle, so arms touch
    and a few points are ambiguous (a good model gets about 96% of the test points right)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    r = rng.uniform(0.05, 1.0, n)
    angle = turns * 2 * np.pi * r + y * 2 * np.pi / 3 + noise * rng.standard_normal(n)
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1).astype(np.float32)
    order = rng.permutation(n)
    x, y = x[order], y[order].astype(np.int64)
    cut = int(0.8 * n)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def build_model(nn, hidden=64):
    """An MLP 2-64-64-3, the same classes in either framework."""
    return nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 3),
    )  # fmt: skip

"""Colours of the training views: one per class, and how a probability map is painted."""

from __future__ import annotations

import numpy as np

# Tableau 10: distinct, colour-blind friendly enough, familiar from matplotlib
CLASS_COLORS = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
], dtype=np.float64)  # fmt: skip
MISTAKE = (220, 30, 30)
# diverging map for neuron outputs and regression surfaces: blue (low), white (0), orange (high)
DIVERGING = np.array([(8, 119, 189), (255, 255, 255), (245, 147, 34)], dtype=np.float64)


def class_color(k: int) -> tuple:
    return tuple(int(c) for c in CLASS_COLORS[k % len(CLASS_COLORS)])


def probability_image(probs: np.ndarray) -> np.ndarray:
    """(ny, nx, C) class probabilities -> (ny, nx, 3) uint8: each class's colour, mixed by
    probability, faded to white where the model is unsure (so the boundary shows)."""
    c = probs.shape[-1]
    colors = CLASS_COLORS[np.arange(c) % len(CLASS_COLORS)]
    mixed = probs @ colors
    # confidence 0 at a uniform guess, 1 at certainty; squared so only confident areas are deep
    confidence = ((probs.max(-1) - 1 / c) / (1 - 1 / c)).clip(0, 1)[..., None]
    strength = 0.25 + 0.5 * confidence
    return (255 * (1 - strength) + mixed * strength).astype(np.uint8)


def diverging_image(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Values -> uint8 RGB on the blue-white-orange map; ``scale`` is the value drawn fully
    saturated (default: the largest magnitude)."""
    scale = scale if scale else float(np.abs(values).max()) or 1.0
    t = np.clip(values / scale, -1, 1)[..., None]
    low, mid, high = DIVERGING
    rgb = np.where(t < 0, mid + (low - mid) * -t, mid + (high - mid) * t)
    return rgb.astype(np.uint8)

"""Numbers behind the studio's live views, computed with numpy for any script to use.

decision_grid(model, (-1, 1), (-1, 1), 64)   class probabilities (or a regression surface)
neuron_grids(model, (-1, 1), (-1, 1), 24)    each hidden neuron's output over the plane
confusion_matrix(model, test_set)            counts[true, predicted]
predictions(model, test_set, 32)             inputs, targets, predictions, right or wrong
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import BINARY, CLASSIFICATION, iterate_batches, model_outputs, predicted_classes

__all__ = ["Grid", "plane_points", "data_bounds", "decision_grid", "neuron_grids",
           "confusion_matrix", "Predictions", "predictions", "softmax"]  # fmt: skip


@dataclass
class Grid:
    """Values over a grid of the plane: ``values[i, j]`` at (xs[j], ys[i]).

    values: (ny, nx, C) class probabilities, (ny, nx) a regression surface, or for 1-D inputs
    (nx, k) the outputs along the x axis (ys is then empty).
    """

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    kind: str  # "probabilities", "surface" or "curve"


def softmax(z: np.ndarray, axis=-1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def plane_points(xlim, ylim, resolution):
    """(xs, ys, points (ny*nx, 2) float32) for a resolution x resolution grid, row by row."""
    xs = np.linspace(xlim[0], xlim[1], resolution, dtype=np.float32)
    ys = np.linspace(ylim[0], ylim[1], resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def data_bounds(x: np.ndarray, margin=0.1):
    """[(lo, hi)] per input column, widened by ``margin`` of the range on each side."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 1e-3)
    return [(float(a), float(b)) for a, b in zip(lo - pad, hi + pad)]


def decision_grid(model, xlim, ylim=None, resolution=64, task=CLASSIFICATION, logits=True):
    """What the model says over the plane (2-D inputs) or along the line (1-D inputs).

    Classification: class probabilities (softmax of the scores; a sigmoid for one binary
    output), kind "probabilities". Regression: the output itself, kind "surface" (2-D) or
    "curve" (1-D: ``xlim`` only, values (resolution, outputs)).
    """
    if ylim is None:
        xs = np.linspace(xlim[0], xlim[1], resolution, dtype=np.float32)
        out = model_outputs(model, xs[:, None])
        return Grid(xs, np.zeros(0, np.float32), out.reshape(resolution, -1), "curve")
    xs, ys, points = plane_points(xlim, ylim, resolution)
    out = model_outputs(model, points).reshape(len(points), -1)
    if task == CLASSIFICATION:
        values = softmax(out)
    elif task == BINARY:
        p = 1 / (1 + np.exp(-out[:, :1])) if logits else out[:, :1]
        values = np.concatenate([1 - p, p], axis=1)
    else:
        return Grid(xs, ys, out[:, 0].reshape(len(ys), len(xs)), "surface")
    return Grid(xs, ys, values.reshape(len(ys), len(xs), -1), "probabilities")


def _leaf_modules(model):
    return [(name or type(m).__name__, m) for name, m in model.named_modules()
            if not m._modules]  # fmt: skip


def _elementwise(module) -> bool:
    """An activation or dropout: it changes each neuron's value on its own."""
    return type(module).__module__.rsplit(".", 1)[-1] in ("activation", "dropout")


def neuron_grids(model, xlim, ylim, resolution=24, max_neurons=32):
    """{layer: (k, resolution, resolution)}: each neuron's output over the plane, for a model of
    2-D inputs (as TF Playground draws them). A layer is a leaf module whose output is (N, k),
    k <= max_neurons. A layer followed by an activation or dropout is shown after them (Linear,
    ReLU -> the ReLU's output): the neuron's value as the next layer sees it."""
    _, _, points = plane_points(xlim, ylim, resolution)
    captured = []

    def hook(name):
        def record(module, args, output):
            if hasattr(output, "numpy") and output.ndim == 2:
                captured.append((name, module, output.numpy()))

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in _leaf_modules(model)]
    try:
        model_outputs(model, points)
    finally:
        for h in handles:
            h.remove()
    grids = {}
    for i, (name, _, out) in enumerate(captured):
        after = captured[i + 1] if i + 1 < len(captured) else None
        if after is not None and _elementwise(after[1]) and after[2].shape == out.shape:
            continue
        if out.shape[1] <= max_neurons:
            grids[name] = out.T.reshape(out.shape[1], resolution, resolution)
    return grids


def confusion_matrix(model, dataset, num_classes=None, task=CLASSIFICATION, logits=True):
    """(C, C) int64 counts: row = true class, column = predicted class (every target of a
    sequence counts once). ``num_classes`` defaults to ``len(dataset.classes)``."""
    if num_classes is None:
        classes = getattr(dataset, "classes", None)
        num_classes = len(classes) if classes else 2 if task == BINARY else None
    counts = None
    for x, y in iterate_batches(dataset):
        pred = predicted_classes(model_outputs(model, x), task, logits).ravel()
        true = y.numpy().astype(np.int64).ravel()
        k = num_classes or int(max(pred.max(), true.max())) + 1
        batch = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        counts = batch if counts is None else _grow(counts, k) + _grow(batch, len(counts))
    return counts if counts is not None else np.zeros((num_classes or 0,) * 2, np.int64)


def _grow(m, k):
    if len(m) >= k:
        return m
    out = np.zeros((k, k), m.dtype)
    out[: len(m), : len(m)] = m
    return out


@dataclass
class Predictions:
    """The first n samples: ``inputs`` (n, ...), ``targets`` (n,), ``predicted`` (n,),
    ``confidence`` (n,) the probability given to the predicted class, ``correct`` (n,) bool."""

    inputs: np.ndarray
    targets: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.targets


def predictions(model, dataset, n=32, task=CLASSIFICATION, logits=True) -> Predictions:
    """What the model predicts for the first ``n`` samples of ``dataset`` (for image grids)."""
    x, y = next(iterate_batches(dataset, batch_size=n))
    out = model_outputs(model, x).reshape(len(x), -1)
    if task == BINARY:
        p = 1 / (1 + np.exp(-out[:, 0])) if logits else out[:, 0]
        pred = (p > 0.5).astype(np.int64)
        conf = np.where(pred == 1, p, 1 - p)
    else:
        probs = softmax(out)
        pred = probs.argmax(axis=1)
        conf = probs[np.arange(len(pred)), pred]
    return Predictions(x.numpy(), y.numpy().reshape(len(x)).astype(np.int64), pred, conf)

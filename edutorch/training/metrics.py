"""What a model's outputs mean for a loss: the task, predicted classes, accuracy; all numpy."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad

__all__ = ["task_of", "predicted_classes", "accuracy", "model_outputs", "iterate_batches"]

CLASSIFICATION, BINARY, REGRESSION = "classification", "binary", "regression"


def task_of(loss_fn) -> str:
    """ "classification" (class scores: cross-entropy, NLL), "binary" (one logit or probability:
    BCE) or "regression" (anything else: MSE, L1, Huber...)."""
    if isinstance(loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)):
        return CLASSIFICATION
    if isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.BCELoss)):
        return BINARY
    return REGRESSION


def predicted_classes(out: np.ndarray, task: str, logits: bool = True) -> np.ndarray:
    """Class indices from outputs: argmax over dim 1 (torch's class dim, also for (N, C, T)),
    or for a binary task the output above 0 (a logit) / above 0.5 (a probability)."""
    if task == BINARY:
        return (out > (0.0 if logits else 0.5)).astype(np.int64)
    return out.argmax(axis=1)


def accuracy(out: np.ndarray, target: np.ndarray, task: str, logits: bool = True) -> float:
    """Fraction of right predictions (NaN for regression, which has no classes)."""
    if task == REGRESSION or out.size == 0:
        return float("nan")
    pred = predicted_classes(out, task, logits)
    return float((pred == target.reshape(pred.shape)).mean())


def iterate_batches(dataset, batch_size=512):
    """(x, y) tensors for the whole dataset in order; arrays are sliced directly when the dataset
    holds them (``.data``/``.targets`` with no transform), which is much faster than a loader."""
    from ..utils.data import DataLoader

    data, targets = getattr(dataset, "data", None), getattr(dataset, "targets", None)
    plain = getattr(dataset, "transform", None) is None and not getattr(
        dataset, "target_transform", None
    )
    if plain and hasattr(data, "_data") and hasattr(targets, "_data"):
        for i in range(0, len(dataset), batch_size):
            yield data[i : i + batch_size], targets[i : i + batch_size]
        return
    yield from DataLoader(dataset, batch_size=batch_size, shuffle=False)


def model_outputs(model, x, batch_size=1024) -> np.ndarray:
    """The model's outputs for inputs ``x`` (a tensor or array), in eval mode without autograd;
    the model's train/eval mode is restored afterwards."""
    from .._tensor import Tensor

    x = x if isinstance(x, Tensor) else Tensor._make(np.asarray(x, dtype=np.float32))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            parts = [model(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.zeros((0,))


def is_logits_loss(loss_fn) -> bool:
    """BCELoss takes probabilities; every other loss here takes raw scores (logits)."""
    return not isinstance(loss_fn, nn.BCELoss)

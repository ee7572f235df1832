"""``LiveViews``: the views of a model recomputed while it trains, a few times a second.

Pass ``views.update`` as the trainer's callback: it runs in the training thread between batches,
so the model is never read half-updated, and another thread (the studio's GUI) only picks up the
finished numbers with ``latest()``.

    views = LiveViews(train_set, test_set, input_shape=(2,))
    trainer.run(callback=views.update)       # in a worker thread
    views.latest()["grid"]                    # from any thread: a Grid, or None
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .metrics import REGRESSION
from .views import confusion_matrix, data_bounds, decision_grid, neuron_grids, predictions

__all__ = ["LiveViews"]

MAX_NEURON_LAYERS = 8  # neuron heatmaps are for small MLPs, as in TF Playground


class LiveViews:
    """Decision grid (1-D and 2-D inputs), neuron grids (2-D inputs, small MLPs), confusion
    matrix (classification), prediction grid (image inputs): each recomputed at most every
    ``interval`` seconds (``slow_interval`` for the test-set ones). A view the model cannot
    produce is skipped and training goes on; ``errors`` says why ({view: message})."""

    def __init__(self, train_set, test_set=None, input_shape=None, interval=0.1,
                 slow_interval=0.5, resolution=80, neuron_resolution=20,
                 n_predictions=32):  # fmt: skip
        self.train_set, self.test_set = train_set, test_set
        data = getattr(train_set, "data", None)
        shape = tuple(input_shape or (data.shape[1:] if data is not None else ()))
        self.input_shape = shape
        self.points = len(shape) == 1 and shape[0] in (1, 2)
        self.images = len(shape) == 3
        self.bounds = data_bounds(data.numpy()) if self.points and data is not None else None
        self.interval, self.slow_interval = interval, slow_interval
        self.resolution, self.neuron_resolution = resolution, neuron_resolution
        self.n_predictions = n_predictions
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._latest = {"version": 0, "step": 0}
        self._fast_at = self._slow_at = -np.inf

    def latest(self) -> dict:
        """The newest views: {"version", "step", "grid", "neurons", "confusion", "predictions"}
        (keys appear once computed). A copy of the dict; its values are never changed later."""
        with self._lock:
            return dict(self._latest)

    def update(self, trainer, force=False):
        """Recompute what is due (everything if ``force``); meant as ``Trainer.run``'s callback."""
        now = time.perf_counter()
        fresh = {}
        if force or now - self._fast_at >= self.interval:
            self._fast_at = now
            fresh.update(self._fast(trainer))
        if force or now - self._slow_at >= self.slow_interval:
            self._slow_at = now
            fresh.update(self._slow(trainer))
        if fresh:
            with self._lock:
                self._latest = {**self._latest, **fresh, "step": trainer.step_count,
                                "version": self._latest["version"] + 1}  # fmt: skip

    @property
    def error(self) -> str | None:
        """The reasons views were skipped, one line each (None if all were drawn)."""
        return "\n".join(f"{k}: {v}" for k, v in self.errors.items()) or None

    def _guard(self, name, compute, *args):
        try:
            value = compute(*args)
        except Exception as e:  # a view the model cannot produce must not stop training
            self.errors[name] = f"{type(e).__name__}: {e}"
            return None
        self.errors.pop(name, None)
        return value

    def _fast(self, trainer):
        if not self.points or self.bounds is None:
            return {}
        model, task, logits, res = trainer.model, trainer.task, trainer.logits, self.resolution
        if self.input_shape == (1,):
            return {"grid": self._guard("grid", decision_grid, model, self.bounds[0], None, res,
                                        task, logits)}  # fmt: skip
        xlim, ylim = self.bounds
        out = {"grid": self._guard("grid", decision_grid, model, xlim, ylim, res, task, logits)}
        if len([m for m in model.modules() if not m._modules]) <= 2 * MAX_NEURON_LAYERS:
            out["neurons"] = self._guard("neurons", neuron_grids, model, xlim, ylim,
                                         self.neuron_resolution)  # fmt: skip
        return out

    def _slow(self, trainer):
        if self.test_set is None or len(self.test_set) == 0:
            return {}
        model, test, task, logits = trainer.model, self.test_set, trainer.task, trainer.logits
        out = {}
        if task != REGRESSION:
            out["confusion"] = self._guard("confusion matrix", confusion_matrix, model, test,
                                           None, task, logits)  # fmt: skip
        if self.images:
            out["predictions"] = self._guard("predictions", predictions, model, test,
                                             self.n_predictions, task, logits)  # fmt: skip
        return out

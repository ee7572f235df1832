"""``Trainer``: the training loop of every lesson, with controls another thread can press.

    trainer = Trainer(model, nn.CrossEntropyLoss(), train_set, test_set, TrainingConfig(lr=0.01))
    trainer.run()                    # all epochs; or trainer.step() for one batch
    trainer.history.snapshot()       # curves so far, safe to read from another thread
    trainer.reset()                  # same initial weights, same shuffling: a comparable run

From another thread (the studio's GUI): ``pause()``, ``resume()``, ``step_once()`` (one batch,
then paused) and ``stop()`` (``run`` returns after the current batch). They only set flags under
a ``threading.Condition``; the loop checks them between batches.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from .. import random as _random
from ..autograd.grad_mode import no_grad
from ..utils.data import DataLoader
from .config import TrainingConfig, make_loss, make_optimizer, make_scheduler
from .history import History
from .metrics import accuracy, is_logits_loss, iterate_batches, task_of

__all__ = ["Trainer", "layer_of", "reinitialize", "HISTOGRAM_BINS"]

HISTOGRAM_BINS = 30
# the states ``Trainer.state`` reports
READY, RUNNING, PAUSED, STOPPED, FINISHED, ERROR = (
    "ready", "running", "paused", "stopped", "finished", "error")  # fmt: skip


def layer_of(param_name: str) -> str:
    """The layer a parameter belongs to: "net.0.weight" -> "net.0" ("model" for a bare one)."""
    return param_name.rpartition(".")[0] or "model"


def reinitialize(model, seed: int):
    """Draw fresh initial weights from ``seed``: every layer's own ``reset_parameters()``."""
    _random.manual_seed(seed)
    for module in model.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return model


class Trainer:
    """Trains ``model`` on ``train_set``, testing on ``test_set`` (may be None), as ``config``
    says. ``loss_fn`` is used unless ``config.loss`` names another loss.

    ``initial_state`` (the weights at construction) and ``config.seed`` make ``reset()`` repeat a
    run exactly. ``history`` is a ``History``; ``state`` is one of "ready", "running", "paused",
    "stopped", "finished", "error".
    """

    def __init__(self, model, loss_fn, train_set, test_set=None, config=None):
        self.config = (config or TrainingConfig()).validate()
        self.model, self.train_set, self.test_set = model, train_set, test_set
        self.loss_fn = make_loss(self.config.loss) if self.config.loss else loss_fn
        if self.loss_fn is None:
            raise ValueError("Trainer needs a loss: pass loss_fn or set config.loss")
        self.task = task_of(self.loss_fn)
        self.logits = is_logits_loss(self.loss_fn)
        self.initial_state = {k: v.clone() for k, v in model.state_dict().items()}
        self._cond = threading.Condition()
        self._paused = self._stop_requested = False
        self._pending_steps = 0
        self._state = READY
        self.error = None
        self.reset()

    # ------------------------------------------------------------------ setup
    def reset(self):
        """Back to the initial weights, a fresh optimizer and an empty history; the random
        streams (shuffling, dropout) restart from ``config.seed``. Not while ``run`` is going."""
        if self._state in (RUNNING, PAUSED) and self._active():
            raise RuntimeError("reset() while run() is going: stop() and wait for it first")
        self.model.load_state_dict(self.initial_state)
        _random.manual_seed(self.config.seed)  # dropout and any other draw from the default stream
        self._shuffle = _random.Generator().manual_seed(self.config.seed)
        self.loader = DataLoader(self.train_set, batch_size=self.config.batch_size, shuffle=True,
                                 generator=self._shuffle)  # fmt: skip
        self.steps_per_epoch = len(self.loader)
        self.total_steps = self.steps_per_epoch * self.config.epochs
        self.optimizer = make_optimizer(self.config, self.model.parameters())
        self.scheduler, self._scheduler_every = make_scheduler(
            self.config, self.optimizer, self.steps_per_epoch
        )
        self.history = History({
            "steps_per_epoch": self.steps_per_epoch, "total_steps": self.total_steps,
            "batch_size": self.config.batch_size, "task": self.task,
            "train_size": len(self.train_set),
            "test_size": len(self.test_set) if self.test_set is not None else 0,
        })  # fmt: skip
        self.step_count = self.epoch = 0
        self._batches = None
        self._epoch_sums = [0.0, 0.0, 0]  # loss * n, correct, n
        with self._cond:
            self._paused = self._stop_requested = False
            self._pending_steps = 0
            self._state = READY
            self._run_ident = None
        self.error = None
        self._started = None

    @property
    def finished(self) -> bool:
        return self.step_count >= self.total_steps

    @property
    def state(self) -> str:
        return self._state

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    # ------------------------------------------------------------------ one batch
    def step(self) -> float:
        """Train on the next batch; returns its loss. Ends the epoch after its last batch."""
        if self._batches is None:
            self._batches = iter(self.loader)
        x, y = next(self._batches)
        if self._started is None:
            self._started = time.perf_counter()
        t0 = time.perf_counter()
        lr = self.lr
        self.model.train()
        out = self.model(x)
        loss = self.loss_fn(out, y)
        self.optimizer.zero_grad()
        loss.backward()
        norms = self._grad_norms()
        record_histograms = self.step_count % self.config.histogram_every == 0
        if record_histograms:  # gradients before the step, weights after: what the step used
            grads = self._histograms("grad")
        self.optimizer.step()
        if self.scheduler is not None and self._scheduler_every == "step":
            self.scheduler.step()
        self.step_count += 1
        value = float(loss.item())
        acc = accuracy(out.detach().numpy(), y.numpy(), self.task, self.logits)
        n = len(x)
        self._epoch_sums[0] += value * n
        self._epoch_sums[1] += 0.0 if math.isnan(acc) else acc * n
        self._epoch_sums[2] += n
        now = time.perf_counter()
        self.history.add_step(
            step=self.step_count, epoch=self.epoch + 1, loss=value, accuracy=acc, lr=lr,
            samples_per_sec=n / max(now - t0, 1e-9), time=now - self._started, grad_norms=norms,
        )  # fmt: skip
        if record_histograms:
            weights = self._histograms("weight")
            self.history.add_histograms(self.step_count, {
                layer: {"weight": weights[layer], **({"grad": grads[layer]}
                                                     if layer in grads else {})}
                for layer in weights})  # fmt: skip
        if self.step_count % self.steps_per_epoch == 0:
            self._end_epoch()
        elif self.config.eval_every and self.step_count % self.config.eval_every == 0:
            self._record_eval()
        return value

    def run_epoch(self) -> float:
        """Train to the end of the current epoch; returns the epoch's mean loss."""
        target = (self.step_count // self.steps_per_epoch + 1) * self.steps_per_epoch
        while self.step_count < target:
            self.step()
        return self.history.last("epochs", "loss")

    def evaluate(self, dataset=None):
        """(mean loss, accuracy) on ``dataset`` (default: the test set) in eval mode; accuracy
        is NaN for regression. (NaN, NaN) without a dataset."""
        dataset = self.test_set if dataset is None else dataset
        if dataset is None or len(dataset) == 0:
            return math.nan, math.nan
        was_training = self.model.training
        self.model.eval()
        total, correct, count = 0.0, 0.0, 0
        try:
            with no_grad():
                for x, y in iterate_batches(dataset):
                    out = self.model(x)
                    n = len(x)
                    total += float(self.loss_fn(out, y).item()) * n
                    acc = accuracy(out.numpy(), y.numpy(), self.task, self.logits)
                    correct += 0.0 if math.isnan(acc) else acc * n
                    count += n
        finally:
            self.model.train(was_training)
        acc = correct / count if self.task != "regression" else math.nan
        return total / count, acc

    def _record_eval(self):
        test_loss, test_acc = self.evaluate()
        self.history.add_eval(step=self.step_count, epoch=self.epoch + 1,
                              test_loss=test_loss, test_accuracy=test_acc)  # fmt: skip
        return test_loss, test_acc

    def _end_epoch(self):
        lr = self.lr
        test_loss, test_acc = self._record_eval()
        total, correct, n = self._epoch_sums
        train_acc = correct / n if self.task != "regression" else math.nan
        self.epoch += 1
        self.history.add_epoch(
            epoch=self.epoch, step=self.step_count, loss=total / n, accuracy=train_acc,
            test_loss=test_loss, test_accuracy=test_acc, lr=lr,
            time=time.perf_counter() - self._started,
        )  # fmt: skip
        if self.scheduler is not None and self._scheduler_every == "epoch":
            if self.config.scheduler == "ReduceLROnPlateau":
                self.scheduler.step(test_loss if not math.isnan(test_loss) else total / n)
            else:
                self.scheduler.step()
        self._batches = None
        self._epoch_sums = [0.0, 0.0, 0]

    # ------------------------------------------------------------------ per-layer numbers
    def _by_layer(self, which):
        """{layer: [arrays]}: every parameter's data (or grad) grouped by its layer."""
        layers = {}
        for name, p in self.model.named_parameters():
            t = p if which == "weight" else p.grad
            if t is not None:
                layers.setdefault(layer_of(name), []).append(t.detach().numpy().ravel())
        return layers

    def _grad_norms(self):
        return {layer: float(np.sqrt(sum(float(np.dot(a, a)) for a in arrays)))
                for layer, arrays in self._by_layer("grad").items()}  # fmt: skip

    def _histograms(self, which):
        out = {}
        for layer, arrays in self._by_layer(which).items():
            values = np.concatenate(arrays).astype(np.float64)
            values = values[np.isfinite(values)]
            lo, hi = (values.min(), values.max()) if values.size else (0.0, 0.0)
            hi = hi if hi > lo else lo + 1e-6
            out[layer] = (np.histogram(values, HISTOGRAM_BINS, (lo, hi))[0], lo, hi)
        return out

    # ------------------------------------------------------------------ the controllable loop
    def run(self, callback=None, max_steps=None) -> str:
        """Train until the last epoch ends, ``stop()`` is called or ``max_steps`` batches are
        done; honours ``pause()``/``step_once()`` between batches. ``callback(trainer)`` runs
        after every batch (in this thread). Returns the final state. An exception in training
        sets the state to "error" (``trainer.error`` holds it) and is raised again."""
        done = 0
        with self._cond:
            self._run_ident = threading.get_ident()  # not current_thread(): that would leave a
            # _DummyThread behind in threading.active_count() for a thread Qt started
        try:
            while True:
                with self._cond:
                    while self._paused and not self._stop_requested and not self._pending_steps:
                        self._state = PAUSED
                        self._cond.notify_all()  # wake wait_until_paused()
                        self._cond.wait()
                    if self._stop_requested:
                        self._state = STOPPED
                        break
                    if self.finished:
                        self._state = FINISHED
                        break
                    if self._pending_steps:
                        self._pending_steps -= 1
                    self._state = RUNNING
                self.step()
                done += 1
                if callback is not None:
                    callback(self)
                if max_steps is not None and done >= max_steps:
                    with self._cond:
                        self._state = FINISHED if self.finished else PAUSED
                    break
        except BaseException as e:
            with self._cond:
                self._state, self.error = ERROR, e
            raise
        finally:
            with self._cond:
                self._run_ident = None
                if self._state == PAUSED and self.finished:
                    self._state = FINISHED
                self._cond.notify_all()
        return self._state

    def _active(self) -> bool:
        return self._run_ident is not None

    def pause(self):
        """Pause after the current batch (``run`` waits until resume, step_once or stop)."""
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self):
        """Go on training (also clears an earlier stop request, so ``run`` can be called again)."""
        with self._cond:
            self._paused = self._stop_requested = False
            self._cond.notify_all()

    def step_once(self):
        """Train one more batch, then stay paused."""
        with self._cond:
            self._paused, self._stop_requested = True, False
            self._pending_steps += 1
            self._cond.notify_all()

    def stop(self):
        """Make ``run`` return after the current batch (or at once if it is paused or has not
        started yet); ``resume()`` or ``reset()`` clears the request."""
        with self._cond:
            self._stop_requested = True
            self._cond.notify_all()

    def wait_until_paused(self, timeout=None) -> bool:
        """Block until ``run`` waits between batches (paused) or ends: True, or False after
        ``timeout`` seconds. Then the weights can be read whole."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._run_ident is None or self._state == PAUSED, timeout
            )

    def wait_until_idle(self, timeout=None) -> bool:
        """Block until no ``run`` is going (True) or ``timeout`` seconds pass (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._run_ident is None, timeout)

    @property
    def paused(self) -> bool:
        return self._paused

    def state_dict_copy(self) -> dict:
        """The current weights, copied (safe to keep while training goes on)."""
        return {k: v.clone() for k, v in self.model.state_dict().items()}

    def __repr__(self) -> str:
        return (f"Trainer(state={self.state}, step={self.step_count}/{self.total_steps}, "
                f"epoch={self.epoch}, {self.config.describe()})")  # fmt: skip

"""Trainer: learns the spiral, repeats a run exactly after reset, and obeys its controls from
another thread."""

import math
import threading
import time

import numpy as np
import pytest

import edutorch as torch
from edutorch.training import Trainer, TrainingConfig

from ._models import spiral_setup, weights

MAX_STEPS = 600  # seed 0 gets there in 210 steps, seeds 0-5 in at most 345


def test_spiral_mlp_reaches_95_percent():
    trainer = Trainer(*spiral_setup())
    while not trainer.history.best() >= 0.95:
        assert trainer.step_count < MAX_STEPS, trainer.history.evals["test_accuracy"]
        trainer.run_epoch()
    assert trainer.evaluate()[1] >= 0.95


def test_history_per_step_and_per_epoch():
    trainer = Trainer(*spiral_setup(eval_every=5, histogram_every=4))
    trainer.run_epoch()
    h = trainer.history.snapshot()
    n = trainer.steps_per_epoch
    assert h.steps["step"] == list(range(1, n + 1)) and set(h.steps["epoch"]) == {1}
    assert all(len(v) == n for v in h.steps.values())
    assert set(h.grad_norms) == {"linear_1", "linear_2", "linear_3"}
    assert all(len(v) == n and min(v) > 0 for v in h.grad_norms.values())
    assert h.evals["step"] == [s for s in range(5, n, 5)] + [n]
    assert h.epochs["epoch"] == [1] and h.epochs["step"] == [n]
    # the epoch's train loss is the mean of its batch losses, weighted by batch size
    sizes = [32] * (n - 1) + [len(trainer.train_set) - 32 * (n - 1)]
    assert h.epochs["loss"][0] == pytest.approx(np.average(h.steps["loss"], weights=sizes))
    assert [e["step"] for e in h.histograms] == list(range(1, n + 1, 4))
    weight = h.histograms[0]["layers"]["linear_1"]["weight"]
    assert sum(weight["counts"]) == 2 * 16 + 16 and weight["lo"] < weight["hi"]
    assert h.steps["lr"] == [0.01] * n and all(s > 0 for s in h.steps["samples_per_sec"])


def test_reset_gives_the_same_weights_and_the_same_curve():
    trainer = Trainer(*spiral_setup(histogram_every=1000))
    start = weights(trainer.model)
    for _ in range(40):
        trainer.step()
    first = trainer.history.snapshot()
    assert not np.allclose(weights(trainer.model)["linear_1.weight"], start["linear_1.weight"])
    torch.randn(5)  # other draws from the default stream must not matter
    trainer.reset()
    assert len(trainer.history) == 0 and trainer.step_count == 0
    for k, v in weights(trainer.model).items():
        np.testing.assert_array_equal(v, start[k])
    for _ in range(40):
        trainer.step()
    again = trainer.history.snapshot()
    assert again.steps["loss"] == first.steps["loss"]
    assert again.evals["test_loss"] == first.evals["test_loss"]


def test_dropout_runs_repeat_too():
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                                torch.nn.Linear(16, 3))  # fmt: skip
    _, loss_fn, train, test, cfg = spiral_setup()
    trainer = Trainer(model, loss_fn, train, test, cfg)
    for _ in range(10):
        trainer.step()
    first = list(trainer.history.steps["loss"])
    trainer.reset()
    for _ in range(10):
        trainer.step()
    assert trainer.history.steps["loss"] == first


def _start(trainer, **kw):
    thread = threading.Thread(target=trainer.run, kwargs=kw, daemon=True)
    thread.start()
    return thread


def _wait(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.002)


def test_pause_step_resume_stop_from_another_thread():
    trainer = Trainer(*spiral_setup(epochs=1000))
    thread = _start(trainer)
    _wait(lambda: trainer.step_count >= 20)
    trainer.pause()
    _wait(lambda: trainer.state == "paused")
    paused_at = trainer.step_count
    time.sleep(0.05)
    assert trainer.step_count == paused_at  # nothing happens while paused
    trainer.step_once()
    _wait(lambda: trainer.step_count == paused_at + 1 and trainer.state == "paused")
    trainer.step_once()
    trainer.step_once()
    _wait(lambda: trainer.step_count == paused_at + 3 and trainer.state == "paused")
    time.sleep(0.05)
    assert trainer.step_count == paused_at + 3  # each step_once is exactly one batch
    trainer.resume()
    _wait(lambda: trainer.step_count > paused_at + 20)
    assert trainer.state == "running"
    trainer.stop()
    thread.join(5)
    assert not thread.is_alive() and trainer.state == "stopped"
    stopped_at = trainer.step_count
    assert len(trainer.history) == stopped_at
    # stop while paused returns too, and resume lets a new run go on from where it stopped
    trainer.resume()
    thread = _start(trainer)
    _wait(lambda: trainer.step_count > stopped_at)
    trainer.pause()
    _wait(lambda: trainer.state == "paused")
    trainer.stop()
    thread.join(5)
    assert not thread.is_alive() and trainer.state == "stopped"
    assert trainer.wait_until_idle(1)


def test_run_to_the_end_and_max_steps():
    trainer = Trainer(*spiral_setup(epochs=2))
    assert trainer.run(max_steps=3) == "paused" and trainer.step_count == 3
    calls = []
    assert trainer.run(callback=lambda t: calls.append(t.step_count)) == "finished"
    assert trainer.step_count == trainer.total_steps == 2 * trainer.steps_per_epoch
    assert calls == list(range(4, trainer.total_steps + 1))
    assert trainer.run() == "finished" and trainer.step_count == trainer.total_steps


def test_reset_refuses_while_running():
    trainer = Trainer(*spiral_setup(epochs=1000))
    thread = _start(trainer)
    _wait(lambda: trainer.step_count > 2)
    with pytest.raises(RuntimeError, match="stop"):
        trainer.reset()
    trainer.stop()
    thread.join(5)
    trainer.reset()
    assert trainer.state == "ready"


def test_an_error_in_training_is_kept_and_raised():
    model = torch.nn.Linear(3, 3)  # the spiral has 2 features: the first batch fails
    _, loss_fn, train, test, cfg = spiral_setup()
    trainer = Trainer(model, loss_fn, train, test, cfg)
    with pytest.raises(Exception):  # noqa: B017 - the library's own shape error
        trainer.run()
    assert trainer.state == "error" and trainer.error is not None


def test_no_grad_in_another_thread_does_not_stop_training():
    trainer = Trainer(*spiral_setup(epochs=1000))
    inside, leave = threading.Event(), threading.Event()

    def evaluate_forever():
        with torch.no_grad():
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=evaluate_forever)
    other.start()
    inside.wait(5)
    try:
        for _ in range(5):
            trainer.step()  # would fail in backward if the other thread's no_grad leaked here
    finally:
        leave.set()
        other.join()


def test_regression_has_no_accuracy_and_schedulers_change_lr():
    from edutorch.training import load_data

    train, test, _ = load_data({"name": "sine", "n_samples": 100})
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    cfg = TrainingConfig(scheduler="StepLR", scheduler_args={"step_size": 1, "gamma": 0.5},
                         epochs=3, lr=0.1)  # fmt: skip
    trainer = Trainer(model, torch.nn.MSELoss(), train, test, cfg)
    trainer.run()
    h = trainer.history
    assert all(math.isnan(a) for a in h.steps["accuracy"] + h.epochs["test_accuracy"])
    assert h.epochs["lr"] == [0.1, 0.05, 0.025]
    assert h.epochs["test_loss"][-1] < h.epochs["test_loss"][0]


def test_reduce_on_plateau_and_loss_override():
    _, _, train, test, cfg = spiral_setup()
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LogSoftmax(dim=1))
    cfg = TrainingConfig(scheduler="ReduceLROnPlateau", loss="NLLLoss", epochs=2)
    trainer = Trainer(model, None, train, test, cfg)
    assert isinstance(trainer.loss_fn, torch.nn.NLLLoss)
    trainer.run()
    assert trainer.history.epochs["test_accuracy"][-1] > 0.3


def test_wait_until_paused():
    trainer = Trainer(*spiral_setup(epochs=1000))
    assert trainer.wait_until_paused(0.1)  # no run at all: nothing to wait for
    thread = _start(trainer)
    _wait(lambda: trainer.step_count > 3)
    trainer.pause()
    assert trainer.wait_until_paused(5) and trainer.state == "paused"
    at = trainer.step_count
    time.sleep(0.02)
    assert trainer.step_count == at
    trainer.stop()
    thread.join(5)

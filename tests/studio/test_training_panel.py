"""The training panel, driven by clicks: train the spiral to 95%, pause/step/resume/stop, reset
to the same start, other kinds of data, screenshots mid-run."""

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import edutorch as torch  # noqa: E402
from edutorch.graph import sample_project  # noqa: E402
from edutorch.training import History, TrainingConfig, load_data  # noqa: E402
from edutorch_studio.training import TrainingPanel  # noqa: E402

pytestmark = pytest.mark.gui
LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(__file__).resolve().parents[1] / "_screenshots"
MAX_STEPS = 600  # seed 0 reaches 95% test accuracy at step 210 (tests/training)
WAIT_MS = 60_000


def make_panel(qtbot, project="spiral-mlp", **training):
    p = sample_project(project)
    torch.manual_seed(0)
    model = p.model()
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.set_config(TrainingConfig.from_dict({**p.training, **training}))
    panel.set_model(model)
    panel.set_data(*load_data(p.dataset))
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def panel(qtbot):
    # many epochs: on a busy machine the GUI thread may not look before 100 epochs are done
    panel = make_panel(qtbot, epochs=10_000)
    yield panel
    panel.shutdown()
    assert not panel.runner.is_running()


def click(qtbot, button):
    """Click as a user would: once the button is enabled (buttons follow the state at the
    next frame, up to 33 ms after it changes)."""
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    qtbot.mouseClick(button, LEFT)


def steps(panel) -> int:
    return panel.trainer.step_count


def weights(panel):
    return {k: v.numpy().copy() for k, v in panel.weights().items()}


def test_play_trains_the_spiral_to_95_percent(panel, qtbot):
    states = []
    panel.trainingStateChanged.connect(states.append)  # emitted from the GUI thread's timer
    assert panel.state() == "ready" and not panel.pause_button.isEnabled()
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 120, timeout=WAIT_MS)
    SHOTS.mkdir(exist_ok=True)
    panel.grab().save(str(SHOTS / "training_spiral_curves.png"))  # mid-run, for review
    panel.outputs.setCurrentWidget(panel.outputs.neurons)
    panel.curve_tabs.setCurrentWidget(panel.layers)
    qtbot.wait(150)
    panel.grab().save(str(SHOTS / "training_spiral_neurons_layers.png"))
    panel.curve_tabs.setCurrentWidget(panel.curves)
    qtbot.waitUntil(lambda: panel.history().best() >= 0.95, timeout=WAIT_MS)
    h = panel.history()
    reached = next(s for s, a in zip(h.evals["step"], h.evals["test_accuracy"]) if a >= 0.95)
    assert reached <= MAX_STEPS
    click(qtbot, panel.stop_button)
    qtbot.waitUntil(lambda: panel.state() == "stopped", timeout=WAIT_MS)
    assert states[:1] == ["running"] and states[-1] == "stopped"
    assert panel.trainer.evaluate()[1] >= 0.9
    # the live views caught up with the model: the confusion matrix counts the test set
    counts = panel.views.latest()["confusion"]
    assert counts.sum() == len(panel.test_set) and np.trace(counts) / counts.sum() > 0.9
    assert panel.status.text().startswith("epoch ")


def test_pause_step_resume_stop(panel, qtbot):
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 20, timeout=WAIT_MS)
    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: panel.state() == "paused", timeout=WAIT_MS)
    assert panel.runner.is_running()  # paused, not ended: the thread waits for a click
    at = steps(panel)
    qtbot.wait(100)
    assert steps(panel) == at
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: steps(panel) == at + 1 and panel.state() == "paused", timeout=WAIT_MS)
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: steps(panel) == at + 2 and panel.state() == "paused", timeout=WAIT_MS)
    qtbot.wait(100)
    assert steps(panel) == at + 2 and len(panel.history()) == at + 2
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) > at + 20, timeout=WAIT_MS)
    assert panel.state() == "running"
    click(qtbot, panel.stop_button)
    assert panel.state() == "stopped" and not panel.runner.is_running()
    stopped = steps(panel)
    qtbot.wait(100)
    assert steps(panel) == stopped
    # Play after Stop goes on from there
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) > stopped + 5, timeout=WAIT_MS)
    click(qtbot, panel.stop_button)


def test_step_from_the_start_trains_one_batch(panel, qtbot):
    click(qtbot, panel.step_button)
    qtbot.waitUntil(lambda: steps(panel) == 1 and panel.state() == "paused", timeout=WAIT_MS)
    assert len(panel.history()) == 1 and panel.runner.is_running()


def test_reset_gives_the_same_initial_weights_and_the_same_curve(panel, qtbot):
    start = weights(panel)
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 60, timeout=WAIT_MS)
    click(qtbot, panel.stop_button)
    first = panel.history()
    assert not np.array_equal(weights(panel)["linear_1.weight"], start["linear_1.weight"])
    click(qtbot, panel.reset_button)
    assert panel.state() == "ready" and steps(panel) == 0
    for k, v in weights(panel).items():
        np.testing.assert_array_equal(v, start[k])
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 60, timeout=WAIT_MS)
    click(qtbot, panel.stop_button)
    again = panel.history()
    assert again.steps["loss"][:60] == first.steps["loss"][:60]
    n = min(len(first.evals["step"]), len(again.evals["step"]))
    assert again.evals["test_loss"][:n] == first.evals["test_loss"][:n]
    # the first run is kept for comparison, labelled by its settings
    assert len(panel.runs) == 1 and panel.runs[0].history.steps["loss"][:60] == first.steps[
        "loss"][:60]  # fmt: skip
    panel.curve_tabs.setCurrentWidget(panel.compare)
    qtbot.wait(50)
    assert len(panel.compare.plot.getPlotItem().listDataItems()) == 2


def test_settings_apply_before_training_and_at_reset(panel, qtbot):
    panel.settings.lr.setValue(0.05)
    assert panel.trainer.config.lr == 0.05  # nothing trained yet: applies at once
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 5, timeout=WAIT_MS)
    panel.settings.batch_size.setValue(64)
    assert panel.trainer.config.batch_size == 32
    assert "Reset" in panel.message.text()
    click(qtbot, panel.reset_button)
    assert panel.trainer.config.batch_size == 64 and panel.trainer.config.lr == 0.05
    assert panel.runs[0].settings["batch_size"] == 32


def test_a_new_seed_draws_new_initial_weights(panel, qtbot):
    start = weights(panel)
    panel.settings.seed.setValue(5)
    changed = weights(panel)
    assert not np.array_equal(changed["linear_1.weight"], start["linear_1.weight"])
    click(qtbot, panel.reset_button)
    np.testing.assert_array_equal(weights(panel)["linear_1.weight"], changed["linear_1.weight"])


def test_optimizer_settings_reach_the_trainer(panel):
    panel.settings.optimizer.setCurrentText("SGD")
    panel.settings._hyper_rows["momentum"].setValue(0.9)
    panel.settings.scheduler.setCurrentText("StepLR")
    cfg = panel.trainer.config
    assert cfg.optimizer == "SGD" and cfg.optimizer_args["momentum"] == 0.9
    assert cfg.scheduler == "StepLR" and cfg.scheduler_args["step_size"] == 10
    assert isinstance(panel.trainer.optimizer, torch.optim.SGD)
    panel.settings.set_config(
        TrainingConfig(optimizer="Adam", optimizer_args={"betas": (0.8, 0.9)})
    )
    assert panel.trainer.config.optimizer_args["betas"] == (0.8, 0.9)


def test_hover_reads_out_the_values(panel, qtbot):
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 40, timeout=WAIT_MS)
    click(qtbot, panel.stop_button)
    text = panel.curves.readout_at(30)
    assert text.startswith("step 30 (epoch 2)") and "loss" in text and "test acc" in text
    view = panel.curves.layout_widget
    plot = panel.curves.loss
    where = view.mapFromScene(plot.vb.mapViewToScene(plot.vb.mapToView(
        plot.vb.boundingRect().center())))  # fmt: skip
    QTest.mouseMove(view.viewport(), QPoint(where.x(), where.y()))
    qtbot.waitUntil(lambda: panel.curves.readout.text().startswith("step "), timeout=5000)


def test_redraws_per_second_while_training(panel, qtbot):
    panel.set_config(TrainingConfig(epochs=10_000, lr=0.01))
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 5, timeout=WAIT_MS)
    redraws, paints = panel.frame_rate(2.0)
    print(f"\nredraws/s {redraws:.1f}, curve paints/s {paints:.1f}, steps {steps(panel)}")
    # the target is 30 (>= 20); a busy shared machine gets less, a frozen GUI far less
    assert redraws >= 8


def test_saved_history_is_shown(panel):
    h = History()
    for s in range(1, 11):
        h.add_step(step=s, epoch=1, loss=1 / s, accuracy=0.5, lr=0.01, time=s * 0.1)
    panel.set_history(h.to_dict())
    x, y = panel.curves.items["loss"][0].getData()
    assert list(x) == list(range(1, 11)) and y[-1] == pytest.approx(0.1)
    assert panel.history().steps["loss"] == h.steps["loss"]


def test_glyph_images_show_predictions(qtbot):
    panel = make_panel(qtbot, "glyphs-cnn", batch_size=16, epochs=1)
    p = sample_project("glyphs-cnn")
    panel.set_data(*load_data({**p.dataset, "n_samples": 200}))
    assert [panel.outputs.tabText(i) for i in range(panel.outputs.count())] == [
        "Confusion matrix", "Test predictions"]  # fmt: skip
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: panel.state() == "finished", timeout=WAIT_MS)
    panel.outputs.setCurrentWidget(panel.outputs.images)
    qtbot.waitUntil(lambda: len(panel.outputs.images.captions) == 32, timeout=WAIT_MS)
    wrong = [c for c in panel.outputs.images.captions if "(is " in c.toPlainText()]
    assert wrong  # after one short epoch some are wrong, and they are marked
    panel.grab().save(str(SHOTS / "training_glyphs.png"))
    panel.shutdown()


def test_regression_shows_the_fitted_curve(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    panel.set_config(TrainingConfig(epochs=3, lr=0.02))
    panel.set_model(model, torch.nn.MSELoss())
    panel.set_data(*load_data({"name": "sine", "n_samples": 200}))
    panel.show()
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: panel.state() == "finished", timeout=WAIT_MS)
    x, y = panel.outputs.points.curve.getData()
    assert len(x) == panel.views.resolution and np.isfinite(y).all()
    assert all(math.isnan(a) for a in panel.history().steps["accuracy"])
    assert [panel.outputs.tabText(i) for i in range(panel.outputs.count())] == ["Prediction"]


def test_a_model_that_does_not_fit_the_data_says_why(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_model(torch.nn.Linear(3, 3), torch.nn.CrossEntropyLoss())
    panel.set_data(*load_data({"name": "spiral"}))
    panel.show()
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: panel.state() == "error", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Training failed" in panel.message.text(), timeout=WAIT_MS)
    assert not panel.runner.is_running()


def test_without_model_or_data_nothing_can_start(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    assert panel.state() == "empty" and not panel.play_button.isEnabled()
    panel.play()  # ignored, no crash
    assert panel.history() is None and panel.weights() is None


def test_project_round_trip(panel, qtbot, tmp_path):
    from edutorch.graph import load_project, save_project

    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 30, timeout=WAIT_MS)
    click(qtbot, panel.stop_button)
    project = sample_project("spiral-mlp")
    panel.save_to(project)
    project.training["seed"] = 3  # a seed other than the new panel's must keep the weights
    save_project(project, tmp_path / "trained.etproj")
    loaded = load_project(tmp_path / "trained.etproj")
    other = TrainingPanel()
    qtbot.addWidget(other)
    other.set_model(loaded.model())  # the trained weights
    other.set_data(*load_data(loaded.dataset))
    other.load_from(loaded)
    assert other.config().seed == 3 and other.config().lr == panel.config().lr
    assert other.history().steps["loss"] == panel.history().steps["loss"]
    for k, v in other.weights().items():
        np.testing.assert_array_equal(v.numpy(), panel.weights()[k].numpy())
    assert other.trainer.evaluate() == panel.trainer.evaluate()


def test_weights_while_training_are_read_between_batches(panel, qtbot):
    click(qtbot, panel.play_button)
    qtbot.waitUntil(lambda: steps(panel) >= 10, timeout=WAIT_MS)
    w = panel.weights()
    assert panel.trainer.paused is False  # the pause for the copy was undone
    qtbot.waitUntil(lambda: steps(panel) >= 30, timeout=WAIT_MS)
    assert set(w) == set(panel.trainer.model.state_dict())
    views = panel.latest_views()
    assert set(views["neurons"]) == {"relu_1", "relu_2", "linear_3"}
    click(qtbot, panel.stop_button)

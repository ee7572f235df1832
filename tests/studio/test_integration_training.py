"""The Training dock in the main window: the project's data and settings drive it, the canvas
model is what it trains, and the weights, settings and curves go into the project file."""

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from edutorch.graph.project import BUILTIN_SAMPLES, load_project, sample_project  # noqa: E402

pytestmark = pytest.mark.gui
WAIT_MS = 60_000
LEFT = Qt.MouseButton.LeftButton


def train(qtbot, window, epochs: int) -> None:
    panel = window.training.panel
    panel.settings.epochs.setValue(epochs)
    qtbot.mouseClick(panel.play_button, LEFT)
    qtbot.waitUntil(lambda: panel.state() == "finished", timeout=WAIT_MS)


def same_weights(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)


def test_train_save_and_reopen_keeps_weights_history_and_settings(make_window, qtbot, tmp_path):
    window = make_window()
    data_panel = window.training.data_panel
    data_panel.set_settings({**data_panel.settings(), "noise": 0.1})  # as a user would edit it
    assert window.document.dirty
    train(qtbot, window, epochs=3)
    panel = window.training.panel
    weights, history = panel.weights(), panel.history().to_dict()
    assert len(history["steps"]["loss"]) == 3 * 15  # 480 training samples, batches of 32
    path = tmp_path / "spiral.etproj"
    assert window.save_project(path) and not window.document.dirty

    saved = load_project(path)
    assert same_weights(saved.weights, weights)
    assert saved.history == history
    assert saved.dataset["noise"] == 0.1 and saved.training["epochs"] == 3

    other = make_window(path=path)
    again = other.training.panel
    assert same_weights(again.weights(), weights)
    assert again.history().to_dict() == history
    assert again.config().epochs == 3 and other.training.data_panel.settings()["noise"] == 0.1
    xs, ys = again.curves.items["loss"][0].getData()  # the curves are shown again
    assert len(xs) == len(history["steps"]["loss"])
    assert again.state() == "ready" and again.play_button.isEnabled()
    assert not other.document.dirty


@pytest.mark.parametrize("name", list(BUILTIN_SAMPLES))
def test_each_sample_opens_ready_to_press_play(main_window, name):
    window = main_window
    assert window.open_sample(name)
    panel, data = window.training.panel, window.training.data_panel.data()
    sample = sample_project(name)
    assert data is not None and data[2].name == sample.dataset["name"]
    assert tuple(data[2].input_shape) == window.model().input_shapes[0]
    assert panel.model is window.model()
    assert panel.config().lr == sample.training["lr"]
    assert panel.config().epochs == sample.training["epochs"]
    assert panel.state() == "ready" and panel.play_button.isEnabled()
    assert not window.training.banner.isVisible() and not window.document.dirty


def test_an_edit_while_training_waits_until_the_run_stops(main_window, qtbot):
    window = main_window
    panel = window.training.panel
    panel.settings.epochs.setValue(10_000)
    qtbot.mouseClick(panel.play_button, LEFT)
    qtbot.waitUntil(lambda: panel.trainer.step_count > 5, timeout=WAIT_MS)
    trained = panel.model
    window.document.set_param("linear_2", "out_features", 8)
    assert "Stop to apply" in window.statusBar().currentMessage()
    assert panel.model is trained and panel.state() == "running"  # the run goes on
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: panel.model is not trained, timeout=WAIT_MS)
    assert tuple(panel.model.linear_2.weight.shape) == (8, 16)
    # the layer that did not change keeps the weights trained so far
    kept = panel.model.linear_1.weight.detach().numpy()
    assert np.array_equal(kept, trained.linear_1.weight.detach().numpy())
    assert panel.state() == "ready"


def test_a_model_that_does_not_build_cannot_be_trained(main_window):
    window = main_window
    window.document.disconnect_ports("relu_2", "linear_3", 0)
    banner = window.training.banner
    assert banner.isVisibleTo(window) and "linear_3" in banner.text()
    assert not window.training.panel.isEnabled()
    window.actions["undo"].trigger()
    assert not banner.isVisibleTo(window) and window.training.panel.isEnabled()


def test_a_new_project_forgets_the_trained_model(main_window, qtbot):
    window = main_window
    train(qtbot, window, epochs=1)
    assert window.open_sample("spiral-mlp")  # the same graph, fresh
    panel = window.training.panel
    assert panel.history() is None and panel.state() == "ready"
    assert window.files.project.weights is None


def test_neuron_tiles_under_the_blocks_of_a_small_mlp(main_window, qtbot):
    window = main_window
    overlay = window.training.neurons
    assert set(overlay.strips) == {"relu_1", "relu_2", "linear_3"}  # each block's neurons
    relu = window.scene.nodes["relu_1"]
    strip = overlay.strips["relu_1"]
    assert strip.parentItem() is relu and strip.y() > relu.height  # under the box
    before = strip.pixmap().toImage()
    train(qtbot, window, epochs=2)
    qtbot.waitUntil(lambda: overlay.strips["relu_1"].pixmap().toImage() != before)
    window.document.set_param("linear_1", "out_features", 4)  # a new model: new tiles
    assert overlay.strips["relu_1"].pixmap().width() < before.width()
    assert window.open_sample("glyphs-cnn")  # images: no plane to draw neurons over
    assert not overlay.strips

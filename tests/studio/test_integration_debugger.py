"""The Debugger dock in the main window: Debug step records the canvas model on a batch of the
data, F10 on the canvas steps, and the canvas follows: the node of the current step is
highlighted, the edges carry the forward values' norms and then the gradients' norms."""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import edutorch  # noqa: E402
from edutorch_studio.wiring import flow  # noqa: E402

pytestmark = pytest.mark.gui
WAIT_MS = 30_000


def press_debug_step(window, qtbot):
    """Click Debug step on the toolbar and wait for the debugger to show step 0."""
    button = window.toolbar.widgetForAction(window.actions["debug_step"])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "8 samples of spiral" in window.statusBar().currentMessage()  # the data's batch
    panel = window.debugging.panel
    qtbot.waitUntil(lambda: panel.tape is not None and not panel.recording_running,
                    timeout=WAIT_MS)  # fmt: skip
    assert panel.current == 0
    return panel


def focus_canvas(window, qtbot):
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus)


def styled(window) -> dict:
    """{edge key: (colour, width)} of the edges the debugger styles now."""
    return {k: e.flow for k, e in window.scene.edges.items() if e.flow is not None}


def test_debug_step_then_f10_moves_the_highlight_along_the_canvas(main_window, qtbot):
    window = main_window  # the spiral sample
    panel = press_debug_step(window, qtbot)
    docks = window.docks  # tabified: the raised dock is the one with something on screen
    assert docks["Training"].visibleRegion().isEmpty()
    assert not docks["Debugger"].visibleRegion().isEmpty()
    assert window.scene.highlighted == "linear_1"
    focus_canvas(window, qtbot)
    spec = window.document.spec
    seen = ["linear_1"]
    for step in range(1, len(panel.tape.steps)):
        QTest.keyClick(window.view, Qt.Key.Key_F10)
        assert panel.current == step
        expected = flow.node_of(spec, panel.tape.steps[step].module)
        assert expected is not None and window.scene.highlighted == expected
        seen.append(expected)
    # forward through every block to the loss (the Output block), then backward again
    assert seen == ["linear_1", "relu_1", "linear_2", "relu_2", "linear_3", "output_1",
                    "output_1", "linear_3", "relu_2", "linear_2", "relu_1", "linear_1"]  # fmt: skip
    QTest.keyClick(window.view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert panel.current == len(panel.tape.steps) - 2
    QTest.keyClick(window.view, Qt.Key.Key_F5)
    assert panel.current == len(panel.tape.steps) - 1


def test_edges_show_values_forward_then_gradients_back(main_window, qtbot):
    window = main_window
    panel = press_debug_step(window, qtbot)
    assert set(styled(window)) == {("linear_1", "relu_1", 0)}  # only what has flowed so far
    panel.run_to_forward_end()
    forward = styled(window)
    assert len(forward) == len(window.document.spec.edges) - 1  # all but the Input's edge
    norms = panel.edge_magnitudes()
    for (src, _, _), (colour, width) in forward.items():
        assert colour.blue() > colour.red()  # values flow forward in blue
        for (other, _, _), (_, other_width) in forward.items():
            if norms[src][0] > norms[other][0]:
                assert width >= other_width  # thicker where the norm is larger
    panel.go(panel.tape.steps.forward_end + 1)  # the loss's backward step: d loss / d loss
    assert not styled(window)
    panel.step()  # linear_3's backward step: it gets the gradient of its output
    backward = styled(window)
    assert set(backward) == {("linear_3", "output_1", 0)}  # gradients have reached one edge
    colour, _ = backward[("linear_3", "output_1", 0)]
    assert colour.red() > colour.blue()  # gradients flow back in red
    panel.continue_()
    assert len(styled(window)) == len(forward)
    edge = window.scene.edges[("linear_1", "relu_1", 0)]
    assert "gradient: norm" in edge.toolTip()


def test_f10_in_the_debugger_panel_and_f11_step_over(main_window, qtbot):
    window = main_window
    panel = press_debug_step(window, qtbot)
    panel.setFocus()
    qtbot.waitUntil(panel.hasFocus)
    QTest.keyClick(panel, Qt.Key.Key_F10)
    assert panel.current == 1 and window.scene.highlighted == "relu_1"
    QTest.keyClick(panel, Qt.Key.Key_F11)  # step over: not presentation mode (also F11)
    assert panel.current == 2 and not window.presenting
    focus_canvas(window, qtbot)
    QTest.keyClick(window.view, Qt.Key.Key_F11)  # on the canvas, F11 is presentation mode
    assert window.presenting
    window.toggle_presentation(False)


def test_an_edit_marks_the_tape_stale_and_f10_records_again(main_window, qtbot):
    window = main_window
    panel = press_debug_step(window, qtbot)
    panel.go(4)
    first = panel.tape
    window.document.move_nodes({"relu_1": (10.0, 300.0)})  # a move changes nothing
    assert not window.debugging.stale and window.scene.highlighted == "linear_3"
    window.document.set_param("linear_2", "out_features", 8)
    assert window.debugging.stale and "stale" in panel.status.text()
    assert window.scene.highlighted is None and not styled(window)
    panel.go(5)  # stepping the stale tape leaves the edited canvas alone
    assert window.scene.highlighted is None
    focus_canvas(window, qtbot)
    QTest.keyClick(window.view, Qt.Key.Key_F10)  # records the edited model
    qtbot.waitUntil(lambda: panel.tape is not first and not panel.recording_running,
                    timeout=WAIT_MS)  # fmt: skip
    assert not window.debugging.stale and panel.current == 0
    assert window.scene.highlighted == "linear_1"
    shapes = [e.outputs[0].shape for e in panel.tape.forward if e.module == "linear_2"]
    assert shapes[0] == (8, 8)


def test_a_graph_that_does_not_build_says_so(main_window, qtbot):
    window = main_window
    window.document.disconnect_ports("relu_1", "linear_2", 0)
    window.actions["debug_step"].trigger()
    panel = window.debugging.panel
    assert not panel.recording_running and panel.tape is None
    assert "linear_2" in panel.status.text()
    assert "Cannot debug" in window.statusBar().currentMessage()


def test_the_recording_uses_the_trained_weights(main_window, qtbot):
    window = main_window
    training = window.training.panel
    training.settings.lr.setValue(0.5)  # one big step: clearly other weights
    before = training.weights()
    qtbot.mouseClick(training.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: training.trainer.step_count == 1 and training.state() == "paused",
                    timeout=WAIT_MS)  # fmt: skip
    panel = press_debug_step(window, qtbot)
    model = window.snapshot_model()
    train = window.training.data_panel.data()[0]
    x = edutorch.stack([train[i][0] for i in range(8)])
    y = edutorch.stack([train[i][1] for i in range(8)])
    with edutorch.no_grad():
        loss = model.loss_fn(model(x), y).item()
    assert panel.recording.loss == pytest.approx(loss, rel=1e-5)
    assert any((before[k] != v).any() for k, v in model.state_dict().items())
    assert all((training.weights()[k] == v).all() for k, v in model.state_dict().items())
    training.stop()


def test_flow_widths_are_a_log_scale():
    assert flow.scale(1.0, 1.0) == 1.0 and flow.scale(0.001, 1.0) == 0.0
    assert flow.scale(0.0, 1.0) == 0.0 and flow.scale(0.1, 1.0) == pytest.approx(2 / 3)


def test_a_model_the_data_does_not_fit_is_debugged_on_a_random_batch(main_window, qtbot):
    window = main_window
    window.document.set_param("input_1", "shape", (3,))  # the spiral's points have 2 numbers
    window.actions["debug_step"].trigger()
    assert "a random batch of 8" in window.statusBar().currentMessage()
    panel = window.debugging.panel
    qtbot.waitUntil(lambda: panel.tape is not None, timeout=WAIT_MS)
    assert panel.tape.steps[0].inputs[0].shape == (8, 3)

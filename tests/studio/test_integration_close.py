"""Closing the main window (or quitting the app) mid-training and mid-recording: both workers
stop, their threads end, nothing crashes; the unsaved-changes prompt still decides."""

import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from edutorch.trace import analysis  # noqa: E402

pytestmark = pytest.mark.gui
WAIT_MS = 60_000


def os_threads() -> list[str]:
    """The names of this process's threads as the OS lists them (QThreads included), but for
    the idle workers of Qt's own thread pool (image scaling), which come and go by themselves."""
    tasks = Path("/proc/self/task")
    if not tasks.exists():
        pytest.skip("no /proc/self/task here")
    names = [(task / "comm").read_text().strip() for task in tasks.iterdir()]
    return sorted(name for name in names if name != "Thread (pooled)")


def start_training(qtbot, window):
    panel = window.training.panel
    panel.settings.epochs.setValue(10_000)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.trainer.step_count > 5, timeout=WAIT_MS)
    return panel.runner.thread


@pytest.fixture
def slow_recording(monkeypatch):
    """Recording takes ten seconds unless cancelled (as a big model would), then records."""
    record_step = analysis.record_step

    def slow(*args, cancelled=None, **kwargs):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if cancelled is not None and cancelled():
                raise analysis.Cancelled("recording cancelled")
            time.sleep(0.01)
        return record_step(*args, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(analysis, "record_step", slow)


def start_recording(qtbot, window):
    window.actions["debug_step"].trigger()
    panel = window.debugging.panel
    qtbot.wait(100)
    assert panel.recording_running
    return panel.recorder._thread


@pytest.mark.parametrize("how", ["close", "quit"])
def test_closing_mid_training_and_mid_recording(make_window, qtbot, slow_recording, how, qapp):
    window = make_window()
    before = os_threads()
    training = start_training(qtbot, window)
    recording = start_recording(qtbot, window)
    assert training.isRunning() and recording.isRunning()
    assert len(os_threads()) == len(before) + 2
    started = time.perf_counter()
    if how == "close":
        assert window.close()  # the prompt answers Discard (conftest)
    else:
        qapp.aboutToQuit.emit()  # what QApplication.quit() sends before the event loop ends
    assert time.perf_counter() - started < 5.0  # cancelled, not waited out
    assert not training.isRunning() and not recording.isRunning()
    assert not window.training.panel.runner.is_running()
    assert not window.debugging.panel.recording_running
    qtbot.wait(200)  # whatever the workers still sent is dropped
    assert os_threads() == before
    assert window.debugging.panel.tape is None


def test_cancel_in_the_prompt_keeps_training(make_window, qtbot, dialogs):
    window = make_window()
    thread = start_training(qtbot, window)
    assert window.document.dirty  # training changed the weights
    dialogs.answers["warning"] = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert dialogs.kinds() == ["warning"] and window.isVisible()
    steps = window.training.panel.trainer.step_count
    qtbot.waitUntil(lambda: window.training.panel.trainer.step_count > steps + 5, timeout=WAIT_MS)
    assert thread.isRunning()
    dialogs.answers["warning"] = QMessageBox.StandardButton.Discard
    assert window.close()
    assert not thread.isRunning()


def test_closing_a_window_with_unsaved_edits_and_a_tape(make_window, qtbot, dialogs, tmp_path):
    window = make_window()
    window.actions["debug_step"].trigger()
    panel = window.debugging.panel
    qtbot.waitUntil(lambda: panel.tape is not None, timeout=WAIT_MS)
    window.document.set_param("linear_1", "out_features", 4)
    path = tmp_path / "edited.etproj"
    dialogs.answers["warning"] = QMessageBox.StandardButton.Save
    dialogs.answers["getSaveFileName"] = (str(path), "")
    assert window.close()
    assert path.exists() and dialogs.kinds() == ["warning", "getSaveFileName"]

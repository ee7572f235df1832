"""Closing mid-training: the worker thread stops, nothing crashes, no thread is left behind."""

import sys
import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QDockWidget, QMainWindow  # noqa: E402

import edutorch as torch  # noqa: E402
from edutorch.graph import sample_project  # noqa: E402
from edutorch.training import TrainingConfig, load_data  # noqa: E402
from edutorch_studio.training import TrainingPanel  # noqa: E402

pytestmark = pytest.mark.gui
WAIT_MS = 60_000


def spiral_panel(parent=None):
    p = sample_project("spiral-mlp")
    torch.manual_seed(0)
    panel = TrainingPanel(parent)
    panel.set_config(TrainingConfig.from_dict({**p.training, "epochs": 10_000}))
    panel.set_model(p.model())
    panel.set_data(*load_data(p.dataset))
    return panel


def start(qtbot, panel):
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.trainer.step_count > 10, timeout=WAIT_MS)
    assert panel.runner.is_running() and panel.state() == "running"


def test_closing_the_panel_mid_training(qtbot):
    threads, switch = threading.active_count(), sys.getswitchinterval()
    panel = spiral_panel()
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, panel)
    thread = panel.runner.thread
    assert thread.isRunning()  # a QThread: threading.active_count() does not list it
    panel.close()
    assert not thread.isRunning() and not panel.runner.is_running()
    assert threading.active_count() == threads
    assert sys.getswitchinterval() == switch  # the training-time setting is undone
    at = panel.trainer.step_count
    qtbot.wait(50)
    assert panel.trainer.step_count == at


def test_closing_the_window_that_holds_the_panel(qtbot):
    threads = threading.active_count()
    window = QMainWindow()
    qtbot.addWidget(window)
    dock = QDockWidget("Training", window)
    panel = spiral_panel()
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    start(qtbot, panel)
    thread = panel.runner.thread
    window.close()  # the panel gets no closeEvent of its own: it watches its window
    assert not thread.isRunning()
    assert threading.active_count() == threads


def test_deleting_the_window_after_closing_mid_training(qtbot):
    threads = threading.active_count()
    window = QMainWindow()
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    panel = spiral_panel()
    window.setCentralWidget(panel)
    window.show()
    qtbot.waitExposed(window)
    start(qtbot, panel)
    destroyed = []
    window.destroyed.connect(lambda: destroyed.append(True))
    window.close()
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5000)
    assert threading.active_count() == threads


def test_paused_training_also_stops(qtbot):
    threads = threading.active_count()
    panel = spiral_panel()
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, panel)
    panel.pause()
    qtbot.waitUntil(lambda: panel.state() == "paused", timeout=WAIT_MS)
    panel.close()
    assert not panel.runner.is_running() and threading.active_count() == threads


def test_about_to_quit_stops_training(qtbot, qapp):
    panel = spiral_panel()
    qtbot.addWidget(panel)
    panel.show()
    start(qtbot, panel)
    qapp.aboutToQuit.emit()  # what QApplication.quit() sends before the event loop ends
    assert not panel.runner.is_running()


def test_a_window_that_refuses_to_close_keeps_training(qtbot):
    class Stubborn(QMainWindow):
        def closeEvent(self, event):
            event.ignore()  # as when the user cancels "save changes?"

    window = Stubborn()
    qtbot.addWidget(window)
    panel = spiral_panel()
    window.setCentralWidget(panel)
    window.show()
    qtbot.waitExposed(window)
    start(qtbot, panel)
    window.close()
    assert window.isVisible() and panel.runner.is_running()
    at = panel.trainer.step_count
    qtbot.waitUntil(lambda: panel.trainer.step_count > at + 5, timeout=WAIT_MS)
    window.hide()  # hiding without closing (e.g. re-docking a panel) does not stop it either
    assert panel.runner.is_running()
    panel.shutdown()

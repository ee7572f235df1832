"""A window around the debugger panel, and ``debug()``: open it on a scripted model."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from edutorch_studio.app import create_app

from .panel import DebuggerPanel
from .recorder import MAX_ELEMENTS


class DebuggerWindow(QMainWindow):
    DEFAULT_SIZE = (1200, 780)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("edutorch studio · debugger")
        self.resize(*self.DEFAULT_SIZE)
        self.panel = DebuggerPanel(self)
        self.setCentralWidget(self.panel)
        app = QApplication.instance()
        if app is not None:  # quitting the app while recording: stop the worker first
            app.aboutToQuit.connect(self.panel.shutdown)

    def closeEvent(self, event) -> None:
        self.panel.shutdown()
        super().closeEvent(event)


def debug(model, x, y, loss_fn, block: bool = True, max_elements: int = MAX_ELEMENTS):
    """Open the step-through debugger on ``loss_fn(model(x), y).backward()``.

    Records on a worker thread and opens at step 0. With ``block`` (the default, for scripts)
    this runs the Qt event loop until the window closes; ``block=False`` returns at once (for
    notebooks with a running Qt loop, and tests). Returns the window."""
    app = create_app()
    window = DebuggerWindow()
    window.show()
    window.panel.record(model, x, y, loss_fn, max_elements)
    window.panel.setFocus()
    if block:
        app.exec()
    return window

"""Pictures of the whole main window with its docks at work, in tests/_screenshots/ (git-ignored):
the debugger at a backward step, and the spiral training mid-run with its decision boundary.

Look at them after a change: the highlighted node and the coloured edges on the canvas must
match the debugger's step, the training curves and the boundary must be readable.

    STUDIO_DOCS_SCREENSHOT=1 pytest tests/studio/test_integration_screenshots.py
also renders docs/studio.png, the picture in the README (keep it under 300 KB)."""

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "_screenshots"
DOCS = ROOT / "docs" / "studio.png"
WAIT_MS = 60_000
DOCS_SIZE = (1440, 900)
DOCS_DOCK = 540  # the training dock's height there


def save(window, path: Path) -> QImage:
    path.parent.mkdir(exist_ok=True)
    assert window.grab().save(str(path), "PNG")
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == window.DEFAULT_SIZE
    return image


def test_screenshot_of_the_debugger_at_a_backward_step(make_window, qtbot):
    window = make_window()
    window.actions["debug_step"].trigger()
    panel = window.debugging.panel
    qtbot.waitUntil(lambda: panel.tape is not None, timeout=WAIT_MS)
    backward = [i for i, e in enumerate(panel.tape.steps) if e.kind == "backward"]
    panel.go(backward[3])  # relu_2 ... the gradient has come back through half the model
    assert window.scene.highlighted == "linear_2"
    qtbot.wait(50)
    save(window, OUT / "integration-debugger-backward.png")


def pause_mid_run(qtbot, window, steps: int) -> None:
    panel = window.training.panel
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.trainer.step_count >= steps, timeout=WAIT_MS)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.state() == "paused", timeout=WAIT_MS)
    qtbot.wait(100)  # the last frame: curves, boundary, progress


def test_screenshot_of_training_mid_run(make_window, qtbot):
    window = make_window()
    pause_mid_run(qtbot, window, steps=600)
    panel = window.training.panel
    assert panel.outputs.tabText(panel.outputs.currentIndex()) == "Decision boundary"
    save(window, OUT / "integration-training.png")
    if os.environ.get("STUDIO_DOCS_SCREENSHOT"):
        window.resize(*DOCS_SIZE)  # a laptop screen: room for the curves
        qtbot.waitUntil(lambda: (window.width(), window.height()) == DOCS_SIZE)
        window.resizeDocks([window.docks["Training"]], [DOCS_DOCK], Qt.Orientation.Vertical)
        window.view.request_fit()
        qtbot.wait(100)
        DOCS.parent.mkdir(exist_ok=True)
        assert window.grab().save(str(DOCS), "PNG")
        assert DOCS.stat().st_size < 300_000
    panel.stop()

"""Pictures of the main window with each built-in sample, in tests/_screenshots/ (git-ignored).

Look at them after a change to the canvas: boxes must not overlap, every label must be
readable, and text must be glyphs (not boxes: that means no font is installed)."""

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from edutorch.graph.project import BUILTIN_SAMPLES

pytestmark = pytest.mark.gui
OUT = Path(__file__).resolve().parents[1] / "_screenshots"


def save(window, name: str) -> QImage:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.png"
    assert window.grab().save(str(path), "PNG")
    image = QImage(str(path))
    assert not image.isNull()
    return image


@pytest.mark.parametrize("sample", list(BUILTIN_SAMPLES))
def test_screenshot_of_each_sample(make_window, qtbot, sample):
    window = make_window()
    assert window.open_sample(sample)
    qtbot.wait(50)  # let the view settle at its fitted zoom
    image = save(window, f"studio-{sample}")
    assert (image.width(), image.height()) == window.DEFAULT_SIZE
    assert not window.scene.needs_layout()
    view = window.view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    shown = [visible.contains(i.sceneBoundingRect()) for i in window.scene.nodes.values()]
    assert view.zoom_factor() >= view.readable_scale - 1e-6  # never too small to read
    assert shown[0]  # the Input: a long model shows its start, the scroll bar says there is more
    assert all(shown) or view.zoom_factor() == pytest.approx(view.readable_scale)


def test_screenshot_of_an_error_and_the_inspector(make_window, qtbot):
    window = make_window()
    window.document.disconnect_ports("relu_2", "linear_3", 0)
    window.document.connect_ports("relu_1", "linear_3", 0)
    window.document.add_node("Conv2d", position=(600.0, 160.0))
    window.document.connect_ports("linear_2", "conv2d_1", 0)
    window.scene.select_only(["conv2d_1"])
    window.view.request_fit()
    qtbot.wait(50)
    save(window, "studio-error")
    assert window.scene.nodes["conv2d_1"].error


def test_screenshot_in_presentation_mode(make_window, qtbot):
    window = make_window()
    window.toggle_presentation(True)
    qtbot.wait(50)
    save(window, "studio-presentation")
    window.toggle_presentation(False)

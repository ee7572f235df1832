import sys

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject  # noqa: E402
from PySide6.QtGui import QFontInfo, QImage  # noqa: E402
from PySide6.QtWidgets import QDockWidget  # noqa: E402

from edutorch_studio.__main__ import main  # noqa: E402
from edutorch_studio.app import create_app  # noqa: E402
from edutorch_studio.main_window import MainWindow  # noqa: E402

pytestmark = pytest.mark.gui


def test_window_shows_title_docks_and_status(main_window):
    assert main_window.isVisible()
    assert main_window.windowTitle() == "edutorch studio"
    for name in ("Palette", "Inspector", "Debugger", "Training"):
        dock = main_window.findChild(QDockWidget, name)
        assert dock is not None, name
        assert dock.windowTitle() == name
    assert main_window.statusBar().currentMessage() == "Ready"


def test_menus(main_window):
    titles = [action.text() for action in main_window.menuBar().actions()]
    assert titles == ["&File", "&Help"]


def test_quit_closes_the_window(main_window, qtbot):
    file_menu = main_window.menuBar().actions()[0].menu()
    quit_action = next(a for a in file_menu.actions() if a.text() == "&Quit")
    quit_action.trigger()
    qtbot.waitUntil(lambda: not main_window.isVisible())


def test_screenshot_writes_a_png_of_the_window(qapp, tmp_path):
    out = tmp_path / "w.png"
    assert main(["sample.etproj", "--screenshot", out]) == 0
    assert out.stat().st_size > 0
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == MainWindow.DEFAULT_SIZE


def test_a_font_is_available(qapp):
    # With no font installed Qt draws every glyph as a box and prints no warning.
    app = create_app()
    assert app is qapp
    assert QFontInfo(app.font()).family() != ""


def test_void_qt_calls_keep_none_refcount():
    # PySide6 6.12 on Python 3.11 drops None's refcount on every void-returning call,
    # which later aborts the app with "Fatal Python error: none_dealloc".
    obj = QObject()
    before = sys.getrefcount(None)
    for i in range(300):
        obj.setObjectName(f"object{i}")
    after = sys.getrefcount(None)
    assert before - after <= 5

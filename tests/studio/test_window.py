import sys

import pytest
from PySide6.QtTest import QTest  # noqa: E402

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject, Qt  # noqa: E402
from PySide6.QtGui import QFontInfo, QImage, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QDockWidget  # noqa: E402

from edutorch_studio.__main__ import main  # noqa: E402
from edutorch_studio.app import create_app  # noqa: E402
from edutorch_studio.main_window import MainWindow  # noqa: E402

pytestmark = pytest.mark.gui


def test_window_opens_on_the_spiral_sample(main_window):
    assert main_window.isVisible()
    assert main_window.windowTitle() == "spiral-mlp (sample) — edutorch studio"
    for name, area in (
        ("Palette", Qt.DockWidgetArea.LeftDockWidgetArea),
        ("Inspector", Qt.DockWidgetArea.RightDockWidgetArea),
        ("Debugger", Qt.DockWidgetArea.BottomDockWidgetArea),
        ("Training", Qt.DockWidgetArea.BottomDockWidgetArea),
    ):
        dock = main_window.findChild(QDockWidget, name)
        assert dock is not None, name
        assert dock.windowTitle() == name
        assert main_window.dockWidgetArea(dock) == area
    assert main_window.centralWidget() is main_window.view
    assert [n.type for n in main_window.document.spec.nodes][0] == "Input"
    assert main_window.shapes_label.text() == "Shapes OK: 5 layers, 371 parameters"
    assert main_window.statusBar().currentMessage() == "Ready"
    assert not main_window.document.dirty


def menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_menus(main_window):
    bar = main_window.menuBar()
    menus = {a.text(): a.menu() for a in bar.actions()}
    assert list(menus) == ["&File", "&Edit", "&View", "&Run", "&Help"]
    assert menu_texts(menus["&File"]) == [
        "&New", "&Open…", "Open &Recent", "&Save", "Save &As…", "&Export", "&Quit",
    ]  # fmt: skip
    export = next(a.menu() for a in menus["&File"].actions() if a.text() == "&Export")
    assert menu_texts(export) == [
        "&Python file…", "&Weights (state dict)…", "&ONNX…", "PyTorch &module (torch.save)…",
    ]  # fmt: skip
    assert menu_texts(menus["&Run"]) == [
        "&Debug step", "Step &back", "&Continue", "&Record a new pass",
    ]  # fmt: skip
    assert menu_texts(menus["&Edit"])[2:] == [
        "Cu&t", "&Copy", "&Paste", "&Delete", "Select &All", "Auto-&layout",
    ]  # fmt: skip
    assert menu_texts(menus["&Edit"])[0].startswith("&Undo")
    assert menu_texts(menus["&View"])[:4] == [
        "Zoom &In", "Zoom &Out", "&Fit to View", "&Presentation Mode",
    ]  # fmt: skip
    samples = next(a.menu() for a in menus["&Help"].actions() if a.text() == "&Samples")
    assert menu_texts(samples) == ["spiral-mlp", "glyphs-cnn", "sequence-rnn"]


def test_standard_shortcuts(main_window):
    Key = QKeySequence.StandardKey
    actions = main_window.actions
    for name, key in (("open", Key.Open), ("save", Key.Save), ("save_as", Key.SaveAs),
                      ("undo", Key.Undo), ("redo", Key.Redo), ("copy", Key.Copy),
                      ("paste", Key.Paste), ("new", Key.New)):  # fmt: skip
        assert actions[name].shortcut() == QKeySequence(key), name
    assert actions["fit"].shortcut() == QKeySequence("F")
    assert actions["auto_layout"].shortcut() == QKeySequence("Ctrl+L")
    assert actions["presentation"].shortcut() == QKeySequence("F11")


def test_quit_closes_the_window(main_window, qtbot):
    file_menu = main_window.menuBar().actions()[0].menu()
    quit_action = next(a for a in file_menu.actions() if a.text() == "&Quit")
    quit_action.trigger()
    qtbot.waitUntil(lambda: not main_window.isVisible())


def test_screenshot_writes_a_png_of_the_window(qapp, tmp_path):
    from edutorch.graph.project import sample_project, save_project

    project = tmp_path / "cnn.etproj"
    save_project(sample_project("glyphs-cnn"), project)
    out = tmp_path / "w.png"
    assert main([project, "--screenshot", out]) == 0
    assert out.stat().st_size > 0
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == MainWindow.DEFAULT_SIZE


def test_screenshot_of_a_bad_project_says_why_in_one_line(qapp, tmp_path, capsys, dialogs):
    bad = tmp_path / "bad.etproj"
    bad.write_bytes(b"not a zip")
    out = tmp_path / "w.png"
    assert main([bad, "--screenshot", out]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.etproj" in err[0] and "not a zip" in err[0], err
    assert not out.exists()
    assert dialogs.calls == []  # no modal dialog in a headless run


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


def test_presentation_mode_hides_the_chrome_and_enlarges_text(main_window, qtbot):
    window = main_window
    size = window.font().pointSizeF()
    QTest.keyClick(window, Qt.Key.Key_F11)
    assert window.presenting and window.actions["presentation"].isChecked()
    assert window.font().pointSizeF() == pytest.approx(size * 1.5)
    hidden = [window.menuBar(), window.statusBar(), window.toolbar, *window.docks.values()]
    assert not any(w.isVisible() for w in hidden)
    assert window.view.isVisible()
    assert window.isFullScreen()
    qtbot.waitUntil(lambda: window.view.width() == window.width())  # the canvas is all there is
    # Fitted again to the new size, but never below a zoom readable from the back of the room:
    # on this 800-pixel offscreen screen that shows the model's start.
    qtbot.waitUntil(lambda: window.view.zoom_factor() >= 0.9 - 1e-6 and visible(window, "input_1"))
    QTest.keyClick(window, Qt.Key.Key_F11)  # the shortcut still works without a menu bar
    assert not window.presenting
    assert window.font().pointSizeF() == pytest.approx(size)
    for widget in (window.menuBar(), window.statusBar(), window.toolbar):
        assert widget.isVisible()
    assert all(window.docks[name].isVisible() for name in ("Palette", "Inspector"))


def visible(window, node_id: str) -> bool:
    view = window.view
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    return shown.contains(window.scene.nodes[node_id].sceneBoundingRect())


def test_command_line_project_opens_in_the_window(make_window, tmp_path):
    from edutorch.graph.project import sample_project, save_project

    path = tmp_path / "rnn.etproj"
    save_project(sample_project("sequence-rnn"), path)
    window = make_window(path=str(path))
    assert window.windowTitle() == "rnn.etproj — edutorch studio"
    assert window.statusBar().currentMessage() == "Opened rnn.etproj"
    assert [n.type for n in window.document.spec.nodes] == ["Input", "GRU", "Linear", "Output"]


def test_a_missing_command_line_project_falls_back_to_the_sample(make_window, tmp_path, dialogs):
    window = make_window(path=str(tmp_path / "gone.etproj"))
    assert dialogs.kinds() == ["critical"] and "gone.etproj" in dialogs.texts("critical")[0]
    assert window.files.sample == "spiral-mlp"


def test_shape_checks_move_to_a_worker_thread_when_slow(main_window, qtbot):
    doc = main_window.document
    doc.checker.slow_seconds = 0.0  # every check counts as slow: the next one starts the thread
    doc.add_node("ReLU")
    assert doc.checker.threaded
    for size in (4, 8, 12):
        doc.set_param("linear_1", "out_features", size)
    qtbot.waitUntil(lambda: not doc.checker.busy)  # not waitSignal: the result crosses threads
    assert doc.result.param_counts["linear_1"] == 3 * 12
    assert main_window.scene.edges[("linear_1", "relu_1", 0)].label.text == "(2, 12)"
    doc.shutdown()
    assert not doc.checker.threaded

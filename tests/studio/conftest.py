"""Qt fixtures for the studio tests (qtbot and qapp come from pytest-qt).

Every test runs with its own settings file and autosave folder, and with QMessageBox and
QFileDialog replaced by recorders: a modal dialog would block an offscreen run forever.
"""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

Button = QMessageBox.StandardButton


class Dialogs:
    """Records every dialog the app asks for and answers from ``answers`` (or a default)."""

    DEFAULTS = {
        "warning": Button.Discard,  # "Save changes?" -> Discard, so teardown never blocks
        "question": Button.No,
        "critical": Button.Ok,
        "information": Button.Ok,
        "about": None,
        "getOpenFileName": ("", ""),
        "getSaveFileName": ("", ""),
    }

    def __init__(self):
        self.calls: list[tuple[str, tuple]] = []
        self.answers: dict = {}

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]

    def texts(self, kind: str) -> list[str]:
        return [" ".join(str(a) for a in args[1:3]) for k, args in self.calls if k == kind]

    def fake(self, kind):
        def answer(*args, **kwargs):
            self.calls.append((kind, args))
            value = self.answers.get(kind, self.DEFAULTS[kind])
            return value.pop(0) if isinstance(value, list) else value

        return answer


@pytest.fixture(autouse=True)
def dialogs(monkeypatch, tmp_path):
    recorder = Dialogs()
    for kind in ("warning", "question", "critical", "information", "about"):
        monkeypatch.setattr(QMessageBox, kind, recorder.fake(kind))
    for kind in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, kind, recorder.fake(kind))
    monkeypatch.setenv("EDUTORCH_STUDIO_HOME", str(tmp_path / "state"))  # autosaves go here
    # Shape checks stay inline, so results are there as soon as an edit returns; a busy machine
    # would otherwise move them to the worker thread at random (one test covers that path).
    monkeypatch.setattr("edutorch_studio.builder.shapes.SLOW_SECONDS", float("inf"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # never the user's own settings
    return recorder


@pytest.fixture(scope="package", autouse=True)
def gui_thread_collector(qapp):
    """As the app does: Python's garbage collector runs in the GUI thread only (a collection in
    a training thread destroyed Qt objects there and deadlocked). Other test folders keep it."""
    from edutorch_studio.collector import GuiThreadCollector

    collector = GuiThreadCollector()
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def empty_clipboard(qapp):
    """Offscreen Qt segfaults at exit while the clipboard holds data (copy/paste tests); the
    process then ends with code 139 after every test passed. Leave the clipboard empty."""
    yield
    qapp.clipboard().clear()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """make_window(**kwargs) -> a shown MainWindow (closed, with Discard, at teardown)."""
    from edutorch_studio.main_window import MainWindow

    def make(**kwargs):
        kwargs.setdefault("settings", settings)
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def main_window(make_window):
    return make_window()

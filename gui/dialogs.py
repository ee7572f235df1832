"""Every modal question the studio asks, in one place (tests replace QMessageBox/QFileDialog calls).

The static QMessageBox/QFileDialog functions are looked up at call time, so a test that patches
``QMessageBox.warning`` sees every call and no modal dialog ever blocks a headless run.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PROJECT_FILTER = "edutorch projects (*.etproj);;All files (*)"
Button = QMessageBox.StandardButton


def ask_save_changes(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    answer = QMessageBox.warning(
        parent,
        "Unsaved changes",
        f"Save the changes to {name} before closing it?",
        Button.Save | Button.Discard | Button.Cancel,
        Button.Save,
    )
    return {Button.Save: "save", Button.Discard: "discard"}.get(answer, "cancel")


def ask_restore_autosave(parent: QWidget, name: str, when: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Restore autosaved work?",
        f"An autosave of {name} from {when} is newer than the file.\n"
        "Restore it? (No keeps the file as it was saved and removes the autosave.)",
        Button.Yes | Button.No,
        Button.Yes,
    )
    return answer == Button.Yes


def show_error(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def open_path(parent: QWidget, directory: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", directory, PROJECT_FILTER)
    return path


def save_path(parent: QWidget, title: str, directory: str, file_filter: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, directory, file_filter)
    return path

"""The main window: a central area and the docks that later features fill in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from edutorch_studio import __version__

Area = Qt.DockWidgetArea

DOCKS = {
    "Palette": Area.LeftDockWidgetArea,
    "Inspector": Area.RightDockWidgetArea,
    "Debugger": Area.BottomDockWidgetArea,
    "Training": Area.BottomDockWidgetArea,
}

ABOUT = (
    f"<b>edutorch studio {__version__}</b><p>A desktop studio for edutorch, "
    "a readable numpy-only deep-learning framework with PyTorch's API.</p>"
)


class MainWindow(QMainWindow):
    DEFAULT_SIZE = (1100, 700)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("edutorch studio")
        self.resize(*self.DEFAULT_SIZE)

        placeholder = QLabel("edutorch studio\n\nNo project open")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(placeholder)

        self.docks: dict[str, QDockWidget] = {}
        for name, area in DOCKS.items():
            dock = QDockWidget(name, self)
            dock.setObjectName(name)
            dock.setWidget(QWidget(dock))
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["Debugger"], self.docks["Training"])
        self.docks["Debugger"].raise_()
        Orientation = Qt.Orientation
        side_docks = [self.docks["Palette"], self.docks["Inspector"]]
        self.resizeDocks(side_docks, [220, 260], Orientation.Horizontal)
        self.resizeDocks([self.docks["Debugger"]], [200], Orientation.Vertical)

        self._build_menus()
        self.statusBar().showMessage("Ready")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        help_menu = self.menuBar().addMenu("&Help")
        about_action = help_menu.addAction("&About edutorch studio")
        about_action.triggered.connect(self.show_about)

    def show_about(self) -> None:
        QMessageBox.about(self, "About edutorch studio", ABOUT)

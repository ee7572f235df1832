"""Qt fixtures for the studio tests (qtbot and qapp come from pytest-qt)."""

import pytest


@pytest.fixture
def main_window(qtbot):
    from edutorch_studio.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window

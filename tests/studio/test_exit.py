"""The process exits cleanly after the studio used the clipboard (it once crashed at exit)."""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("PySide6")
pytestmark = pytest.mark.gui

SCRIPT = textwrap.dedent(
    """
    from edutorch_studio.app import create_app
    from edutorch_studio.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.scene.select_only(["linear_1", "relu_1"])
    assert window.scene.copy_selection()  # hands a QMimeData to Qt's clipboard
    print("done")
    """
)


def test_copy_then_exit_does_not_crash(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EDUTORCH_STUDIO_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "done" in result.stdout

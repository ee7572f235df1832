"""Recording on a worker thread, the scripted-model entry point, and closing while recording."""

import subprocess
import sys
import time

import pytest

pytest.importorskip("PySide6")

import edutorch_studio  # noqa: E402
from edutorch_studio.debugger import DebuggerPanel, DebuggerWindow  # noqa: E402

from .test_debugger_models import mlp, slow_model  # noqa: E402

pytestmark = pytest.mark.gui


def open_window(qtbot, models, **kw):
    model, x, y, loss_fn = models()
    window = edutorch_studio.debug(model, x, y, loss_fn, block=False, **kw)
    qtbot.addWidget(window)
    return window


def test_importing_the_studio_does_not_import_qt():
    code = (
        "import sys, edutorch_studio\n"
        "print(callable(edutorch_studio.debug), 'PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_debug_entry_point_opens_at_step_zero(qtbot):
    window = open_window(qtbot, mlp)
    assert isinstance(window, DebuggerWindow) and window.isVisible()
    panel = window.panel
    qtbot.waitUntil(lambda: panel.tape is not None, timeout=20000)
    assert panel.current == 0 and not panel.recording_running
    assert not panel.busy.isVisible()
    assert panel.counter.text().startswith("step 0 / ")
    assert panel.status.text().startswith("loss ")
    window.close()


def test_busy_bar_while_recording_and_closing_mid_recording(qtbot):
    window = open_window(qtbot, slow_model)  # about 5 s unless cancelled
    panel = window.panel
    qtbot.wait(150)
    assert panel.recording_running and panel.busy.isVisible()
    assert not panel.step_action.isEnabled()
    start = time.perf_counter()
    window.close()  # cancels before the next module runs, then quits and waits for the thread
    assert time.perf_counter() - start < 2.0
    assert not panel.recording_running
    qtbot.wait(200)  # whatever the worker still sent is dropped, nothing crashes
    assert panel.tape is None
    panel.shutdown()  # a second shutdown (aboutToQuit after closeEvent) is harmless


def test_a_failing_model_reports_its_error(qtbot):
    def broken_loss(out, y):
        raise ValueError("shapes do not match")

    model, x, y, _ = mlp()
    panel = DebuggerPanel()
    qtbot.addWidget(panel)
    panel.record(model, x, y, broken_loss)
    qtbot.waitUntil(lambda: not panel.recording_running, timeout=20000)
    assert "ValueError: shapes do not match" in panel.status.text()
    assert panel.tape is None and not panel.busy.isVisible()
    panel.shutdown()


def test_record_again_and_one_recording_at_a_time(qtbot):
    model, x, y, loss_fn = mlp()
    panel = DebuggerPanel()
    qtbot.addWidget(panel)
    panel.record(model, x, y, loss_fn)
    with pytest.raises(RuntimeError, match="already running"):
        panel.record(model, x, y, loss_fn)
    qtbot.waitUntil(lambda: panel.tape is not None, timeout=20000)
    first = panel.tape
    panel.go(3)
    assert panel.again_action.isEnabled()
    panel.again_action.trigger()
    qtbot.waitUntil(lambda: panel.tape is not first, timeout=20000)
    assert panel.current == 0 and len(panel.tape.steps) == len(first.steps)
    panel.shutdown()

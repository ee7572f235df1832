"""Training in its own thread: a ``QObject`` worker moved to a ``QThread`` runs ``Trainer.run``.

The GUI never waits on a queued slot of the worker (none would run while ``run`` loops): pause,
step and stop are the trainer's own thread-safe methods, called directly. The GUI pulls the
history and the views on a timer, so the worker emits nothing but the thread's ``finished``.
"""

from __future__ import annotations

import sys
import threading
import traceback
from contextlib import contextmanager

from PySide6.QtCore import QObject, QThread, Signal, Slot

# A GIL-bound worker (small numpy arrays: mostly Python) starved the GUI to ~12 frames/s at
# Python's default 5 ms switch interval; 1 ms gives the GUI thread its turns (qt-stack notes).
TRAINING_SWITCH_INTERVAL = 0.001
# The worker waits (at most this long) while the GUI draws a frame: the two threads share the
# GIL, and a frame drawn without competing for it takes a few ms instead of tens.
MAX_FRAME_WAIT = 0.03


class TrainingWorker(QObject):
    """Runs ``trainer.run(callback=views.update)`` once, then ends its thread's event loop."""

    def __init__(self, trainer, views, gate):
        super().__init__()
        self.trainer, self.views, self.gate = trainer, views, gate
        self.error = None  # the traceback text if training failed

    def _after_step(self, trainer):
        self.views.update(trainer)
        if not self.gate.is_set():
            self.gate.wait(MAX_FRAME_WAIT)

    @Slot()
    def run(self):
        try:
            self.trainer.run(callback=self._after_step)
        except Exception:
            self.error = traceback.format_exc(limit=6)
        finally:
            try:
                self.views.update(self.trainer, force=True)  # the final state, whatever happened
            except Exception:
                pass
            QThread.currentThread().quit()


class TrainingRunner(QObject):
    """Starts a worker thread per run and shuts it down cleanly: ``stop()``, ``quit()``,
    ``wait()``, never ``terminate()``. ``finished`` is re-emitted in the GUI thread."""

    finished = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = None
        self.worker = None
        self._switch = None
        self.gate = threading.Event()  # cleared while the GUI draws a frame
        self.gate.set()

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, trainer, views):
        """Run ``trainer`` in a new thread (does nothing if one is running)."""
        if self.is_running():
            return
        if self.thread is not None:
            self.thread.deleteLater()  # the last run's thread has ended: let Qt free it
        self.thread = QThread(self)
        self.thread.setObjectName("edutorch-training")
        self.worker = TrainingWorker(trainer, views, self.gate)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.thread.finished.connect(self._thread_finished)  # a bound GUI-thread method
        if self._switch is None:
            self._switch = sys.getswitchinterval()
            sys.setswitchinterval(TRAINING_SWITCH_INTERVAL)
        self.thread.start()

    def stop(self, wait: bool = True, timeout_ms: int = 30_000) -> bool:
        """Ask the trainer to stop after its current batch; with ``wait``, block until the
        thread has ended (True) or ``timeout_ms`` passed (False)."""
        self.gate.set()  # never leave the worker waiting for a frame while we wait for it
        if self.worker is not None:
            self.worker.trainer.stop()
        if self.thread is None:
            return True
        self.thread.quit()
        if not wait:
            return True
        done = self.thread.wait(timeout_ms)
        if done:
            self._restore_switch()
        return done

    @contextmanager
    def frame(self):
        """Hold the worker at its next batch boundary while the GUI draws."""
        self.gate.clear()
        try:
            yield
        finally:
            self.gate.set()

    def error(self):
        return self.worker.error if self.worker is not None else None

    @Slot()
    def _thread_finished(self):
        self._restore_switch()
        self.finished.emit()

    def _restore_switch(self):
        if self._switch is not None:
            sys.setswitchinterval(self._switch)
            self._switch = None

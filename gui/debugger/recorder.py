"""Record one forward + backward pass on a worker thread, so the window stays responsive.

``Recorder`` lives in the GUI thread and owns a ``QThread`` running a ``RecordWorker``. The
worker's signals go to bound methods of the Recorder (queued into the GUI thread), which
re-emits ``done(Recording)`` or ``failed(str)``. ``stop()`` is safe at any time: it asks the
worker to cancel (checked before each module runs), then quits and waits for the thread.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from edutorch.trace import analysis

# Big enough to keep every value of LeNet-5 on a batch of 64 (64x6x28x28 = 301,056 elements);
# bigger tensors keep statistics and a preview, so a recording stays a few MB per step.
MAX_ELEMENTS = 1 << 19


@dataclass
class Recording:
    tape: object
    loss: float
    seconds: float
    anomalies: list = field(default_factory=list)
    _by_step: dict | None = field(default=None, repr=False)

    def anomalies_by_step(self) -> dict:
        """{step: [message, ...]} (built once: the panel asks on every step)"""
        if self._by_step is None:
            self._by_step = {}
            for a in self.anomalies:
                self._by_step.setdefault(a.step, []).append(a.message)
        return self._by_step


class RecordWorker(QObject):
    """Runs in the worker thread: records, then finds anomalies (which computes every tensor's
    statistics there, so stepping in the GUI never has to)."""

    recorded = Signal(int, object)  # (run number, Recording)
    failed = Signal(int, str)

    def __init__(self, run: int, model, x, y, loss_fn, max_elements: int) -> None:
        super().__init__()
        self._run = run
        self._args = (model, x, y, loss_fn)
        self._max_elements = max_elements
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: called directly from the GUI thread (a queued slot would never run
        while ``run`` is busy)."""
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        start = time.perf_counter()
        try:
            tape, loss = analysis.record_step(
                *self._args, max_elements=self._max_elements, cancelled=self._cancel.is_set
            )  # fmt: skip
            anomalies = analysis.find_anomalies(tape)
        except analysis.Cancelled:
            self.failed.emit(self._run, "recording cancelled")
            return
        except Exception as error:  # a broken model: report it, never take the app down
            where = traceback.extract_tb(error.__traceback__)[-1]
            place = f"{where.filename}:{where.lineno}"
            self.failed.emit(self._run, f"{type(error).__name__}: {error} ({place})")
            return
        self.recorded.emit(self._run, Recording(tape, loss, time.perf_counter() - start, anomalies))


class Recorder(QObject):
    """Starts recordings and delivers their results in the GUI thread."""

    done = Signal(object)  # a Recording
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: RecordWorker | None = None
        self._run = 0  # results of an earlier, stopped run are recognised and dropped

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, model, x, y, loss_fn, max_elements: int = MAX_ELEMENTS) -> None:
        if self.running:
            raise RuntimeError("a recording is already running")
        self._thread = QThread()
        self._run += 1
        self._worker = RecordWorker(self._run, model, x, y, loss_fn, max_elements)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.recorded.connect(self._on_recorded)  # bound methods: queued to GUI thread
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    def stop(self) -> None:
        """Cancel and wait for the worker (from closeEvent / aboutToQuit). Never terminate():
        killing a thread that runs Python can leave the GIL held."""
        if self._worker is not None:
            self._worker.cancel()
        self._run += 1  # whatever it still sends is stale now
        self._join()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread = self._worker = None

    @Slot(int, object)
    def _on_recorded(self, run: int, recording) -> None:
        if run == self._run:
            self._join()
            self.done.emit(recording)

    @Slot(int, str)
    def _on_failed(self, run: int, message: str) -> None:
        if run == self._run:
            self._join()
            self.failed.emit(message)

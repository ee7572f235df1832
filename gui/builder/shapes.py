"""Shape checking of a graph: inline while it is fast, on a worker thread once it is not."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

SLOW_SECONDS = 0.05  # above this a check would make typing in the inspector stutter


@dataclass
class CheckResult:
    """What the canvas shows: shapes and errors (from the library) and parameter counts."""

    report: object  # edutorch.graph.check.ShapeReport
    param_counts: dict = field(default_factory=dict)
    total_params: int = 0
    seconds: float = 0.0


def check(spec, batch_size: int = 2) -> CheckResult:
    from edutorch.graph.check import infer_shapes

    start = time.perf_counter()
    report = infer_shapes(spec, batch_size=batch_size)
    counts = dict(report.param_counts)
    return CheckResult(report, counts, sum(counts.values()), time.perf_counter() - start)


class _Worker(QObject):
    done = Signal(int, object)

    def __init__(self, batch_size: int) -> None:
        super().__init__()
        self.batch_size = batch_size

    @Slot(int, object)
    def run(self, generation: int, spec) -> None:
        self.done.emit(generation, check(spec, self.batch_size))


class ShapeChecker(QObject):
    """Runs ``check`` for the latest graph and emits ``finished`` in the GUI thread."""

    finished = Signal()
    _job = Signal(int, object)

    def __init__(self, batch_size: int = 2, slow_seconds: float | None = None, parent=None):
        super().__init__(parent)
        self.batch_size = batch_size
        self.slow_seconds = SLOW_SECONDS if slow_seconds is None else slow_seconds
        self.result: CheckResult | None = None
        self._generation = 0
        self._delivered = 0
        self._thread: QThread | None = None

    @property
    def busy(self) -> bool:
        return self._delivered != self._generation

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    def request(self, spec) -> None:
        self._generation += 1
        if self._thread is not None:
            self._job.emit(self._generation, spec.copy())  # the worker gets its own copy
            return
        result = check(spec, self.batch_size)
        self._deliver(self._generation, result)
        if result.seconds > self.slow_seconds:
            self.start_thread()

    def start_thread(self) -> None:
        if self._thread is not None:
            return
        self._thread = QThread()
        self._worker = _Worker(self.batch_size)
        self._worker.moveToThread(self._thread)
        self._job.connect(self._worker.run)
        self._worker.done.connect(self._deliver)  # a bound method of a GUI-thread object: queued
        self._thread.start()

    @Slot(int, object)
    def _deliver(self, generation: int, result: CheckResult) -> None:
        self._delivered = max(self._delivered, generation)
        if generation != self._generation:
            return  # a newer graph was sent meanwhile; its result follows
        self.result = result
        self.finished.emit()

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None

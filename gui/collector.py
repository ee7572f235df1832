"""Python's cyclic garbage collector, run by the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. With
the training and recording workers busy allocating, it ran in a worker and destroyed Qt objects
there (cycles left by closed windows); measured: a deadlock, the worker's ~QObject waiting for
the GIL while the GUI thread, holding it, waited for Qt's lock (1 of 6 runs of tests/studio).
So automatic collection is off while the studio runs, and a GUI-thread timer collects instead
(as ``pyqtgraph.util.GarbageCollector`` does, with a way back for tests).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """``start()``: gc off, collect on a timer (call it in the GUI thread); ``stop()`` undoes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self._was_enabled = None

    def start(self) -> None:
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.collect(force=True)
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None

    def collect(self, force: bool = False) -> None:
        """Each generation whose count passed its threshold, as automatic collection would."""
        if force:
            gc.collect()
            return
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in range(3):
            if counts[generation] <= thresholds[generation]:
                break
            gc.collect(generation)


_collector: GuiThreadCollector | None = None


def collect_in_gui_thread(app) -> GuiThreadCollector:
    """Start the GUI-thread collector for ``app`` (once; later calls return the same one)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(app)
        _collector.start()
    return _collector

"""The timeline: one thin bar per step, forward in blue and backward in orange, anomalies marked
with red triangles; click or drag to jump to a step."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

FORWARD = QColor("#3b82f6")
BACKWARD = QColor("#f97316")
ANOMALY = QColor("#dc2626")
CURSOR = QColor("#111827")
MARGIN = 6  # pixels left and right, so the first and last bars can be clicked


class Timeline(QWidget):
    """Shows ``kinds`` (a "forward"/"backward" string per step) and the current step."""

    stepRequested = Signal(int)  # the user clicked or dragged to this step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kinds: list = []
        self._anomalies: dict = {}  # step -> list of messages
        self._labels: list = []  # tooltip text per step
        self._current = -1
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)  # tooltips while hovering
        self.setToolTip("")

    def sizeHint(self) -> QSize:
        return QSize(400, 34)

    def set_steps(self, kinds: list, labels: list, anomalies: dict) -> None:
        self._kinds, self._labels, self._anomalies = list(kinds), list(labels), dict(anomalies)
        self._current = 0 if kinds else -1
        self.update()

    def set_current(self, step: int) -> None:
        if step != self._current:
            self._current = step
            self.update()

    @property
    def current(self) -> int:
        return self._current

    # --- geometry ----------------------------------------------------------------------
    def _bar_width(self) -> float:
        return (self.width() - 2 * MARGIN) / max(1, len(self._kinds))

    def step_at(self, x: float) -> int:
        """The step under the horizontal position ``x`` (clamped to the first and last)."""
        if not self._kinds:
            return -1
        i = int((x - MARGIN) // self._bar_width())
        return max(0, min(len(self._kinds) - 1, i))

    def step_center(self, step: int) -> float:
        return MARGIN + (step + 0.5) * self._bar_width()

    # --- painting ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if not self._kinds:
            painter.end()
            return
        w, top, height = self._bar_width(), 12.0, self.height() - 16.0
        gap = 1.0 if w > 4 else 0.0  # gaps between bars only while there is room for them
        for i, kind in enumerate(self._kinds):
            colour = FORWARD if kind == "forward" else BACKWARD
            painter.fillRect(QRectF(MARGIN + i * w, top, max(1.0, w - gap), height), colour)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ANOMALY)
        for step in self._anomalies:
            x = self.step_center(step)
            painter.drawPolygon(
                QPolygonF([QPointF(x - 5, 1), QPointF(x + 5, 1), QPointF(x, 10)])
            )  # fmt: skip
        if self._current >= 0:
            painter.setPen(CURSOR)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            x = MARGIN + self._current * w
            painter.drawRect(QRectF(x - 1, top - 2, max(3.0, w + 1), height + 3))
        painter.end()

    # --- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._kinds:
            self.stepRequested.emit(self.step_at(event.position().x()))

    def mouseMoveEvent(self, event) -> None:
        if not self._kinds:
            return
        step = self.step_at(event.position().x())
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.stepRequested.emit(step)  # dragging scrubs through the steps
        text = self._labels[step] if step < len(self._labels) else ""
        notes = self._anomalies.get(step, [])
        QToolTip.showText(event.globalPosition().toPoint(), "\n".join([text, *notes]), self)

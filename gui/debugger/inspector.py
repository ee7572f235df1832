"""The inspector: for the current step, the op, module and line of code, a statistics row per
tensor, and pictures of the selected tensor (only the visible picture is drawn)."""

from __future__ import annotations

import math
import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from edutorch.trace import analysis

from .views import GridView, HeatmapView, HistogramView

STUDIO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the recorder's own
# frames are not the user's code (Sequential and the losses run no code of the user's file)

COLUMNS = ["tensor", "shape", "dtype", "min", "max", "mean", "std", "zeros", "NaN", "Inf"]


def number(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.4g}"


def stats_cells(snap) -> list:
    """The text of a tensor's row after its label: shape, dtype and statistics."""
    s = snap.stats
    shape = "×".join(str(d) for d in snap.shape) or "scalar"
    stats = [number(s[k]) for k in ("min", "max", "mean", "std")]
    return [shape, snap.dtype, *stats, f"{s['zeros']:.1%}", str(s["nan"]), str(s["inf"])]


def _default_row(labels: list) -> int:
    """What a step shows first: its output (forward) or the gradient it sends on (backward)."""
    for prefix in ("output", "grad out", "grad in"):
        for i, label in enumerate(labels):
            if label.startswith(prefix):
                return i
    return 0


class Inspector(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.location = QLabel(self)
        self.location.setTextFormat(Qt.TextFormat.PlainText)
        self.source = QLabel(self)
        self.source.setTextFormat(Qt.TextFormat.PlainText)
        self.source.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = self._make_table()
        self.heatmap = HeatmapView()
        self.histogram = HistogramView()
        self.maps = GridView(maps=True)
        self.filters = GridView(maps=False)
        self.tabs = QTabWidget(self)
        for view, name in ((self.heatmap, "Heatmap"), (self.histogram, "Histogram"),
                           (self.maps, "Feature maps"), (self.filters, "Filters")):  # fmt: skip
            self.tabs.addTab(view, name)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.location, self.source):
            layout.addWidget(w)
        layout.addWidget(split, 1)
        self._tape = None
        self._event = None
        self._rows: list = []  # (label, snapshot) per table row
        self._fresh: set = set()  # views already showing the current step and row
        self._wanted = 0  # the tab the user chose last; shown again whenever it applies
        self._switching = False
        self.table.itemSelectionChanged.connect(self._row_changed)
        self.tabs.currentChanged.connect(self._tab_changed)

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the label takes the rest
        return table

    # --- what is shown -----------------------------------------------------------------
    def set_event(self, tape, step: int) -> None:
        """Show step ``step`` of ``tape``; keeps the selected tensor's label if the step has one."""
        previous = self.selected_label()
        self._tape, self._event = tape, tape.steps[step]
        self._show_header(self._event)
        self._rows = analysis.event_tensors(self._event)
        labels = [label for label, _ in self._rows]
        row = labels.index(previous) if previous in labels else _default_row(labels)
        self.table.blockSignals(True)  # one refresh below, not one per inserted row
        self.table.setRowCount(len(self._rows))
        for r, (label, snap) in enumerate(self._rows):
            for c, text in enumerate([label, *stats_cells(snap)]):
                item = self.table.item(r, c)
                if item is None:
                    self.table.setItem(r, c, QTableWidgetItem(text))
                else:
                    item.setText(text)  # reusing the row's items: cheaper than new ones
        if self._rows:
            self.table.selectRow(row)
        self.table.blockSignals(False)
        self._row_changed()

    def _show_header(self, event) -> None:
        module = event.module or "(top level)"
        if event.kind == "forward":
            self.title.setText(f"forward · {event.op} · module {module}")
            location = event.location
        else:
            undoes = f"undoes step {event.forward_step}" if event.forward_step is not None else ""
            self.title.setText(f"backward · {event.node_name or event.op} · module {module} · "
                               f"{undoes}")  # fmt: skip
            fwd = self._tape.steps[event.forward_step] if event.forward_step is not None else None
            location = fwd.location if fwd is not None else None
        if location and not location[0].startswith(STUDIO_DIR):
            file, line, text, func = location
            self.location.setText(f"{os.path.basename(file)}:{line} in {func}")
            self.location.setToolTip(f"{file}:{line}")
            self.source.setText((text or "").strip())
        else:
            self.location.setText("(no line of your code: the op ran inside edutorch modules)")
            self.location.setToolTip("")
            self.source.setText("")

    def selected_label(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self._rows else []
        return self._rows[rows[0].row()][0] if rows else None

    def selected_snapshot(self):
        label = self.selected_label()
        return next((s for lab, s in self._rows if lab == label), None)

    def select_tensor(self, label: str) -> None:
        """Select the row of the tensor ``label`` (e.g. "output 0", "grad in 0")."""
        labels = [lab for lab, _ in self._rows]
        self.table.selectRow(labels.index(label))

    # --- views: only the visible one is drawn ------------------------------------------
    def _row_changed(self) -> None:
        """Feature maps apply to any tensor with channels (N, C, ...), filters to conv steps."""
        self._fresh.clear()
        snap = self.selected_snapshot()
        self._switching = True  # tab switches from here on are ours, not the user's choice
        self.tabs.setTabEnabled(2, snap is not None and len(snap.shape) in (3, 4, 5))
        self.tabs.setTabEnabled(3, analysis.conv_views(self._tape, self._event)[1] is not None)
        wanted = self._wanted if self.tabs.isTabEnabled(self._wanted) else 0
        self.tabs.setCurrentIndex(wanted)  # refreshes through _tab_changed if it changes
        self._switching = False
        self._refresh_view()

    def _tab_changed(self, index: int) -> None:
        if not self._switching:
            self._wanted = index
        self._refresh_view()

    def _refresh_view(self) -> None:
        index = self.tabs.currentIndex()
        if self._event is None or index in self._fresh:
            return
        self._fresh.add(index)
        snap = self.selected_snapshot()
        if index == 0:
            self.heatmap.show_snapshot(snap)
        elif index == 1:
            self.histogram.show_snapshot(snap)
        elif index == 2:
            self.maps.show_snapshot(snap, f"channels of {self.selected_label()}")
        else:
            weight = analysis.conv_views(self._tape, self._event)[1]
            what = "weights" if self._event.kind == "forward" else "gradient of the weights"
            self.filters.show_snapshot(weight, what)

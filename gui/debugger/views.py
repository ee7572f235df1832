"""Pictures of one tensor: a heatmap with a slice chooser, a histogram, and image grids."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from edutorch.trace import analysis

# Blue-white-red centred on zero: the sign of an activation or gradient matters, and zero
# (a dead unit, a vanished gradient) shows as white.
COLORMAP = "CET-D1"


def symmetric_levels(image: np.ndarray) -> tuple:
    """(-m, m) with m the largest finite magnitude, so zero is always the middle colour."""
    finite = image[np.isfinite(image)]
    m = float(np.abs(finite).max()) if finite.size else 0.0
    return (-m, m) if m > 0 else (-1.0, 1.0)


class ImagePanel(pg.GraphicsLayoutWidget):
    """A 2-D array as an image (row 0 at the top, like a printed matrix) with a colour bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.addPlot()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")  # image[row, col], as numpy prints
        self.plot.addItem(self.image_item)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get(COLORMAP), interactive=False, width=14)
        self.bar.setImageItem(self.image_item, insert_in=self.plot)
        self.bar.axis.enableAutoSIPrefix(False)  # tiny gradients: show 0.0005, not a bare 0
        self.bar.axis.setWidth(None)  # as wide as its labels ("-0.0005" does not fit 45 px)

    def set_image(self, image: np.ndarray) -> None:
        image = np.asarray(image, dtype=np.float64)
        levels = symmetric_levels(image)
        reshaped = self.image_item.image is None or self.image_item.image.shape != image.shape
        self.image_item.setImage(image, autoLevels=False, levels=levels)
        self.bar.setLevels(levels)
        if reshaped:  # keep the user's zoom while stepping through same-shaped tensors
            self.plot.autoRange(padding=0.02)

    def image_data(self) -> np.ndarray | None:
        """The array on screen (tests compare it with the tape)."""
        return self.image_item.image


class SliceChooser(QWidget):
    """One spin box per leading dimension of an N-d tensor: which 2-D matrix to show."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(QLabel("slice"))
        self.spins: list = []
        self._shape: tuple = ()
        self._layout.addStretch(1)

    def set_shape(self, lead: tuple) -> None:
        """Show spin boxes for ``lead`` (keeping the chosen indices while the shape is the same)."""
        if lead == self._shape:
            return
        self._shape = lead
        for spin in self.spins:
            self._layout.removeWidget(spin)
            spin.hide()  # deleteLater waits for the event loop; hidden now, gone soon
            spin.deleteLater()
        self.spins = []
        for size in lead:
            spin = QSpinBox(self)
            spin.setRange(0, max(0, size - 1))
            spin.setPrefix("[")
            spin.setSuffix(f"] of {size}")
            spin.valueChanged.connect(self.changed)
            self._layout.insertWidget(self._layout.count() - 1, spin)
            self.spins.append(spin)
        self.setVisible(bool(lead))

    def index(self) -> tuple:
        return tuple(spin.value() for spin in self.spins)


class HeatmapView(QWidget):
    """A 2-D slice of the tensor as a heatmap; spin boxes pick the slice of an N-d tensor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chooser = SliceChooser(self)
        self.note = QLabel(self)
        self.panel = ImagePanel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.chooser)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.note)
        self._values: np.ndarray | None = None
        self.chooser.changed.connect(self._redraw)

    def show_snapshot(self, snap) -> None:
        self._values = None if snap is None else snap.data
        complete = snap is None or snap.complete
        self.note.setText("" if complete else "preview: a down-sampled copy (tensor too large)")
        self.chooser.set_shape(() if snap is None else analysis.leading_shape(self._values.shape))
        self._redraw()

    def _redraw(self) -> None:
        if self._values is None:
            self.panel.set_image(np.zeros((0, 0)))
            return
        self.panel.set_image(analysis.slice_2d(self._values, self.chooser.index()))


class HistogramView(pg.PlotWidget):
    """How the tensor's finite values are distributed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setLabel("bottom", "value")
        self.setLabel("left", "count")
        # an outline, not a filled area: filling the path doubled the repaint time
        self.curve = self.plot(stepMode="center", pen=pg.mkPen((59, 130, 246), width=2))
        self.getAxis("left").setWidth(48)  # fixed: new tick labels never re-layout the panel

    def show_snapshot(self, snap) -> None:
        counts, edges = analysis.histogram(snap.data if snap is not None else np.zeros(0))
        self.curve.setData(edges, counts)
        self.autoRange()


class GridView(QWidget):
    """Feature maps (one sample's channels) or filters (a conv weight) as a grid of images."""

    def __init__(self, maps: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maps = maps
        self.sample = QSpinBox(self)
        self.sample.setPrefix("sample ")
        self.sample.valueChanged.connect(self._redraw)
        self.note = QLabel(self)
        self.panel = ImagePanel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        top.addWidget(self.sample)
        top.addWidget(self.note, 1)
        layout.addLayout(top)
        layout.addWidget(self.panel, 1)
        self.sample.setVisible(maps)
        self._values: np.ndarray | None = None
        self.cols = 1

    def show_snapshot(self, snap, what: str = "") -> None:
        self._values = None if snap is None else snap.data
        if self._values is not None and self.maps:
            self.sample.setRange(0, self._values.shape[0] - 1)
        self.note.setText(what if snap is None or snap.complete else what + " (preview)")
        self._redraw()

    def _redraw(self) -> None:
        if self._values is None:
            self.panel.set_image(np.zeros((0, 0)))
            return
        if self.maps:
            grid, self.cols = analysis.feature_maps(self._values, self.sample.value())
        else:
            grid, self.cols = analysis.filter_grid(self._values)
        self.panel.set_image(grid)

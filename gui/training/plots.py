"""Live curves of a ``History``: loss, accuracy and learning rate (with a hover read-out),
per-layer gradient norms and weight/gradient histograms over time, and runs compared."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from edutorch.training import legends

from .colors import class_color
from .previews import cache_decorations

TRAIN, TEST = (31, 119, 180), (255, 127, 14)
HOVER_HINT = "Move the mouse over a plot to read its values."


def _plot(layout, row, title, **kw):
    p = layout.addPlot(row=row, col=0, title=title, **kw)
    p.showGrid(x=True, y=True, alpha=0.2)
    p.setClipToView(True)
    p.setDownsampling(auto=True, mode="peak")  # thousands of steps still draw in a few ms
    cache_decorations(p)
    p.getAxis("left").setWidth(52)  # equal widths keep the x axes of stacked plots aligned
    return p


def _legend(plot, offset):
    """A legend with a pale background, so curves passing under it stay readable."""
    return plot.addLegend(offset=offset, labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 210),
                          pen=pg.mkPen(200, 200, 200))  # fmt: skip


def _controls_above(widget, controls, body):
    """Lay ``widget`` out as a row of controls (the second one stretching) above ``body``."""
    top = QHBoxLayout()
    for i, control in enumerate(controls):
        top.addWidget(control, 1 if i == 1 else 0)
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(top)
    layout.addWidget(body, 1)


def _xy(history, table, key):
    x = history.array(table, "step")
    y = history.array(table, key)
    keep = np.isfinite(y)
    return x[keep], y[keep]


def _nice(top: float) -> float:
    """A round upper bound >= top (1, 1.5, 2, 3, 5, 7 times a power of ten), so the y range
    steps up rarely as a loss grows."""
    if not math.isfinite(top) or top <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(top))
    return next(m * scale for m in (1, 1.5, 2, 3, 5, 7, 10) if m * scale >= top)


class CurvesView(QWidget):
    """Loss and accuracy per step (thin) and per epoch (dots), test values, and the learning
    rate, on one shared step axis. Moving the mouse over a plot reads the values out."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.loss = _plot(self.layout_widget, 0, "loss")
        self.acc = _plot(self.layout_widget, 1, "accuracy")
        self.lr = _plot(self.layout_widget, 2, "learning rate")
        self.layout_widget.ci.layout.setRowStretchFactor(0, 3)
        self.layout_widget.ci.layout.setRowStretchFactor(1, 3)
        self.layout_widget.ci.layout.setRowStretchFactor(2, 1)
        self.acc.setXLink(self.loss)
        self.lr.setXLink(self.loss)
        self.items = {}
        # legends where the curves seldom are: loss falls away from the top right, accuracy
        # rises away from the bottom right
        for name, plot, offset in (("loss", self.loss, (-10, 10)),
                                   ("accuracy", self.acc, (-10, -10))):  # fmt: skip
            _legend(plot, offset)
            self.items[name] = (
                plot.plot(pen=pg.mkPen((*TRAIN, 90)), name="train (batch)"),
                plot.plot(pen=pg.mkPen(TRAIN, width=2), symbol="o", symbolSize=5,
                          symbolBrush=TRAIN, name="train (epoch)"),
                plot.plot(pen=pg.mkPen(TEST, width=2), symbol="o", symbolSize=5,
                          symbolBrush=TEST, name="test"),
            )  # fmt: skip
        self.lr_curve = self.lr.plot(pen=pg.mkPen((90, 90, 90), width=1.5))
        self.cursors = [pg.InfiniteLine(angle=90, pen=pg.mkPen(120, 120, 120, 120))
                        for _ in range(3)]  # fmt: skip
        for plot, line in zip((self.loss, self.acc, self.lr), self.cursors):
            plot.addItem(line, ignoreBounds=True)
            line.setVisible(False)
        self.readout = QLabel(HOVER_HINT, objectName="readout")
        self.readout.setStyleSheet("color: #333; font-family: monospace")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget, 1)
        layout.addWidget(self.readout)
        self.history = None
        self._ranges = {}
        self._counts = None
        self.layout_widget.scene().sigMouseMoved.connect(self._hover)

    def update_history(self, history):
        # dotted curves (epochs, tests) cost most to update and change once an epoch: only then
        changed = (len(history.epochs["epoch"]), len(history.evals["step"])) != self._counts
        self._counts = (len(history.epochs["epoch"]), len(history.evals["step"]))
        if history is not self.history and self.history is not None and len(history) < len(
            self.history
        ):  # fmt: skip
            changed = True  # a new run (reset): fewer rows, maybe equal counts
        self.history = history
        tops = {}
        for name, key in (("loss", "loss"), ("accuracy", "accuracy")):
            batch, epoch, test = self.items[name]
            parts = [_xy(history, "steps", key), _xy(history, "epochs", key),
                     _xy(history, "evals", f"test_{key}")]  # fmt: skip
            batch.setData(*parts[0])
            if changed:
                epoch.setData(*parts[1])
                test.setData(*parts[2])
            tops[name] = max((float(y.max()) for _, y in parts if len(y)), default=1.0)
        lr = _xy(history, "steps", "lr")
        self.lr_curve.setData(*lr)
        tops["lr"] = float(lr[1].max()) if len(lr[1]) else 1.0
        self._fit(history, tops)

    def _fit(self, history, tops):
        """Ranges in round steps: x to a little past the last step (at most the whole run), y
        from 0 to the largest value so far. Axes then change rarely, and redrawing an axis (its
        tick labels) is what costs most in a frame."""
        total = int(history.meta.get("total_steps", 0)) or len(history)
        total = max(min(total, _nice(max(len(history) * 1.1, 10))), 1)
        ranges = {"loss": (0, _nice(tops["loss"])), "accuracy": (0, 1.0),
                  "lr": (0, _nice(tops["lr"] * 1.05))}  # fmt: skip
        for name, plot in (("loss", self.loss), ("accuracy", self.acc), ("lr", self.lr)):
            target = ((0, total), ranges[name])
            if self._ranges.get(name) != target:
                self._ranges[name] = target
                plot.setRange(xRange=target[0], yRange=target[1], padding=0.02)

    def readout_at(self, step: float) -> str:
        """The values at the step nearest ``step`` (what hovering shows)."""
        h = self.history
        if h is None or len(h) == 0:
            return ""
        steps = h.array("steps", "step")
        i = int(np.clip(np.searchsorted(steps, step), 0, len(steps) - 1))
        s = int(steps[i])
        text = [f"step {s} (epoch {int(h.steps['epoch'][i])})",
                f"loss {h.steps['loss'][i]:.4g}"]  # fmt: skip
        if not math.isnan(h.steps["accuracy"][i]):
            text.append(f"acc {h.steps['accuracy'][i]:.3f}")
        done = [j for j, e in enumerate(h.evals["step"]) if e <= s]
        if done:
            j = done[-1]
            text.append(f"test loss {h.evals['test_loss'][j]:.4g}")
            if not math.isnan(h.evals["test_accuracy"][j]):
                text.append(f"test acc {h.evals['test_accuracy'][j]:.3f}")
        text.append(f"lr {h.steps['lr'][i]:.3g}")
        return " · ".join(text)

    @Slot(object)
    def _hover(self, pos):
        for plot in (self.loss, self.acc, self.lr):
            if plot.sceneBoundingRect().contains(pos):
                step = plot.vb.mapSceneToView(pos).x()
                self.readout.setText(self.readout_at(step) or " ")
                for line in self.cursors:
                    line.setPos(step)
                    line.setVisible(True)
                return


class LayersView(QWidget):
    """Each layer's gradient norm per step, and one layer's weight or gradient histogram over
    time (x: step, y: value, colour: how many)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer = QComboBox()
        self.kind = QComboBox()
        self.kind.addItems(["weight", "grad"])
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.norms = _plot(self.plots, 0, "gradient norm per layer")
        self.norms.setLogMode(y=True)
        _legend(self.norms, (-10, 10))
        self.hist = _plot(self.plots, 1, "histogram over time")
        self.hist.setLabel("bottom", "step")
        self.image = pg.ImageItem()
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.hist.addItem(self.image)
        self.curves = {}
        _controls_above(self, [QLabel("Histogram of"), self.layer, self.kind], self.plots)
        self.history = None
        self.layer.currentTextChanged.connect(self._redraw_histogram)
        self.kind.currentTextChanged.connect(self._redraw_histogram)

    def update_history(self, history):
        self.history = history
        steps = history.array("steps", "step")
        for i, (layer, values) in enumerate(history.grad_norms.items()):
            if layer not in self.curves:
                pen = pg.mkPen(class_color(i), width=1.5)
                self.curves[layer] = self.norms.plot(pen=pen, name=layer)
                self.layer.addItem(layer)
            y = np.asarray(values, dtype=np.float64)
            keep = np.isfinite(y) & (y > 0)  # log axis: zeros cannot be drawn
            self.curves[layer].setData(steps[keep], y[keep])
        self._redraw_histogram()

    def clear(self):
        for curve in self.curves.values():
            self.norms.removeItem(curve)
        self.norms.legend.clear()
        self.curves = {}
        self.layer.clear()
        self.image.clear()

    @Slot()
    def _redraw_histogram(self):
        h, layer = self.history, self.layer.currentText()
        if h is None or not layer:
            return
        steps, edges, counts = h.histogram_matrix(layer, self.kind.currentText())
        if len(steps) == 0:
            self.image.clear()
            return
        # log: a few large counts would otherwise wash out the shape of the rest
        self.image.setImage(np.log1p(counts), autoLevels=True)
        width = max(steps[-1] - steps[0], 1) * len(steps) / max(len(steps) - 1, 1)
        self.image.setRect(QRectF(steps[0], edges[0], width, edges[-1] - edges[0]))


METRICS = {
    "test accuracy": ("evals", "test_accuracy"),
    "test loss": ("evals", "test_loss"),
    "train loss (per epoch)": ("epochs", "loss"),
    "train accuracy (per epoch)": ("epochs", "accuracy"),
}


class CompareView(QWidget):
    """Several runs' curves on one plot, each labelled with the settings that set it apart."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.metric_box = QComboBox()
        self.metric_box.addItems(list(METRICS))
        self.clear_button = QPushButton("Forget runs")
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "step")
        cache_decorations(self.plot.getPlotItem())
        self.legend = _legend(self.plot.getPlotItem(), (-10, -10))
        _controls_above(self, [QLabel("Compare"), self.metric_box, self.clear_button], self.plot)
        self.runs = []
        self.current = None
        self.metric_box.currentTextChanged.connect(self.redraw)
        self.clear_button.clicked.connect(self.forget)

    def set_runs(self, runs, current=None):
        """``runs``: finished Run objects; ``current``: the Run still training (or None)."""
        self.runs, self.current = list(runs), current
        self.redraw()

    @Slot()
    def forget(self):
        self.set_runs([], self.current)

    @Slot()
    def redraw(self):
        self.plot.clear()
        self.legend.clear()
        table, key = METRICS[self.metric_box.currentText()]
        runs = self.runs + ([self.current] if self.current is not None else [])
        if not runs:
            return
        for i, (run, label) in enumerate(zip(runs, legends(runs))):
            x, y = _xy(run.history, table, key)
            current = run is self.current
            pen = pg.mkPen(class_color(i), width=2.5 if current else 1.5,
                           style=pg.QtCore.Qt.PenStyle.SolidLine)  # fmt: skip
            self.plot.plot(x, y, pen=pen, name=label + (" (now)" if current else ""))

"""What the model does with the data, live: decision boundary, neuron heatmaps, confusion
matrix, test images with predictions. Each view draws numbers from ``LiveViews.latest()``."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QTabWidget

from .colors import diverging_image
from .previews import ImageGridView, PointsView, cache_decorations, mosaic

MAX_NEURONS_SHOWN = 16
FRAME = (190, 190, 190)
MAX_CONFUSION_LABELS = 12


class NeuronView(pg.GraphicsLayoutWidget):
    """Small heatmaps of each neuron's output over the input plane, one block per layer (blue
    negative, white zero, orange positive; each neuron on its own scale, so a weak one still
    shows its shape), as TF Playground draws its hidden units."""

    columns = 8

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.view.addItem(self.image)
        self.labels: list[pg.TextItem] = []
        self.layers: list[str] = []

    def set_grids(self, grids: dict):
        if not grids:
            return
        blocks, tops = [], []
        res = next(iter(grids.values())).shape[-1]
        band = res // 2 + 4  # white room above each block for the layer's name
        for g in grids.values():
            g = g[:MAX_NEURONS_SHOWN][:, ::-1]  # flip y: row 0 of the grid is the lowest y
            tiles = np.stack([diverging_image(n) for n in g]).transpose(0, 3, 1, 2) / 255.0
            frames = [FRAME] * len(tiles)  # a dead (all-zero) neuron is a white tile: frame it
            blocks.append(mosaic(tiles, min(self.columns, len(tiles)), gap=1, borders=frames))
        width = max(b.shape[1] for b in blocks)
        parts, y = [], 0
        for b in blocks:
            tops.append(y)
            pad = np.full((band + b.shape[0], width, 3), 255, np.uint8)
            pad[band:, : b.shape[1]] = b
            parts.append(pad)
            y += pad.shape[0]
        picture = np.concatenate(parts)
        self.image.setImage(picture.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        if list(grids) != self.layers:
            self.layers = list(grids)
            for item in self.labels:
                self.view.removeItem(item)
            self.labels = []
            for top, (name, g) in zip(tops, grids.items()):
                item = pg.TextItem(f"{name}: {len(g)} neurons", color=(60, 60, 60))
                item.setPos(0, top)
                self.view.addItem(item)
                self.labels.append(item)
            self.view.autoRange(padding=0.02)


class ConfusionView(pg.PlotWidget):
    """Counts of (true class, predicted class) on the test set: rows true, columns predicted,
    coloured by the fraction of each true class."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.image = pg.ImageItem()
        self.image.setLookupTable(pg.colormap.get("CET-L12").getLookupTable(nPts=256))
        self.addItem(self.image)
        self.invertY(True)
        self.setLabel("left", "true class")
        self.setLabel("bottom", "predicted class")
        self.setMouseEnabled(False, False)
        cache_decorations(self.getPlotItem())
        self.texts: list[pg.TextItem] = []
        self.classes = None

    def set_matrix(self, counts: np.ndarray, classes=None):
        k = len(counts)
        if k == 0:
            return
        fraction = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        self.image.setImage(fraction.T, levels=(0, 1))  # ImageItem's first axis is x (columns)
        self.image.setRect(QRectF(-0.5, -0.5, k, k))
        names = list(classes) if classes and len(classes) == k else [str(i) for i in range(k)]
        if names != self.classes:
            self.classes = names
            ticks = [[(i, n) for i, n in enumerate(names)]] if k <= MAX_CONFUSION_LABELS else None
            for axis in ("left", "bottom"):
                self.getAxis(axis).setTicks(ticks)
            for t in self.texts:
                self.removeItem(t)
            self.texts = []
            if k <= MAX_CONFUSION_LABELS:
                for i in range(k * k):
                    t = pg.TextItem("", anchor=(0.5, 0.5), color=(20, 20, 20))
                    t.setPos(i % k, i // k)
                    self.addItem(t)
                    self.texts.append(t)
            self.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, k - 0.5), padding=0.02)
        for i, t in enumerate(self.texts):
            r, c = divmod(i, k)
            t.setText(str(int(counts[r, c])))
            t.setColor((255, 255, 255) if fraction[r, c] > 0.6 else (20, 20, 20))


class OutputTabs(QTabWidget):
    """The live views that apply to the data: boundary and neurons for 1-D/2-D inputs,
    confusion matrix for classification, a prediction grid for images."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points = PointsView()
        self.neurons = NeuronView()
        self.confusion = ConfusionView()
        self.images = ImageGridView()
        self.classes = None
        self.views = {}
        self.currentChanged.connect(lambda _: self.update_views(self.views))

    def set_data(self, train, test, info):
        """Choose the tabs for this data and show its points."""
        self.views = {}  # the last data's views must not be drawn on the new data
        self.clear()
        self.classes = info.classes if info is not None else None
        points = info is not None and info.kind == "points"
        if points:
            self.addTab(self.points, "Decision boundary" if info.classes else "Prediction")
            self.points.setAspectLocked(info.input_shape == (2,))  # x and y are alike only in 2-D
            self.points.set_data(train, test, info.classes)
        if points and info.input_shape == (2,):
            self.addTab(self.neurons, "Neurons")
        if info is not None and info.task == "classification":
            self.addTab(self.confusion, "Confusion matrix")
        if info is not None and info.kind == "images":
            self.addTab(self.images, "Test predictions")

    def update_views(self, views: dict):
        """Draw the tab in sight (a hidden one is drawn when it is shown)."""
        self.views = views
        shown = self.currentWidget()
        if shown is self.points and views.get("grid") is not None:
            self.points.set_grid(views["grid"])
        if shown is self.neurons and views.get("neurons"):
            self.neurons.set_grids(views["neurons"])
        if shown is self.confusion and views.get("confusion") is not None:
            self.confusion.set_matrix(views["confusion"], self.classes)
        p = views.get("predictions")
        if shown is self.images and p is not None:
            names = self.classes or []

            def name(k):
                return str(names[int(k)]) if int(k) < len(names) else str(int(k))

            captions = [name(pr) if ok else f"{name(pr)} (is {name(t)})"
                        for pr, t, ok in zip(p.predicted, p.targets, p.correct)]  # fmt: skip
            self.images.set_images(p.inputs, captions, mistakes=~p.correct)

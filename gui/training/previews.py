"""Pictures of a dataset: points in the plane, a grid of images, a table of rows.

Shared by the data panel (preview) and the training panel (points under the decision boundary,
test images with their predictions).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem, QTableWidget, QTableWidgetItem

from .colors import MISTAKE, class_color, diverging_image, probability_image

MAX_TABLE_ROWS = 200


def cache_decorations(plot):
    """Keep a plot's axes and title as pixmaps: replaying their tick labels' text was the
    largest part of a frame; a cached axis is drawn again only when its range changes."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        if axis is not None:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.titleLabel.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _arrays(dataset):
    """(x, y) numpy arrays of a dataset holding tensors ``.data`` and ``.targets``."""
    return dataset.data.numpy(), dataset.targets.numpy()


class PointsView(pg.PlotWidget):
    """Samples with 1 or 2 features: 2-D points coloured by class (or by value, for
    regression), 1-D as (x, y); a model's decision grid can be painted underneath."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setAspectLocked(False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.addItem(self.image)
        self.curve = self.plot(pen=pg.mkPen((40, 40, 40), width=2))
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(40, 40, 40, 160))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=1.2))
        self.addItem(self.train_points)
        self.addItem(self.test_points)
        cache_decorations(self.getPlotItem())
        # the heatmap below them changes every frame, the points do not
        for points in (self.train_points, self.test_points):
            points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_data(self, train, test=None, classes=None):
        """Show a train set (and a test set, outlined in white) with 1 or 2 features."""
        for item, ds in ((self.train_points, train), (self.test_points, test)):
            if ds is None or len(ds) == 0:
                item.clear()
                continue
            x, y = _arrays(ds)
            x = x.reshape(len(x), -1)
            if x.shape[1] == 1:  # one feature: plot the target against it
                item.setData(x[:, 0], y.reshape(len(y), -1)[:, 0], brush=pg.mkBrush(31, 119, 180))
            elif classes:
                brushes = [pg.mkBrush(*class_color(int(k))) for k in y.reshape(-1)]
                item.setData(x[:, 0], x[:, 1], brush=brushes)
            else:
                rgb = diverging_image(y.reshape(-1) - y.mean())
                item.setData(x[:, 0], x[:, 1], brush=[pg.mkBrush(*c) for c in rgb])
        self.image.clear()
        self.curve.setData([], [])
        self.autoRange()

    def set_grid(self, grid):
        """Paint a ``Grid`` from ``edutorch.training.decision_grid`` under the points."""
        if grid is None:
            return
        if grid.kind == "curve":
            self.curve.setData(grid.xs, grid.values[:, 0])
            return
        rgb = (probability_image(grid.values) if grid.kind == "probabilities"
               else diverging_image(grid.values - np.median(grid.values)))  # fmt: skip
        # ImageItem's first axis is x (column-major); the grid's is y (row by row)
        self.image.setImage(rgb.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        dx = (grid.xs[-1] - grid.xs[0]) / max(len(grid.xs) - 1, 1)
        dy = (grid.ys[-1] - grid.ys[0]) / max(len(grid.ys) - 1, 1)
        self.image.setRect(QRectF(grid.xs[0] - dx / 2, grid.ys[0] - dy / 2,
                                  dx * len(grid.xs), dy * len(grid.ys)))  # fmt: skip


def mosaic(images, columns, gap=2, borders=None, below=0):
    """(n, C, H, W) in [0, 1] -> one RGB uint8 picture (rows, columns of tiles) with ``gap``
    white pixels between tiles and ``below`` more under each row (room for captions);
    ``borders[i]`` (an RGB tuple or None) frames tile i."""
    n, c, h, w = images.shape
    rows = -(-n // columns)
    pitch = h + gap + below
    out = np.full((rows * pitch + gap, columns * (w + gap) + gap, 3), 255, np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = gap + r * pitch, gap + col * (w + gap)
        tile = np.clip(images[i], 0, 1).transpose(1, 2, 0) * 255
        tile = np.repeat(tile, 3, axis=2) if c == 1 else tile[:, :, :3]
        out[top : top + h, left : left + w] = tile
        if borders is not None and borders[i] is not None:
            out[top - gap : top + h + gap, left - gap : left] = borders[i]
            out[top - gap : top + h + gap, left + w : left + w + gap] = borders[i]
            out[top - gap : top, left - gap : left + w + gap] = borders[i]
            out[top + h : top + h + gap, left - gap : left + w + gap] = borders[i]
    return out


class ImageGridView(pg.GraphicsLayoutWidget):
    """A grid of images, each with a caption; mistakes framed in red."""

    def __init__(self, parent=None, columns=8):
        super().__init__(parent)
        self.setBackground("w")
        self.columns = columns
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.view.addItem(self.image)
        self.captions: list[pg.TextItem] = []

    def set_images(self, images, captions=(), mistakes=None):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or len(images) == 0:
            self.image.clear()
            return
        n, _, h, w = images.shape
        columns = min(self.columns, n)
        borders = None if mistakes is None else [MISTAKE if m else None for m in mistakes]
        gap = max(1, h // 12)
        below = h // 2 if captions else 0  # white room under each row for the captions
        picture = mosaic(images, columns, gap, borders, below)
        self.image.setImage(picture.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        for item in self.captions:
            self.view.removeItem(item)
        self.captions = []
        for i, text in enumerate(captions):
            r, col = divmod(i, columns)
            wrong = mistakes is not None and mistakes[i]
            item = pg.TextItem(text, color=MISTAKE if wrong else (30, 30, 30), anchor=(0.5, 0))
            item.setPos(gap + col * (w + gap) + w / 2, gap + r * (h + gap + below) + h + gap)
            self.view.addItem(item)
            self.captions.append(item)
        self.view.autoRange(padding=0.01)


class TableView(QTableWidget):
    """The first rows of a dataset: one column per feature, then the label."""

    def set_dataset(self, dataset, classes=None):
        x, y = _arrays(dataset)
        x = x.reshape(len(x), -1)
        rows = min(len(x), MAX_TABLE_ROWS)
        names = list(getattr(dataset, "feature_names", None) or
                     [f"x{i}" for i in range(x.shape[1])])  # fmt: skip
        label = getattr(dataset, "label_name", None) or "label"
        y = y.reshape(len(y), -1)
        self.clear()
        self.setRowCount(rows)
        self.setColumnCount(x.shape[1] + y.shape[1])
        labels = [label] if y.shape[1] == 1 else [f"{label}{t}" for t in range(y.shape[1])]
        self.setHorizontalHeaderLabels(names + labels)
        for r in range(rows):
            for c, v in enumerate(x[r]):
                self.setItem(r, c, QTableWidgetItem(f"{v:.4g}"))
            for c, v in enumerate(y[r]):
                text = classes[int(v)] if classes and y.shape[1] == 1 else f"{v:.4g}"
                self.setItem(r, x.shape[1] + c, QTableWidgetItem(str(text)))

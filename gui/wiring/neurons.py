"""Per-neuron heatmaps on the canvas, as TF Playground draws them: under each block of a small
MLP on 2-D data, one tile per neuron showing its output over the input plane (blue negative,
white zero, orange positive). The pictures come from the training panel's live views."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem

from edutorch_studio.training.colors import diverging_image
from edutorch_studio.training.previews import mosaic

REFRESH_MS = 250  # the canvas is not the main view of a run: 4 pictures a second are enough
MAX_NEURONS = 24
TILE = 15.0  # a tile's width on the canvas, in scene units
GAP = 5.0  # between the box and its tiles
FRAME = (200, 200, 200)  # a dead (all-zero) neuron is a white tile: frame every tile


class NeuronOverlay(QObject):
    """Keeps the tiles under the canvas nodes up to date while the panel has live views."""

    def __init__(self, scene, panel, parent=None) -> None:
        super().__init__(parent)
        self.scene, self.panel = scene, panel
        self.strips: dict[str, QGraphicsPixmapItem] = {}
        self._version = None
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def follow(self, running: bool) -> None:
        """Refresh now, and on a timer while a run is going."""
        self.refresh()
        if running:
            self.timer.start()
        else:
            self.timer.stop()

    @Slot()
    def refresh(self, force: bool = False) -> None:
        views = self.panel.latest_views()
        if not force and views.get("version") == self._version:
            return
        self._version = views.get("version")
        grids = views.get("neurons") or {}
        for node_id in list(self.strips):
            if node_id not in grids or node_id not in self.scene.nodes:
                self._drop(node_id)
        for node_id, grid in grids.items():
            node = self.scene.nodes.get(node_id)
            if node is not None:
                self._show(node_id, node, np.asarray(grid)[:MAX_NEURONS])

    def _show(self, node_id: str, node, grid: np.ndarray) -> None:
        strip = self.strips.get(node_id)
        if strip is None or strip.parentItem() is not node:  # the scene rebuilt the node
            strip = QGraphicsPixmapItem(node)
            strip.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            self.strips[node_id] = strip
        columns = max(1, int((node.width + 1) // (TILE + 1)))
        tiles = np.stack([diverging_image(g[::-1]) for g in grid])  # row 0 is the lowest y
        picture = mosaic(tiles.transpose(0, 3, 1, 2) / 255.0, min(columns, len(tiles)), gap=1,
                         borders=[FRAME] * len(tiles))  # fmt: skip
        strip.setPixmap(pixmap(picture))
        strip.setScale((TILE + 1) / (grid.shape[-1] + 1))  # one tile (and its gap) per TILE
        strip.setPos(0, node.height + GAP)
        strip.setToolTip(f"{node_id}: each neuron's output over the input plane")

    def _drop(self, node_id: str) -> None:
        strip = self.strips.pop(node_id)
        if strip.scene() is not None:
            strip.scene().removeItem(strip)

    def clear(self) -> None:
        self.timer.stop()
        for node_id in list(self.strips):
            self._drop(node_id)
        self._version = None


def pixmap(rgb: np.ndarray) -> QPixmap:
    """(h, w, 3) uint8 -> QPixmap (copied: the array may go)."""
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QPixmap.fromImage(QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())

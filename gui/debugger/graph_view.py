"""The recorded ops as a graph, laid out left to right; modules fold into one box at a chosen
depth, and the current step's node is highlighted."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from edutorch.trace import analysis

FILL = {"op": "#dbeafe", "tensor": "#f3f4f6", "param": "#fef3c7", "module": "#e0e7ff"}
HIGHLIGHT = {"forward": QColor("#2563eb"), "backward": QColor("#ea580c")}
COLUMN, ROW, WIDTH, HEIGHT = 150, 46, 126, 34  # grid spacing and box size in scene pixels
READABLE = 0.85  # the zoom a graph opens at


class NodeItem(QGraphicsRectItem):
    """One box: an op, a tensor, a parameter or a folded module."""

    def __init__(self, node, x: float, y: float) -> None:
        super().__init__(0, 0, WIDTH, HEIGHT)
        self.node = node
        self.setPos(x, y)
        self.setBrush(QBrush(QColor(FILL.get(node.kind, "#ffffff"))))
        self.setPen(QPen(QColor("#6b7280"), 1))
        self.setFlag(QGraphicsRectItem.GraphicsItemFlag.ItemIsSelectable)
        ops = f"{node.count} op" + ("s" if node.count != 1 else "")
        text = node.label if node.kind != "module" else f"{node.label} ({ops})"
        if node.shape is not None and node.kind != "tensor":
            text += "\n" + ("×".join(str(s) for s in node.shape) or "scalar")
        label = QGraphicsSimpleTextItem(text, self)
        rect = label.boundingRect()
        scale = min(1.0, (WIDTH - 6) / max(1.0, rect.width()))  # long names shrink to fit
        label.setScale(scale)
        label.setPos((WIDTH - rect.width() * scale) / 2, (HEIGHT - rect.height() * scale) / 2)
        self.setToolTip(f"{node.kind} {node.label}\nmodule: {node.module or '(top level)'}")

    def set_highlight(self, colour: QColor | None) -> None:
        self.setPen(QPen(colour, 3) if colour is not None else QPen(QColor("#6b7280"), 1))


class GraphView(QWidget):
    """``set_tape`` draws the tape's graph; ``set_step`` highlights the node of a step."""

    nodeActivated = Signal(str)  # a node was double-clicked: its id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.depth = QSpinBox(self)
        self.depth.setRange(0, 9)
        self.depth.setSpecialValueText("every op")
        self.depth.setPrefix("fold modules deeper than ")
        self.depth.setToolTip("0 shows every op; 1 folds each top-level module into one box")
        fit = QPushButton("Fit", self)
        fit.clicked.connect(lambda: self.fit())  # a lambda drops clicked's `checked` argument
        self.scene = QGraphicsScene(self)
        self.view = _View(self.scene, self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Recorded ops"))
        top.addStretch(1)
        top.addWidget(self.depth)
        top.addWidget(fit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.items: dict = {}  # node id -> NodeItem
        self.graph = None
        self._tape = None
        self._step_nodes: list = []
        self._current: tuple = (None, None)  # (node id, kind) highlighted now
        self._step = -1  # the step shown, highlighted again after a rebuild
        self.depth.valueChanged.connect(self._rebuild)
        self.view.activated.connect(self._activated)

    def set_tape(self, tape) -> None:
        self._tape, self._step = tape, -1
        self._rebuild()

    def _rebuild(self, *_) -> None:
        self.scene.clear()
        self.items = {}
        self._current = (None, None)
        if self._tape is None:
            return
        depth = self.depth.value() or None
        self.graph = self._tape.graph(collapse_depth=depth)
        self._step_nodes = analysis.step_nodes(self.graph, self._tape)
        place = analysis.layered_layout(self.graph)
        for node in self.graph.nodes:
            layer, row = place[node.id]
            item = NodeItem(node, layer * COLUMN, row * ROW)
            self.scene.addItem(item)
            self.items[node.id] = item
        for src, dst in self.graph.edges:
            self.scene.addItem(_edge(self.items[src], self.items[dst]))
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self.view.resetTransform()  # readable boxes; the view scrolls to follow the current step
        self.view.scale(READABLE, READABLE)
        self.set_step(self._step)

    def fit(self) -> None:
        """The whole graph in view (small for big models; the wheel zooms back in)."""
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def set_step(self, step: int) -> None:
        """Highlight the node of ``step``: blue in the forward pass, orange in the backward."""
        self._step = step
        if self._tape is None or not 0 <= step < len(self._step_nodes):
            return
        node_id, kind = self._step_nodes[step], self._tape.steps[step].kind
        if (node_id, kind) == self._current:
            return
        old = self.items.get(self._current[0])
        if old is not None:
            old.set_highlight(None)
        self._current = (node_id, kind)
        item = self.items.get(node_id)
        if item is not None:
            item.set_highlight(HIGHLIGHT[kind])
            self.view.ensureVisible(item, 40, 40)

    def current_node(self) -> str | None:
        return self._current[0]

    def selected_node(self) -> str | None:
        selected = [i for i in self.scene.selectedItems() if isinstance(i, NodeItem)]
        return selected[0].node.id if selected else None

    def steps_of(self, node_id: str) -> list:
        return [i for i, n in enumerate(self._step_nodes) if n == node_id]

    def _activated(self, item) -> None:
        if isinstance(item, NodeItem):
            self.nodeActivated.emit(item.node.id)


class _View(QGraphicsView):
    activated = Signal(object)

    def __init__(self, scene, parent) -> None:
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and item.parentItem() is not None:  # the label -> its box
            item = item.parentItem()
        self.activated.emit(item)

    def wheelEvent(self, event) -> None:
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)


def _edge(a: NodeItem, b: NodeItem) -> QGraphicsPathItem:
    """A curve from the right side of ``a`` to the left side of ``b``."""
    start = a.pos() + QPointF(WIDTH, HEIGHT / 2)
    end = b.pos() + QPointF(0, HEIGHT / 2)
    path = QPainterPath(start)
    dx = (end.x() - start.x()) / 2
    path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
    item = QGraphicsPathItem(path)
    item.setPen(QPen(QColor("#9ca3af"), 1.2))
    item.setZValue(-1)
    return item

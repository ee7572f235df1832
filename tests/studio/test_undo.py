"""Every edit is one undo step: undo gives back the graph before it, redo the graph after it."""

import pytest

pytestmark = pytest.mark.gui


def add(doc):
    doc.add_node("Dropout", {"p": 0.25}, (10.0, 20.0))


def remove_node(doc):
    doc.remove(["relu_1"], [])


def remove_edge(doc):
    doc.remove([], [("linear_2", "relu_2", 0)])


def move(doc):
    doc.move_nodes({"linear_1": (5.0, 300.0), "relu_1": (-50.0, 7.5)})


def connect(doc):
    doc.add_node("Add", position=(0.0, 400.0))
    doc.connect_ports("relu_1", "add_1", 1)


def disconnect(doc):
    doc.disconnect_ports("relu_2", "linear_3", 0)


def set_param(doc):
    doc.set_param("linear_2", "out_features", 32)


def paste(doc):
    doc.paste(doc.fragment(["linear_1", "relu_1"]), offset=(0.0, 200.0))


def auto_layout(doc):
    doc.move_nodes({n.id: (float(i), 0.0) for i, n in enumerate(doc.spec.nodes)}, "Auto-layout")


EDITS = [add, remove_node, remove_edge, move, connect, disconnect, set_param, paste, auto_layout]


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__)
def test_undo_redo_round_trip(main_window, edit):
    doc = main_window.document
    before = doc.spec.to_dict()
    edit(doc)
    after = doc.spec.to_dict()
    assert after != before
    assert doc.dirty and main_window.windowTitle().startswith("spiral-mlp (sample)*")
    steps = doc.undo_stack.count()
    for _ in range(steps):
        doc.undo_stack.undo()
    assert doc.spec.to_dict() == before
    assert not doc.dirty and "*" not in main_window.windowTitle()
    assert scene_matches(main_window)
    for _ in range(steps):
        doc.undo_stack.redo()
    assert doc.spec.to_dict() == after
    assert scene_matches(main_window)
    for _ in range(steps):  # and once more: snapshots do not wear out
        doc.undo_stack.undo()
    assert doc.spec.to_dict() == before


def scene_matches(window) -> bool:
    """The canvas shows exactly the document's nodes (where they are) and wires."""
    spec, scene = window.document.spec, window.scene
    same_nodes = {n.id: tuple(n.position) for n in spec.nodes} == {
        i: (item.x(), item.y()) for i, item in scene.nodes.items()
    }
    same_edges = {(e.src, e.dst, e.dst_port) for e in spec.edges} == set(scene.edges)
    return same_nodes and same_edges


def test_spin_box_clicks_merge_into_one_step(main_window, qtbot):
    window = main_window
    window.scene.select_only(["linear_1"])
    box = window.inspector.editors["out_features"]
    for _ in range(5):
        box.stepUp()
    assert window.document.spec.node("linear_1").params["out_features"] == 21
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.undoText() == "Set linear_1.out_features"
    window.actions["undo"].trigger()
    assert window.document.spec.node("linear_1").params["out_features"] == 16
    assert box.value() == 16  # the inspector follows undo


@pytest.mark.parametrize(
    "name, kind, set_value, expected",
    [
        (
            "shape",
            "ints",
            lambda w: (w.setText("1, 28, 28"), w.editingFinished.emit()),
            (1, 28, 28),
        ),
        ("dtype", "choice", lambda w: w.setCurrentText("int64"), "int64"),
    ],
)
def test_inspector_editors_for_each_kind(main_window, name, kind, set_value, expected):
    window = main_window
    window.scene.select_only(["input_1"])
    editor = window.inspector.editors[name]
    set_value(editor)
    assert window.document.spec.node("input_1").params[name] == expected
    window.actions["undo"].trigger()
    assert window.document.spec.node("input_1").params[name] != expected


def test_inspector_bool_float_and_validation(main_window):
    from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QSpinBox

    window = main_window
    window.scene.select_only(["linear_1"])
    bias = window.inspector.editors["bias"]
    assert isinstance(bias, QCheckBox) and bias.isChecked()
    bias.click()
    assert window.document.spec.node("linear_1").params["bias"] is False
    assert window.document.result.param_counts["linear_1"] == 32

    out = window.inspector.editors["out_features"]
    assert isinstance(out, QSpinBox) and (out.minimum(), out.maximum()) == (1, 65536)

    node = window.document.add_node("Dropout")
    window.scene.select_only([node])
    p = window.inspector.editors["p"]
    assert isinstance(p, QDoubleSpinBox) and (p.minimum(), p.maximum()) == (0.0, 1.0)
    p.setValue(0.3)
    assert window.document.spec.node(node).params["p"] == pytest.approx(0.3)

    window.scene.select_only(["input_1"])
    shape = window.inspector.editors["shape"]
    assert isinstance(shape, QLineEdit)
    assert shape.validator().validate("1, 28, x", 0)[0] != shape.validator().State.Acceptable
    assert shape.validator().validate("1, 28, 28", 0)[0] == shape.validator().State.Acceptable


def test_keyboard_and_toolbar_undo_redo(main_window):
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    window = main_window
    doc = window.document
    undo_button, redo_button = window.actions["toolbar_undo"], window.actions["toolbar_redo"]
    assert not undo_button.isEnabled() and not redo_button.isEnabled()
    doc.add_node("Tanh")
    assert undo_button.isEnabled()
    undo_key = QKeySequence(QKeySequence.StandardKey.Undo)[0]
    QTest.keyClick(window, undo_key.key(), undo_key.keyboardModifiers())
    assert not doc.spec.has_node("tanh_1") and redo_button.isEnabled()
    redo_button.trigger()
    assert doc.spec.has_node("tanh_1")
    undo_button.trigger()
    redo_key = QKeySequence(QKeySequence.StandardKey.Redo)[0]
    QTest.keyClick(window, redo_key.key(), redo_key.keyboardModifiers())
    assert doc.spec.has_node("tanh_1")
    assert window.actions["undo"].text() == "&Undo Add Tanh"

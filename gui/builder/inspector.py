"""The inspector: the selected node's type, documentation, parameter editors, count and shape."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from edutorch_studio.builder.document import disconnect_quietly
from edutorch_studio.builder.items import format_shape, format_value

SELECT_HINT = "Click a block on the canvas to see and edit its settings."
INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
INTS_PATTERN = r"^\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*$"  # "1, 28, 28"


def parse_ints(text: str, like):
    numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    if isinstance(like, int) and len(numbers) == 1:
        return numbers[0]
    return list(numbers) if isinstance(like, list) else tuple(numbers)


class Inspector(QScrollArea):
    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.editors: dict[str, QWidget] = {}
        self.overview = ("No node selected", SELECT_HINT)  # shown when no node is selected
        self.setWidgetResizable(True)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 120%;")
        self.doc = QLabel()
        self.doc.setWordWrap(True)
        self.doc.setStyleSheet("color: #5f6368;")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 6, 0, 6)
        self.params = QLabel()
        self.shape = QLabel()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c5221f;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for widget in (self.title, self.doc, self.form_host, self.params, self.shape, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)
        document.changed.connect(self._document_changed)
        document.shapesUpdated.connect(self.update_info)
        self.show_node(None)

    def show_node(self, node_id: str | None) -> None:
        from edutorch.graph.layers import LAYERS

        self.editors = {}
        while self.form.rowCount():  # a focused editor may commit as it goes: to its own node
            self.form.removeRow(0)
        self.node_id = node_id
        node = self._node()
        if node is None:
            self.node_id = None
            self.title.setText(self.overview[0])
            self.doc.setText(self.overview[1])
            for label in (self.params, self.shape, self.error):
                label.clear()
            return
        layer = LAYERS.get(node.type)
        self.title.setText(f"{node.type} — {node.id}")
        self.doc.setText((layer.doc or "").strip() if layer else "Unknown layer type.")
        for spec in layer.params if layer else []:
            editor = self._editor(spec, node.params.get(spec.name, spec.default))
            editor.setToolTip(spec.help or "")
            label = QLabel(spec.name)
            label.setToolTip(spec.help or "")
            self.form.addRow(label, editor)
            self.editors[spec.name] = editor
        self.update_info()

    def set_overview(self, title: str, description: str = "") -> None:
        """What the inspector says with nothing selected: the project and what to do."""
        text = f"{description}\n\n{SELECT_HINT}" if description else SELECT_HINT
        self.overview = (title, text)
        if self.node_id is None:
            self.show_node(None)

    def _node(self):
        if self.node_id is None:
            return None
        spec = self.document.spec
        return spec.node(self.node_id) if spec.has_node(self.node_id) else None

    # --- editors -----------------------------------------------------------------------------
    def _editor(self, spec, value) -> QWidget:
        commit = self._committer(self.node_id, spec.name)
        if spec.kind == "int":
            box = QSpinBox()
            box.setRange(bound(spec.min, -INT_LIMIT), bound(spec.max, INT_LIMIT))
            box.setKeyboardTracking(False)  # one edit when typing is done, not one per digit
            box.setValue(int(value if value is not None else box.minimum()))
            box.valueChanged.connect(commit)
            return box
        if spec.kind == "float":
            box = QDoubleSpinBox()
            box.setDecimals(6)
            box.setRange(bound(spec.min, -1e9), bound(spec.max, 1e9))
            box.setSingleStep(0.1 if box.maximum() <= 1 else 1.0)
            box.setKeyboardTracking(False)
            box.setValue(float(value if value is not None else 0.0))
            box.valueChanged.connect(commit)
            return box
        if spec.kind == "bool":
            check = QCheckBox()
            check.setChecked(bool(value))
            check.toggled.connect(commit)
            return check
        if spec.kind == "choice":
            combo = QComboBox()
            choices = list(spec.choices or [])
            combo.addItems([format_value(c) for c in choices])
            if value in choices:
                combo.setCurrentIndex(choices.index(value))
            combo.currentIndexChanged.connect(lambda i: commit(choices[i]))
            return combo
        edit = QLineEdit(format_value(value) if value is not None else "")
        if spec.kind == "ints":
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(INTS_PATTERN)))
            edit.setPlaceholderText("e.g. 1, 28, 28")
            edit.editingFinished.connect(
                lambda: commit(parse_ints(edit.text(), self._value(spec.name, spec.default)))
            )
        else:
            edit.editingFinished.connect(lambda: commit(edit.text()))
        return edit

    def _committer(self, node_id: str, name: str):
        """An editor's commit, bound to its node: the selection may have moved on meanwhile."""

        def commit(value) -> None:
            from edutorch.graph.spec import GraphError

            if not self.document.spec.has_node(node_id):
                return
            try:
                self.document.set_param(node_id, name, value)
            except (
                GraphError
            ) as exc:  # the widgets keep values in range; the library has the last word
                self.error.setText(str(exc))

        return commit

    def _value(self, name: str, default):
        node = self._node()
        return node.params.get(name, default) if node is not None else default

    # --- follow the document -----------------------------------------------------------------
    def _document_changed(self) -> None:
        node = self._node()
        if node is None:
            if self.node_id is not None:
                self.show_node(None)
            return
        for name, editor in self.editors.items():
            if name in node.params:
                set_editor_value(editor, node.params[name])

    def update_info(self) -> None:
        node = self._node()
        result = self.document.result
        if node is None or result is None:
            return
        count = result.param_counts.get(node.id)
        if count is None and node.id in result.report.node_shapes:
            count = 0  # an Input: it ran, it has no weights
        self.params.setText(f"Parameters: {'?' if count is None else f'{count:,}'}")
        shape = result.report.node_shapes.get(node.id)
        self.shape.setText(f"Output shape: {format_shape(shape)}")
        self.error.setText(result.report.errors.get(node.id, ""))

    def shutdown(self) -> None:
        disconnect_quietly(
            (self.document.changed, self._document_changed),
            (self.document.shapesUpdated, self.update_info),
        )


def bound(value, fallback):
    return fallback if value is None else value


def set_editor_value(editor: QWidget, value) -> None:
    """Show a value that changed elsewhere (undo, redo) without sending an edit back."""
    editor.blockSignals(True)
    try:
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)) and value is not None:
            editor.setValue(value)
        elif isinstance(editor, QComboBox):
            index = editor.findText(format_value(value))
            if index >= 0:
                editor.setCurrentIndex(index)
        elif isinstance(editor, QLineEdit) and not editor.hasFocus():
            editor.setText(format_value(value) if value is not None else "")
    finally:
        editor.blockSignals(False)

"""The layer palette: every layer type grouped by category, filterable, dragged onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from edutorch_studio.builder.canvas import LAYER_MIME

NAME_ROLE = Qt.ItemDataRole.UserRole


def layer_mime(type_name: str) -> QMimeData:
    """What a palette drag carries (tests drop the same data on the canvas)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode())
    mime.setText(type_name)
    return mime


class PaletteTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:
        names = [item.data(0, NAME_ROLE) for item in items if item.data(0, NAME_ROLE)]
        return layer_mime(names[0]) if names else QMimeData()


class Palette(QWidget):
    """A filter box over a tree of categories; double-click also adds a layer."""

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from edutorch.graph.layers import layer_types

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter layers…")
        self.filter.setClearButtonEnabled(True)
        self.tree = PaletteTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(12)  # long names (AdaptiveAvgPool2d) fit a narrow dock
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)

        self.categories: dict[str, QTreeWidgetItem] = {}
        for layer in layer_types():
            parent_item = self.categories.get(layer.category)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self.tree, [layer.category])
                parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not draggable
                self.categories[layer.category] = parent_item
            item = QTreeWidgetItem(parent_item, [layer.name])
            item.setData(0, NAME_ROLE, layer.name)
            item.setToolTip(0, first_line(layer.doc))
        self.tree.expandAll()
        self.filter.textChanged.connect(self.apply_filter)
        self.tree.itemDoubleClicked.connect(self._activated)

    def layer_item(self, type_name: str) -> QTreeWidgetItem | None:
        for category in self.categories.values():
            for i in range(category.childCount()):
                if category.child(i).data(0, NAME_ROLE) == type_name:
                    return category.child(i)
        return None

    def visible_layers(self) -> list[str]:
        return [
            category.child(i).data(0, NAME_ROLE)
            for category in self.categories.values()
            if not category.isHidden()
            for i in range(category.childCount())
            if not category.child(i).isHidden()
        ]

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for name, category in self.categories.items():
            shown = 0
            for i in range(category.childCount()):
                child = category.child(i)
                match = not needle or needle in child.text(0).lower() or needle in name.lower()
                child.setHidden(not match)
                shown += match
            category.setHidden(shown == 0)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, NAME_ROLE)
        if name:
            self.layerActivated.emit(name)


def first_line(text: str) -> str:
    return (text or "").strip().split("\n")[0]

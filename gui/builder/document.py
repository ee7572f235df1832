"""GraphDocument: the graph being edited, its undo stack and its latest shape check."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from edutorch_studio.builder import commands
from edutorch_studio.builder.shapes import CheckResult, ShapeChecker


class GraphDocument(QObject):
    """Every edit goes through ``undo_stack``; the canvas and inspector listen to the signals."""

    changed = Signal()  # the graph changed (an edit, undo, redo or a new graph)
    shapesUpdated = Signal()  # a new shape check result is in ``result``
    dirtyChanged = Signal(bool)

    def __init__(self, spec=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from edutorch.graph.spec import GraphSpec

        self.spec = spec if spec is not None else GraphSpec()
        self.undo_stack = QUndoStack(self)
        self.checker = ShapeChecker(parent=self)
        self.checker.finished.connect(self.shapesUpdated)
        self._forced_dirty = False
        # A bound method, not a lambda: Qt drops the connection when the document goes, before
        # the stack (its child) is deleted and says its clean state changed one last time.
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.checker.request(self.spec)

    # --- state -------------------------------------------------------------------------------
    @property
    def result(self) -> CheckResult | None:
        return self.checker.result

    @property
    def dirty(self) -> bool:
        return self._forced_dirty or not self.undo_stack.isClean()

    def _clean_changed(self, _clean: bool) -> None:
        self.dirtyChanged.emit(self.dirty)

    def mark_dirty(self) -> None:
        """Dirty with nothing to undo: a restored autosave or a model opened from Python."""
        self._forced_dirty = True
        self.dirtyChanged.emit(True)

    def set_clean(self) -> None:
        self._forced_dirty = False
        self.undo_stack.setClean()
        self.dirtyChanged.emit(self.dirty)

    def set_spec(self, spec) -> None:
        """Start over on another graph (New, Open): the undo history belongs to the old one."""
        self.spec = spec
        self.undo_stack.clear()
        self._forced_dirty = False
        self.edited()
        self.dirtyChanged.emit(self.dirty)

    # --- edits (each one is an undo command) -------------------------------------------------
    def add_node(self, type_name: str, params: dict | None = None, position=(0.0, 0.0)) -> str:
        return self._push(commands.AddNode(self, type_name, params, tuple(position)))

    def remove(self, node_ids=(), edges=()) -> None:
        if node_ids or edges:
            self._push(commands.RemoveItems(self, node_ids, edges))

    def move_nodes(self, positions: dict, text: str = "Move") -> None:
        if positions:
            self._push(commands.MoveNodes(self, positions, text))

    def connect_ports(self, src: str, dst: str, dst_port: int = 0) -> None:
        """Raises the library's GraphError, with nothing pushed, if the edge is refused."""
        self._push(commands.Connect(self, src, dst, dst_port))

    def disconnect_ports(self, src: str, dst: str, dst_port: int = 0) -> None:
        self._push(commands.Disconnect(self, src, dst, dst_port))

    def set_param(self, node_id: str, name: str, value) -> None:
        if self.spec.node(node_id).params.get(name) != value:
            self._push(commands.SetParam(self, node_id, name, value))

    def paste(self, fragment: dict, offset=(40.0, 40.0)) -> list[str]:
        return self._push(commands.Paste(self, fragment, offset)) or []

    def _push(self, command: commands.SnapshotCommand):
        # Try the edit on a copy first: a refused edit raises here, not inside Qt's push().
        command.edit(self.spec.copy())
        self.undo_stack.push(command)
        return command.result

    # --- called by the commands --------------------------------------------------------------
    def restore(self, data: dict) -> None:
        from edutorch.graph.spec import GraphSpec

        self.spec = GraphSpec.from_dict(data)
        self.edited()

    def edited(self) -> None:
        self.changed.emit()
        self.checker.request(self.spec)

    # --- helpers -----------------------------------------------------------------------------
    def fragment(self, node_ids) -> dict:
        """The selected nodes and the edges between them, as plain data (the clipboard)."""
        keep = set(node_ids)
        nodes = [
            {"id": n.id, "type": n.type, "params": dict(n.params), "position": list(n.position)}
            for n in self.spec.nodes
            if n.id in keep
        ]
        edges = [
            [e.src, e.dst, e.dst_port] for e in self.spec.edges if e.src in keep and e.dst in keep
        ]
        return {"nodes": nodes, "edges": edges}

    def shutdown(self) -> None:
        self.checker.shutdown()


def disconnect_quietly(*connections) -> None:
    """Undo ``signal.connect(slot)`` for each (signal, slot) pair, on the way out.

    Called while closing: a pair may be gone already (deleted C++ object, or never connected)."""
    for signal, slot in connections:
        try:
            signal.disconnect(slot)
        except (RuntimeError, TypeError):
            pass

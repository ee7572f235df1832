"""Undo commands for every edit of a graph document.

Each command runs its edit once and remembers the graph before and after as plain dicts: graphs
are small, and restoring a snapshot cannot drift from the edit the way a hand-written inverse can.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

SET_PARAM_ID = 1  # QUndoCommand.id(): consecutive edits of one parameter merge into one step


class SnapshotCommand(QUndoCommand):
    """Base class: subclasses implement ``edit(spec)``; undo and redo replay snapshots."""

    def __init__(self, document, text: str) -> None:
        super().__init__(text)
        self.document = document
        self.before = document.spec.to_dict()
        self.after: dict | None = None
        self.result = None

    def edit(self, spec):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def redo(self) -> None:
        if self.after is None:
            self.result = self.edit(self.document.spec)
            self.after = self.document.spec.to_dict()
            self.document.edited()
        else:
            self.document.restore(self.after)

    def undo(self) -> None:
        self.document.restore(self.before)


class AddNode(SnapshotCommand):
    def __init__(self, document, type_name: str, params: dict | None, position) -> None:
        super().__init__(document, f"Add {type_name}")
        self.args = (type_name, params, position)

    def edit(self, spec):
        type_name, params, position = self.args
        return spec.add_node(type_name, params=params, position=position).id


class RemoveItems(SnapshotCommand):
    """Delete nodes (with every edge touching them) and single edges in one step."""

    def __init__(self, document, node_ids, edges) -> None:
        super().__init__(document, f"Delete {len(node_ids) + len(edges)} item(s)")
        self.node_ids = list(node_ids)
        self.edges = [tuple(edge) for edge in edges]

    def edit(self, spec):
        for src, dst, port in self.edges:
            if src not in self.node_ids and dst not in self.node_ids:
                spec.disconnect(src, dst, port)
        for node_id in self.node_ids:
            spec.remove_node(node_id)


class MoveNodes(SnapshotCommand):
    def __init__(self, document, positions: dict, text: str = "Move") -> None:
        super().__init__(document, text)
        self.positions = positions

    def edit(self, spec):
        for node_id, (x, y) in self.positions.items():
            spec.node(node_id).position = (float(x), float(y))


class Connect(SnapshotCommand):
    verb = "Connect"

    def __init__(self, document, src: str, dst: str, dst_port: int) -> None:
        super().__init__(document, f"{self.verb} {src} → {dst}")
        self.args = (src, dst, dst_port)

    def edit(self, spec):
        spec.connect(*self.args)


class Disconnect(Connect):
    verb = "Disconnect"

    def edit(self, spec):
        spec.disconnect(*self.args)


class SetParam(SnapshotCommand):
    def __init__(self, document, node_id: str, name: str, value) -> None:
        super().__init__(document, f"Set {node_id}.{name}")
        self.key = (node_id, name)
        self.value = value

    def edit(self, spec):
        node_id, name = self.key
        spec.set_params(node_id, **{name: self.value})  # checked: a bad value raises GraphError

    def id(self) -> int:
        return SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Clicking a spin box arrow ten times is one change of one parameter, undone at once.
        if not isinstance(other, SetParam) or other.key != self.key:
            return False
        self.after = other.after
        return True


class Paste(SnapshotCommand):
    """Add copied nodes with new ids, and the edges between them."""

    def __init__(self, document, fragment: dict, offset=(40.0, 40.0)) -> None:
        super().__init__(document, f"Paste {len(fragment.get('nodes', []))} node(s)")
        self.fragment = fragment
        self.offset = offset

    def edit(self, spec):
        from edutorch.graph.spec import GraphError

        new_ids = {}
        dx, dy = self.offset
        for node in self.fragment.get("nodes", []):
            x, y = node.get("position", (0.0, 0.0))
            added = spec.add_node(
                node["type"], params=dict(node.get("params", {})), position=(x + dx, y + dy)
            )
            new_ids[node["id"]] = added.id
        for src, dst, port in self.fragment.get("edges", []):
            if src in new_ids and dst in new_ids:
                try:
                    spec.connect(new_ids[src], new_ids[dst], port)
                except GraphError:
                    pass  # an edge that no longer fits is dropped, the nodes still paste
        return list(new_ids.values())

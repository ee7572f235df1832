"""``GraphSpec``: a model as plain data: blocks (nodes) with settings, and wires (edges).

A spec holds no tensors and builds nothing by itself; ``spec.build()`` makes a ``GraphModule``
from it, ``to_dict()`` makes JSON of it. A node's output goes to any number of input *ports*;
each port takes one wire. Port numbers order the inputs of Add and Concat.

    spec = GraphSpec()
    a = spec.add_node("Input", {"shape": (2,)})
    b = spec.add_node("Linear", {"out_features": 3})
    spec.connect(a.id, b.id)          # a's output -> b's input port 0
"""

from __future__ import annotations

import copy as _copy
import keyword
import math
import re
from dataclasses import dataclass, field

from .layers import LAYERS

__all__ = ["GraphError", "NodeSpec", "EdgeSpec", "GraphSpec", "FORMAT", "VERSION"]

FORMAT = "edutorch-graph"
VERSION = 1
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# names a node id may not take: they would clash with GraphModule's own attributes, or with the
# names the exported Python file uses
_RESERVED = {"self", "x", "torch", "nn", "spec", "loss_fn", "forward", "training", "model"}
_MAX_NODES = 10_000


class GraphError(ValueError):
    """A graph that cannot be what was asked: a bad wire, a bad setting, a cycle, an unknown block.

    The message names the node (and the setting) at fault; ``node`` holds its id when there is one.
    """

    def __init__(self, message: str, node: str | None = None):
        super().__init__(message)
        self.node = node


@dataclass
class NodeSpec:
    """One block: ``id`` (a Python name such as "linear_1", also its attribute and state_dict
    prefix), ``type`` (a key of ``LAYERS``), ``params`` (all its settings) and canvas position."""

    id: str
    type: str
    params: dict = field(default_factory=dict)
    position: tuple = (0.0, 0.0)

    @property
    def layer(self):
        """The ``LayerType`` of this node."""
        return LAYERS[self.type]


@dataclass(frozen=True)
class EdgeSpec:
    """A wire from ``src``'s output to input port ``dst_port`` of ``dst``."""

    src: str
    dst: str
    dst_port: int = 0


def _snake(name: str) -> str:
    """ "MaxPool2d" -> "max_pool2d", "LeakyReLU" -> "leaky_relu": the stem of new node ids."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", "_", name).lower()


def check_node_id(node_id) -> str:
    """``node_id`` if it can name a node, else a GraphError saying why."""
    if not isinstance(node_id, str) or not _ID.fullmatch(node_id):
        raise GraphError(
            f"node id {node_id!r} is not a valid name: use letters, digits and _, starting with "
            "a letter (at most 64 characters)"
        )
    if keyword.iskeyword(node_id) or node_id in _RESERVED or _is_module_attribute(node_id):
        raise GraphError(f"node id {node_id!r} is reserved; choose another name")
    return node_id


def _is_module_attribute(name: str) -> bool:
    from ..nn import Module

    return hasattr(Module, name)


class GraphSpec:
    """Nodes and edges of a model. Methods keep it consistent: ids are unique, every wire joins
    existing nodes, and an input port takes one wire."""

    def __init__(self, nodes=None, edges=None, name: str = "model"):
        self.nodes: list[NodeSpec] = list(nodes or [])
        self.edges: list[EdgeSpec] = list(edges or [])
        self.name = name

    @classmethod
    def chain(cls, *blocks, name: str = "model") -> GraphSpec:
        """A spec of blocks wired one after another, laid out left to right.

            GraphSpec.chain(("Input", {"shape": (2,)}), ("Linear", {"out_features": 3}), "Output")

        Each block is a type name, or a (type, params) pair.
        """
        spec = cls(name=name)
        prev = None
        for block in blocks:
            kind, params = (block, None) if isinstance(block, str) else block
            node = spec.add_node(kind, params)
            if prev is not None:
                spec.connect(prev.id, node.id)
            prev = node
        spec.auto_layout()
        return spec

    def __repr__(self) -> str:
        return f"GraphSpec(name={self.name!r}, {len(self.nodes)} nodes, {len(self.edges)} edges)"

    def __eq__(self, other) -> bool:
        return isinstance(other, GraphSpec) and self.to_dict() == other.to_dict()

    # ---------------------------------------------------------------------------- nodes
    def node(self, node_id: str) -> NodeSpec:
        """The node called ``node_id`` (GraphError if there is none)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise GraphError(f"there is no node {node_id!r}", node_id)

    def has_node(self, node_id: str) -> bool:
        return any(n.id == node_id for n in self.nodes)

    def new_id(self, type: str) -> str:
        """A fresh id for a node of ``type``: "linear_1", then "linear_2", ..."""
        stem = _snake(type)
        taken = {n.id for n in self.nodes}
        i = 1
        while f"{stem}_{i}" in taken:
            i += 1
        return f"{stem}_{i}"

    def add_node(self, type: str, params=None, position=(0.0, 0.0), id: str | None = None):
        """Add a block of ``type`` (settings not given take their defaults); returns its NodeSpec.

        Raises GraphError for an unknown type, a bad setting or an id already taken.
        """
        if type not in LAYERS:
            raise GraphError(f"unknown layer type {type!r}")
        node_id = self.new_id(type) if id is None else check_node_id(id)
        if self.has_node(node_id):
            raise GraphError(f"there is already a node {node_id!r}", node_id)
        try:
            checked = LAYERS[type].check_params(params)
        except ValueError as e:
            raise GraphError(f"node {node_id!r} ({type}): {e}", node_id) from None
        node = NodeSpec(node_id, type, checked, _position(position, node_id))
        self.nodes.append(node)
        return node

    def set_params(self, node_id: str, **params) -> NodeSpec:
        """Change some settings of a node, checked (GraphError naming the setting if bad)."""
        node = self.node(node_id)
        try:
            node.params = node.layer.check_params({**node.params, **params})
        except ValueError as e:
            raise GraphError(f"node {node_id!r} ({node.type}): {e}", node_id) from None
        return node

    def remove_node(self, node_id: str) -> None:
        """Remove a node and every wire to or from it."""
        node = self.node(node_id)
        self.nodes.remove(node)
        self.edges = [e for e in self.edges if node_id not in (e.src, e.dst)]

    def rename_node(self, node_id: str, new_id: str) -> NodeSpec:
        """Give a node another id (its wires follow); the id becomes its attribute name."""
        node = self.node(node_id)
        check_node_id(new_id)
        if new_id != node_id and self.has_node(new_id):
            raise GraphError(f"there is already a node {new_id!r}", new_id)
        node.id = new_id
        self.edges = [
            EdgeSpec(new_id if e.src == node_id else e.src, new_id if e.dst == node_id else e.dst,
                     e.dst_port)
            for e in self.edges
        ]  # fmt: skip
        return node

    # ---------------------------------------------------------------------------- edges
    def connect(self, src: str, dst: str, dst_port: int | None = None) -> EdgeSpec:
        """Wire ``src``'s output to input port ``dst_port`` of ``dst``; returns the edge.

        ``dst_port`` None means port 0, or for Add and Concat the first free port.
        Raises GraphError for a wire from a node to itself, into an Input, out of an Output,
        into a port that already has a wire, or to a port the node does not have.
        """
        s, d = self.node(src), self.node(dst)
        if src == dst:
            raise GraphError(f"cannot connect {src!r} to itself", src)
        if s.layer.n_outputs == 0:
            raise GraphError(f"{src!r} is an {s.type} block: nothing comes out of it", src)
        n_in = d.layer.n_inputs
        if n_in == 0:
            raise GraphError(f"{dst!r} is an {d.type} block: it has no input to connect to", dst)
        taken = {e.dst_port for e in self.edges if e.dst == dst}
        if dst_port is None:
            dst_port = 0 if n_in != -1 else next(i for i in range(len(taken) + 1) if i not in taken)
        if type(dst_port) is not int or dst_port < 0 or (n_in != -1 and dst_port >= n_in):
            ports = "ports 0, 1, 2, ..." if n_in == -1 else f"port 0 to {n_in - 1}"
            raise GraphError(f"{dst!r} has no input port {dst_port!r} (it has {ports})", dst)
        if dst_port in taken:
            other = next(e.src for e in self.edges if e.dst == dst and e.dst_port == dst_port)
            raise GraphError(
                f"input port {dst_port} of {dst!r} is already connected (to {other!r}); "
                "disconnect it first",
                dst,
            )
        edge = EdgeSpec(src, dst, dst_port)
        self.edges.append(edge)
        return edge

    def disconnect(self, src: str | None = None, dst: str | None = None, dst_port=None) -> int:
        """Remove the wires that match every argument given (None matches any); returns how many.

        ``disconnect("a", "b")`` removes a -> b; ``disconnect(dst="b", dst_port=1)`` empties port 1.
        """
        if src is None and dst is None and dst_port is None:
            raise GraphError("disconnect needs a src, a dst or a port")

        def match(e):
            return (
                (src is None or e.src == src)
                and (dst is None or e.dst == dst)
                and (dst_port is None or e.dst_port == dst_port)
            )

        before = len(self.edges)
        self.edges = [e for e in self.edges if not match(e)]
        return before - len(self.edges)

    def inputs_of(self, node_id: str) -> list[EdgeSpec]:
        """The wires into ``node_id``, by port number."""
        return sorted((e for e in self.edges if e.dst == node_id), key=lambda e: e.dst_port)

    def outputs_of(self, node_id: str) -> list[EdgeSpec]:
        """The wires out of ``node_id``."""
        return [e for e in self.edges if e.src == node_id]

    # ---------------------------------------------------------------------------- order
    def topological_order(self) -> list[str]:
        """Node ids so that every node comes after the nodes feeding it (ties keep list order).

        Raises GraphError naming a node on a cycle.
        """
        order, cycle = self._order()
        if cycle:
            path = " -> ".join(cycle + [cycle[0]])
            raise GraphError(f"the graph has a cycle: {path}", cycle[0])
        return order

    def _order(self) -> tuple[list[str], list[str]]:
        """(ids in topological order, one cycle as a list of ids, or [] if there is none)."""
        ids = [n.id for n in self.nodes]
        known = set(ids)
        preds = {i: set() for i in ids}
        succs = {i: [] for i in ids}
        for e in self.edges:
            if e.src in known and e.dst in known:
                preds[e.dst].add(e.src)
                succs[e.src].append(e.dst)
        waiting = {i: len(preds[i]) for i in ids}
        rank = {i: k for k, i in enumerate(ids)}
        ready = [i for i in ids if not waiting[i]]
        order = []
        while ready:
            # depth-first among ready nodes: a chain stays together, which reads well in code
            current = ready.pop(0)
            order.append(current)
            new = []
            for s in succs[current]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    new.append(s)
            ready = sorted(new, key=rank.get) + ready
        if len(order) == len(ids):
            return order, []
        return order, _find_cycle({i for i in ids if waiting[i]}, preds)

    def sinks(self) -> list[str]:
        """Ids of the nodes whose output goes nowhere (Output blocks excluded)."""
        used = {e.src for e in self.edges}
        return [n.id for n in self.nodes if n.id not in used and n.layer.n_outputs]

    def auto_layout(self, dx: float = 200.0, dy: float = 110.0) -> None:
        """Place nodes left to right in columns by depth (the longest path from an Input), the
        nodes of one column spread vertically around y = 0."""
        order, _ = self._order()
        rank = {nid: k for k, nid in enumerate(order)}
        depth: dict = {}
        for nid in order:
            depth[nid] = max((depth[e.src] + 1 for e in self.inputs_of(nid) if e.src in depth),
                             default=0)  # fmt: skip
        last = max(depth.values(), default=-1)
        for n in self.nodes:  # nodes on a cycle: one more column at the end
            depth.setdefault(n.id, last + 1)
        columns: dict = {}
        for n in sorted(self.nodes, key=lambda n: rank.get(n.id, len(rank))):
            columns.setdefault(depth[n.id], []).append(n)
        for d, column in columns.items():
            for i, n in enumerate(column):
                n.position = (d * dx, (i - (len(column) - 1) / 2) * dy)

    # ------------------------------------------------------------------------- building
    def build(self, batch_size: int = 2):
        """The ``GraphModule`` (an ``nn.Module``) this spec describes."""
        from .module import GraphModule

        return GraphModule(self, batch_size=batch_size)

    def copy(self) -> GraphSpec:
        """A deep copy: changing it leaves this spec alone."""
        return GraphSpec(_copy.deepcopy(self.nodes), list(self.edges), self.name)

    # ------------------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """Plain JSON data: {"format": "edutorch-graph", "version": 1, "name", "nodes", "edges"}."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "nodes": [
                {
                    "id": n.id,
                    "type": n.type,
                    "params": _jsonable(n.params),
                    "position": [float(n.position[0]), float(n.position[1])],
                }
                for n in self.nodes
            ],  # fmt: skip
            "edges": [{"src": e.src, "dst": e.dst, "dst_port": e.dst_port} for e in self.edges],
        }

    @classmethod
    def from_dict(cls, d) -> GraphSpec:
        """The spec saved by ``to_dict``, checked entry by entry.

        Raises GraphError naming the node and setting for a bad value, an unknown layer type, a
        bad wire, or data from a newer version of edutorch.
        """
        if not isinstance(d, dict):
            raise GraphError(f"a graph must be a JSON object, got {type(d).__name__}")
        if d.get("format") != FORMAT:
            raise GraphError(f'not an edutorch graph (its "format" is {d.get("format")!r})')
        problem = version_problem(d.get("version"), VERSION, "graph")
        if problem:
            raise GraphError(problem)
        name = d.get("name", "model")
        if not isinstance(name, str):
            raise GraphError(f"the graph's name must be a string, got {name!r}")
        nodes, edges = d.get("nodes"), d.get("edges", [])
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise GraphError('the graph needs a list of "nodes" and a list of "edges"')
        if len(nodes) > _MAX_NODES:
            raise GraphError(f"the graph has {len(nodes)} nodes, more than {_MAX_NODES}")
        spec = cls(name=name)
        for i, n in enumerate(nodes):
            if not isinstance(n, dict) or not isinstance(n.get("params", {}), dict):
                raise GraphError(f"node {i} is not an object with an id, a type and params")
            node_id = n.get("id")
            check_node_id(node_id)
            kind = n.get("type")
            if not isinstance(kind, str) or kind not in LAYERS:
                raise GraphError(f"node {node_id!r} has an unknown layer type {kind!r}", node_id)
            spec.add_node(kind, n.get("params", {}), n.get("position", (0.0, 0.0)), id=node_id)
        for i, e in enumerate(edges):
            keys = ("src", "dst", "dst_port")
            if not isinstance(e, dict) or not isinstance(e.get("src"), str):
                raise GraphError(f"edge {i} is not an object with src, dst and dst_port")
            src, dst, port = (e.get(k) for k in keys)
            for end in (src, dst):
                if not isinstance(end, str) or not spec.has_node(end):
                    raise GraphError(f"edge {i} ({src!r} -> {dst!r}) refers to a missing node")
            spec.connect(src, dst, 0 if port is None else port)
        return spec


def version_problem(version, current: int, what: str) -> str | None:
    """Why data in format ``version`` cannot be read by this edutorch (None if it can)."""
    if type(version) is not int or version < 1:
        return f"the {what} has an invalid version {version!r}"
    if version > current:
        return (
            f"the {what} was saved by a newer edutorch ({what} format version {version}; this "
            f"one reads version {current}); upgrade edutorch to open it"
        )
    return None


def _position(position, node_id):
    ok = isinstance(position, (list, tuple)) and len(position) == 2
    if ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position):
        if all(math.isfinite(v) for v in position):
            return (float(position[0]), float(position[1]))
    raise GraphError(f"node {node_id!r} has an invalid position {position!r}", node_id)


def _jsonable(params: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _find_cycle(stuck: set, preds: dict) -> list[str]:
    """One cycle among ``stuck`` (the nodes Kahn's algorithm could not order), as a list of ids."""
    # every stuck node waits on a stuck predecessor, so walking back along them must loop
    node, path, seen = min(stuck), [], {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(p for p in preds[node] if p in stuck)
    return path[seen[node] :][::-1]

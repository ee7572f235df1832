"""``Tape``: what ``record()`` returns: the steps, a graph for drawing, and a text summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .events import Steps


@dataclass
class GraphNode:
    """A box in the picture: an op, a tensor, or (when collapsed) a whole module."""

    id: str
    kind: str  # "op", "tensor", "param" or "module"
    label: str
    module: str  # the module path it belongs to ("" at the top level)
    step: int | None = None  # forward step of an op (the first one, for a collapsed module)
    shape: tuple | None = None
    snapshot: object = None  # the TensorSnapshot of a tensor node
    grad: object = None  # the TensorSnapshot of its gradient, when backward was recorded
    count: int = 1  # ops folded into a collapsed module box
    signature: tuple = ()  # (op, output shape) of each op in a module box: equal boxes repeat
    params: int = 0  # parameter elements hidden inside a module box


@dataclass
class Graph:
    """Nodes, edges (source id, target id) and the module each node sits in (for clusters)."""

    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def node(self, node_id):
        return next(n for n in self.nodes if n.id == node_id)

    @property
    def modules(self) -> dict:
        """{module path: [node ids]} for drawing each module as a cluster."""
        groups: dict = {}
        for n in self.nodes:
            groups.setdefault(n.module, []).append(n.id)
        return groups


def _inside(param_name: str, module: str) -> bool:
    return param_name.startswith(module + ".")


def _prefix(path: str, depth: int | None) -> str:
    """The module box an op in ``path`` is drawn in when folding at ``depth`` ("" = none)."""
    if depth is None or not path:
        return path
    return ".".join(path.split(".")[:depth])


class Tape:
    """A recorded forward and backward pass. ``steps`` holds the events in execution order."""

    def __init__(self, max_elements: int):
        self.steps = Steps()
        self.max_elements = max_elements
        self.dropped = 0  # tensors kept as statistics + preview only
        self.dropped_bytes = 0  # how many bytes of values that saved
        self.roots: list = []

    def __len__(self):
        return len(self.steps)

    @property
    def forward(self) -> list:
        return [e for e in self.steps if e.kind == "forward"]

    @property
    def backward(self) -> list:
        return [e for e in self.steps if e.kind == "backward"]

    def gradient_of(self, tensor_id: int):
        """The gradient that reached the tensor ``tensor_id`` in the backward pass, if recorded."""
        for e in self.backward:
            fwd = self.steps[e.forward_step] if e.forward_step is not None else None
            if fwd is None:
                continue
            for out, g in zip(fwd.outputs, e.grad_outputs):
                if out.tensor_id == tensor_id and g is not None:
                    return g
        return None

    def graph(self, collapse_depth: int | None = None) -> Graph:
        """Tensors and ops as nodes, data flow as edges; modules deeper than ``collapse_depth``
        are folded into one box per module (``None`` keeps every op)."""
        graph = Graph()
        seen: dict = {}
        grads = {}
        for e in self.backward:
            if e.forward_step is None:
                continue
            for out, g in zip(self.steps[e.forward_step].outputs, e.grad_outputs):
                if g is not None:
                    grads[out.tensor_id] = g
        for e in self.backward:
            for name, g in e.accumulations:
                grads.setdefault(("param", name), g)

        def add(node):
            if node.id not in seen:
                seen[node.id] = node
                graph.nodes.append(node)
            return seen[node.id]

        producer = {}  # tensor id -> node id of whatever produced it
        hidden = set()  # parameters drawn inside a folded module box
        for e in self.forward:
            module = _prefix(e.module, collapse_depth)
            collapsed = (
                bool(collapse_depth and e.module) and e.module.count(".") + 1 >= collapse_depth
            )
            if collapsed:
                op_id = f"module:{module}"
                box = add(
                    GraphNode(op_id, "module", module, module.rpartition(".")[0], e.step, count=0)
                )
                box.count += 1
            else:
                op_id = f"op{e.step}"
                add(GraphNode(op_id, "op", e.op, module, e.step))
            if collapsed:
                box.signature += ((e.op, e.outputs[0].shape if e.outputs else ()),)
            for snap in e.inputs:
                src = producer.get(snap.tensor_id)
                if collapsed and snap.name and _inside(snap.name, module):
                    if snap.name not in hidden:  # a parameter of the folded module: count it
                        hidden.add(snap.name)
                        box.params += int(np.prod(snap.shape))
                    continue
                if src is None:  # a graph input or a parameter: draw the tensor itself
                    kind = "param" if snap.name else "tensor"
                    tid = f"t{snap.tensor_id}"
                    grad = grads.get(("param", snap.name)) if snap.name else None
                    owner = snap.name.rpartition(".")[0] if snap.name else ""
                    label = snap.name or snap.describe()
                    owner = _prefix(owner, collapse_depth)
                    add(GraphNode(tid, kind, label, owner, None, snap.shape, snap, grad))
                    src = tid
                if src != op_id and (src, op_id) not in graph.edges:
                    graph.edges.append((src, op_id))
            for snap in e.outputs:
                if collapsed:
                    producer[snap.tensor_id] = op_id
                    continue
                tid = f"t{snap.tensor_id}"
                add(GraphNode(tid, "tensor", snap.describe(), module, shape=snap.shape,
                              snapshot=snap, grad=grads.get(snap.tensor_id)))  # fmt: skip
                graph.edges.append((op_id, tid))
                producer[snap.tensor_id] = tid
        return graph

    def summary(self) -> str:
        """A text table: step, kind, op, module, shapes in -> out, and output statistics."""
        rows = [("step", "pass", "op", "module", "shapes", "mean", "std", "min", "max")]
        for e in self.steps:
            if e.kind == "forward":
                shapes = ", ".join(_shape(s) for s in e.inputs) + " -> " + _shape(e.outputs[0])
                stats = e.outputs[0].stats
            else:
                grads = [g for g in e.grad_inputs if g is not None]
                shapes = "grad " + ", ".join(_shape(g) for g in grads)
                stats = grads[0].stats if grads else None
            nums = (
                ("", "", "", "")
                if stats is None
                else tuple(f"{stats[k]:.4g}" for k in ("mean", "std", "min", "max"))
            )
            rows.append((str(e.step), e.kind, e.op, e.module or "-", shapes) + nums)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.dropped:
            lines.append(f"({self.dropped} large tensors kept as statistics and previews only, "
                         f"{self.dropped_bytes / 1e6:.1f} MB not copied)")  # fmt: skip
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Tape: {len(self.forward)} forward and {len(self.backward)} backward steps>"


def _shape(snap) -> str:
    return "(" + ", ".join(str(s) for s in snap.shape) + ")"

"""Pictures of computation graphs, like micrograd's ``draw_dot`` and torchviz.

    edutorch.viz.draw(loss, "graph.svg")            # the autograd graph behind a tensor
    edutorch.viz.draw(tape, "model.png", depth=1)   # a recorded pass, modules folded at depth 1

We write the graph in Graphviz's DOT language and let Graphviz lay it out (layered, left to
right or top to bottom). The layout program comes from the ``graphviz-pure`` package on PyPI
(``pip install "edutorch-studio[viz]"``: one self-contained binary, no system libraries); a
system Graphviz ``dot`` works too. ``to_dot`` needs neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import numpy as np

from ._tensor import Tensor
from .trace.tape import Graph, Tape

_NODE_STYLE = "  node [fontname=Helvetica, fontsize=10];"
_COLOURS = {"op": "#dbeafe", "tensor": "#f3f4f6", "param": "#fef3c7", "module": "#e0e7ff"}


def _fmt(x) -> str:
    return f"{x:.4g}"


def _values(snap_or_array, limit=4) -> str:
    """A few values, or min/mean/max for larger tensors."""
    if snap_or_array is None:
        return ""
    if hasattr(snap_or_array, "stats"):
        arr = snap_or_array.values
        stats = snap_or_array.stats
    else:
        arr = np.asarray(snap_or_array)
        stats = None
    if arr is not None and arr.size <= limit:
        return "[" + ", ".join(_fmt(v) for v in arr.reshape(-1)) + "]"
    if stats is None:
        a = arr.astype(np.float64)
        stats = {"min": a.min(), "mean": a.mean(), "max": a.max()}
    return f"min {_fmt(stats['min'])} mean {_fmt(stats['mean'])} max {_fmt(stats['max'])}"


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")" if shape else "scalar"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _node_line(node_id, label_lines, kind) -> str:
    label = "\\n".join(_escape(line) for line in label_lines if line)
    shape = "ellipse" if kind == "op" else "box"
    style = "filled,rounded" if kind != "op" else "filled"
    fill = _COLOURS[kind]
    return f'  "{node_id}" [label="{label}", shape={shape}, style="{style}", fillcolor="{fill}"];'


# ------------------------------------------------------------------ from a tensor's grad_fn graph
def _tensor_graph_dot(root: Tensor, rankdir: str) -> str:
    """Walk ``root.grad_fn`` back to the leaves (iteratively) and describe every node."""
    lines = [f"digraph edutorch {{\n  rankdir={rankdir};", _NODE_STYLE]
    seen_nodes, seen_leaves = set(), set()
    out_id = f"t{id(root)}"
    label = ["output " + _shape(root.shape), _values(root._data)]
    lines.append(_node_line(out_id, label, "tensor"))
    if root.grad_fn is None:
        return "\n".join(lines) + "\n}\n"
    lines.append(f'  "n{id(root.grad_fn)}" -> "{out_id}";')
    stack = [root.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        lines.append(_node_line(f"n{id(node)}", [node.op], "op"))
        for edge in node.edges:
            if edge is None:
                continue
            target, nr = edge
            if nr < 0:  # a leaf: draw the tensor with its value and gradient
                leaf_id = f"t{id(target)}"
                if id(target) not in seen_leaves:
                    seen_leaves.add(id(target))
                    grad = target.grad
                    label = [_shape(target.shape), "data " + _values(target._data)]
                    if grad is not None:
                        label.append("grad " + _values(grad._data))
                    lines.append(_node_line(leaf_id, label, "param"))
                lines.append(f'  "{leaf_id}" -> "n{id(node)}";')
            else:
                lines.append(f'  "n{id(target)}" -> "n{id(node)}";')
                stack.append(target)
    return "\n".join(lines) + "\n}\n"


# ------------------------------------------------------------------ from a recorded tape
def _fold_repeats(graph: Graph) -> tuple[Graph, dict]:
    """Draw a run of consecutive sibling module boxes (``blocks.1``, ``blocks.2``, ...) that did the
    same ops on the same shapes once, with a count (``×3``)."""
    rename, counts = {}, {}
    run = []

    def close_run():
        if len(run) > 1:
            counts[run[0].id] = len(run)
            for other in run[1:]:
                rename[other.id] = run[0].id
        run.clear()

    for box in (n for n in graph.nodes if n.kind == "module"):
        parent, _, last = box.label.rpartition(".")
        if run:
            prev_parent, _, prev_last = run[-1].label.rpartition(".")
            follows = (
                last.isdigit() and prev_last.isdigit() and parent == prev_parent
                and int(last) == int(prev_last) + 1 and box.signature == run[0].signature
            )  # fmt: skip
            if not follows:
                close_run()
        if last.isdigit():
            run.append(box)
    close_run()
    if not rename:
        return graph, counts
    folded = Graph(nodes=[n for n in graph.nodes if n.id not in rename])
    for src, dst in graph.edges:
        src, dst = rename.get(src, src), rename.get(dst, dst)
        if src != dst and (src, dst) not in folded.edges:
            folded.edges.append((src, dst))
    return folded, counts


def _tape_dot(tape: Tape, rankdir: str, depth: int | None) -> str:
    graph = tape.graph(collapse_depth=depth)
    graph, counts = _fold_repeats(graph)
    lines = [
        f"digraph edutorch {{\n  rankdir={rankdir};\n  compound=true;",
        _NODE_STYLE,
    ]
    clusters: dict = {}
    for n in graph.nodes:
        clusters.setdefault(n.module, []).append(n)
    for i, (module, nodes) in enumerate(sorted(clusters.items())):
        indent = "  "
        if module:
            lines.append(f'  subgraph cluster_{i} {{\n    label="{_escape(module)}";')
            lines.append('    style="rounded,dashed"; color="#6366f1";')
            indent = "    "
        for n in nodes:
            if n.kind == "module":
                times = f" ×{counts[n.id]}" if n.id in counts else ""
                ops = n.signature[0][0] if n.count == 1 else f"{n.count} ops"
                params = f", {n.params:,} params" if n.params else ""
                label = [n.label + times, ops + params]
            elif n.kind == "op":
                label = [n.label, f"step {n.step}"]
            else:
                label = [n.label if n.kind == "param" else _shape(n.shape)]
                if n.snapshot is not None:
                    label.append(_values(n.snapshot))
                if n.grad is not None:
                    label.append("grad " + _values(n.grad))
            lines.append(indent + _node_line(n.id, label, n.kind).strip())
        if module:
            lines.append("  }")
    for src, dst in graph.edges:
        lines.append(f'  "{src}" -> "{dst}";')
    return "\n".join(lines) + "\n}\n"


def to_dot(obj, rankdir: str = "LR", depth: int | None = 1) -> str:
    """The DOT text for a tensor's autograd graph or a tape (``depth``: fold modules below it)."""
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB', got {rankdir!r}")
    if isinstance(obj, Tensor):
        return _tensor_graph_dot(obj, rankdir)
    if isinstance(obj, Tape):
        return _tape_dot(obj, rankdir, depth)
    raise TypeError(f"edutorch.viz.draw expects a Tensor or a trace Tape, not {type(obj).__name__}")


def layout_program() -> str | None:
    """The Graphviz program we will call: graphviz-pure if installed, else a system ``dot``."""
    return shutil.which("graphviz-pure") or shutil.which("dot")


def draw(obj, path, rankdir: str = "LR", depth: int | None = 1) -> str:
    """Draw a tensor's graph or a tape to ``path`` (.svg, .png or .dot); returns the path."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in ("svg", "png", "dot", "gv", "pdf"):
        raise ValueError(f"edutorch.viz.draw: unsupported file type '.{fmt}' (use .svg/.png/.dot)")
    dot = to_dot(obj, rankdir, depth)
    if fmt in ("dot", "gv"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(dot)
        return path
    program = layout_program()
    if program is None:
        raise RuntimeError(
            "edutorch.viz.draw needs Graphviz to lay out the graph: pip install graphviz-pure "
            '(or pip install "edutorch-studio[viz]"), or install the system package graphviz. '
            "edutorch.viz.to_dot(...) gives the DOT text without it."
        )
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix="." + fmt, dir=directory)
    os.close(fd)
    try:
        result = subprocess.run(
            [program, f"-T{fmt}", "-o", tmp], input=dot.encode(), capture_output=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"Graphviz failed: {result.stderr.decode(errors='replace').strip()}")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it normal rights
        os.replace(tmp, path)  # atomic: a failed drawing never leaves half a file behind
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path

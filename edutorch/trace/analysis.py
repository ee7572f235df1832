"""What a debugger wants to know about a tape, computed without any GUI.

anomalies = find_anomalies(tape)      # NaN/Inf, dead ReLU, vanishing/exploding gradients
image = slice_2d(values, (0, 3))      # a 2-D picture of an N-d tensor
grid = tile_grid(maps, cols=4)        # feature maps or filters side by side
edge_magnitudes(tape, upto=12)        # {module: (forward norm, grad norm)} as of step 12
layered_layout(tape.graph())          # {node id: (layer, row)} for drawing left to right
step_nodes(graph, tape)               # the graph node each step is drawn as
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .recorder import record

CONV_OPS = ("convolution", "conv1d", "conv2d", "conv3d")

# RMS gradient thresholds: below VANISHING nothing much is learnt, above EXPLODING steps blow up.
VANISHING = 1e-7
EXPLODING = 1e3


@dataclass(frozen=True)
class Anomaly:
    """Something at one step that deserves a look."""

    step: int
    kind: str  # "nan", "inf", "dead_relu", "vanishing" or "exploding"
    message: str


def rms(snap) -> float:
    """Root mean square of a snapshot's values, from its statistics (NaN/Inf left out)."""
    size = math.prod(snap.shape)
    return snap.stats["norm"] / math.sqrt(size) if size else 0.0


def _nonfinite(step: int, label: str, snap) -> list:
    found = []
    for kind in ("nan", "inf"):
        count = snap.stats[kind]
        if count:
            found.append(Anomaly(step, kind, f"{label} has {count} {kind.upper()} value(s)"))
    return found


def event_tensors(event) -> list:
    """(label, snapshot) for every tensor of an event, in the order a viewer lists them."""
    if event.kind == "forward":
        rows = [(f"input {i}" + (f" {s.name}" if s.name else ""), s) for i, s in
                enumerate(event.inputs)]  # fmt: skip
        rows += [(f"output {i}", s) for i, s in enumerate(event.outputs)]
        return rows
    rows = [(f"grad in {i}", g) for i, g in enumerate(event.grad_outputs) if g is not None]
    rows += [(f"grad out {i}", g) for i, g in enumerate(event.grad_inputs) if g is not None]
    rows += [(f"{name}.grad +=", g) for name, g in event.accumulations]
    return rows


def step_anomalies(event, vanishing: float = VANISHING, exploding: float = EXPLODING) -> list:
    """The anomalies of one event: non-finite values anywhere, a dead ReLU in the forward pass,
    gradients whose RMS is below ``vanishing`` or above ``exploding`` in the backward pass."""
    found = []
    for label, snap in event_tensors(event):
        if event.kind == "forward" and label.startswith("input"):
            continue  # an input's NaN was flagged at the step that produced it
        found += _nonfinite(event.step, label, snap)
    if event.kind == "forward":
        out = event.outputs[0] if event.outputs else None
        if (
            event.op == "relu"
            and out is not None
            and math.prod(out.shape)
            and (out.stats["zeros"] == 1.0)
        ):
            found.append(Anomaly(event.step, "dead_relu", "dead ReLU: every output is zero"))
        return found
    for i, g in enumerate(event.grad_inputs):
        if g is None or g.stats["nan"] or g.stats["inf"] or not math.prod(g.shape):
            continue
        size = rms(g)
        if size < vanishing:
            found.append(Anomaly(event.step, "vanishing", f"grad out {i}: RMS {size:.2g} "
                                 f"(vanishing, < {vanishing:g})"))  # fmt: skip
        elif size > exploding:
            found.append(Anomaly(event.step, "exploding", f"grad out {i}: RMS {size:.2g} "
                                 f"(exploding, > {exploding:g})"))  # fmt: skip
    return found


def find_anomalies(tape, vanishing: float = VANISHING, exploding: float = EXPLODING) -> list:
    """Every anomaly on the tape, in step order (this computes every snapshot's statistics)."""
    found = []
    for event in tape.steps:
        found += step_anomalies(event, vanishing, exploding)
    return found


def describe_event(event) -> str:
    """One line: "forward · fc1 · matmul" (a backward step names the forward op it undoes)."""
    return f"{event.kind} · {event.module or '-'} · {event.op}"


class Cancelled(Exception):
    """Raised inside ``record_step`` when its ``cancelled()`` callback says stop."""


def record_step(model, x, y, loss_fn, max_elements: int = 4096, cancelled=None):
    """Record ``loss_fn(model(x), y).backward()``; returns (tape, loss value).

    The parameters' ``.grad`` are cleared first (so the tape's accumulations are this pass's
    gradients) and put back afterwards: debugging a model does not disturb its training.
    ``cancelled`` (a function returning True to stop) is checked before every module runs."""
    params = list(model.parameters())
    saved = [p.grad for p in params]
    hooks = []
    if cancelled is not None:

        def check(module, args):
            if cancelled():
                raise Cancelled("recording cancelled")

        hooks = [m.register_forward_pre_hook(check) for m in model.modules()]
    try:
        for p in params:
            p.grad = None
        with record(max_elements=max_elements) as tape:
            loss = loss_fn(model(x), y)
            loss.backward()
        return tape, float(loss.item())
    finally:
        for hook in hooks:
            hook.remove()
        for p, g in zip(params, saved):
            p.grad = g


# --- pictures of arrays ------------------------------------------------------------------


def leading_shape(shape) -> tuple:
    """The dimensions a 2-D view has to pick an index in (all but the last two)."""
    return tuple(shape[:-2])


def slice_2d(values: np.ndarray, index=()) -> np.ndarray:
    """A 2-D view of ``values``: a scalar is 1x1, a vector one row, and an N-d array the
    matrix at ``index`` in its leading dimensions (missing indices are 0)."""
    x = np.asarray(values)
    if x.ndim == 0:
        return x.reshape(1, 1)
    if x.ndim == 1:
        return x.reshape(1, -1)
    lead = x.ndim - 2
    index = tuple(index)[:lead] + (0,) * (lead - len(index))
    return x[index]


def tile_grid(stack: np.ndarray, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """Lay the images of ``stack`` (n, h, w) out in a grid, row by row, with ``pad`` NaN pixels
    between them (image viewers draw NaN as transparent). ``cols`` defaults to a square grid."""
    stack = np.asarray(stack, dtype=np.float64)
    n, h, w = stack.shape
    cols = max(1, min(n, cols or math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols) if n else 0
    grid = np.full((rows * (h + pad) - pad if rows else 0, cols * (w + pad) - pad), np.nan)
    for k in range(n):
        r, c = divmod(k, cols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = stack[k]
    return grid


def tile_position(k: int, shape: tuple, cols: int, pad: int = 1) -> tuple:
    """(row, column) of the top-left pixel of image ``k`` in a ``tile_grid`` of images of
    ``shape`` (h, w)."""
    r, c = divmod(k, cols)
    return r * (shape[0] + pad), c * (shape[1] + pad)


def _as_images(x: np.ndarray) -> np.ndarray:
    """(n, h, w) from (n, h, w), (n, l) (each a 1 x l strip) or (n, d, h, w) (depth slice 0)."""
    if x.ndim == 2:
        return x[:, None, :]
    if x.ndim == 4:
        return x[:, x.shape[1] // 2]  # a 3-D map: its middle depth slice
    return x


def is_conv(event) -> bool:
    return event.op in CONV_OPS


def feature_maps(values: np.ndarray, sample: int = 0) -> tuple:
    """The channels of one sample of a conv activation (N, C, ...) as a grid; returns
    (grid, cols)."""
    maps = _as_images(np.asarray(values)[sample])
    cols = math.ceil(math.sqrt(len(maps))) if maps.shape[1] > 1 else 1
    return tile_grid(maps, cols), cols


def filter_grid(weight: np.ndarray) -> tuple:
    """A conv weight (out, in, k...) as a grid: one row per output channel, one column per
    input channel (a square grid when there are too many input channels); returns (grid, cols)."""
    w = np.asarray(weight)
    out, inp = w.shape[:2]
    images = _as_images(w.reshape((out * inp,) + w.shape[2:]))
    cols = inp if inp <= 16 else math.ceil(math.sqrt(len(images)))
    return tile_grid(images, cols), cols


def conv_views(tape, event) -> tuple:
    """The snapshots a conv step shows as pictures: (feature maps, filters), or (None, None).

    Forward: the output activation and the weight. Backward: the incoming gradient and the
    gradient sent to the weight."""
    if not is_conv(event):
        return None, None
    if event.kind == "forward":
        weight = event.inputs[1] if len(event.inputs) > 1 else None
        return (event.outputs[0] if event.outputs else None), weight
    maps = event.grad_outputs[0] if event.grad_outputs else None
    weight = event.grad_inputs[1] if len(event.grad_inputs) > 1 else None
    return maps, weight


def histogram(values: np.ndarray, bins: int = 50) -> tuple:
    """(counts, edges) of the finite values (empty arrays when there are none)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if not x.size:
        return np.zeros(0), np.zeros(1)
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:  # a constant tensor: one bar of width 1 around it
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(x, bins=bins, range=(lo, hi))


# --- the tape as a whole ---------------------------------------------------------------


def module_paths(tape) -> list:
    """Every module path on the tape and each of its parents, in first-seen order."""
    paths: dict = {}
    for event in tape.steps:
        parts = event.module.split(".") if event.module else []
        for k in range(1, len(parts) + 1):
            paths.setdefault(".".join(parts[:k]), None)
    return list(paths)


def edge_magnitudes(tape, upto: int | None = None) -> dict:
    """{module path: (forward norm, grad norm)} of each module's output as of step ``upto``
    (the whole tape when None). A norm is None while that pass has not reached the module: a
    canvas draws data flowing forward, then gradients flowing back. The gradient is the one the
    backward pass delivers to the op that made the output (all contributions summed)."""
    upto = len(tape.steps) - 1 if upto is None else upto
    last = {}  # module path -> its last forward event (the one that made the module's output)
    for event in tape.steps[: upto + 1]:
        if event.kind != "forward":
            continue
        for path in _ancestors(event.module):
            last[path] = event
    grads = {}  # tensor id -> gradient that reached it so far
    for event in tape.steps[: upto + 1]:
        if event.kind == "backward" and event.forward_step is not None:
            for out, g in zip(tape.steps[event.forward_step].outputs, event.grad_outputs):
                if g is not None:
                    grads[out.tensor_id] = g
    result = {}
    for path, event in last.items():
        out = event.outputs[0]
        grad = grads.get(out.tensor_id)
        result[path] = (out.stats["norm"], grad.stats["norm"] if grad is not None else None)
    return result


def _ancestors(module: str) -> list:
    parts = module.split(".") if module else []
    return [".".join(parts[:k]) for k in range(1, len(parts) + 1)]


def layered_layout(graph) -> dict:
    """{node id: (layer, row)}: each node one layer right of its furthest input (longest path),
    rows numbered in order of appearance within a layer. Inputs and parameters sit just left
    of their first consumer rather than all at the far left. The graph must be acyclic, as a
    recorded forward pass is."""
    inputs: dict = {n.id: [] for n in graph.nodes}
    consumers: dict = {n.id: [] for n in graph.nodes}
    for src, dst in graph.edges:
        inputs[dst].append(src)
        consumers[src].append(dst)
    layer: dict = {}
    for node in graph.nodes:  # iterative longest path, so long chains cannot hit recursion limits
        stack = [node.id]
        while stack:
            top = stack[-1]
            todo = [s for s in inputs[top] if s not in layer]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            layer[top] = 1 + max((layer[s] for s in inputs[top]), default=-1)
    for node in graph.nodes:
        if not inputs[node.id] and consumers[node.id]:
            layer[node.id] = min(layer[c] for c in consumers[node.id]) - 1
    rows: dict = {}
    placed = {}
    for node in graph.nodes:
        d = layer[node.id]
        placed[node.id] = (d, rows.get(d, 0))
        rows[d] = rows.get(d, 0) + 1
    return placed


def step_nodes(graph, tape) -> list:
    """For each step, the id of the graph node drawn for it (a backward step: its forward op's
    node): the op box, or the innermost collapsed module box around it (None if neither)."""
    ids = {n.id for n in graph.nodes}
    boxes = {n.label: n.id for n in graph.nodes if n.kind == "module"}

    def forward_node(event):
        if f"op{event.step}" in ids:
            return f"op{event.step}"
        for path in reversed(_ancestors(event.module)):  # innermost box first
            if path in boxes:
                return boxes[path]
        return None

    nodes = []
    for event in tape.steps:
        if event.kind == "backward":
            fwd = event.forward_step
            nodes.append(nodes[fwd] if fwd is not None else None)
        else:
            nodes.append(forward_node(event))
    return nodes

"""Checking a graph: structure (``validate``) and shapes, by running it (``infer_shapes``).

``infer_shapes`` builds every block and runs it on a small dummy batch, so each wire gets the real
shape of the tensor that flows through it, and a block that fails gets the library's own message,
e.g. ``mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)``. It never raises: whatever goes
wrong becomes a message on the node at fault, for the studio to show in red.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..random import Generator, use_generator
from .spec import GraphSpec

__all__ = ["ShapeReport", "infer_shapes", "validate", "MAX_ACTIVATION"]

MAX_ACTIVATION = 20_000_000  # elements of one dummy tensor; past this a block is refused
GRAPH = ""  # the errors key for problems of the graph as a whole (no Input, an empty graph)


@dataclass
class ShapeReport:
    """What ``infer_shapes`` found. Shapes include the batch dim first: (batch, features).

    edge_shapes: {(src, dst, dst_port): shape of the tensor on that wire}
    node_shapes: {node id: shape of its output}
    errors:      {node id: message} for blocks that are wrong ("" for the graph as a whole)
    warnings:    {node id: message} for things that run but are probably a mistake
    param_counts: {node id: number of parameters} for every block that was built
    """

    edge_shapes: dict = field(default_factory=dict)
    node_shapes: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    warnings: dict = field(default_factory=dict)
    param_counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the graph builds and runs (warnings allowed)."""
        return not self.errors


def validate(spec: GraphSpec) -> dict:
    """Structural problems by node id, without building anything: unknown types, bad settings,
    unconnected inputs, cycles, blocks no Input reaches, a missing or extra Output."""
    return _structure(spec)[0]


def infer_shapes(spec: GraphSpec, batch_size: int = 2, dataset=None) -> ShapeReport:
    """Build and run ``spec`` on a dummy batch; report every wire's shape and every problem.

    Inputs get random floats of the Input's shape, or int64 zeros (valid token ids) when the Input
    is int64 or feeds an Embedding. With ``dataset`` (a name from ``edutorch.datasets.available()``
    or its ``DatasetInfo``) the Input shape, the number of classes and the loss are checked
    against it too, the loss by running it on dummy targets. Never raises.
    """
    report = ShapeReport()
    try:
        with use_generator(Generator().manual_seed(0)):  # leave the global random stream alone
            built = propagate(spec, batch_size)
        if dataset is not None and not built.errors:
            _check_dataset(spec, built, dataset, batch_size)
    except Exception as e:  # a bug here must not take the studio down: report it instead
        report.errors[GRAPH] = f"internal error while checking the graph: {_message(e)}"
        return report
    report.node_shapes = built.shapes
    report.errors = built.errors
    report.warnings = built.warnings
    report.param_counts = {
        nid: sum(p.numel() for p in m.parameters())
        for nid, m in built.modules.items()
        if m is not None
    }
    for e in spec.edges:
        if e.src in built.shapes:
            report.edge_shapes[(e.src, e.dst, e.dst_port)] = built.shapes[e.src]
    return report


# ------------------------------------------------------------------------------ structure
def _structure(spec):
    """(errors, warnings): {node id: message} each, from the nodes and wires alone."""
    errors: dict = {}
    warnings: dict = {}

    def err(nid, msg):
        errors[nid] = f"{errors[nid]}; {msg}" if nid in errors else msg

    ids = {n.id for n in spec.nodes}
    if not spec.nodes:
        return {GRAPH: "the graph is empty: add an Input, some layers and an Output"}, {}
    for e in spec.edges:
        if e.src not in ids or e.dst not in ids:
            err(e.dst if e.dst in ids else e.src if e.src in ids else GRAPH,
                f"a wire {e.src!r} -> {e.dst!r} refers to a missing node")  # fmt: skip
    for n in spec.nodes:
        layer = _layer_or_none(n)
        if layer is None:
            err(n.id, f"unknown layer type {n.type!r}")
            continue
        try:
            layer.check_params(n.params)
        except ValueError as e:
            err(n.id, str(e))
        ports = [e.dst_port for e in spec.inputs_of(n.id)]
        if layer.n_inputs == -1 and len(ports) < 2:
            err(n.id, f"{n.type} needs at least 2 inputs, it has {len(ports)}")
        elif layer.n_inputs == 1 and not ports:
            err(n.id, "its input is not connected")
        elif layer.n_inputs > 1:
            for p in sorted(set(range(layer.n_inputs)) - set(ports)):
                err(n.id, f"input {p + 1} is not connected")
    inputs = [n.id for n in spec.nodes if n.type == "Input"]
    outputs = [n.id for n in spec.nodes if n.type == "Output"]
    if not inputs:
        err(GRAPH, "the model has no Input block")
    for extra in outputs[1:]:
        err(extra, f"a model has one Output block; {outputs[0]!r} is already one")
    sinks = spec.sinks()
    if not outputs:
        for s in sinks:
            err(s, "no Output block: connect this output to an Output (which sets the loss)")
        if not sinks:
            err(GRAPH, "the model has no Output block (it sets the loss)")
    else:
        for s in sinks:
            if s not in inputs:
                warnings[s] = "its output is not used (it does not lead to the Output)"
    for out in outputs[:1]:
        _loss_advice(spec, out, warnings)
    order, cycle = spec._order()
    for nid in cycle:
        err(nid, "it is on a cycle: " + " -> ".join(cycle + [cycle[0]]))
    reached = _reachable(spec, inputs)
    for n in spec.nodes:
        if n.id not in reached and n.id not in errors and n.id not in cycle:
            err(n.id, "no data reaches it: it is not connected to an Input")
    return errors, warnings


# what usually goes right before each loss, and what to say when something else does
_BEFORE_LOSS = {
    "CrossEntropyLoss": (("Softmax", "LogSoftmax"), False, "CrossEntropyLoss applies "
                         "log-softmax itself; remove the {src} before it (raw scores go in)"),
    "NLLLoss": (("LogSoftmax",), True, "NLLLoss expects log-probabilities: put a LogSoftmax "
                "before it, or use CrossEntropyLoss on the raw scores"),
    "BCELoss": (("Sigmoid",), True, "BCELoss expects probabilities in [0, 1]: put a Sigmoid "
                "before it, or use BCEWithLogitsLoss on the raw scores"),
    "BCEWithLogitsLoss": (("Sigmoid",), False, "BCEWithLogitsLoss applies the sigmoid itself; "
                          "remove the Sigmoid before it"),
}  # fmt: skip


def _loss_advice(spec, output_id, warnings):
    loss = spec.node(output_id).params.get("loss")
    srcs = [e.src for e in spec.inputs_of(output_id) if spec.has_node(e.src)]
    if loss not in _BEFORE_LOSS or not srcs:
        return
    kinds, wanted, text = _BEFORE_LOSS[loss]
    src = spec.node(srcs[0]).type
    if (src in kinds) != wanted:
        warnings[output_id] = text.format(src=src)


def _layer_or_none(node):
    from .layers import LAYERS

    return LAYERS.get(node.type)


def _reachable(spec, starts) -> set:
    succs: dict = {}
    for e in spec.edges:
        succs.setdefault(e.src, []).append(e.dst)
    seen, todo = set(), list(starts)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(succs.get(n, []))
    return seen


# ------------------------------------------------------------------------------- running
@dataclass
class Built:
    """Every block built and run once on a dummy batch (what GraphModule and infer_shapes share)."""

    order: list
    modules: dict  # node id -> nn.Module or None, for the blocks that built
    shapes: dict  # node id -> output shape
    errors: dict
    warnings: dict
    values: dict = field(default_factory=dict)  # node id -> its output on the dummy batch


def propagate(spec: GraphSpec, batch_size: int = 2) -> Built:
    """Build each block from its input shapes, in topological order, running a dummy batch
    through it to learn its output shape. Blocks downstream of a failure are skipped silently:
    only the cause is reported."""
    from ..autograd.grad_mode import no_grad

    errors, warnings = _structure(spec)
    order, _ = spec._order()
    built = Built(order, {}, {}, errors, warnings)
    values = built.values
    rng = np.random.default_rng(0)  # dummy data never touches the global seed
    with no_grad():
        for nid in order:
            if nid in errors:
                continue
            node = spec.node(nid)
            srcs = [e.src for e in spec.inputs_of(nid)]
            if any(s not in values for s in srcs):
                continue  # something upstream failed; it carries the message
            try:
                if node.type == "Input":
                    integer = integer_input(spec, nid)
                    out = _dummy((batch_size, *node.params["shape"]), integer, rng)
                    module = None
                else:
                    out, module = _run(node, [values[s] for s in srcs])
            except Exception as e:  # the library's message, put on the block that raised it
                errors[nid] = _message(e)
                continue
            built.modules[nid] = module
            if out is not None:
                values[nid] = out
                built.shapes[nid] = tuple(out.shape)
    return built


_CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")
_NUMBER_LOSSES = ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss")


def _check_dataset(spec, built, dataset, batch_size):
    """Input shape, class count and loss against a built-in dataset's description."""
    import warnings

    from .. import datasets
    from .._creation import tensor

    info = datasets.available()[dataset] if isinstance(dataset, str) else dataset
    errors = built.errors
    inputs = [n for n in spec.nodes if n.type == "Input"]
    for node in inputs:
        if tuple(node.params["shape"]) != tuple(info.input_shape):
            errors[node.id] = (
                f"the dataset {info.name!r} gives samples of shape {tuple(info.input_shape)}; "
                f"set this Input's shape to {tuple(info.input_shape)}"
            )
    output = next(n for n in spec.nodes if n.type == "Output")
    src = spec.inputs_of(output.id)[0].src
    loss_name, loss_fn, pred = output.params["loss"], built.modules[output.id], built.values[src]
    classify = info.task == "classification"
    if errors:
        return
    if classify and loss_name in _CLASS_LOSSES:
        n = info.num_classes
        if pred.dim() < 2 or pred.shape[1] != n:
            got = pred.shape[1] if pred.dim() > 1 else "one"
            errors[output.id] = (
                f"the dataset {info.name!r} has {n} classes, but the model gives {got} scores per "
                f"sample (its output is {_shape_text(pred.shape)}); it needs {n}"
            )
            if info.target_shape and pred.dim() >= 3 and pred.shape[-1] == n:
                want = _shape_text((0, n, *info.target_shape))
                errors[output.id] = (
                    f"{loss_name} reads class scores from dim 1, so with one label per step the "
                    f"output must be {want}, not {_shape_text(pred.shape)}: add a Transpose "
                    "(dims 1 and 2) before the Output"
                )
            return
        labels = (np.arange(int(np.prod((batch_size, *info.target_shape)))) * 7 + n - 1) % n
        target = tensor(labels.reshape((batch_size, *info.target_shape)).astype(np.int64))
    elif not classify and loss_name in _CLASS_LOSSES:
        errors[output.id] = (
            f"{loss_name} needs class labels, but {info.name!r} is a regression set (numbers to "
            "predict): use MSELoss or L1Loss"
        )
        return
    elif not classify:
        target = tensor(np.zeros((batch_size, *info.target_shape), dtype=np.float32))
    else:
        built.warnings.setdefault(
            output.id,
            f"{info.name!r} is a classification set; CrossEntropyLoss is the usual loss for "
            f"class labels, not {loss_name}",
        )
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a broadcasting warning means wrong training: say so
        try:
            loss_fn(pred, target)
        except Exception as e:
            errors[output.id] = f"{loss_name} on the dataset's targets: {_message(e)}"


def _shape_text(shape) -> str:
    return "(" + ", ".join(["N", *(str(s) for s in shape[1:])]) + ")"


def integer_input(spec: GraphSpec, node_id: str) -> bool:
    """Whether an Input carries int64 token ids: it says so, or it feeds an Embedding."""
    node = spec.node(node_id)
    return node.params.get("dtype") == "int64" or any(
        spec.has_node(e.dst) and spec.node(e.dst).type == "Embedding"
        for e in spec.outputs_of(node_id)
    )


def _run(node, inputs):
    layer = node.layer
    module = layer.build(node.params, [tuple(x.shape) for x in inputs])
    if module is not None:
        module.eval()  # no dropout and no running-statistics update on the dummy batch
    out = layer.forward(module, inputs, node.params)
    if node.type == "Output":
        return None, module
    if out.numel() > MAX_ACTIVATION:
        raise ValueError(
            f"its output {tuple(out.shape)} has {out.numel():,} elements, more than the "
            f"{MAX_ACTIVATION:,} allowed here; make the model smaller"
        )
    return out, module


def _dummy(shape, integer, rng):
    from .._creation import tensor

    numel = int(np.prod(shape))
    if numel > MAX_ACTIVATION:
        raise ValueError(
            f"an input batch of shape {shape} has {numel:,} elements, more than the "
            f"{MAX_ACTIVATION:,} allowed here"
        )
    if integer:
        return tensor(np.zeros(shape, dtype=np.int64))  # index 0 exists in every Embedding
    return tensor(rng.standard_normal(shape).astype(np.float32))


def _message(e: BaseException) -> str:
    text = str(e) if not isinstance(e, KeyError) else (e.args[0] if e.args else "")
    return str(text) or type(e).__name__

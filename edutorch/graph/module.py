"""``GraphModule``: the ``nn.Module`` a ``GraphSpec`` describes, ready to train like any other.

Each block with a layer becomes a submodule named by its node id, so ``state_dict()`` keys read
``linear_1.weight``, exactly as in the class ``to_python`` writes. ``forward`` runs the blocks in
topological order and returns what flows into the Output block.
"""

from __future__ import annotations

from ..autograd.grad_mode import STATE
from ..nn import Module
from .check import propagate
from .spec import GraphError, GraphSpec

__all__ = ["GraphModule", "Block", "count_parameters"]


def count_parameters(module, trainable_only: bool = False) -> int:
    """How many numbers the model learns: the elements of all its parameters (each counted once).

    ``trainable_only`` counts only those with ``requires_grad``.
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


class Block(Module):
    """A block with no weights and no nn layer of its own (Add, Concat, Reshape, Transpose).

    It is a submodule all the same, so a recorded tape (``edutorch.trace``) names the node that
    ran each op. It holds no parameters or buffers, so ``state_dict`` keys are unchanged.
    """

    def __init__(self, layer, params):
        super().__init__()
        self.layer, self.params = layer, dict(params)

    def forward(self, *inputs):
        return self.layer.forward(None, list(inputs), self.params)

    def _get_name(self) -> str:
        return self.layer.name

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


class GraphModule(Module):
    """An ``nn.Module`` built from a ``GraphSpec`` (``GraphModule(spec)`` or ``spec.build()``).

    forward(*inputs): one tensor per Input block (in the order the spec lists them), each of shape
    (N, *shape) -> the tensor that flows into the Output block.
    ``loss_fn`` is the Output block's loss (e.g. ``nn.CrossEntropyLoss()``); ``spec`` a copy of the
    spec; ``shapes`` each node's output shape for a batch of ``batch_size``.
    Every block is the submodule named by its node id, so in a recorded tape the node that ran a
    step is ``step.module.split(".")[0]``.
    Raises GraphError (naming the node) if the spec has an error that ``infer_shapes`` reports.
    """

    def __init__(self, spec: GraphSpec, batch_size: int = 2):
        super().__init__()
        spec = spec.copy()
        built = propagate(spec, batch_size)
        if built.errors:
            nid, message = next(iter(built.errors.items()))
            where = f"{nid!r} ({spec.node(nid).type})" if nid else "the graph"
            raise GraphError(f"cannot build the model: {where}: {message}", nid or None)
        self.spec = spec
        self.shapes = built.shapes
        self._inputs = [n.id for n in spec.nodes if n.type == "Input"]
        output = next(n for n in spec.nodes if n.type == "Output")
        self._result = spec.inputs_of(output.id)[0].src
        self._calls = {}  # node id -> (LayerType, params, [input node ids]), in run order
        for nid in built.order:
            node = spec.node(nid)
            module = built.modules.get(nid)
            if node.type == "Output":
                # a plain attribute, not a submodule: the loss is no part of the model's state
                object.__setattr__(self, "loss_fn", module)
                continue
            if node.type == "Input":
                continue
            self.add_module(nid, module if module is not None else Block(node.layer, node.params))
            srcs = [e.src for e in spec.inputs_of(nid)]
            self._calls[nid] = (node.layer, node.params, srcs)
        self.train()  # building ran the blocks in eval mode; a new model trains, as in torch

    def forward(self, *inputs):
        return self._run(inputs)[self._result]

    def node_outputs(self, *inputs) -> dict:
        """{node id: its output tensor} for every block on these inputs (for pictures of what
        each layer computes, such as per-neuron heatmaps)."""
        return self._run(inputs)

    def _run(self, inputs) -> dict:
        if len(inputs) != len(self._inputs):
            names = ", ".join(self._inputs)
            raise TypeError(
                f"this model takes {len(self._inputs)} input(s) ({names}), got {len(inputs)}"
            )
        values = dict(zip(self._inputs, inputs))
        tracer = STATE.tracer
        for nid, (layer, params, srcs) in self._calls.items():
            module = self._modules[nid]
            args = [values[s] for s in srcs]
            if isinstance(module, Block):
                values[nid] = module(*args)
            elif tracer is None:
                values[nid] = layer.forward(module, args, params)
            else:  # so that picking h_n[-1] of an RNN is recorded as part of that block
                tracer.enter_module(module)
                try:
                    values[nid] = layer.forward(module, args, params)
                finally:
                    tracer.exit_module(module)
        return values

    def node_parameter_counts(self) -> dict:
        """{node id: number of parameters} for every block except Input and Output (0 if none)."""
        return {nid: count_parameters(self._modules[nid]) for nid in self._calls}

    @property
    def input_shapes(self) -> list:
        """The shape of one sample for each input, without the batch dim: [(2,)]."""
        return [tuple(self.spec.node(i).params["shape"]) for i in self._inputs]

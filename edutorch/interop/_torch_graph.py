"""``TorchGraphModule``: a studio graph (``GraphSpec``) run by PyTorch.

The torch twin of ``edutorch.graph.GraphModule``: one submodule per block, named by node id (so
``state_dict`` keys are the same), and a ``forward`` that runs the blocks in topological order
through the same layer table. This file imports torch; ``edutorch.interop`` loads it only when
asked to convert a graph.
"""

from __future__ import annotations

import torch

from ..graph.layers import LAYERS

__all__ = ["TorchGraphModule"]


class TorchGraphModule(torch.nn.Module):
    """forward(*inputs): one tensor per Input block (in spec order) -> what flows into Output.

    ``modules`` maps node ids to torch layers (blocks without weights, such as Add, need none);
    ``loss_fn`` is the Output block's loss, kept as a plain attribute as in GraphModule.
    """

    def __init__(self, spec, modules: dict, loss_fn=None):
        super().__init__()
        self.spec = spec.copy()
        for nid, module in modules.items():
            self.add_module(nid, module)
        object.__setattr__(self, "loss_fn", loss_fn)  # not a submodule: no part of the state
        nodes = {n.id: n for n in spec.nodes}
        self._inputs = [n.id for n in spec.nodes if n.type == "Input"]
        self._steps = []  # (node id, block type, settings, [input node ids]) in run order
        for nid in spec.topological_order():
            kind = nodes[nid].type
            srcs = [e.src for e in spec.inputs_of(nid)]
            if kind == "Output":
                self._result = srcs[0]
            elif kind != "Input":
                self._steps.append((nid, kind, dict(nodes[nid].params), srcs))

    def forward(self, *inputs):
        return self.node_outputs(*inputs)[self._result]

    def node_outputs(self, *inputs) -> dict:
        """{node id: output tensor} for every block, as GraphModule.node_outputs."""
        if len(inputs) != len(self._inputs):
            raise TypeError(f"this model takes {len(self._inputs)} input(s), got {len(inputs)}")
        values = dict(zip(self._inputs, inputs))
        for nid, kind, params, srcs in self._steps:
            args = [values[s] for s in srcs]
            if kind == "Concat":  # the table's Concat calls edutorch.cat
                values[nid] = torch.cat(args, dim=params["dim"])
            else:
                values[nid] = LAYERS[kind].forward(self._modules.get(nid), args, params)
        return values

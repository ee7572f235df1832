"""The walk over a model: containers and studio graphs are opened, every layer is converted.

edutorch runs the model on the example input alongside, layer by layer, so each converter sees
the example value of its input (its shape, rank and dtype) and the walk knows each output's.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from .. import nn
from ..graph.module import Block, GraphModule
from ._builder import GraphBuilder, Value, onnx_type
from ._layers import CONVERTERS, Unsupported

__all__ = ["build_model"]


def _emit(b, module, scope, inputs):
    """Convert ``module`` applied to ``inputs`` (Values); returns its output as Values, nested
    as the module's output is (a tuple for an LSTM)."""
    name = type(module).__name__
    if isinstance(module, GraphModule):
        return _graph(b, module, scope, inputs)
    if type(module) is nn.Sequential:
        x = inputs[0]
        for key, child in module._modules.items():
            x = _emit(b, child, f"{scope}{key}.", [x])
        return x
    if type(module) is not getattr(nn, name, None) or name not in CONVERTERS:
        raise Unsupported(
            f"edutorch.onnx cannot export {name}: it exports the layers of edutorch.nn, "
            "Sequential and studio graphs. For a Module class of your own, convert it to PyTorch "
            "(the same class written with torch, weights via edutorch.interop.tensors_to_torch) "
            "and use torch.onnx.export"
        )
    names = CONVERTERS[name](b, module, inputs, scope)
    return _pair(names, module(*[x.example for x in inputs]))


def _pair(names, example):
    if isinstance(names, (tuple, list)):
        return tuple(_pair(n, e) for n, e in zip(names, example))
    return Value(names, example)


def _graph(b, g, scope, inputs):
    """A studio graph: its blocks in run order (GraphModule._calls), each block converted."""
    values = dict(zip(g._inputs, inputs))
    for nid, (layer, params, srcs) in g._calls.items():
        args = [values[s] for s in srcs]
        module = g._modules[nid]
        where = f"{scope}{nid}."
        if isinstance(module, Block):
            names = _block(b, layer.name, params, args, where)
            values[nid] = Value(names, layer.forward(None, [a.example for a in args], params))
        elif layer.name in ("RNN", "LSTM", "GRU"):
            out, h = _emit(b, module, where, args)
            h_n = h[0] if layer.name == "LSTM" else h
            if params["output"] == "sequence":
                values[nid] = out
            else:  # h_n[-1]: the top layer's last state
                last = b.node("Gather", [h_n.name, b.const(-1)], where, axis=0)
                values[nid] = Value(last, h_n.example[-1])
        else:
            values[nid] = _emit(b, module, where, args)
            if layer.name == "MultiheadAttention":  # the block keeps the attention output only
                values[nid] = values[nid][0]
    return values[g._result]


def _block(b, kind, params, args, scope):
    """The weightless blocks of the studio: Add, Concat, Reshape, Transpose."""
    names = [a.name for a in args]
    if kind == "Add":
        out = names[0]
        for other in names[1:]:
            out = b.node("Add", [out, other], scope)
        return out
    if kind == "Concat":
        return b.node("Concat", names, scope, axis=params["dim"])
    if kind == "Reshape":
        return b.node("Reshape", [names[0], b.const([0, *params["shape"]])], scope)
    if kind == "Transpose":
        rank = args[0].rank
        perm = list(range(rank))
        d0, d1 = params["dim0"] % rank, params["dim1"] % rank
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return b.node("Transpose", [names[0]], scope, perm=perm)
    raise Unsupported(f"the studio block {kind}")


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _flatten(o)]
    return [out]


def _value_info(name, example, dynamic):
    """A graph input/output: name, element type, shape (named dims where ``dynamic`` says)."""
    shape = [dynamic.get(i, size) for i, size in enumerate(example.shape)]
    return helper.make_tensor_value_info(name, onnx_type(example.detach().numpy().dtype), shape)


def _dynamic(dynamic_axes, name):
    """torch's dynamic_axes entry for ``name`` as {axis: dim name}: a dict, or a list of axes."""
    axes = (dynamic_axes or {}).get(name, {})
    if isinstance(axes, dict):
        return dict(axes)
    return {a: f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}


def build_model(module, inputs, input_names, output_names, dynamic_axes, opset):
    """The ONNX ModelProto of ``module`` applied to ``inputs`` (edutorch tensors)."""
    b = GraphBuilder(opset)
    if input_names is None:
        if isinstance(module, GraphModule):
            input_names = list(module._inputs)
        else:
            input_names = ["input"] if len(inputs) == 1 else [f"input_{i}" for i in
                                                               range(len(inputs))]  # fmt: skip
    if len(input_names) != len(inputs):
        raise ValueError(f"{len(input_names)} input names for {len(inputs)} inputs")
    for n in input_names:
        b.unique(n)
    values = [Value(n, x) for n, x in zip(input_names, inputs)]
    outputs = _flatten(_emit(b, module, "", values))
    if output_names is None:
        output_names = ["output"] if len(outputs) == 1 else [f"output_{i}" for i in
                                                             range(len(outputs))]  # fmt: skip
    if len(output_names) != len(outputs):
        raise ValueError(f"{len(output_names)} output names for {len(outputs)} outputs")
    for value, name in zip(outputs, output_names):
        # an Identity gives each output the name asked for (it may also be an input or weight)
        b.nodes.append(helper.make_node("Identity", [value.name], [name], b.unique(f"/{name}")))
    graph_inputs = [_value_info(v.name, v.example, _dynamic(dynamic_axes, v.name))
                    for v in values]  # fmt: skip
    graph_outputs = [_value_info(n, v.example, _dynamic(dynamic_axes, n))
                     for n, v in zip(output_names, outputs)]  # fmt: skip
    unknown = set(dynamic_axes or {}) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"dynamic_axes names no input or output: {sorted(unknown)}")
    doc = f"{type(module).__name__} exported by edutorch"
    model = b.model(graph_inputs, graph_outputs, type(module).__name__, doc)
    return model


def examples(example_input) -> list:
    """The example input(s) as a list of tensors: one tensor, or a tuple of them."""
    from .._tensor import Tensor

    items = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    out = []
    for x in items:
        if isinstance(x, np.ndarray):
            from .._creation import from_numpy

            x = from_numpy(x)
        if not isinstance(x, Tensor):
            raise TypeError(f"example inputs must be tensors, got {type(x).__name__}")
        out.append(x)
    return out

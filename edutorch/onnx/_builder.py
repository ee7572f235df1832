"""``GraphBuilder``: collects ONNX nodes and weights with unique names, then makes the model.

Layers talk to it in ONNX's own terms: ``b.node("Relu", [x])`` adds a node and returns the name
of its output; ``b.weight("fc.weight", array)`` stores an initializer (a constant tensor saved in
the file). The ``onnx`` package is imported here, so only when something is exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["GraphBuilder", "Value", "onnx_type"]

_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.float16): TensorProto.FLOAT16, np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32, np.dtype(np.bool_): TensorProto.BOOL,
}  # fmt: skip


def onnx_type(dtype) -> int:
    """The ONNX element type of a numpy dtype (TypeError for the ones ONNX models rarely use)."""
    try:
        return _TYPES[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"edutorch.onnx cannot export tensors of dtype {dtype}") from None


@dataclass
class Value:
    """A tensor flowing through the graph: its ONNX name and the example value edutorch computed
    for it (layers read shapes, ranks and dtypes off the example)."""

    name: str
    example: object  # an edutorch Tensor

    @property
    def shape(self) -> tuple:
        return tuple(self.example.shape)

    @property
    def rank(self) -> int:
        return len(self.example.shape)


class GraphBuilder:
    """The nodes and initializers of one graph, in the order they were added."""

    def __init__(self, opset: int):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self._used = set()

    def unique(self, hint: str) -> str:
        """``hint``, or ``hint_1``, ``hint_2``, ... if taken: every value has its own name."""
        name, k = hint, 0
        while name in self._used:
            k += 1
            name = f"{hint}_{k}"
        self._used.add(name)
        return name

    def weight(self, name: str, array) -> str:
        """Store ``array`` in the file under ``name`` (made unique); returns the name."""
        name = self.unique(name)
        self.initializers.append(numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def const(self, values, dtype=np.int64, name: str = "const") -> str:
        """A small constant (a shape, axes, a scalar) as an initializer."""
        return self.weight(name, np.asarray(values, dtype=dtype))

    def node(self, op: str, inputs, scope: str = "", outputs: int = 1, **attrs):
        """Add one ``op`` node reading ``inputs`` (names; "" for a skipped optional input).

        Returns the output name, or a list of names when ``outputs`` > 1. Nodes are named
        ``/scope/Op`` as torch's exporter names them, so a viewer groups them by layer.
        """
        scope = scope.strip(".").replace(".", "/")
        base = f"/{scope}/{op}" if scope else f"/{op}"
        names = [self.unique(f"{base}_output_{i}") for i in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op, list(inputs), names, self.unique(base), **attrs))
        return names[0] if outputs == 1 else names

    def model(self, inputs, outputs, name: str, doc: str = "") -> onnx.ModelProto:
        """The finished model: ``inputs``/``outputs`` are ValueInfoProtos (graph signature)."""
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(
            graph, producer_name="edutorch", opset_imports=[helper.make_opsetid("", self.opset)]
        )
        model.doc_string = doc
        return model

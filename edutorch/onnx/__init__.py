"""Export a model to ONNX, the file format that inference engines read (onnxruntime, TensorRT,
OpenVINO, browsers with onnxruntime-web, ...).

    import edutorch
    edutorch.onnx.export(model, torch.randn(1, 2), "model.onnx",
                         input_names=["x"], output_names=["scores"],
                         dynamic_axes={"x": {0: "batch"}, "scores": {0: "batch"}})

How it works: torch traces a model op by op; edutorch converts it layer by layer instead. The
exporter walks the model (a layer of ``edutorch.nn``, a ``Sequential`` of them, nested or not, or
a studio ``GraphModule``), runs edutorch on the example input alongside to know every tensor's
shape, and writes for each layer the ONNX nodes that compute the same thing (``_layers.py``;
RNN/LSTM/GRU in ``_recurrent.py``). The graph reads like the model: Gemm, Relu, Gemm, ... with the
weights stored under their ``state_dict`` names. The model is exported in eval mode (Dropout is
the identity, BatchNorm uses its running statistics) and its modes are restored afterwards.

Not exported (NotImplementedError naming the layer): attention and transformer layers, the RNN
cells, AdaptiveAvgPool with uneven windows, MaxPool's return_indices, Embedding's max_norm, and
Module classes of your own (write them with torch and use ``torch.onnx.export``).

Needs the ``onnx`` package (``pip install onnx``; ``onnxruntime`` to run the file).
"""

from __future__ import annotations

import os

from ._layers import Unsupported

__all__ = ["export", "export_graph", "onnx_available", "Unsupported"]

DEFAULT_OPSET = 17  # LayerNormalization needs 17; every maintained runtime reads it


def export(module, example_input, path, input_names=None, output_names=None,
           dynamic_axes=None, opset_version=None):  # fmt: skip
    """Write ``module`` as an ONNX model to ``path`` (a file name or a binary file object).

    example_input: a tensor (or a tuple of tensors, one per input of a studio graph with several
    Input blocks) of the shape the model takes; its values do not matter.
    input_names / output_names: names of the graph's inputs and outputs (default "input" and
    "output", or the Input block ids of a studio graph). dynamic_axes: as in torch, e.g.
    ``{"input": {0: "batch"}}`` to accept any batch size. opset_version: 17 or newer.
    Returns the ``onnx.ModelProto`` (already checked with ``onnx.checker.check_model``).
    """
    try:
        import onnx
    except ImportError as e:
        raise ImportError("edutorch.onnx needs the onnx package: pip install onnx") from e
    from ..autograd.grad_mode import no_grad
    from ._exporter import build_model, examples

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < 17:
        raise ValueError(f"edutorch.onnx writes opset 17 or newer, not {opset}")
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        with no_grad():
            model = build_model(module, examples(example_input), input_names, output_names,
                                dynamic_axes, opset)  # fmt: skip
    finally:
        for m, training in modes:
            m.training = training
    onnx.checker.check_model(model)
    if isinstance(path, (str, os.PathLike)):
        onnx.save(model, os.fspath(path))
    else:
        path.write(model.SerializeToString())
    return model


def onnx_available() -> bool:
    """Whether the onnx package is installed (export needs it; onnxruntime is only for running)."""
    import importlib.util

    return importlib.util.find_spec("onnx") is not None


def export_graph(model, path, dynamic_batch: bool = True, opset_version=None):
    """Export a studio ``GraphModule`` without an example input: one is made from its Input
    blocks (a batch of one; int64 ids for those that feed an Embedding). Inputs are named by
    their block ids, the output "output"; with ``dynamic_batch`` any batch size is accepted.
    Returns the ``onnx.ModelProto``; raises NotImplementedError naming a block ONNX lacks.
    """
    from .._creation import zeros
    from .._dtype import float32, int64
    from ..graph.check import integer_input

    spec = model.spec
    names = list(model._inputs)
    inputs = tuple(
        zeros((1, *spec.node(nid).params["shape"]),
              dtype=int64 if integer_input(spec, nid) else float32)
        for nid in names
    )  # fmt: skip
    axes = {name: {0: "batch"} for name in [*names, "output"]} if dynamic_batch else None
    return export(model, inputs, path, input_names=names, output_names=["output"],
                  dynamic_axes=axes, opset_version=opset_version)  # fmt: skip

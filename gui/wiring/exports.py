"""Export ▸ ONNX and Export ▸ PyTorch: the canvas model with its current weights, written by
``edutorch.onnx.export_graph`` and ``edutorch.interop.save_for_pytorch``."""

from __future__ import annotations

import re

NO_TORCH = "Needs PyTorch: pip install torch (the CPU build: --index-url …/whl/cpu)"
NO_ONNX = "Needs the onnx package: pip install onnx"


def onnx_ready() -> bool:
    from edutorch.onnx import onnx_available

    return onnx_available()


def torch_ready() -> bool:
    from edutorch.interop import torch_available

    return torch_available()


def write_onnx(window, target) -> None:
    from edutorch.onnx import export_graph

    model = window.snapshot_model()
    with blamed(model.spec):
        export_graph(model, target)


def write_pytorch(window, target) -> list:
    """The weights via ``torch.save`` and, beside them, the model class for PyTorch (.py)."""
    from edutorch.interop import save_for_pytorch

    model = window.snapshot_model()
    model.eval()  # what an exported model is used for: inference
    with blamed(model.spec):
        return save_for_pytorch(model, target)


class ExportError(Exception):
    """A layer the target cannot express; the message names its node."""


class blamed:
    """Re-raise an exporter's refusal ("MultiheadAttention: not exported yet") naming the
    canvas node(s) of that layer type, so the user knows which box to change."""

    def __init__(self, spec) -> None:
        self.spec = spec

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if error is None or not isinstance(error, (NotImplementedError, TypeError, ImportError)):
            return False
        message = str(error)
        if isinstance(error, ImportError):
            raise ExportError(message) from error
        nodes = [n.id for n in self.spec.nodes if re.search(rf"\b{re.escape(n.type)}\b", message)]
        nodes = [n for n in nodes if self.spec.node(n).type not in ("Input", "Output")]
        where = f"the layer {', '.join(nodes)}" if nodes else "a layer of the model"
        raise ExportError(f"Cannot export {where}: {message}") from error

"""What the studio's Export menu calls to hand a model over to PyTorch.

``save_for_pytorch(model, "model.pt")`` writes the weights as PyTorch's ``torch.save`` writes
them, so ``torch.load`` reads them anywhere, without edutorch. For a studio graph it also writes
``model.py``, the model class for PyTorch (``to_python``), whose ``state_dict`` keys are the
node ids: ``Model().load_state_dict(torch.load("model.pt"))``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["save_for_pytorch", "torch_available"]


def torch_available() -> bool:
    """Whether PyTorch is installed (without importing it, which takes seconds)."""
    return importlib.util.find_spec("torch") is not None


def save_for_pytorch(model, path) -> list[Path]:
    """Write ``model``'s weights (and buffers) for PyTorch to ``path``: ``to_torch(model)``'s
    state_dict through ``torch.save``. A studio ``GraphModule`` also gets the class that loads
    them, next to it with the suffix ``.py``. Returns the paths written.

    Raises ImportError when torch is missing, TypeError for a module to_torch cannot convert.
    """
    from ..graph import GraphModule, to_python
    from .convert import _torch, to_torch

    torch = _torch()
    path = Path(os.fspath(path))
    torch_model = to_torch(model)
    torch.save(torch_model.state_dict(), path)
    written = [path]
    if isinstance(model, GraphModule):
        source = path.with_suffix(".py")
        if source == path:  # "model.py" asked for the weights: keep the two apart
            source = path.with_name(path.stem + "_model.py")
        text = to_python(model.spec, pytorch=True)
        text += (
            "\n# The trained weights: model = Model(); "
            f'model.load_state_dict(torch.load("{path.name}"))\n'
        )
        source.write_text(text, encoding="utf-8")
        written.append(source)
    return written

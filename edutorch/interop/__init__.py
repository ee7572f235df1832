"""Carry models between edutorch and PyTorch, both ways, weights included.

    from edutorch.interop import to_torch, from_torch
    torch_model = to_torch(model)            # a torch.nn.Module computing the same function
    torch.save(torch_model.state_dict(), "model.pt")
    back = from_torch(torch_model)           # and an edutorch model again

Every layer of ``edutorch.nn`` maps to the torch class of the same name (the constructor
arguments are read off the layer; see ``_layers.py``), containers are rebuilt child by child and
studio graphs (``GraphModule``) become a ``TorchGraphModule`` running the same blocks. For a
Module class of your own, write it against torch and move the weights with ``tensors_to_torch``.
``save_for_pytorch(model, path)`` writes a trained model for PyTorch in one call (the studio's
Export menu uses it).

PyTorch is optional: it is imported only when one of these functions runs. Install the CPU build
with ``pip install torch --index-url https://download.pytorch.org/whl/cpu``.
"""

from .convert import from_torch, tensors_from_torch, tensors_to_torch, to_torch
from .files import save_for_pytorch, torch_available

__all__ = [
    "to_torch", "from_torch", "tensors_to_torch", "tensors_from_torch", "save_for_pytorch",
    "torch_available",
]  # fmt: skip

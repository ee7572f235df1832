"""What the compat scripts share. Written, like them, against PyTorch's API only: ``torch`` is
whichever framework the caller passes (PyTorch, or edutorch imported as torch)."""

import importlib
import os

import numpy as np


def numpy_init(torch, model, seed=0):
    """Overwrite every parameter with numbers from numpy's generator, U(-1/√fan_in, 1/√fan_in).

    Each framework has its own random stream, so ``manual_seed`` gives different weights in
    each; numpy gives both the same start."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else p.shape[0]
            bound = 1 / np.sqrt(max(fan_in, 1))
            values = rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)
            p.copy_(torch.from_numpy(values))


def main(run):
    """``python script.py`` runs under PyTorch; COMPAT_FRAMEWORK=edutorch runs it under edutorch."""
    run(importlib.import_module(os.environ.get("COMPAT_FRAMEWORK", "torch")))

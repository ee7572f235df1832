"""Feeding data to a model: datasets, samplers and ``DataLoader``, as in ``torch.utils.data``.

from edutorch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
for xb, yb in loader:
    ...
"""

from ._collate import default_collate, default_convert
from .dataloader import DataLoader, WorkerInfo, get_worker_info
from .dataset import *  # noqa: F403  (Dataset, TensorDataset, Subset, random_split, ...)
from .dataset import __all__ as _datasets
from .sampler import *  # noqa: F403  (Sampler, RandomSampler, BatchSampler, ...)
from .sampler import __all__ as _samplers

__all__ = [
    "DataLoader", "WorkerInfo", "default_collate", "default_convert", "get_worker_info",
    *_datasets, *_samplers,
]  # fmt: skip

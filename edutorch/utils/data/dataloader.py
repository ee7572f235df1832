"""``DataLoader``: walk a dataset in (shuffled) batches, with ``torch.utils.data.DataLoader``'s API.

The pipeline is three small steps: a *sampler* yields indices, a *batch sampler* groups them,
and ``collate_fn`` joins the fetched samples into one batch. Everything runs in the main process:
``num_workers > 0`` is accepted and behaves as a single worker (see ``get_worker_info``).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

from ...random import _gen
from ._collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo", "default_collate", "default_convert"]


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker knows about itself: its ``id``, ``num_workers``, ``seed`` and ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Dataset


_worker_info = None  # set while dataset code runs "inside the worker"
_warned_about_workers = False


def get_worker_info():
    """``None`` in the main process; a ``WorkerInfo`` while a loader with workers fetches data.

    edutorch has no worker processes: ``num_workers > 0`` runs as one worker (id 0 of 1) in the
    main process, so datasets that split their work by ``get_worker_info()`` still see all of it.
    """
    return _worker_info


class _InfiniteConstantSampler(Sampler):
    """The "indices" for an IterableDataset: it ignores them, so yield ``None`` forever."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterate over a dataset in batches: ``for x, y in DataLoader(ds, batch_size=32)``.

    ``batch_size=None`` turns batching off (each sample is only converted to tensors). Pass a
    ``generator`` (or call ``edutorch.manual_seed``) to make shuffling reproducible.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )
        if isinstance(dataset, IterableDataset):
            # a stream has no indices, so nothing can reorder or pick from it
            if shuffle not in {False, None}:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )

        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._initialized = True
        _warn_once_about_workers(num_workers)

    def __setattr__(self, name, value):
        # changing these after construction would leave the samplers built from them stale
        frozen = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset")
        if getattr(self, "_initialized", False) and name in frozen + ("persistent_workers",):
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        return _DataLoaderIter(self)

    def __len__(self):
        """The number of batches, computed as torch does (also for an IterableDataset)."""
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)  # a TypeError if the stream has no __len__
            if self.batch_size is not None:
                bs = self.batch_size
                length = length // bs if self.drop_last else (length + bs - 1) // bs
            return length
        return len(self._index_sampler)


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
            "to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _warn_once_about_workers(num_workers):
    global _warned_about_workers
    if num_workers > 0 and not _warned_about_workers:
        _warned_about_workers = True
        warnings.warn(
            f"DataLoader(num_workers={num_workers}): edutorch loads data in the main process, "
            "as a single worker (worker_init_fn and get_worker_info() still work). "
            "The batches are the same; only the parallelism is missing.",
            UserWarning,
            stacklevel=3,
        )


class _DataLoaderIter:
    """One pass over a DataLoader: ``iter(loader)`` makes one, ``for`` makes one per epoch."""

    def __init__(self, loader):
        global _worker_info
        self._loader = loader
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._index_iter = iter(loader._index_sampler)
        # torch draws a base seed for its workers on every epoch; drawing it too keeps the
        # random stream the same whatever num_workers is
        seed = int(_gen(loader.generator).integers(0, 2**63))
        self._info = None
        if loader.num_workers > 0:
            self._info = WorkerInfo(id=0, num_workers=1, seed=seed, dataset=loader.dataset)
        if loader.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device "
                "pinned memory won't be used.",
                stacklevel=3,
            )
        saved, _worker_info = _worker_info, self._info
        try:
            if self._info is not None and loader.worker_init_fn is not None:
                loader.worker_init_fn(0)
            is_stream = isinstance(self._dataset, IterableDataset)
            self._stream = iter(self._dataset) if is_stream else None
        finally:
            _worker_info = saved
        self._ended = False

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        global _worker_info
        index = next(self._index_iter)  # StopIteration here ends the epoch
        saved, _worker_info = _worker_info, self._info
        try:
            return self._collate_fn(self._fetch(index))
        finally:
            _worker_info = saved

    def _fetch(self, index):
        """The samples for ``index``: a list of samples when batching, else one sample."""
        if self._stream is not None:
            if self._ended:
                raise StopIteration
            if not self._auto_collation:
                return next(self._stream)
            samples = list(itertools.islice(self._stream, len(index)))
            if len(samples) < len(index):
                self._ended = True  # the stream ran dry inside this batch
            if not samples or (self._drop_last and len(samples) < len(index)):
                raise StopIteration
            return samples
        if not self._auto_collation:
            return self._dataset[index]
        getitems = getattr(self._dataset, "__getitems__", None)
        if getitems:
            return getitems(index)  # the dataset fetches a whole batch at once
        return [self._dataset[i] for i in index]

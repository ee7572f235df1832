"""Random numbers: ``manual_seed`` and ``Generator``, backed by numpy's PCG64.

edutorch's random streams are reproducible within edutorch; they are not bit-identical to torch's
(torch uses a different generator), so compare models by copying weights, not by seeding.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np


class Generator:
    """An independent random stream: ``g = edutorch.Generator().manual_seed(0)``."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # torch's default seed
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) % (2**63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (PCG64's two 128-bit numbers)."""
        from ._tensor import Tensor

        st = self._rng.bit_generator.state["state"]
        raw = st["state"].to_bytes(16, "little") + st["inc"].to_bytes(16, "little")
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state):
        raw = bytes(np.asarray(state._data, dtype=np.uint8))
        full = self._rng.bit_generator.state
        full["state"] = {
            "state": int.from_bytes(raw[:16], "little"),
            "inc": int.from_bytes(raw[16:32], "little"),
        }
        self._rng.bit_generator.state = full
        return self


default_generator = Generator()


class _ThreadOverride(threading.local):
    generator = None  # set by use_generator() for the current thread only


_override = _ThreadOverride()


def _gen(generator=None) -> np.random.Generator:
    return (generator or _override.generator or default_generator)._rng


@contextlib.contextmanager
def use_generator(generator: Generator):
    """Inside the block, this thread draws from ``generator`` instead of the default one.

    Other threads are unaffected, so e.g. a background shape check that builds throw-away layers
    never shifts the random stream that a training run on another thread relies on.
    """
    previous = _override.generator
    _override.generator = generator
    try:
        yield generator
    finally:
        _override.generator = previous


def manual_seed(seed):
    """Seed the default generator (used by rand, randn, nn.init, dropout, shuffling)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)

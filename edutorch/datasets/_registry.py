"""The list of built-in datasets that the studio's data panel (and ``available()``) shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import glyphs, regression, sequences, toy2d


@dataclass(frozen=True)
class DatasetInfo:
    """One built-in dataset, described with its default parameters.

    ``task`` is "classification" or "regression"; ``num_classes`` is None for regression;
    ``target_shape`` is () for one label per sample, (seq_len,) for one label per time step.
    """

    name: str
    description: str
    input_shape: tuple
    task: str
    num_classes: int | None
    target_shape: tuple
    factory: Callable

    def create(self, **kwargs):
        """The dataset itself: ``factory(**kwargs)``."""
        return self.factory(**kwargs)


_C, _R = "classification", "regression"
_ENTRIES = [
    DatasetInfo("circles", "a ring around a smaller ring", (2,), _C, 2, (), toy2d.circles),
    DatasetInfo("xor", "four quadrants, opposite ones alike", (2,), _C, 2, (), toy2d.xor),
    DatasetInfo("gaussians", "round blobs, one per class", (2,), _C, 3, (), toy2d.gaussians),
    DatasetInfo("spiral", "spiral arms, one per class", (2,), _C, 3, (), toy2d.spiral),
    DatasetInfo("moons", "two interleaving half moons", (2,), _C, 2, (), toy2d.moons),
    DatasetInfo("plane", "y = w . x + b plus noise", (2,), _R, None, (1,), regression.plane),
    DatasetInfo("sine", "y = sin(x) plus noise", (1,), _R, None, (1,), regression.sine),
    DatasetInfo("polynomial", "y = 0.5x^3 - 1.5x plus noise", (1,), _R, None, (1,),
                regression.polynomial),
    DatasetInfo("glyphs", "digit-like 0-9 images drawn from strokes", (1, 28, 28), _C, 10, (),
                glyphs.glyphs),
    DatasetInfo("char_text", "next character of a short English text", (32,), _C,
                len(set(sequences.corpus())), (32,), sequences.char_text),
    DatasetInfo("parity", "is the number of ones odd?", (8, 1), _C, 2, (), sequences.parity),
    DatasetInfo("counting", "how many ones are there?", (8, 1), _C, 9, (), sequences.counting),
]  # fmt: skip


def available() -> dict[str, DatasetInfo]:
    """Built-in datasets by name, in display order: ``available()["spiral"].num_classes == 3``."""
    return {info.name: info for info in _ENTRIES}


def load(name: str, **kwargs):
    """A built-in dataset by name: ``load("spiral", n_samples=500, noise=0.1, seed=1)``."""
    table = available()
    if name not in table:
        raise ValueError(f"no dataset named {name!r}; available: {', '.join(table)}")
    return table[name].create(**kwargs)

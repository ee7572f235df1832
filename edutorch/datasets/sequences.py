"""Sequence sets for RNN lessons: next-character text, and bit-string parity and counting.

``CharText`` reads ``corpus.txt`` (a few paragraphs about machines that learn, written for this
project, free to reuse) unless given a text of your own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._tensor import Tensor
from ._base import ArrayDataset
from ._split import make_rng, split_indices


def corpus() -> str:
    """The text ``CharText`` learns from by default (about 4,000 characters of plain English)."""
    return (Path(__file__).with_name("corpus.txt")).read_text(encoding="utf-8")


class CharText(ArrayDataset):
    """Windows of ``seq_len`` characters: item i is (x int64 (seq_len,), y int64 (seq_len,)) where
    y is x moved on by one character (y[t] is the character after x[t]); values index ``vocab``.

    Window i starts at character ``i * stride``. ``vocab`` is the sorted list of the characters in
    the text (also ``.classes``), ``encode("text")`` gives an int64 tensor, ``decode(ids)`` a str.
    """

    def __init__(self, seq_len=32, text=None, stride=1, lower=False):
        text = corpus() if text is None else text
        text = text.lower() if lower else text
        if len(text) < seq_len + 1:
            raise ValueError(
                f"CharText: the text has {len(text)} characters, need seq_len + 1 = {seq_len + 1}"
            )
        self.text, self.seq_len, self.stride = text, seq_len, stride
        self.vocab = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.vocab)}
        ids = np.array([self.stoi[c] for c in text], dtype=np.int64)
        starts = np.arange(0, len(ids) - seq_len, stride)
        windows = starts[:, None] + np.arange(seq_len + 1)  # (N, seq_len + 1) positions
        chunks = ids[windows]
        super().__init__(chunks[:, :-1], chunks[:, 1:])
        self.classes = self.vocab

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, s: str) -> Tensor:
        """Character indices of ``s`` as an int64 tensor (len(s),)."""
        unknown = sorted(set(s) - set(self.stoi))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown!r}")
        return Tensor._make(np.array([self.stoi[c] for c in s], dtype=np.int64))

    def decode(self, ids) -> str:
        """The text for a sequence of indices (a tensor, array or list)."""
        flat = np.asarray(ids._data if isinstance(ids, Tensor) else ids).reshape(-1)
        return "".join(self.vocab[int(i)] for i in flat)

    def split(self, test_fraction=0.2, seed=0):
        """(train, test) by position, not at random: windows overlap, so a random split would show
        the test text during training. The test set is the last ``test_fraction`` of the windows,
        and the training windows stop before the first test character. ``seed`` is unused."""
        split_indices(len(self), test_fraction)  # only to check test_fraction
        n = len(self)
        cut = n - max(1, int(round(n * test_fraction)))
        # a training window whose targets reach past the cut's first character would overlap it
        train_end = max(0, cut - -(-self.seq_len // self.stride))
        return self._take(np.arange(train_end)), self._take(np.arange(cut, n))


def _bit_strings(n_samples, seq_len, seed):
    return make_rng(seed).integers(0, 2, (n_samples, seq_len)).astype(np.float32)


class Parity(ArrayDataset):
    """Bit strings: item i is (x float32 (seq_len, 1) of 0s and 1s, y int64 ()), y = number of
    ones mod 2, labels {0: even, 1: odd}. Hard for an RNN as seq_len grows: it must carry one bit
    of memory through every step."""

    classes = ["even", "odd"]

    def __init__(self, n_samples=1000, seq_len=8, seed=0):
        bits = _bit_strings(n_samples, seq_len, seed)
        super().__init__(bits[:, :, None], (bits.sum(1) % 2).astype(np.int64))
        self.n_samples, self.seq_len, self.seed = n_samples, seq_len, seed


class Counting(ArrayDataset):
    """Bit strings: item i is (x float32 (seq_len, 1) of 0s and 1s, y int64 ()), y = how many ones,
    labels {0..seq_len}. An easier first task than ``Parity``: the memory only has to add up."""

    def __init__(self, n_samples=1000, seq_len=8, seed=0):
        bits = _bit_strings(n_samples, seq_len, seed)
        super().__init__(bits[:, :, None], bits.sum(1).astype(np.int64))
        self.classes = [str(k) for k in range(seq_len + 1)]
        self.n_samples, self.seq_len, self.seed = n_samples, seq_len, seed


def char_text(seq_len=32, text=None, stride=1, lower=False):
    """``CharText(...)``: x, y int64 (seq_len,), y = x shifted by one character."""
    return CharText(seq_len, text, stride, lower)


def parity(n_samples=1000, seq_len=8, seed=0):
    """``Parity(...)``: x float32 (seq_len, 1) bits, y int64 () in {0: even, 1: odd}."""
    return Parity(n_samples, seq_len, seed)


def counting(n_samples=1000, seq_len=8, seed=0):
    """``Counting(...)``: x float32 (seq_len, 1) bits, y int64 () = number of ones."""
    return Counting(n_samples, seq_len, seed)

"""CharText, Parity and Counting: shapes, vocab, encode/decode, splits."""

import numpy as np
import pytest

import edutorch
from edutorch.datasets import CharText, Counting, Parity, corpus
from edutorch.utils.data import DataLoader


def test_corpus_is_plain_text_of_a_few_thousand_characters():
    text = corpus()
    assert 2000 < len(text) < 20000 and text.isascii()


def test_char_text_windows_and_next_character_targets():
    ds = CharText(seq_len=16)
    x, y = ds[5]
    assert x.shape == (16,) and y.shape == (16,)
    assert x.dtype == edutorch.int64 and y.dtype == edutorch.int64
    assert np.array_equal(x.numpy()[1:], y.numpy()[:-1])  # y is x moved on by one
    assert ds.decode(x) == corpus()[5:21] and ds.decode(y) == corpus()[6:22]
    assert len(ds) == len(corpus()) - 16
    assert ds.classes == ds.vocab == sorted(set(corpus())) and ds.vocab_size == len(ds.vocab)


def test_encode_decode_round_trip_and_unknown_characters():
    ds = CharText(seq_len=8)
    ids = ds.encode("a machine")
    assert ids.dtype == edutorch.int64 and ds.decode(ids) == "a machine"
    assert ds.decode(ids.tolist()) == "a machine"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        ds.encode("a machine~")


def test_own_text_stride_and_lower():
    ds = CharText(seq_len=4, text="Abc abc abc", stride=2, lower=True)
    assert ds.vocab == [" ", "a", "b", "c"]
    assert [ds.decode(ds[i][0]) for i in range(len(ds))] == ["abc ", "c ab", "abc ", "c ab"]
    with pytest.raises(ValueError, match="need seq_len"):
        CharText(seq_len=20, text="short")


def test_char_text_split_keeps_test_text_out_of_training():
    ds = CharText(seq_len=10, text="".join(chr(97 + i % 26) for i in range(300)))
    train, test = ds.split(0.2)
    assert len(test) == round(len(ds) * 0.2)
    first_test_char = 300 - 10 - len(test)  # the position where the first test window starts
    last_train_end = len(train) - 1 + 10  # the last character a training window sees (its target)
    assert last_train_end < first_test_char


@pytest.mark.parametrize("cls", [Parity, Counting])
def test_bit_tasks(cls):
    ds = cls(n_samples=64, seq_len=6, seed=1)
    x, y = ds[0]
    assert x.shape == (6, 1) and x.dtype == edutorch.float32
    assert y.shape == () and y.dtype == edutorch.int64
    bits = ds.data.numpy()[:, :, 0]
    assert set(np.unique(bits)) <= {0.0, 1.0}
    want = bits.sum(1) % 2 if cls is Parity else bits.sum(1)
    assert np.array_equal(ds.targets.numpy(), want)
    assert len(ds.classes) == (2 if cls is Parity else 7)
    assert np.array_equal(cls(64, 6, seed=1).data.numpy(), ds.data.numpy())
    assert not np.array_equal(cls(64, 6, seed=2).data.numpy(), ds.data.numpy())
    train, test = ds.split(0.25)
    assert (len(train), len(test)) == (48, 16)


def test_sequence_batches_for_an_rnn():
    xb, yb = next(iter(DataLoader(Parity(n_samples=40), batch_size=8)))
    assert xb.shape == (8, 8, 1) and yb.shape == (8,)
    xb, yb = next(iter(DataLoader(CharText(seq_len=12), batch_size=4, shuffle=True)))
    assert xb.shape == (4, 12) and yb.shape == (4, 12)

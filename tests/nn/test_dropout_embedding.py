"""Dropout (statistics, scaling, gradients, channel-wise variants, train/eval) and Embedding
(lookup, padding_idx, repeated indices, max_norm, from_pretrained, torch parity, errors)."""

import warnings

import numpy as np
import pytest

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck
from edutorch.nn import functional as F

from ._errors import assert_same_error, functional_and


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    edutorch.manual_seed(0)
    x = edutorch.rand(200, 500) + 0.5
    y = F.dropout(x, p).numpy()
    kept = y != 0
    # the share of zeros is p, within 5 standard deviations of a binomial proportion
    assert abs((1 - kept.mean()) - p) < 5 * np.sqrt(p * (1 - p) / kept.size)
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / (1 - p), rtol=1e-6)
    assert abs(y.mean() - x.numpy().mean()) < 0.02  # the expected value is unchanged
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_scaled_mask():
    edutorch.manual_seed(1)
    x = edutorch.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-6)


def test_dropout_gradcheck_with_a_fixed_mask():
    x = edutorch.randn(4, 5, dtype=edutorch.float64, requires_grad=True)

    def fn(a):
        edutorch.manual_seed(3)  # the same mask on every call
        return F.dropout(a, 0.4)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_dropout_identity_cases():
    x = edutorch.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout2d(edutorch.randn(2, 3, 4, 4), 0.5, training=False).shape == (2, 3, 4, 4)
    y = F.dropout(x, 1.0)
    assert y.tolist() == np.zeros((3, 4)).tolist() and not np.isnan(y.numpy()).any()


def test_dropout_inplace():
    edutorch.manual_seed(4)
    x = edutorch.ones(100)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    a = edutorch.ones(20, requires_grad=True)
    b = a * 1.0
    F.dropout(b, 0.5, inplace=True).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.detach().numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_errors(p):
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    calls = (
        lambda: F.dropout(edutorch.ones(2), p), lambda: nn.Dropout(p),
        lambda: F.dropout2d(edutorch.ones(2, 2, 2, 2), p), lambda: nn.Dropout2d(p),
    )  # fmt: skip
    for call in calls:
        with pytest.raises(ValueError, match=message.replace(".", r"\.")):
            call()


def test_dropout2d_zeroes_whole_channels():
    edutorch.manual_seed(5)
    x = edutorch.rand(64, 32, 5, 5) + 1
    y = F.dropout2d(x, 0.25).numpy()
    planes = y.reshape(64, 32, -1)
    zero = (planes == 0).all(axis=2)
    assert ((planes != 0).all(axis=2) | zero).all()  # each channel is all kept or all dropped
    assert abs(zero.mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / zero.size)
    np.testing.assert_allclose(y[~zero], (x.numpy() / 0.75)[~zero], rtol=1e-6)


def test_dropout2d_and_1d_shapes_and_warnings():
    edutorch.manual_seed(6)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = F.dropout2d(edutorch.rand(8, 16, 10) + 1, 0.5)
    planes = y.numpy()
    assert ((planes == 0).all(axis=2) | (planes != 0).all(axis=2)).all()
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(edutorch.rand(4, 3), 0.5)
    y = F.dropout1d(edutorch.rand(6, 5) + 1, 0.5).numpy()  # unbatched (C, L)
    assert ((y == 0).all(axis=1) | (y != 0).all(axis=1)).all()
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(edutorch.rand(1, 3, 4, 4))


def test_dropout_modules_follow_train_and_eval():
    layer = nn.Dropout(0.5)
    assert repr(layer) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.3, inplace=True)) == "Dropout2d(p=0.3, inplace=True)"
    assert repr(nn.Dropout1d()) == "Dropout1d(p=0.5, inplace=False)"
    x = edutorch.ones(1000)
    assert (layer(x).numpy() == 0).any()
    layer.eval()
    assert layer(x) is x
    seq = nn.Sequential(nn.Linear(4, 4), nn.Dropout2d(0.5))
    seq.eval()
    assert not seq[1].training


def test_dropout_is_reproducible_with_manual_seed():
    edutorch.manual_seed(7)
    a = F.dropout(edutorch.ones(64), 0.5).numpy()
    edutorch.manual_seed(7)
    b = F.dropout(edutorch.ones(64), 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_statistics_match_torch():
    torch = pytest.importorskip("torch")
    x = np.ones((400, 400), dtype=np.float32)
    yt = torch.nn.functional.dropout(torch.tensor(x), 0.3).numpy()
    ye = F.dropout(edutorch.tensor(x), 0.3).numpy()
    assert set(np.unique(yt)) == set(np.unique(ye)) == {0.0, np.float32(1 / 0.7)}
    assert abs((yt == 0).mean() - (ye == 0).mean()) < 0.01


# ------------------------------------------------------------------ embedding
def test_embedding_lookup_and_repeated_indices():
    w = edutorch.randn(6, 3, dtype=edutorch.float64, requires_grad=True)
    idx = edutorch.tensor([[0, 2, 2], [5, 1, 2]])
    y = F.embedding(idx, w)
    assert y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y.detach().numpy(), w.detach().numpy()[idx.numpy()])
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 1, 3, 0, 0, 1])  # 2 is used 3 times
    assert gradcheck(lambda a: F.embedding(idx, a), (w,))
    assert gradgradcheck(lambda a: F.embedding(idx, a), (w,))
    assert y.grad_fn.name() == "EmbeddingBackward0"
    assert F.embedding(idx.to(edutorch.int32), w).shape == (2, 3, 3)


@pytest.mark.parametrize("padding_idx", [0, 2, -1])
def test_embedding_padding_idx_gets_no_gradient(padding_idx):
    emb = nn.Embedding(5, 4, padding_idx=padding_idx)
    row = padding_idx % 5
    assert emb.padding_idx == row
    assert emb.weight[row].tolist() == [0.0] * 4  # starts at zero
    idx = edutorch.tensor([[row, 1, row], [3, row, 4]])
    out = emb(idx)
    assert out[0, 0].tolist() == [0.0] * 4
    (out * edutorch.randn(*out.shape)).sum().backward()
    assert emb.weight.grad[row].tolist() == [0.0] * 4
    assert np.abs(emb.weight.grad[1].numpy()).sum() > 0


def test_embedding_init_and_repr():
    edutorch.manual_seed(8)
    emb = nn.Embedding(1000, 50)
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1)
    assert repr(emb) == "Embedding(1000, 50)"
    assert repr(nn.Embedding(10, 3, padding_idx=-1)) == "Embedding(10, 3, padding_idx=9)"
    assert repr(nn.Embedding(10, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == (
        "Embedding(10, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)"
    )
    assert list(emb.state_dict()) == ["weight"]


def test_embedding_from_pretrained():
    table = edutorch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    assert emb(edutorch.tensor([2, 0])).tolist() == [[5.0, 6.0], [1.0, 2.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(edutorch.ones(3))


EMBEDDINGS = {
    "plain": dict(),
    "padding": dict(padding_idx=1),
    "scale_grad_by_freq": dict(scale_grad_by_freq=True, padding_idx=0),
    "max_norm": dict(max_norm=1.5),
    "max_norm_l1": dict(max_norm=2.0, norm_type=1.0),
}


@pytest.mark.parametrize("case", EMBEDDINGS)
def test_embedding_matches_torch(case):
    torch = pytest.importorskip("torch")
    kw = EMBEDDINGS[case]
    tm, em = torch.nn.Embedding(7, 4, **kw), nn.Embedding(7, 4, **kw)
    assert repr(tm) == repr(em)
    em.load_state_dict({"weight": edutorch.tensor(tm.weight.detach().numpy())})
    idx = np.array([[0, 1, 3, 3], [6, 1, 3, 2]])
    yt, ye = tm(torch.tensor(idx)), em(edutorch.tensor(idx))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(9).standard_normal(tuple(yt.shape), dtype=np.float32)
    yt.backward(torch.tensor(g))
    ye.backward(edutorch.tensor(g))
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-6
    )  # max_norm renormalises the table in place


BAD_CALLS = {
    "float_indices": lambda f, t, i: f.embedding(i([1.0]), t(3, 2)),
    "out_of_range": lambda f, t, i: f.embedding(i([5]), t(3, 2)),
    "negative_index": lambda f, t, i: f.embedding(i([-1]), t(3, 2)),
    "padding_out_of_range": lambda f, t, i: f.embedding(i([1]), t(3, 2), padding_idx=5),
    "weight_1d": lambda f, t, i: f.embedding(i([1]), t(3)),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_embedding_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    make = functional_and("ones")
    assert_same_error(BAD_CALLS[name], torch, lambda lib: (*make(lib), lib.tensor))


def test_embedding_module_padding_errors():
    for bad in (7, -8):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            nn.Embedding(7, 2, padding_idx=bad)


def test_embedding_sparse_warns_and_one_hot():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.embedding(edutorch.tensor([0]), edutorch.ones(2, 2), sparse=True)
    assert any("sparse" in str(w.message) for w in caught)
    assert F.one_hot(edutorch.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.one_hot(edutorch.tensor([[1], [0]])).shape == (2, 1, 2)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(edutorch.tensor([3]), 3)

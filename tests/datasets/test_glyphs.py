"""Glyphs, the digit images drawn in code: shapes, determinism, speed, and that a CNN learns."""

import time

import numpy as np
import pytest

import edutorch
from edutorch.datasets import Glyphs, glyphs


def test_shapes_dtypes_and_labels():
    ds = Glyphs(n_samples=50, seed=1)
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == edutorch.float32
    assert y.shape == () and y.dtype == edutorch.int64
    assert ds.data.shape == (50, 1, 28, 28) and ds.targets.shape == (50,)
    a = ds.data.numpy()
    assert a.min() >= 0.0 and a.max() <= 1.0
    assert ds.classes == [str(d) for d in range(10)]
    assert np.array_equal(np.bincount(ds.targets.numpy()), [5] * 10)  # balanced


def test_16x16_option():
    ds = glyphs(n_samples=20, size=16)
    assert ds[3][0].shape == (1, 16, 16) and ds.data.shape == (20, 1, 16, 16)


def test_same_seed_same_images_and_train_test_differ():
    a, b = Glyphs(n_samples=30, seed=4), Glyphs(n_samples=30, seed=4)
    assert np.array_equal(a.data.numpy(), b.data.numpy())
    assert np.array_equal(a.targets.numpy(), b.targets.numpy())
    c = Glyphs(n_samples=30, seed=5)
    test = Glyphs(train=False, n_samples=30, seed=4)
    assert not np.array_equal(a.data.numpy(), c.data.numpy())
    assert not np.array_equal(a.data.numpy(), test.data.numpy())


def test_noise_changes_images_and_zero_noise_leaves_a_clean_background():
    clean = Glyphs(n_samples=20, noise=0.0).data.numpy()
    noisy = Glyphs(n_samples=20, noise=0.2).data.numpy()
    assert not np.allclose(clean, noisy)
    assert (clean == 0).mean() > 0.6  # strokes cover a small part of the canvas
    assert (noisy == 0).mean() < (clean == 0).mean()


def test_every_digit_has_ink_in_the_middle():
    ds = Glyphs(n_samples=200, noise=0.0)
    img, lab = ds.data.numpy()[:, 0], ds.targets.numpy()
    for d in range(10):
        mean = img[lab == d].mean(0)
        assert mean[2:26, 2:26].sum() > 0.97 * mean.sum()  # the glyph stays on the canvas


def test_digits_differ_from_each_other():
    ds = Glyphs(n_samples=500, noise=0.0)
    img, lab = ds.data.numpy().reshape(500, -1), ds.targets.numpy()
    means = np.stack([img[lab == d].mean(0) for d in range(10)])
    dist = np.linalg.norm(means[:, None] - means[None], axis=2)
    assert dist[~np.eye(10, dtype=bool)].min() > 1.0


def test_fast_enough_to_generate_in_class():
    start = time.perf_counter()
    Glyphs(n_samples=5000)
    assert time.perf_counter() - start < 5.0  # ~0.3 s on a laptop; generous for busy CI machines


def test_rejects_tiny_canvas():
    with pytest.raises(ValueError, match="at least 8"):
        Glyphs(n_samples=1, size=4)


def _train_small_cnn(lib):
    """Two conv layers on 16x16 glyphs, 3 epochs of 6000 images: the lesson's CNN, but faster."""
    lib.manual_seed(1)
    train = Glyphs(n_samples=6000, size=16, seed=0)
    test = Glyphs(train=False, n_samples=1000, size=16, seed=0)
    x, y = lib.from_numpy(train.data.numpy()), lib.from_numpy(train.targets.numpy())
    xt, yt = lib.from_numpy(test.data.numpy()), lib.from_numpy(test.targets.numpy())
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    )  # fmt: skip
    opt = lib.optim.Adam(model.parameters(), lr=0.005)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        perm = lib.randperm(len(x))
        for i in range(0, len(x), 32):
            idx = perm[i : i + 32]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with lib.no_grad():
        return (model(xt).argmax(1) == yt).float().mean().item()


@pytest.mark.slow
def test_a_small_torch_cnn_learns_the_glyphs():
    """Guards the data itself (learnable, not too hard), whatever state edutorch's conv is in."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # torch's thread pool crawls on a busy 2-core machine
    try:
        assert _train_small_cnn(torch) >= 0.95
    finally:
        torch.set_num_threads(threads)


def test_a_small_edutorch_cnn_learns_the_glyphs():
    if not hasattr(edutorch.nn, "Conv2d") or not hasattr(edutorch.nn, "MaxPool2d"):
        pytest.skip("edutorch.nn.Conv2d / MaxPool2d not written yet")
    start = time.perf_counter()
    assert _train_small_cnn(edutorch) >= 0.95  # about 1.5 s on 2 cores
    assert time.perf_counter() - start < 60

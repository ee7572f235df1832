"""MNIST's IDX format: round trips through files the tests write, and the missing-files message."""

import gzip

import numpy as np
import pytest

import edutorch
from edutorch import transforms as T
from edutorch.datasets import MNIST, FashionMNIST, read_idx, write_idx
from edutorch.utils.data import DataLoader

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")  # fmt: skip


def fake_mnist(folder, n_train=6, n_test=4, gz=False):
    """Write the four files with random pixels; returns (train images, labels, test images, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = (
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_train).astype(np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_test).astype(np.uint8),
    )
    for name, a in zip(FILES, arrays):
        write_idx(folder / (name + (".gz" if gz else "")), a)
    return arrays


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, dtype):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    for name in ("a.idx", "a.idx.gz"):
        write_idx(tmp_path / name, a)
        b = read_idx(tmp_path / name)
        assert b.dtype == a.dtype and np.array_equal(a, b)


def test_idx_header_is_the_standard_one(tmp_path):
    write_idx(tmp_path / "l", np.array([7, 2], dtype=np.uint8))
    assert (tmp_path / "l").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 2])
    write_idx(tmp_path / "i", np.zeros((1, 2, 3), dtype=np.uint8))
    assert (tmp_path / "i").read_bytes()[:16] == bytes(
        [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]
    )
    write_idx(tmp_path / "s", np.array([1], dtype=np.int32))
    assert (tmp_path / "s").read_bytes()[-4:] == bytes([0, 0, 0, 1])  # big-endian


def test_bad_idx_files(tmp_path):
    (tmp_path / "junk").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "junk")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match=r"header says \(5,\)"):
        read_idx(tmp_path / "short")


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_train_and_test(tmp_path, gz):
    tr_x, tr_y, te_x, te_y = fake_mnist(tmp_path, gz=gz)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert len(train) == 6 and len(test) == 4
    assert train.data.dtype == edutorch.uint8 and train.data.shape == (6, 28, 28)
    assert train.targets.dtype == edutorch.int64 and train.targets.tolist() == tr_y.tolist()
    img, label = test[2]
    assert np.array_equal(img, te_x[2]) and label == int(te_y[2]) and isinstance(label, int)
    assert train.classes[3] == "3 - three" and train.class_to_idx["9 - nine"] == 9


def test_mnist_with_transforms_and_a_loader(tmp_path):
    tr_x, *_ = fake_mnist(tmp_path / "MNIST" / "raw")  # torchvision's layout works too
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(tmp_path, transform=tf)
    x, _ = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == edutorch.float32
    want = (tr_x[0] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(x.numpy()[0], want, rtol=1e-5, atol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.dtype == edutorch.int64


def test_missing_files_say_where_and_what(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        MNIST(tmp_path / "data")
    msg = str(e.value)
    assert str(tmp_path / "data") in msg and "does not download" in msg
    assert all(name in msg for name in FILES)
    with pytest.raises(FileNotFoundError, match="FashionMNIST"):
        FashionMNIST(tmp_path, download=True)


def test_image_and_label_counts_must_agree(tmp_path):
    fake_mnist(tmp_path)
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]))
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(ValueError, match="6 images but .* 2 labels"):
        MNIST(tmp_path)


def test_fashion_mnist_classes(tmp_path):
    fake_mnist(tmp_path / "FashionMNIST" / "raw")
    ds = FashionMNIST(tmp_path)
    assert ds.classes[9] == "Ankle boot" and len(ds) == 6

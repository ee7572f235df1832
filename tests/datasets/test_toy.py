"""2-D toys, regressions and the registry: shapes, dtypes, label sets, seeds, noise, splits."""

import numpy as np
import pytest

import edutorch
import edutorch.datasets as D
from edutorch.utils.data import DataLoader, Dataset

CLASSIFIERS = {  # factory -> number of classes with default arguments
    D.circles: 2, D.xor: 2, D.gaussians: 3, D.spiral: 3, D.moons: 2,
}  # fmt: skip
REGRESSIONS = {D.plane: 2, D.sine: 1, D.polynomial: 1}  # factory -> input size


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_classification_shapes_and_labels(make):
    ds = make(n_samples=101, noise=0.1, seed=3)
    assert isinstance(ds, Dataset) and len(ds) == 101
    x, y = ds[0]
    assert x.shape == (2,) and x.dtype == edutorch.float32
    assert y.shape == () and y.dtype == edutorch.int64
    assert ds.data.shape == (101, 2) and ds.data.dtype == edutorch.float32
    assert ds.targets.shape == (101,) and ds.targets.dtype == edutorch.int64
    k = CLASSIFIERS[make]
    assert len(ds.classes) == k
    counts = np.bincount(ds.targets.numpy(), minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1  # balanced
    assert ds[-1][0].tolist() == ds.data[100].tolist()


@pytest.mark.parametrize("make", REGRESSIONS, ids=lambda f: f.__name__)
def test_regression_shapes(make):
    ds = make(n_samples=50, seed=1)
    x, y = ds[3]
    assert x.shape == (REGRESSIONS[make],) and x.dtype == edutorch.float32
    assert y.shape == (1,) and y.dtype == edutorch.float32
    assert ds.targets.shape == (50, 1) and ds.classes is None


def test_regression_follows_its_function_without_noise():
    p = D.plane(n_samples=20, noise=0, weight=(1.0, 2.0), bias=-1.0)
    x, y = p.data.numpy(), p.targets.numpy()[:, 0]
    np.testing.assert_allclose(y, x[:, 0] + 2 * x[:, 1] - 1, rtol=1e-5, atol=1e-6)
    s = D.sine(n_samples=20, noise=0)
    np.testing.assert_allclose(s.targets.numpy()[:, 0], np.sin(s.data.numpy()[:, 0]), atol=1e-6)
    q = D.polynomial(n_samples=20, noise=0, coefficients=(1, 0, 2))
    xq = q.data.numpy()[:, 0]
    np.testing.assert_allclose(q.targets.numpy()[:, 0], 1 + 2 * xq**2, rtol=1e-5)


ALL = list(CLASSIFIERS) + list(REGRESSIONS)


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_same_seed_same_data_other_seed_other_data(make):
    a, b, c = make(seed=5), make(seed=5), make(seed=6)
    assert np.array_equal(a.data.numpy(), b.data.numpy())
    assert np.array_equal(a.targets.numpy(), b.targets.numpy())
    assert not np.array_equal(a.data.numpy(), c.data.numpy())


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_noise_changes_the_data(make):
    quiet, loud = make(noise=0.0, seed=1), make(noise=0.3, seed=1)
    assert not np.allclose(quiet.data.numpy(), loud.data.numpy()) or not np.allclose(
        quiet.targets.numpy(), loud.targets.numpy()
    )


def test_seed_none_follows_manual_seed():
    edutorch.manual_seed(7)
    a = D.moons(seed=None)
    edutorch.manual_seed(7)
    b = D.moons(seed=None)
    assert np.array_equal(a.data.numpy(), b.data.numpy())


def test_noise_free_shapes_are_exact():
    c = D.circles(n_samples=40, noise=0, factor=0.3)
    r = np.linalg.norm(c.data.numpy(), axis=1)
    np.testing.assert_allclose(r, np.where(c.targets.numpy() == 0, 1.0, 0.3), rtol=1e-5)
    x = D.xor(n_samples=40, noise=0)
    opposite = x.data.numpy().prod(1) < 0
    assert np.array_equal(opposite, x.targets.numpy() == 1)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spiral_arms_are_classes(k):
    ds = D.spiral(n_samples=10 * k, n_classes=k)
    assert sorted(set(ds.targets.tolist())) == list(range(k)) and len(ds.classes) == k


def test_spiral_needs_two_arms():
    with pytest.raises(ValueError, match="n_classes >= 2"):
        D.spiral(n_classes=1)


def test_class_names_match_factories():
    assert isinstance(D.spiral(), D.Spiral) and isinstance(D.xor(), D.XOR)
    assert type(D.Moons(n_samples=10, noise=0.2, seed=1)) is D.Moons


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_split_sizes_disjoint_and_deterministic(make):
    ds = make(n_samples=100, seed=2)
    train, test = ds.split(test_fraction=0.25, seed=0)
    assert (len(train), len(test)) == (75, 25)
    assert type(train) is type(ds) and train.classes == ds.classes
    rows = {tuple(r) for r in ds.data.numpy().tolist()}
    tr = {tuple(r) for r in train.data.numpy().tolist()}
    te = {tuple(r) for r in test.data.numpy().tolist()}
    assert tr | te == rows and not tr & te
    again = ds.split(test_fraction=0.25, seed=0)[1]
    assert np.array_equal(again.data.numpy(), test.data.numpy())
    assert not np.array_equal(ds.split(0.25, seed=1)[1].data.numpy(), test.data.numpy())


def test_split_rejects_bad_fractions():
    for f in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="test_fraction"):
            D.moons().split(f)


def test_dataloader_batches():
    xb, yb = next(iter(DataLoader(D.spiral(), batch_size=16, shuffle=True)))
    assert xb.shape == (16, 2) and xb.dtype == edutorch.float32
    assert yb.shape == (16,) and yb.dtype == edutorch.int64
    xb, yb = next(iter(DataLoader(D.sine(), batch_size=8)))
    assert xb.shape == (8, 1) and yb.shape == (8, 1)


def test_transform_and_target_transform():
    ds = D.moons(n_samples=10)
    ds.transform, ds.target_transform = (lambda x: x * 0), (lambda y: y + 10)
    x, y = ds[0]
    assert x.tolist() == [0.0, 0.0] and y.item() >= 10


def test_registry_lists_every_builtin():
    table = D.available()
    assert list(table)[:8] == [
        "circles", "xor", "gaussians", "spiral", "moons", "plane", "sine", "polynomial",
    ]  # fmt: skip
    assert {"glyphs", "char_text", "parity", "counting"} <= set(table)
    for name, info in table.items():
        assert info.name == name and info.description and "\n" not in info.description
        assert info.task in ("classification", "regression")
        assert (info.num_classes is None) == (info.task == "regression")
        kwargs = {"n_samples": 20} if name not in ("char_text",) else {}
        ds = info.create(**kwargs)
        x, y = ds[0]
        assert tuple(x.shape) == info.input_shape, name
        assert tuple(y.shape) == info.target_shape, name
        if info.num_classes is not None:
            assert len(ds.classes) == info.num_classes, name


def test_load_by_name():
    assert len(D.load("spiral", n_samples=30, n_classes=4).classes) == 4
    with pytest.raises(ValueError, match="no dataset named 'spirals'.*spiral"):
        D.load("spirals")


def test_repr_says_what_it_is():
    assert repr(D.spiral(n_samples=30)) == "Spiral(n_samples=30, input_shape=(2,), 3 classes)"
    assert "regression" in repr(D.sine())

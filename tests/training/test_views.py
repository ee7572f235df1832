"""Numbers behind the views: decision grid, neuron grids, confusion matrix, predictions."""

import numpy as np
import pytest

import edutorch as torch
from edutorch.training import (
    Trainer,
    confusion_matrix,
    data_bounds,
    decision_grid,
    neuron_grids,
    predictions,
)
from edutorch.utils.data import TensorDataset

from ._models import spiral_setup


class Fixed(torch.nn.Module):
    """Predicts class = round(x0) from scores (-(x0 - k)^2 for k = 0, 1, 2)."""

    def forward(self, x):
        k = torch.arange(3).float()
        return -((x[:, :1] - k) ** 2)


def test_confusion_matrix_matches_a_hand_count():
    x = torch.tensor([[0.0], [1.1], [2.0], [1.9], [0.4], [0.9], [2.2]])
    y = torch.tensor([0, 1, 2, 1, 1, 1, 0])
    # predicted:       0  1  2  2  0  1  2
    expected = np.zeros((3, 3), np.int64)
    for t, p in zip([0, 1, 2, 1, 1, 1, 0], [0, 1, 2, 2, 0, 1, 2]):
        expected[t, p] += 1
    got = confusion_matrix(Fixed(), TensorDataset(x, y), num_classes=3)
    np.testing.assert_array_equal(got, expected)
    assert got.sum() == 7 and np.trace(got) == 4


def test_confusion_matrix_of_a_trained_spiral_model():
    trainer = Trainer(*spiral_setup())
    for _ in range(10):
        trainer.run_epoch()
    m = confusion_matrix(trainer.model, trainer.test_set)
    assert m.shape == (3, 3) and m.sum() == len(trainer.test_set)
    assert np.trace(m) / m.sum() == pytest.approx(trainer.evaluate()[1])


def test_decision_grid_probabilities():
    model = torch.nn.Linear(2, 3)
    g = decision_grid(model, (-1, 1), (-2, 2), resolution=9)
    assert g.kind == "probabilities" and g.values.shape == (9, 9, 3)
    np.testing.assert_allclose(g.values.sum(-1), 1, rtol=1e-5)
    # values[i, j] is the model at (xs[j], ys[i])
    out = model(torch.tensor([[float(g.xs[2]), float(g.ys[7])]])).detach().numpy()[0]
    p = np.exp(out - out.max())
    np.testing.assert_allclose(g.values[7, 2], p / p.sum(), rtol=1e-5)
    assert model.training  # restored after evaluating in eval mode


def test_decision_grid_binary_surface_and_curve():
    g = decision_grid(torch.nn.Linear(2, 1), (-1, 1), (-1, 1), 5, task="binary")
    assert g.values.shape == (5, 5, 2)
    s = decision_grid(torch.nn.Linear(2, 1), (-1, 1), (-1, 1), 5, task="regression")
    assert s.kind == "surface" and s.values.shape == (5, 5)
    c = decision_grid(torch.nn.Linear(1, 1), (-3, 3), None, 11, task="regression")
    assert c.kind == "curve" and c.values.shape == (11, 1)


def test_neuron_grids_of_an_mlp():
    model, *_ = spiral_setup()
    grids = neuron_grids(model, (-1, 1), (-1, 1), resolution=8)
    assert list(grids) == ["relu_1", "relu_2", "linear_3"]
    assert grids["relu_1"].shape == (16, 8, 8) and grids["relu_1"].min() >= 0
    seq = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    assert {k: v.shape for k, v in neuron_grids(seq, (0, 1), (0, 1), 3).items()} == {
        "1": (4, 3, 3), "2": (2, 3, 3)}  # fmt: skip


def test_predictions_mark_mistakes():
    x = torch.tensor([[0.0], [1.1], [2.0], [1.9]])
    y = torch.tensor([0, 1, 2, 1])
    p = predictions(Fixed(), TensorDataset(x, y), n=3)
    assert p.inputs.shape == (3, 1) and p.predicted.tolist() == [0, 1, 2]
    assert p.correct.tolist() == [True, True, True] and (p.confidence > 1 / 3).all()
    p = predictions(Fixed(), TensorDataset(x, y), n=10)
    assert p.correct.tolist() == [True, True, True, False]


def test_data_bounds():
    assert data_bounds(np.array([[0.0, -1.0], [1.0, 1.0]]), margin=0.5) == [
        (-0.5, 1.5),
        (-2.0, 2.0),
    ]


def test_live_views_are_recomputed_when_due():
    from edutorch.training import LiveViews

    trainer = Trainer(*spiral_setup())
    views = LiveViews(trainer.train_set, trainer.test_set, interval=60, slow_interval=60)
    views.update(trainer)
    first = views.latest()
    assert set(first) == {"version", "step", "grid", "neurons", "confusion"}
    assert first["grid"].values.shape == (80, 80, 3) and first["confusion"].sum() == 120
    trainer.step()
    views.update(trainer)  # not due yet: nothing recomputed
    assert views.latest()["version"] == first["version"]
    views.update(trainer, force=True)
    assert views.latest()["version"] == first["version"] + 1 and views.latest()["step"] == 1
    assert views.error is None


def test_live_views_skip_what_a_model_cannot_do():
    from edutorch.training import LiveViews, load_data

    train, test, info = load_data({"name": "glyphs", "n_samples": 40, "size": 16})
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 10))
    trainer = Trainer(model, torch.nn.CrossEntropyLoss(), train, test)
    views = LiveViews(train, test, info.input_shape)
    views.update(trainer, force=True)
    latest = views.latest()
    assert "grid" not in latest and latest["predictions"].inputs.shape == (8, 1, 16, 16)
    broken = Trainer(torch.nn.Linear(3, 3), torch.nn.CrossEntropyLoss(), *spiral_setup()[2:4])
    views = LiveViews(broken.train_set, broken.test_set)
    views.update(broken, force=True)  # the model takes 3 features, the data has 2
    assert views.latest()["grid"] is None and views.latest()["confusion"] is None
    assert set(views.errors) == {"grid", "neurons", "confusion matrix"}
    assert "shapes cannot be multiplied" in views.errors["grid"]

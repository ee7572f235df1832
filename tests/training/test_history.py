"""History: round trip through JSON (and a project file), copies, histograms, run legends."""

import json
import math

import numpy as np
import pytest

from edutorch.graph import Project, load_project, sample_project, save_project
from edutorch.training import History, Run, Trainer, TrainingConfig, legends

from ._models import spiral_setup


def _trained_history():
    trainer = Trainer(*spiral_setup(epochs=2, eval_every=7, histogram_every=5))
    trainer.run()
    return trainer


def test_round_trip_through_json_is_exact():
    h = _trained_history().history
    d = json.loads(json.dumps(h.to_dict(), allow_nan=False))
    back = History.from_dict(d)
    assert back.steps == h.steps and back.evals == h.evals and back.epochs == h.epochs
    assert back.grad_norms == h.grad_norms and back.histograms == h.histograms
    assert back.meta == h.meta
    assert isinstance(back.steps["step"][0], int)


def test_nan_is_stored_as_null():
    h = History()
    h.add_step(step=1, epoch=1, loss=float("inf"), lr=0.1, grad_norms={"fc": 1.0})
    d = h.to_dict()
    assert d["steps"]["loss"] == [None] and d["steps"]["accuracy"] == [None]
    json.dumps(d, allow_nan=False)
    back = History.from_dict(d)
    assert math.isnan(back.steps["loss"][0]) and back.steps["lr"] == [0.1]


def test_history_and_weights_are_saved_in_the_project_file(tmp_path):
    trainer = _trained_history()
    project = sample_project("spiral-mlp")
    project.training = trainer.config.to_dict()
    project.weights = trainer.state_dict_copy()
    project.history = trainer.history.to_dict()
    save_project(project, tmp_path / "p.etproj")
    loaded = load_project(tmp_path / "p.etproj")
    assert isinstance(loaded, Project)
    assert TrainingConfig.from_dict(loaded.training) == trainer.config
    back = History.from_dict(loaded.history)
    assert back.steps == trainer.history.steps and back.histograms == trainer.history.histograms
    model = loaded.model()
    for k, v in trainer.model.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[k].numpy(), v.numpy())


def test_snapshot_is_a_copy():
    h = History()
    h.add_step(step=1, loss=1.0, grad_norms={"a": 2.0})
    snap = h.snapshot()
    h.add_step(step=2, loss=0.5, grad_norms={"a": 1.0, "b": 3.0})
    assert snap.steps["loss"] == [1.0] and list(snap.grad_norms) == ["a"]
    assert h.grad_norms["b"][0] != h.grad_norms["b"][0]  # NaN-padded before it first appears
    assert h.version > snap.version


def test_bad_history_is_refused():
    with pytest.raises(ValueError, match="not a number"):
        History.from_dict({"steps": {"loss": ["x"]}})
    with pytest.raises(ValueError, match="different lengths"):
        History.from_dict({"steps": {"step": [1, 2], "loss": [1.0]}})
    with pytest.raises(ValueError, match="newer"):
        History.from_dict({"version": 99})


def test_histograms_are_thinned_and_rebinned():
    h = History()
    for s in range(450):
        h.add_histograms(s, {"fc": {"weight": ([1, 2, 3], -1.0 - s / 100, 1.0)}})
    assert len(h.histograms) <= 200 and h.histograms[0]["step"] == 0
    steps, edges, counts = h.histogram_matrix("fc", "weight", bins=10)
    assert counts.shape == (len(steps), 10) and counts.sum(axis=1).tolist() == [6] * len(steps)
    assert edges[0] == pytest.approx(min(e["layers"]["fc"]["weight"]["lo"]
                                         for e in h.histograms))  # fmt: skip


def test_run_legends_show_what_differs():
    a = TrainingConfig(lr=0.1).to_dict()
    b = TrainingConfig(lr=0.01).to_dict()
    c = TrainingConfig(lr=0.01, optimizer="SGD", optimizer_args={"momentum": 0.9}).to_dict()
    runs = [Run(a, History()), Run(b, History()), Run(c, History(), name="mine")]
    assert legends(runs) == [
        "run 1: optimizer=Adam, lr=0.1",
        "run 2: optimizer=Adam, lr=0.01",
        "mine: optimizer=SGD, lr=0.01, momentum=0.9",
    ]
    assert legends(runs[:1]) == ["run 1: optimizer=Adam, lr=0.1, batch_size=32"]
    back = Run.from_dict(json.loads(json.dumps(runs[2].to_dict())))
    assert back.settings == c and back.name == "mine"

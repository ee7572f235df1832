"""Project files: round trips with weights and history, clear errors for damaged or edited files,
atomic saves, autosave paths, and the built-in samples."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import edutorch as torch
from edutorch import serialization
from edutorch.graph import (
    BUILTIN_SAMPLES,
    GraphError,
    GraphModule,
    Project,
    ProjectFileError,
    autosave_path,
    count_parameters,
    infer_shapes,
    load_project,
    sample_project,
    save_project,
)
from edutorch.graph.project import write_samples

from .test_spec import mlp


def trained_project():
    torch.manual_seed(0)
    spec = mlp()
    model = GraphModule(spec)
    return Project(
        graph=spec,
        dataset={"name": "spiral", "n_samples": 300, "noise": 0.1, "seed": 1},
        training={"optimizer": "SGD", "lr": 0.1, "batch_size": 16, "epochs": 3, "seed": 0},
        layout={"zoom": 1.5, "center": [10.0, -4.0], "docks": {"inspector": "right"}},
        weights=model.state_dict(),
        history={
            "train_loss": [1.1, 0.9, 0.7],
            "test_accuracy": [0.3, 0.5, 0.8],
            "runs": [{"label": "lr=0.1", "loss": [1.0, 0.5]}],
        },  # fmt: skip
        meta={"name": "demo", "notes": "ünïcode ok"},
    )


def test_round_trip_with_weights_and_history(tmp_path):
    project = trained_project()
    path = tmp_path / "demo.etproj"
    save_project(project, path)
    again = load_project(path)
    assert again.graph == project.graph
    assert (again.dataset, again.training, again.layout, again.history, again.meta) == (
        project.dataset, project.training, project.layout, project.history, project.meta
    )  # fmt: skip
    assert list(again.weights) == list(project.weights)
    for k, v in project.weights.items():
        assert np.array_equal(again.weights[k].numpy(), v.numpy())
    model = again.model()
    x = torch.randn(4, 2)
    reference = GraphModule(project.graph)
    reference.load_state_dict(project.weights)
    np.testing.assert_array_equal(model(x).detach().numpy(), reference(x).detach().numpy())


def test_the_file_is_a_plain_zip_of_json_and_edutorch_weights(tmp_path):
    path = tmp_path / "demo.etproj"
    save_project(trained_project(), path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["project.json", "weights.pt"]
        doc = json.loads(zf.read("project.json"))
        weights = serialization.load(io.BytesIO(zf.read("weights.pt")))
    assert doc["format"] == "edutorch-project" and doc["version"] == 1
    assert doc["graph"]["format"] == "edutorch-graph"
    assert set(weights) == {"linear_1.weight", "linear_1.bias", "linear_2.weight", "linear_2.bias"}


def test_saving_twice_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.etproj", tmp_path / "b.etproj"
    project = trained_project()
    save_project(project, a)
    save_project(project, b)
    assert a.read_bytes() == b.read_bytes()


def test_no_weights_and_non_finite_history(tmp_path):
    project = Project(mlp(), history={"loss": [1.0, float("nan"), float("inf")]})
    save_project(project, tmp_path / "p.etproj")
    again = load_project(tmp_path / "p.etproj")
    assert again.weights is None and again.history == {"loss": [1.0, None, None]}
    with zipfile.ZipFile(tmp_path / "p.etproj") as zf:
        assert zf.namelist() == ["project.json"]


def test_unsavable_values_are_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match="history.*object"):
        save_project(Project(mlp(), history={"loss": [object()]}), tmp_path / "p.etproj")
    assert not (tmp_path / "p.etproj").exists()


def _rewrite(path, change_doc=None, drop=(), extra=None):
    """Rewrite a saved project with project.json edited by ``change_doc``."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n not in drop}
    if change_doc is not None:
        doc = json.loads(members["project.json"])
        change_doc(doc)
        members["project.json"] = json.dumps(doc).encode()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _linear(doc):
    return next(n for n in doc["graph"]["nodes"] if n["id"] == "linear_1")


@pytest.mark.parametrize(
    "edit, message",
    [
        (dict(change_doc=lambda d: d.update(version=2)),
         "project was saved by a newer edutorch.*version 2.*upgrade edutorch"),
        (dict(change_doc=lambda d: d["graph"].update(version=7)), "newer edutorch"),
        (dict(change_doc=lambda d: _linear(d)["params"].update(out_features="-3")),
         r"'linear_1' \(Linear\): out_features must be an integer, got '-3'"),
        (dict(change_doc=lambda d: _linear(d)["params"].update(out_features=-3)),
         "out_features must be at least 1, got -3"),
        (dict(change_doc=lambda d: _linear(d).update(type="Bogus")), "unknown layer type"),
        (dict(change_doc=lambda d: d["training"].update(lr="fast")),
         "training setting lr must be a number, got 'fast'"),
        (dict(change_doc=lambda d: d["training"].update(lr=-1)), "lr must be at least 0"),
        (dict(change_doc=lambda d: d["training"].update(batch_size=0)), "batch_size"),
        (dict(change_doc=lambda d: d["training"].update(optimizer="Magic")), "optimizer"),
        (dict(change_doc=lambda d: d["dataset"].update(n_samples=2.5)), "n_samples"),
        (dict(change_doc=lambda d: d.update(dataset=[1])), '"dataset" .* must be an object'),
        (dict(change_doc=lambda d: d.update(format="zip")), "not an edutorch project"),
        (dict(change_doc=lambda d: d.pop("graph")), '"graph" .* must be an object'),
        (dict(drop=("weights.pt",)), "weights.*missing"),
        (dict(drop=("project.json",)), "project.json is missing"),
        (dict(extra={"project.json": b"{not json"}), "not valid JSON"),
        (dict(extra={"project.json": b'{"format": "edutorch-project", "version": NaN}'}),
         "not valid JSON"),
        (dict(extra={"weights.pt": b"\x80\x02pickle"}), "weights.*unreadable.*pickle"),
        (dict(extra={"weights.pt": b"PK\x03\x04junk"}), "weights.*unreadable"),
    ],
)  # fmt: skip
def test_bad_files_raise_a_clear_error(tmp_path, edit, message):
    path = tmp_path / "bad.etproj"
    save_project(trained_project(), path)
    _rewrite(path, **edit)
    with pytest.raises(ProjectFileError, match=message) as e:
        load_project(path)
    assert str(path) in str(e.value) and e.value.path == str(path)


def test_truncated_and_junk_files(tmp_path):
    path = tmp_path / "p.etproj"
    save_project(trained_project(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 10, 0):
        path.write_bytes(data[:cut])
        with pytest.raises(ProjectFileError, match=str(path)):
            load_project(path)
    path.write_bytes(b"hello, I am not a zip at all")
    with pytest.raises(ProjectFileError, match="not a zip archive"):
        load_project(path)
    with pytest.raises(ProjectFileError, match="cannot be opened"):
        load_project(tmp_path / "missing.etproj")


def test_every_byte_flip_is_caught_or_harmless(tmp_path):
    path = tmp_path / "p.etproj"
    save_project(trained_project(), path)
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), max(1, len(data) // 150)):
        damaged = bytearray(data)
        damaged[i] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            load_project(path)
        except ProjectFileError:
            pass  # anything else escaping is a bug


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "p.etproj"
    save_project(trained_project(), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    changed = trained_project()
    changed.meta = {"name": "changed"}
    with pytest.raises(OSError, match="disk full"):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.etproj"]  # no temporary file left behind


def test_a_failure_while_writing_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "p.etproj"
    save_project(trained_project(), path)
    before = path.read_bytes()

    def broken_writestr(self, *a, **k):
        raise RuntimeError("crash mid-write")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken_writestr)
    with pytest.raises(RuntimeError, match="crash mid-write"):
        save_project(trained_project(), path)
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_autosave_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUTORCH_STUDIO_HOME", str(tmp_path / "home"))
    untitled = autosave_path(None)
    assert untitled == tmp_path / "home" / "autosave" / "untitled.etproj"
    assert untitled.parent.is_dir()
    a = autosave_path(tmp_path / "one" / "net.etproj")
    b = autosave_path(tmp_path / "two" / "net.etproj")
    assert a != b and a.name.startswith("net-") and a.suffix == ".etproj"
    assert a == autosave_path(str(tmp_path / "one" / "net.etproj"))
    save_project(trained_project(), a)  # the folder exists, so saving there works
    assert load_project(a).meta["name"] == "demo"


def test_autosave_default_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUTORCH_STUDIO_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert autosave_path(None).parent == tmp_path / "edutorch-studio" / "autosave"


@pytest.mark.parametrize("name", sorted(BUILTIN_SAMPLES))
def test_samples_build_and_round_trip(tmp_path, name):
    project = sample_project(name)
    report = infer_shapes(project.graph)
    assert report.ok, report.errors
    assert project.meta["name"] == name and project.weights is None
    save_project(project, tmp_path / f"{name}.etproj")
    assert load_project(tmp_path / f"{name}.etproj").graph == project.graph


def test_spiral_sample_is_the_documented_mlp():
    project = sample_project("spiral-mlp")
    assert [n.type for n in project.graph.nodes] == [
        "Input", "Linear", "ReLU", "Linear", "ReLU", "Linear", "Output"
    ]  # fmt: skip
    assert count_parameters(project.model()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3
    assert project.dataset["name"] == "spiral"
    assert project.training["optimizer"] == "Adam" and project.training["lr"] == 0.01
    assert project.training["batch_size"] == 32
    with pytest.raises(ValueError, match="no sample project"):
        sample_project("nope")


def test_write_samples_writes_every_builtin_sample_loadable(tmp_path):
    written = write_samples(tmp_path)
    assert sorted(p.stem for p in written) == sorted(BUILTIN_SAMPLES)
    for path in written:
        again = load_project(path)
        assert again.graph.to_dict() == sample_project(path.stem).graph.to_dict()


def test_weights_that_do_not_fit_the_graph_are_explained(tmp_path):
    project = trained_project()
    assert project.weights_fit() == []
    project.graph.set_params("linear_1", out_features=4)
    problems = project.weights_fit()
    assert "linear_1.weight has shape (8, 2) but the model needs (4, 2)" in problems
    with pytest.raises(GraphError, match="do not fit the model: .*linear_1.weight has shape"):
        project.model()
    save_project(project, tmp_path / "p.etproj")  # saving it is allowed: work is never lost
    assert load_project(tmp_path / "p.etproj").weights_fit() == problems
    project.weights.pop("linear_2.bias")
    project.weights["extra"] = torch.zeros(1)
    assert {"linear_2.bias is missing", "extra is not in the model"} <= set(project.weights_fit())
    project.graph.disconnect("relu_1", "linear_2")
    assert project.weights_fit() == []  # a graph under construction: nothing to compare yet

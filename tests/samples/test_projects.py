"""The lessons' studio project files (samples/*_*.etproj): they open, their graphs build, and each
is the model of its sample script: same layers, same parameter shapes, same outputs."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import edutorch as torch
from edutorch import datasets
from edutorch.graph import infer_shapes
from edutorch.graph.project import load_project, save_project

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maker():
    return _load(SAMPLES / "make_projects.py", "sample_make_projects")


NAMES = ["spiral_mlp", "glyphs_cnn", "sequence_rnn"]
LAYERS = {
    "spiral_mlp": ["Input", "Linear", "ReLU", "Linear", "ReLU", "Linear", "Output"],
    "glyphs_cnn": ["Input", "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                   "Flatten", "Linear", "Output"],
    "sequence_rnn": ["Input", "LSTM", "Linear", "Output"],
}  # fmt: skip


def test_make_projects_covers_the_three_lessons(maker):
    assert list(maker.LESSONS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_project_is_the_scripts_model(name, maker, monkeypatch):
    monkeypatch.delenv("EDUTORCH_SAMPLES_BACKEND", raising=False)
    project = load_project(SAMPLES / f"{name}.etproj")
    assert [n.type for n in project.graph.nodes] == LAYERS[name]
    report = infer_shapes(project.graph)
    assert report.ok, report.errors
    graph_model = project.model()  # builds
    assert project.weights is None  # untrained, as the lesson starts

    stem = maker.LESSONS[name][0]
    script = maker.load_script(stem)
    torch.manual_seed(0)
    model = maker.script_model(script)
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert [tuple(p.shape) for p in graph_model.parameters()] == shapes

    # with the script model's weights, the graph computes exactly what the script's model does
    keys = list(graph_model.state_dict())
    graph_model.load_state_dict(dict(zip(keys, model.state_dict().values())))
    x = torch.from_numpy(script.make_data(0)[0][:5])
    input_node = project.graph.nodes[0]
    assert tuple(input_node.params["shape"]) == tuple(x.shape[1:])
    model.eval()
    graph_model.eval()
    with torch.no_grad():
        np.testing.assert_allclose(graph_model(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)

    # the project's dataset settings give inputs of the graph's input shape
    settings = {k: v for k, v in project.dataset.items() if k not in ("name", "test_fraction")}
    settings["n_samples"] = 20
    data = datasets.load(project.dataset["name"], **settings)
    assert tuple(data.data.shape[1:]) == tuple(input_node.params["shape"])
    assert project.training["optimizer"] == "Adam"
    assert project.meta["script"] == f"samples/{stem}.py"


@pytest.mark.parametrize("name", NAMES)
def test_shipped_project_files_are_up_to_date(name, maker, tmp_path):
    fresh = tmp_path / f"{name}.etproj"
    save_project(maker.make_project(name), fresh)
    shipped = SAMPLES / f"{name}.etproj"
    assert shipped.read_bytes() == fresh.read_bytes(), "run python samples/make_projects.py"

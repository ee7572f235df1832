"""to_python: the exported file runs by itself, matches the GraphModule, and runs under PyTorch."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import edutorch as torch
from edutorch.graph import LAYERS, GraphError, GraphSpec, from_module, to_python
from edutorch.graph.check import integer_input

from .test_check import cnn
from .test_from_module import Residual
from .test_layers import CASES, _inputs
from .test_spec import chain, mlp, two_inputs

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, spec, name="exported", torch_import=False):
    source = to_python(spec, pytorch=torch_import)
    if torch_import:  # the only difference: the two imports
        plain = to_python(spec).replace("import edutorch as torch", "import torch")
        assert (
            source.split('"""')[2:] == plain.replace("from edutorch", "from torch").split('"""')[2:]
        )
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return path


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recurrent():
    return chain(("Input", {"shape": (6,)}), ("Embedding", {"num_embeddings": 11}),
                 ("LSTM", {"hidden_size": 8}), ("Transpose", {}),
                 ("Conv1d", {"out_channels": 4}), ("Transpose", {}),
                 ("GRU", {"hidden_size": 5, "output": "last"}), ("Output", {}))  # fmt: skip


SPECS = {"mlp": mlp, "cnn": cnn, "two_inputs": two_inputs, "recurrent": recurrent,
         "residual": lambda: from_module(Residual(), torch.randn(2, 6))[0]}  # fmt: skip


def example_inputs(spec, n=3):
    xs = []
    for node in spec.nodes:
        if node.type == "Input":
            shape = (n, *node.params["shape"])
            if integer_input(spec, node.id):
                xs.append(_inputs([shape], "long")[0] % 11)  # ids below every vocabulary size
            else:
                xs.append(_inputs([shape], "float")[0])
    return xs


def test_the_code_reads_like_a_hand_written_class():
    source = to_python(cnn(), class_name="Net")
    assert source.splitlines()[6:8] == ["import edutorch as torch", "from edutorch import nn"]
    assert "class Net(nn.Module):" in source
    assert "        self.conv2d_1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)" in source
    assert "        self.max_pool2d_1 = nn.MaxPool2d(kernel_size=2)" in source
    assert "    def forward(self, x):" in source
    assert "        x = self.flatten_1(x)  # (N, 144)" in source
    assert "loss_fn = nn.CrossEntropyLoss()" in source
    compile(source, "exported.py", "exec")


def test_branches_keep_their_names():
    source = to_python(two_inputs())
    assert "def forward(self, input_1, input_2):" in source
    assert "x = x + input_1" in source
    assert "torch.cat([x, input_2], dim=-1)" in source


@pytest.mark.parametrize("name", sorted(SPECS))
def test_runs_by_itself_and_matches_the_graph_module(tmp_path, name):
    spec = SPECS[name]()
    path = write(tmp_path, spec, name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env,
                         timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    graph = spec.build()
    assert f"output shape: {(2, *graph.shapes[_result(spec)][1:])}" in run.stdout
    exported = load(path).Model()
    assert list(exported.state_dict()) == list(graph.state_dict())
    exported.load_state_dict(graph.state_dict())
    xs = example_inputs(spec)
    graph.eval()
    exported.eval()
    np.testing.assert_allclose(exported(*xs).detach().numpy(), graph(*xs).detach().numpy())


def _result(spec):
    out = next(n for n in spec.nodes if n.type == "Output")
    return spec.inputs_of(out.id)[0].src


def _under_torch(tmp_path, spec, name):
    """Export, load under PyTorch with the GraphModule's weights, compare outputs."""
    real = pytest.importorskip("torch")
    graph = spec.build()
    model = load(write(tmp_path, spec, f"torch_{name}", torch_import=True)).Model()
    assert list(model.state_dict()) == list(graph.state_dict())
    model.load_state_dict({k: real.from_numpy(v.numpy().copy())
                           for k, v in graph.state_dict().items()})  # fmt: skip
    graph.eval()
    model.eval()
    xs = example_inputs(spec)
    with real.no_grad():
        got = model(*[real.from_numpy(x.numpy().copy()) for x in xs]).numpy()
    np.testing.assert_allclose(got, graph(*xs).detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_runs_under_pytorch_with_the_same_weights(tmp_path, name):
    _under_torch(tmp_path, SPECS[name](), name)


@pytest.mark.parametrize("layer", sorted(set(CASES) - {"Output"}))
def test_every_layer_exports_for_pytorch(tmp_path, layer):
    shapes, dtype, _ = CASES[layer]
    spec = GraphSpec(name=layer)
    inputs = [spec.add_node("Input", {"shape": s[1:], "dtype": "int64" if dtype == "long" else
                                      "float32"}) for s in shapes]  # fmt: skip
    node = spec.add_node(layer)
    for x in inputs:
        spec.connect(x.id, node.id)
    spec.connect(node.id, spec.add_node("Output").id)
    _under_torch(tmp_path, spec, layer)


def test_non_default_settings_survive_export(tmp_path):
    spec = chain(("Input", {"shape": (3, 9, 9)}),
                 ("Conv2d", {"out_channels": 6, "kernel_size": (3, 2), "stride": 2, "groups": 3,
                             "bias": False, "dilation": (1, 2)}),
                 ("BatchNorm2d", {"momentum": 0.3, "affine": False}),
                 ("LeakyReLU", {"negative_slope": 0.2}),
                 ("AvgPool2d", {"kernel_size": 2, "stride": 1, "padding": 1}),
                 ("Flatten", {}), ("Unflatten", {"dim": 1, "unflattened_size": (6, 25)}),
                 ("RNN", {"hidden_size": 4, "nonlinearity": "relu", "bidirectional": True,
                          "num_layers": 2}),
                 ("Reshape", {"shape": (-1,)}), ("Output", {}))  # fmt: skip
    _under_torch(tmp_path, spec, "settings")
    assert "groups=3, bias=False" in to_python(spec)


def test_invalid_graphs_and_names_are_refused():
    spec = mlp()
    spec.disconnect("input_1", "linear_1")
    with pytest.raises(GraphError, match="linear_1: its input is not connected"):
        to_python(spec)
    with pytest.raises(GraphError, match="class name"):
        to_python(mlp(), class_name="not valid")


def test_every_layer_type_is_exportable():
    assert set(CASES) | {"Input"} == set(LAYERS)


def test_any_graph_name_makes_valid_code():
    spec = mlp()
    spec.name = 'tricky """ name\\n with \\\\ and\nnewline"'
    compile(to_python(spec), "exported.py", "exec")

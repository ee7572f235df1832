"""Studio graphs across frameworks: GraphModule -> TorchGraphModule -> GraphModule.

Every block type of the studio, the built-in sample projects, and graphs with branches (Add,
Concat, two inputs) compute the same numbers under torch, keep their state_dict keys (node ids),
and come back unchanged.
"""

import io

import numpy as np
import pytest

import edutorch
from edutorch.graph import LAYERS, GraphSpec, sample_project
from edutorch.graph.project import BUILTIN_SAMPLES
from edutorch.interop import from_torch, to_torch

torch = pytest.importorskip("torch")

# block type -> (input shapes without the batch dim, integer input?, extra settings)
BLOCKS = {
    "Linear": ([(5,)], False, {}), "Embedding": ([(7,)], True, {}),
    "Conv1d": ([(3, 10)], False, {"stride": 2, "padding": 1}),
    "Conv2d": ([(3, 8, 8)], False, {"groups": 1, "dilation": 2}),
    "ConvTranspose1d": ([(3, 10)], False, {"stride": 2, "output_padding": 1}),
    "ConvTranspose2d": ([(3, 6, 6)], False, {}),
    "MaxPool1d": ([(3, 10)], False, {}), "MaxPool2d": ([(3, 8, 8)], False, {}),
    "AvgPool1d": ([(3, 10)], False, {}), "AvgPool2d": ([(3, 8, 8)], False, {"padding": 1}),
    "AdaptiveAvgPool1d": ([(3, 10)], False, {"output_size": 3}),
    "AdaptiveAvgPool2d": ([(3, 8, 8)], False, {}),
    "BatchNorm1d": ([(6,)], False, {}), "BatchNorm2d": ([(4, 5, 5)], False, {}),
    "LayerNorm": ([(3, 6)], False, {"dims": 2}), "GroupNorm": ([(4, 5, 5)], False, {}),
    "Dropout": ([(6,)], False, {}), "Dropout1d": ([(3, 10)], False, {}),
    "Dropout2d": ([(3, 5, 5)], False, {}),
    "ReLU": ([(6,)], False, {}), "LeakyReLU": ([(6,)], False, {}), "ELU": ([(6,)], False, {}),
    "GELU": ([(6,)], False, {"approximate": "tanh"}), "SiLU": ([(6,)], False, {}),
    "Sigmoid": ([(6,)], False, {}), "Tanh": ([(6,)], False, {}),
    "Softmax": ([(6,)], False, {}), "LogSoftmax": ([(6,)], False, {}),
    "Softmin": ([(6,)], False, {}), "Softplus": ([(6,)], False, {"beta": 2.0}),
    "Hardtanh": ([(6,)], False, {}), "ReLU6": ([(6,)], False, {}),
    "LogSigmoid": ([(6,)], False, {}),
    "Flatten": ([(3, 4, 4)], False, {}), "Unflatten": ([(16,)], False, {}),
    "Reshape": ([(3, 4)], False, {"shape": (4, -1)}), "Transpose": ([(3, 4)], False, {}),
    "RNN": ([(5, 3)], False, {"nonlinearity": "relu"}),
    "LSTM": ([(5, 3)], False, {"bidirectional": True, "num_layers": 2}),
    "GRU": ([(5, 3)], False, {"output": "last"}),
    "MultiheadAttention": ([(5, 8)], False, {}),
    "TransformerEncoderLayer": ([(5, 8)], False, {"dropout": 0.0, "norm_first": True}),
    "Add": ([(6,), (6,)], False, {}), "Concat": ([(6,), (4,)], False, {}),
}  # fmt: skip
RANDOM_IN_TRAINING = {"Dropout", "Dropout1d", "Dropout2d"}


def one_block(kind):
    """Input(s) -> the block -> Output."""
    shapes, integer, settings = BLOCKS[kind]
    spec = GraphSpec(name=kind)
    inputs = [
        spec.add_node("Input", {"shape": s, "dtype": "int64" if integer else "float32"})
        for s in shapes
    ]
    block = spec.add_node(kind, settings)
    out = spec.add_node("Output", {"loss": "MSELoss"})
    for port, node in enumerate(inputs):
        spec.connect(node.id, block.id, port)
    spec.connect(block.id, out.id)
    return spec


def example(spec, rng, n=3):
    arrays = []
    for node in spec.nodes:
        if node.type == "Input":
            shape = (n, *node.params["shape"])
            if node.params.get("dtype") == "int64":
                arrays.append(rng.integers(0, 7, shape).astype(np.int64))
            else:
                arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def outputs(model, framework, arrays):
    return model(*[framework.from_numpy(a.copy()) for a in arrays]).detach().numpy()


def check(spec, train=True):
    edutorch.manual_seed(0)
    graph = spec.build()
    theirs = to_torch(graph)
    assert type(theirs).__name__ == "TorchGraphModule"
    assert list(theirs.state_dict()) == list(graph.state_dict())
    arrays = example(spec, np.random.default_rng(0))
    for mode in (False, True) if train else (False,):
        graph.train(mode)
        theirs.train(mode)
        ours, twin = outputs(graph, edutorch, arrays), outputs(theirs, torch, arrays)
        np.testing.assert_allclose(ours, twin, rtol=1e-5, atol=2e-6)
    back = from_torch(theirs)
    assert type(back) is type(graph) and back.spec == graph.spec
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[k].numpy(), v.numpy())
    return graph, theirs


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_block_type_runs_the_same_under_torch(kind):
    check(one_block(kind), train=kind not in RANDOM_IN_TRAINING)


def test_every_block_type_is_tested():
    assert set(BLOCKS) | {"Input", "Output"} == set(LAYERS)


@pytest.mark.parametrize("name", sorted(BUILTIN_SAMPLES))
def test_sample_projects(name):
    graph, theirs = check(sample_project(name).graph)
    assert isinstance(theirs.loss_fn, torch.nn.CrossEntropyLoss)
    assert "loss_fn" not in dict(theirs.named_children())


def test_branches_and_two_inputs():
    spec = GraphSpec(name="branches")
    a = spec.add_node("Input", {"shape": (4,)})
    b = spec.add_node("Input", {"shape": (3,)})
    fc = spec.add_node("Linear", {"out_features": 4})
    act = spec.add_node("Tanh")
    add = spec.add_node("Add")
    cat = spec.add_node("Concat", {"dim": -1})
    out = spec.add_node("Output", {"loss": "MSELoss"})
    for src, dst in ((a, fc), (fc, act), (act, add), (a, add), (add, cat), (b, cat), (cat, out)):
        spec.connect(src.id, dst.id)
    graph, theirs = check(spec)
    arrays = example(spec, np.random.default_rng(1))
    ours = graph.node_outputs(*[edutorch.from_numpy(x) for x in arrays])
    twin = theirs.node_outputs(*[torch.from_numpy(x) for x in arrays])
    assert set(ours) <= set(twin) | {"output_1"}
    for k in twin:
        np.testing.assert_allclose(ours[k].detach().numpy(), twin[k].detach().numpy(), atol=1e-6)


def test_a_trained_graph_saves_with_torch_save_and_reloads():
    project = sample_project("spiral-mlp")
    edutorch.manual_seed(0)
    graph = project.graph.build()
    opt = edutorch.optim.SGD(graph.parameters(), lr=0.1)
    x, y = edutorch.randn(16, 2), edutorch.randint(0, 3, (16,))
    for _ in range(5):
        opt.zero_grad()
        graph.loss_fn(graph(x), y).backward()
        opt.step()
    graph.eval()
    theirs = to_torch(graph)
    buf = io.BytesIO()
    torch.save(theirs.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)  # plain tensors: loads without edutorch
    fresh = to_torch(project.graph.build())
    fresh.load_state_dict(state)
    fresh.eval()
    np.testing.assert_allclose(fresh(torch.from_numpy(x.numpy())).detach().numpy(),
                               graph(x).detach().numpy(), atol=1e-6)  # fmt: skip
    buf = io.BytesIO()
    torch.save(theirs, buf)  # the whole module pickles too (loading it needs edutorch installed)
    buf.seek(0)
    whole = torch.load(buf, weights_only=False)
    assert not whole.training and list(whole.state_dict()) == list(state)


def test_weights_load_into_the_class_the_studio_exports_for_pytorch():
    """The graduation path: train in edutorch, to_torch + torch.save, then the exported file."""
    from edutorch.graph import to_python

    spec = sample_project("glyphs-cnn").graph
    edutorch.manual_seed(0)
    graph = spec.build().eval()
    buf = io.BytesIO()
    torch.save(to_torch(graph).state_dict(), buf)
    namespace = {"__name__": "exported"}
    exec(to_python(spec, pytorch=True), namespace)  # noqa: S102  (our own generated source)
    model = namespace["Model"]()
    buf.seek(0)
    model.load_state_dict(torch.load(buf, weights_only=True))
    model.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(model(torch.from_numpy(x)).detach().numpy(),
                               outputs(graph, edutorch, [x]), rtol=1e-5, atol=1e-5)  # fmt: skip


def test_save_for_pytorch_writes_weights_and_the_class(tmp_path):
    from edutorch.interop import save_for_pytorch, torch_available

    assert torch_available()
    edutorch.manual_seed(0)
    graph = sample_project("spiral-mlp").graph.build().eval()
    written = save_for_pytorch(graph, tmp_path / "spiral.pt")
    assert written == [tmp_path / "spiral.pt", tmp_path / "spiral.py"]
    namespace = {"__name__": "exported"}
    exec(written[1].read_text(), namespace)  # noqa: S102  (our own generated source)
    model = namespace["Model"]()
    model.load_state_dict(torch.load(written[0], weights_only=True))
    x = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    np.testing.assert_allclose(model(torch.from_numpy(x)).detach().numpy(),
                               outputs(graph, edutorch, [x]), rtol=1e-5, atol=1e-6)  # fmt: skip
    plain = edutorch.nn.Sequential(edutorch.nn.Linear(2, 2))
    assert save_for_pytorch(plain, tmp_path / "plain.pt") == [tmp_path / "plain.pt"]
    assert list(torch.load(tmp_path / "plain.pt", weights_only=True)) == ["0.weight", "0.bias"]

"""edutorch.onnx.export: the file passes onnx.checker and onnxruntime computes edutorch's numbers.

Every layer case of ``cases.py`` is either exported and compared, or refused with a
NotImplementedError that names the layer; studio graphs (every block type, the samples) too.
"""

import io

import numpy as np
import pytest

import edutorch
import edutorch.onnx
from edutorch.graph import sample_project
from edutorch.graph.project import BUILTIN_SAMPLES

from .cases import CASES
from .test_graph import BLOCKS, example, one_block

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# case -> what the NotImplementedError says
REFUSED = {
    "MaxPool2d-indices": "return_indices",
    "Embedding-max_norm": "max_norm", "LSTM-nobias-unbatched": "unbatched",
    "MultiheadAttention": "MultiheadAttention", "MultiheadAttention-kvdim": "MultiheadAttention",
    "RNNCell": "RNNCell", "LSTMCell": "LSTMCell", "GRUCell": "GRUCell",
    **{name: "Transformer" for name in CASES if name.startswith("Transformer")},
    **{name: "padding layers" for name in CASES if "Pad" in name},
    "Conv2d-circular": "padding_mode='circular'",
    **{name: f"cannot export {name}" for name in CASES if name.endswith("Loss")},
}  # fmt: skip
REFUSED_BLOCKS = {"MultiheadAttention", "TransformerEncoderLayer"}


def run_onnx(model_or_path, arrays, names=None):
    data = model_or_path.SerializeToString() if hasattr(model_or_path, "SerializeToString") \
        else model_or_path  # fmt: skip
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = names or [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, arrays)))


def flat(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in flat(o)]
    return [out.detach().numpy()]


def expected(module, arrays):
    module.eval()
    with edutorch.no_grad():
        return flat(module(*[edutorch.from_numpy(a.copy()) for a in arrays]))


def assert_close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def train_a_little(module, arrays):
    """BatchNorm with running statistics that are not the initial 0 and 1."""
    module.train()
    with edutorch.no_grad():
        for k in range(3):
            module(*[edutorch.from_numpy(a * (k + 1) + k) for a in arrays])


@pytest.mark.parametrize("opset", [17, 21])
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_layer_case_exports_or_is_refused_by_name(name, opset):
    build, inputs = CASES[name]
    edutorch.manual_seed(0)
    module = build(edutorch.nn)
    arrays = inputs(np.random.default_rng(0))
    if name in REFUSED:
        with pytest.raises(NotImplementedError, match=REFUSED[name]):
            edutorch.onnx.export(module, tuple(edutorch.from_numpy(a) for a in arrays),
                                 io.BytesIO(), opset_version=opset)  # fmt: skip
        return
    if "BatchNorm" in name or name == "Sequential-nested":
        train_a_little(module, arrays)
    model = edutorch.onnx.export(module, tuple(edutorch.from_numpy(a) for a in arrays),
                                 io.BytesIO(), opset_version=opset)  # fmt: skip
    assert model.opset_import[0].version == opset
    onnx.checker.check_model(model, full_check=True)
    assert_close(run_onnx(model, arrays), expected(module, arrays))


@pytest.mark.parametrize("opset", [17, 20])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_as_primitives_and_as_the_opset_20_op(opset, approximate):
    module = edutorch.nn.GELU(approximate=approximate)
    x = np.linspace(-5, 5, 41, dtype=np.float32).reshape(1, -1)
    model = edutorch.onnx.export(module, edutorch.from_numpy(x), io.BytesIO(),
                                 opset_version=opset)  # fmt: skip
    ops = {n.op_type for n in model.graph.node}
    assert ("Gelu" in ops) == (opset >= 20)
    assert_close(run_onnx(model, [x]), expected(module, [x]))


def test_dynamic_batch_and_names(tmp_path):
    edutorch.manual_seed(0)
    model = edutorch.nn.Sequential(edutorch.nn.Conv2d(1, 4, 3, padding=1), edutorch.nn.ReLU(),
                                   edutorch.nn.MaxPool2d(2), edutorch.nn.Flatten(),
                                   edutorch.nn.Linear(64, 3))  # fmt: skip
    model.train()
    path = tmp_path / "cnn.onnx"
    proto = edutorch.onnx.export(
        model, edutorch.randn(1, 1, 8, 8), path, input_names=["image"], output_names=["scores"],
        dynamic_axes={"image": {0: "batch"}, "scores": [0]},
    )  # fmt: skip
    assert model.training and all(m.training for m in model.modules())  # modes restored
    loaded = onnx.load(path)
    assert loaded == proto
    dims = loaded.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [1, 8, 8]
    assert loaded.graph.output[0].name == "scores"
    assert loaded.graph.output[0].type.tensor_type.shape.dim[0].dim_param
    assert [n.op_type for n in loaded.graph.node] == [
        "Conv", "Relu", "MaxPool", "Reshape", "Gemm", "Identity"]  # fmt: skip
    assert {i.name for i in loaded.graph.initializer} >= {"0.weight", "0.bias", "4.weight"}
    for batch in (1, 5):
        x = np.random.default_rng(batch).standard_normal((batch, 1, 8, 8)).astype(np.float32)
        assert_close(run_onnx(str(path), [x]), expected(model, [x]))


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_studio_block(kind):
    spec = one_block(kind)
    edutorch.manual_seed(0)
    graph = spec.build()
    arrays = example(spec, np.random.default_rng(0))
    xs = tuple(edutorch.from_numpy(a) for a in arrays)
    if kind in REFUSED_BLOCKS:
        with pytest.raises(NotImplementedError, match=kind):
            edutorch.onnx.export(graph, xs, io.BytesIO())
        return
    if kind.startswith("BatchNorm"):
        train_a_little(graph, arrays)
    model = edutorch.onnx.export(graph, xs, io.BytesIO())
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == graph._inputs  # the Input block ids
    assert_close(run_onnx(model, arrays), expected(graph, arrays))


@pytest.mark.parametrize("name", sorted(BUILTIN_SAMPLES))
def test_sample_projects_with_a_dynamic_batch(name):
    spec = sample_project(name).graph
    edutorch.manual_seed(0)
    graph = spec.build()
    arrays = example(spec, np.random.default_rng(0), n=2)
    model = edutorch.onnx.export(graph, tuple(edutorch.from_numpy(a) for a in arrays),
                                 io.BytesIO(), dynamic_axes={"input_1": {0: "N"},
                                                             "output": {0: "N"}})  # fmt: skip
    arrays = example(spec, np.random.default_rng(1), n=7)
    assert_close(run_onnx(model, arrays), expected(graph, arrays))


def test_custom_classes_and_bad_arguments_are_refused():
    class Net(edutorch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="cannot export Net.*torch.onnx.export"):
        edutorch.onnx.export(Net(), edutorch.randn(1, 2), io.BytesIO())
    lin = edutorch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="opset 17 or newer"):
        edutorch.onnx.export(lin, edutorch.randn(1, 2), io.BytesIO(), opset_version=13)
    with pytest.raises(ValueError, match="2 input names for 1 inputs"):
        edutorch.onnx.export(lin, edutorch.randn(1, 2), io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(ValueError, match="dynamic_axes names no input"):
        edutorch.onnx.export(lin, edutorch.randn(1, 2), io.BytesIO(), dynamic_axes={"x": [0]})
    with pytest.raises(TypeError, match="example inputs must be tensors"):
        edutorch.onnx.export(lin, [[1.0, 2.0]], io.BytesIO())


def test_export_graph_for_the_studio(tmp_path):
    """The Export menu's call: no example input needed, named inputs, any batch size."""
    from edutorch.graph import GraphSpec

    spec = GraphSpec.chain(("Input", {"shape": (6,)}), ("Embedding", {"num_embeddings": 9}),
                           ("GRU", {"hidden_size": 5, "output": "last"}),
                           ("Linear", {"out_features": 3}), ("Output", {}))  # fmt: skip
    edutorch.manual_seed(0)
    graph = spec.build()
    graph.train()
    assert edutorch.onnx.onnx_available()
    proto = edutorch.onnx.export_graph(graph, tmp_path / "model.onnx")
    assert graph.training
    assert [i.name for i in proto.graph.input] == ["input_1"]
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    ids = np.random.default_rng(0).integers(0, 9, (4, 6)).astype(np.int64)
    assert_close(run_onnx(str(tmp_path / "model.onnx"), [ids]), expected(graph, [ids]))

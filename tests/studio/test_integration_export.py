"""Export ▸ ONNX and Export ▸ PyTorch from the main window: the files compute what the canvas
model computes (checked with onnxruntime and torch), and a layer that cannot go is named."""

import importlib.util

import numpy as np
import pytest

pytest.importorskip("PySide6")

import edutorch  # noqa: E402

pytestmark = pytest.mark.gui


def canvas_outputs(window, x: np.ndarray) -> np.ndarray:
    model = window.snapshot_model().eval()
    with edutorch.no_grad():
        return model(edutorch.tensor(x)).numpy()


def trained(window):
    """Change the weights as training would, so an export of fresh weights cannot pass."""
    window.training.panel.settings.lr.setValue(0.5)
    window.training.panel.trainer.step()
    return window


def test_export_onnx_runs_the_same_in_onnxruntime(main_window, dialogs, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    window = trained(main_window)
    path = tmp_path / "spiral.onnx"
    dialogs.answers["getSaveFileName"] = (str(path), "")
    window.actions["export_onnx"].trigger()  # asks where, then writes
    assert path.exists() and "critical" not in dialogs.kinds()
    x = np.random.default_rng(0).standard_normal((7, 2)).astype(np.float32)  # any batch size
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input_1": x})
    np.testing.assert_allclose(out, canvas_outputs(window, x), rtol=1e-5, atol=1e-5)


def test_export_pytorch_loads_into_its_class_and_runs_the_same(main_window, dialogs, tmp_path):
    torch = pytest.importorskip("torch")
    window = trained(main_window)
    path = tmp_path / "spiral_torch.pt"
    dialogs.answers["getSaveFileName"] = (str(path), "")
    window.actions["export_pytorch"].trigger()
    assert path.exists() and path.with_suffix(".py").exists()
    spec = importlib.util.spec_from_file_location("spiral_torch", path.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Model()
    model.load_state_dict(torch.load(path, weights_only=True))  # plain tensors, no edutorch
    model.eval()
    x = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, canvas_outputs(window, x), rtol=1e-5, atol=1e-5)


def test_a_layer_onnx_cannot_express_is_named(main_window, dialogs, tmp_path):
    pytest.importorskip("onnx")
    from edutorch.graph import GraphSpec
    from edutorch.graph.project import Project

    loss = ("Output", {"loss": "CrossEntropyLoss"})
    blocks = [("Input", {"shape": (4, 8)}), ("MultiheadAttention", {}), "Flatten",
              ("Linear", {"out_features": 3}), loss]  # fmt: skip
    window = main_window
    window.files.show(Project(GraphSpec.chain(*blocks, name="attention")), None, None)
    node = next(n.id for n in window.document.spec.nodes if n.type == "MultiheadAttention")
    assert not window.files.export_onnx(tmp_path / "attention.onnx")
    assert dialogs.kinds() == ["critical"]
    assert f"Cannot export the layer {node}: MultiheadAttention" in dialogs.texts("critical")[0]
    assert not (tmp_path / "attention.onnx").exists()


def test_without_torch_the_export_is_disabled_and_says_what_to_install(make_window, monkeypatch):
    monkeypatch.setattr("edutorch_studio.wiring.exports.torch_ready", lambda: False)
    window = make_window()
    action = window.actions["export_pytorch"]
    assert not action.isEnabled() and "pip install torch" in action.toolTip()
    assert window.actions["export_onnx"].isEnabled() == bool(importlib.util.find_spec("onnx"))

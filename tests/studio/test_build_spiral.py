"""The whole story of issue 7: build the spiral MLP with the mouse, save, reopen, export, run."""

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.studio.helpers import click_node, drop_layer, wire

pytestmark = pytest.mark.gui

SPIRAL = ["Input", "Linear", "ReLU", "Linear", "ReLU", "Linear", "Output"]


def build_spiral_mlp(window) -> list[str]:
    """New project; drop the seven blocks in two rows; wire them; set the last Linear to 3."""
    window.new_project()
    window.view.show_at(1.0, 0.0, 0.0)
    spots = [QPoint(90 + 200 * (i % 4), 90 + 220 * (i // 4)) for i in range(len(SPIRAL))]
    ids = [drop_layer(window, name, spot) for name, spot in zip(SPIRAL, spots)]
    for src, dst in zip(ids, ids[1:]):
        wire(window, src, dst)
    click_node(window, ids[5])
    box = window.inspector.editors["out_features"]
    box.selectAll()
    QTest.keyClicks(box, "3")
    QTest.keyClick(box, Qt.Key.Key_Return)
    return ids


def test_build_the_spiral_mlp_by_mouse(main_window):
    window = main_window
    ids = build_spiral_mlp(window)
    spec = window.document.spec
    assert [n.type for n in spec.nodes] == SPIRAL
    assert [(e.src, e.dst, e.dst_port) for e in spec.edges] == [
        (a, b, 0) for a, b in zip(ids, ids[1:])
    ]
    assert spec.node(ids[5]).params["out_features"] == 3
    assert window.shapes_label.text() == "Shapes OK: 5 layers, 371 parameters"
    assert window.scene.edges[(ids[5], ids[6], 0)].label.text == "(2, 3)"
    assert "51 parameters" == window.scene.nodes[ids[5]].count_text
    assert window.inspector.shape.text() == "Output shape: (2, 3)"

    import edutorch
    from edutorch.graph.module import count_parameters

    model = window.model()
    assert count_parameters(model) == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3
    assert tuple(model(edutorch.randn(5, 2)).shape) == (5, 3)
    assert isinstance(model.loss_fn, edutorch.nn.CrossEntropyLoss)


def test_save_reopen_export_and_run(main_window, tmp_path, make_window):
    window = main_window
    build_spiral_mlp(window)
    window.view.zoom_in()
    path = tmp_path / "spiral.etproj"
    assert window.save_project(path)
    assert window.statusBar().currentMessage() == "Saved spiral.etproj"
    assert window.windowTitle() == "spiral.etproj — edutorch studio"
    saved = window.document.spec.to_dict()

    again = make_window(path=path)
    assert again.document.spec.to_dict() == saved
    assert not again.document.dirty
    assert abs(again.view.zoom_factor() - window.view.zoom_factor()) < 1e-3  # the saved view

    # Export the class and the weights; run the file in a fresh interpreter on the same input.
    py, weights = tmp_path / "spiral_net.py", tmp_path / "spiral.pt"
    assert window.files.export_python(py)
    assert window.files.export_weights(weights)
    x = np.random.default_rng(0).standard_normal((7, 2)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    script = f"""
import importlib.util, numpy as np, edutorch
spec = importlib.util.spec_from_file_location("exported", {str(py)!r})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
model = module.Untitled()
model.load_state_dict(edutorch.load({str(weights)!r}))
with edutorch.no_grad():
    y = model(edutorch.from_numpy(np.load({str(tmp_path / "x.npy")!r})))
np.save({str(tmp_path / "y.npy")!r}, y.numpy())
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    import edutorch

    with edutorch.no_grad():
        expected = window.model()(edutorch.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-6, atol=1e-6)

    # The exported file also runs by itself (its __main__ block builds it on a dummy batch).
    alone = subprocess.run([sys.executable, str(py)], capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0, alone.stderr
    assert "output shape: (2, 3)" in alone.stdout

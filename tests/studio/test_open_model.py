"""edutorch_studio.open(model, example_input): a scripted model on the canvas."""

import pytest

pytestmark = pytest.mark.gui


class Residual:
    """Built lazily so importing this test module needs no edutorch.nn at collection time."""

    @staticmethod
    def make():
        import edutorch
        from edutorch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(2, 8)
                self.fc2 = nn.Linear(8, 8)
                self.head = nn.Linear(8, 3)

            def forward(self, x):
                h = edutorch.relu(self.fc1(x))
                h = h + self.fc2(h)  # a residual branch: an Add block
                return self.head(h)

        return Net()


def test_open_shows_a_traced_model_with_its_weights(qtbot, qapp):
    import edutorch
    import edutorch_studio

    edutorch.manual_seed(0)
    model = Residual.make()
    x = edutorch.randn(4, 2)
    window = edutorch_studio.open(model, x, block=False)
    qtbot.addWidget(window)
    types = sorted(n.type for n in window.document.spec.nodes)
    assert types == ["Add", "Input", "Linear", "Linear", "Linear", "Output", "ReLU"]
    assert window.document.dirty  # only in memory until saved
    assert window.shapes_label.text() == "Shapes OK: 5 layers, 123 parameters"
    assert not window.scene.needs_layout()
    with edutorch.no_grad():
        assert (window.model()(x) - model(x)).abs().max().item() < 1e-6
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    for item in window.scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect()), item.node_id

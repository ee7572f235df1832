"""Every block builds from its defaults and computes what the nn layer called directly computes."""

import numpy as np
import pytest

import edutorch as torch
from edutorch import nn
from edutorch.graph import CATEGORIES, LAYERS, LOSSES, ParamSpec, layer_types
from edutorch.graph.layers import MAX_WEIGHTS

F32 = "float"
I64 = "long"

# type -> (input shapes, dtype, the layer written by hand, how to call it)
CASES = {
    "Linear": ([(2, 5)], F32, lambda: nn.Linear(5, 16)),
    "Embedding": ([(2, 7)], I64, lambda: nn.Embedding(32, 16)),
    "Conv1d": ([(2, 3, 10)], F32, lambda: nn.Conv1d(3, 8, 3)),
    "Conv2d": ([(2, 3, 8, 8)], F32, lambda: nn.Conv2d(3, 8, 3)),
    "ConvTranspose1d": ([(2, 3, 10)], F32, lambda: nn.ConvTranspose1d(3, 8, 3)),
    "ConvTranspose2d": ([(2, 3, 8, 8)], F32, lambda: nn.ConvTranspose2d(3, 8, 3)),
    "MaxPool1d": ([(2, 3, 10)], F32, lambda: nn.MaxPool1d(2)),
    "MaxPool2d": ([(2, 3, 8, 8)], F32, lambda: nn.MaxPool2d(2)),
    "AvgPool1d": ([(2, 3, 10)], F32, lambda: nn.AvgPool1d(2)),
    "AvgPool2d": ([(2, 3, 8, 8)], F32, lambda: nn.AvgPool2d(2)),
    "AdaptiveAvgPool1d": ([(2, 3, 10)], F32, lambda: nn.AdaptiveAvgPool1d(1)),
    "AdaptiveAvgPool2d": ([(2, 3, 8, 8)], F32, lambda: nn.AdaptiveAvgPool2d(1)),
    "BatchNorm1d": ([(2, 6)], F32, lambda: nn.BatchNorm1d(6)),
    "BatchNorm2d": ([(2, 4, 5, 5)], F32, lambda: nn.BatchNorm2d(4)),
    "LayerNorm": ([(2, 3, 6)], F32, lambda: nn.LayerNorm(6)),
    "GroupNorm": ([(2, 4, 5, 5)], F32, lambda: nn.GroupNorm(2, 4)),
    "Dropout": ([(2, 6)], F32, lambda: nn.Dropout()),
    "Dropout1d": ([(2, 3, 10)], F32, lambda: nn.Dropout1d()),
    "Dropout2d": ([(2, 3, 5, 5)], F32, lambda: nn.Dropout2d()),
    "ReLU": ([(2, 6)], F32, lambda: nn.ReLU()),
    "LeakyReLU": ([(2, 6)], F32, lambda: nn.LeakyReLU()),
    "ELU": ([(2, 6)], F32, lambda: nn.ELU()),
    "GELU": ([(2, 6)], F32, lambda: nn.GELU()),
    "SiLU": ([(2, 6)], F32, lambda: nn.SiLU()),
    "Sigmoid": ([(2, 6)], F32, lambda: nn.Sigmoid()),
    "Tanh": ([(2, 6)], F32, lambda: nn.Tanh()),
    "Softmax": ([(2, 6)], F32, lambda: nn.Softmax(dim=-1)),
    "LogSoftmax": ([(2, 6)], F32, lambda: nn.LogSoftmax(dim=-1)),
    "Softmin": ([(2, 6)], F32, lambda: nn.Softmin(dim=-1)),
    "Softplus": ([(2, 6)], F32, lambda: nn.Softplus()),
    "Hardtanh": ([(2, 6)], F32, lambda: nn.Hardtanh()),
    "ReLU6": ([(2, 6)], F32, lambda: nn.ReLU6()),
    "LogSigmoid": ([(2, 6)], F32, lambda: nn.LogSigmoid()),
    "Flatten": ([(2, 3, 4, 4)], F32, lambda: nn.Flatten()),
    "Unflatten": ([(2, 16)], F32, lambda: nn.Unflatten(1, (4, 4))),
    "Reshape": ([(2, 3, 4)], F32, lambda: lambda x: x.reshape(2, -1)),
    "Transpose": ([(2, 3, 4)], F32, lambda: lambda x: x.transpose(1, 2)),
    "RNN": ([(2, 5, 3)], F32, lambda: _first(nn.RNN(3, 32, batch_first=True))),
    "LSTM": ([(2, 5, 3)], F32, lambda: _first(nn.LSTM(3, 32, batch_first=True))),
    "GRU": ([(2, 5, 3)], F32, lambda: _first(nn.GRU(3, 32, batch_first=True))),
    "MultiheadAttention": (
        [(2, 5, 8)],
        F32,
        lambda: _self_attention(nn.MultiheadAttention(8, 2, batch_first=True)),
    ),  # fmt: skip
    "TransformerEncoderLayer": (
        [(2, 5, 8)],
        F32,
        lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=64, batch_first=True),
    ),  # fmt: skip
    "Add": ([(2, 6), (2, 6)], F32, lambda: lambda a, b: a + b),
    "Concat": ([(2, 6), (2, 4)], F32, lambda: lambda a, b: torch.cat([a, b], dim=1)),
    "Output": ([(2, 3)], F32, lambda: lambda x: x),
}


class _first(nn.Module):
    """Calls a wrapped layer and keeps the first output (a recurrent layer's sequence)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)[0]

    def load_state_dict(self, sd, strict=True):
        return self.layer.load_state_dict(sd, strict)


class _self_attention(_first):
    def forward(self, x):
        return self.layer(x, x, x)[0]


def _inputs(shapes, dtype):
    gen = np.random.default_rng(0)
    if dtype == I64:
        return [torch.tensor(gen.integers(0, 32, s)) for s in shapes]
    return [torch.tensor(gen.standard_normal(s).astype(np.float32)) for s in shapes]


def test_every_layer_type_has_a_case():
    assert set(CASES) | {"Input"} == set(LAYERS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_builds_from_defaults_and_matches_a_direct_call(name):
    layer = LAYERS[name]
    shapes, dtype, direct = CASES[name]
    xs = _inputs(shapes, dtype)
    params = layer.defaults()
    module = layer.build(params, shapes)
    reference = direct()
    if module is not None and isinstance(reference, nn.Module):
        reference.load_state_dict(module.state_dict())  # same weights, so the same numbers
    if name == "Output":
        assert isinstance(module, nn.CrossEntropyLoss)
    for m in (module, reference):
        if isinstance(m, nn.Module):
            m.eval()
    with torch.no_grad():
        got = layer.forward(module, xs, params)
        want = reference(*xs)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_categories_and_palette_order():
    assert {t.category for t in layer_types()} == set(CATEGORIES)
    assert [t.name for t in layer_types("Merge")] == ["Add", "Concat"]
    assert layer_types()[0].name == "Input"
    with pytest.raises(ValueError, match="unknown category"):
        layer_types("Nope")


def test_ports():
    assert (LAYERS["Input"].n_inputs, LAYERS["Input"].n_outputs) == (0, 1)
    assert (LAYERS["Output"].n_inputs, LAYERS["Output"].n_outputs) == (1, 0)
    assert LAYERS["Add"].n_inputs == LAYERS["Concat"].n_inputs == -1
    assert set(LOSSES) >= {"CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "L1Loss"}
    for loss in LOSSES:
        assert isinstance(LAYERS["Output"].build({"loss": loss}, [(2, 3)]), nn.Module)


def test_every_param_default_passes_its_own_check():
    for t in layer_types():
        assert t.check_params({}) == t.defaults(), t.name
        assert t.doc and all(p.kind in ("int", "float", "bool", "choice", "ints", "str")
                             for p in t.params)  # fmt: skip


def test_inferred_sizes_come_from_the_input_shape():
    conv = LAYERS["Conv2d"].build(
        {**LAYERS["Conv2d"].defaults(), "out_channels": 4}, [(1, 7, 9, 9)]
    )
    assert conv.weight.shape == (4, 7, 3, 3)
    gru = LAYERS["GRU"].build(LAYERS["GRU"].defaults(), [(1, 5, 11)])
    assert gru.input_size == 11 and gru.batch_first
    norm = LAYERS["LayerNorm"].build({"dims": 2, "eps": 1e-5, "elementwise_affine": True},
                                     [(2, 3, 4)])  # fmt: skip
    assert norm.normalized_shape == (3, 4)


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("int", "-3", "must be an integer, got '-3'"),
        ("int", True, "must be an integer"),
        ("int", 2.5, "must be an integer"),
        ("int", -3, "must be at least 1, got -3"),
        ("float", "x", "must be a number"),
        ("float", float("nan"), "finite"),
        ("bool", 1, "true or false"),
        ("choice", "max", "must be one of"),
        ("ints", [1, "2"], "list of integers"),
        ("ints", [1, 2, 3], "must have 2 entries"),
        ("str", 3, "must be a string"),
    ],
)
def test_param_check_rejects(kind, value, message):
    spec = ParamSpec("p", kind, None, min=1, max=10, choices=("a", "b"), length=2)
    with pytest.raises(ValueError, match=message):
        spec.check(value)


def test_param_check_canonical_forms():
    assert ParamSpec("k", "ints", (3, 3), length=2).check(5) == (5, 5)
    assert ParamSpec("k", "ints", (3,), min=1).check([2, 3]) == (2, 3)
    assert ParamSpec("f", "float", 1.0).check(2) == 2.0
    assert isinstance(ParamSpec("f", "float", 1.0).check(2), float)
    assert ParamSpec("i", "int", 1).check(np.int64(4)) == 4


def test_unknown_setting_is_named():
    with pytest.raises(ValueError, match="Linear has no setting 'out'"):
        LAYERS["Linear"].check_params({"out": 3})


def test_a_huge_block_is_refused_before_allocating():
    params = {"out_features": 65536, "bias": True}
    with pytest.raises(ValueError, match=f"more than the {MAX_WEIGHTS:,}"):
        LAYERS["Linear"].build(params, [(2, 65536)])


def test_wrong_input_layout_is_explained():
    with pytest.raises(ValueError, match=r"Conv2d expects input of shape \(N, C, H, W\)"):
        LAYERS["Conv2d"].build(LAYERS["Conv2d"].defaults(), [(2,)])

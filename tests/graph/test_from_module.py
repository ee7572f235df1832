"""from_module: scripted models become specs whose GraphModule computes the same outputs."""

import numpy as np
import pytest

import edutorch as torch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.graph import GraphError, GraphModule, from_module, infer_shapes
from edutorch.trace import record


def round_trip(model, *xs, **kw):
    """Trace ``model``, rebuild it from the spec and weights, and check the outputs agree."""
    spec, state = from_module(model, xs if len(xs) > 1 else xs[0], **kw)
    assert infer_shapes(spec).ok
    rebuilt = GraphModule(spec)
    rebuilt.load_state_dict(state)  # strict: every key matches
    model.eval()
    rebuilt.eval()
    with torch.no_grad():
        np.testing.assert_allclose(rebuilt(*xs).numpy(), model(*xs).numpy(), rtol=1e-5, atol=1e-6)
    return spec


def types(spec):
    return [n.type for n in spec.nodes]


def test_sequential_mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 3))  # fmt: skip
    spec = round_trip(model, torch.randn(5, 2))
    assert types(spec) == ["Input", "Linear", "ReLU", "Linear", "Tanh", "Linear", "Output"]
    assert [n.id for n in spec.nodes][1:3] == ["linear_0", "relu_1"]
    assert spec.node("input_1").params["shape"] == (2,)
    assert spec.node("output_1").params["loss"] == "CrossEntropyLoss"


def test_cnn_with_batchnorm_dropout_and_inplace_relu():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, kernel_size=(3, 1), stride=(1, 2)), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(24, 10),
    )  # fmt: skip
    model[1].running_mean.copy_(torch.randn(4))  # trained statistics must carry over
    spec = round_trip(model, torch.randn(3, 1, 10, 10))
    assert spec.node("conv2d_4").params["stride"] == (1, 2)
    assert spec.node("conv2d_4").params["kernel_size"] == (3, 1)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(6, 8)
        self.block = nn.Sequential(nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 8))
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(14, 3)

    def forward(self, x):
        h = F.relu(self.stem(x))
        h = self.norm(h + self.block(h))
        h = torch.cat([h, x], dim=1)
        return F.log_softmax(self.head(h), dim=-1)


def test_small_residual_model_with_functional_glue():
    torch.manual_seed(0)
    spec = round_trip(Residual(), torch.randn(4, 6))
    assert types(spec).count("Add") == 1 and types(spec).count("Concat") == 1
    ids = [n.id for n in spec.nodes]
    assert {"stem", "block_0", "block_1", "block_2", "norm", "head"} <= set(ids)
    assert spec.node("log_softmax_1").params["dim"] == -1


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.view(x.size(0), -1)
        return F.leaky_relu(self.fc(x), 0.2)


def test_view_becomes_flatten_and_activation_arguments_carry_over():
    torch.manual_seed(0)
    spec = round_trip(ConvNet(), torch.randn(2, 3, 6, 6))
    assert "Flatten" in types(spec)
    assert spec.node("leaky_relu_1").params["negative_slope"] == 0.2


class Tagger(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.rnn = getattr(nn, kind)(8, 12, num_layers=2, batch_first=True)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        out, state = self.rnn(self.emb(x))
        h = state[0] if isinstance(state, tuple) else state
        return self.fc(h[-1])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_last_hidden_state(kind):
    torch.manual_seed(0)
    spec = round_trip(Tagger(kind), torch.randint(0, 20, (3, 7)))
    assert spec.node("rnn").params["output"] == "last"
    assert spec.node("input_1").params["dtype"] == "int64"


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
            num_layers=2,
        )
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        a, _ = self.attn(x, x, x)
        return self.out(self.encoder(x + a))


def test_attention_and_a_stack_of_encoder_layers():
    torch.manual_seed(0)
    spec = round_trip(Encoder(), torch.randn(2, 5, 8))
    assert types(spec).count("TransformerEncoderLayer") == 2
    assert "MultiheadAttention" in types(spec)


def test_identity_is_transparent_and_a_block_can_be_the_whole_model():
    torch.manual_seed(0)
    spec = round_trip(
        nn.Sequential(nn.Identity(), nn.Linear(3, 2), nn.Identity()), torch.randn(2, 3)
    )
    assert types(spec) == ["Input", "Linear", "Output"]
    spec = round_trip(nn.Linear(3, 2), torch.randn(2, 3), loss="MSELoss")
    assert [n.id for n in spec.nodes] == ["input_1", "linear", "output_1"]


def test_the_model_is_left_as_it_was():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    model[0].weight.requires_grad_(False)
    model.train()
    from_module(model, torch.randn(2, 2))
    assert model.training and not model[0].weight.requires_grad
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks


def test_it_works_while_a_trace_is_recording():
    with record():
        spec, _ = from_module(nn.Sequential(nn.Linear(2, 2)), torch.randn(2, 2))
    assert types(spec) == ["Input", "Linear", "Output"]


class Custom(nn.Module):
    def forward(self, x):
        return x * 2


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(self.fc(x))


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x) * 3


class InPlace(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = self.fc(x)
        h += x
        return h


class CrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(4, 1)

    def forward(self, x):
        return self.attn(x, x * 1, x)[0]


class BothOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, 4, batch_first=True)

    def forward(self, x):
        out, h = self.rnn(x)
        return out[:, 0] + h[-1]


@pytest.mark.parametrize(
    "model, x, message",
    [
        (nn.Sequential(nn.Linear(4, 4), Custom()), (2, 4), r"'1' \(Custom\) has no block"),
        (Shared(), (2, 4), "'fc' is called more than once"),
        (Scaled(), (2, 4), r"'mul' has no block.*line \d+: return self.fc\(x\) \* 3"),
        (InPlace(), (2, 4), "changed in place"),
        (CrossAttention(), (3, 2, 4), "only self-attention"),
        (BothOutputs(), (2, 3, 4), "indexing a tensor"),
        (nn.Sequential(nn.Conv2d(1, 1, 3, padding="same")), (1, 1, 4, 4), "padding='same'"),
    ],
)  # fmt: skip
def test_what_cannot_be_drawn_is_named(model, x, message):
    with pytest.raises(GraphError, match=message):
        from_module(model, torch.randn(*x))


def test_bad_arguments():
    with pytest.raises(GraphError, match="example_input"):
        from_module(nn.Linear(2, 2), [[1.0, 2.0]])
    with pytest.raises(GraphError, match="unknown loss"):
        from_module(nn.Linear(2, 2), torch.randn(2, 2), loss="Nope")


class TextConv(nn.Module):
    """Embedding -> (transpose) -> Conv1d -> pooling -> norm, with glue in forward."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 6)
        self.conv = nn.Conv1d(6, 8, 3, padding=1, groups=2)
        self.pool = nn.AvgPool1d(2)
        self.norm = nn.GroupNorm(4, 8)
        self.act = nn.ELU(alpha=0.5)
        self.up = nn.Sequential(nn.Unflatten(1, (8, 1)), nn.ConvTranspose2d(8, 2, 3, stride=2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d((2, 1)), nn.Flatten(), nn.Softmax(dim=1))

    def forward(self, x):
        h = self.emb(x).transpose(1, 2)
        h = self.act(self.norm(self.pool(self.conv(h))))
        return self.head(self.up(h))


def test_many_layer_kinds_and_a_transpose():
    torch.manual_seed(0)
    spec = round_trip(TextConv(), torch.randint(0, 30, (2, 8)))
    assert spec.node("transpose_1").params == {"dim0": 1, "dim1": 2}
    assert spec.node("conv").params["groups"] == 2
    assert spec.node("act").params["alpha"] == 0.5
    assert spec.node("head_2").params["dim"] == 1

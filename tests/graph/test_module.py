"""GraphModule: the same parameters and outputs as the model written by hand; it trains."""

import numpy as np
import pytest

import edutorch as torch
from edutorch import nn
from edutorch.graph import GraphError, GraphModule, count_parameters
from edutorch.trace import record

from .test_check import cnn
from .test_spec import chain, mlp, two_inputs


def test_parameter_counts_equal_a_hand_built_sequential():
    model = mlp().build()
    by_hand = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    assert count_parameters(model) == count_parameters(by_hand) == 2 * 8 + 8 + 8 * 3 + 3
    assert model.node_parameter_counts() == {"linear_1": 24, "relu_1": 0, "linear_2": 27}
    conv = GraphModule(cnn())
    by_hand = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(144, 10))  # fmt: skip
    assert count_parameters(conv) == count_parameters(by_hand)


def test_outputs_equal_the_hand_built_model_with_the_same_weights():
    model = GraphModule(cnn())
    by_hand = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(144, 10))  # fmt: skip
    renamed = {k.replace("conv2d_1", "0").replace("linear_1", "4"): v
               for k, v in model.state_dict().items()}  # fmt: skip
    by_hand.load_state_dict(renamed)
    x = torch.randn(3, 1, 12, 12)
    np.testing.assert_allclose(model(x).detach().numpy(), by_hand(x).detach().numpy(), atol=1e-6)


def test_state_dict_keys_are_node_ids():
    model = mlp().build()
    assert list(model.state_dict()) == ["linear_1.weight", "linear_1.bias", "linear_2.weight",
                                        "linear_2.bias"]  # fmt: skip
    assert isinstance(model.loss_fn, nn.CrossEntropyLoss)
    assert "output_1" not in dict(model.named_modules())  # the loss is not part of the model
    assert model.training
    assert model.input_shapes == [(2,)]


def test_same_seed_same_weights():
    torch.manual_seed(3)
    a = mlp().build()
    torch.manual_seed(3)
    b = mlp().build()
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        assert np.array_equal(v.numpy(), w.numpy()), k


def test_it_trains():
    torch.manual_seed(0)
    model = mlp().build()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    x = torch.randn(64, 2)
    y = (x[:, 0] > 0).long()
    losses = []
    for _ in range(60):
        loss = model.loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_residual_and_two_inputs():
    spec = two_inputs()
    model = spec.build()
    xa, xb = torch.randn(5, 4), torch.randn(5, 3)
    want = torch.cat([model.linear_1(xa) + xa, xb], dim=-1)
    np.testing.assert_allclose(model(xa, xb).detach().numpy(), want.detach().numpy())
    with pytest.raises(TypeError, match="takes 2 input"):
        model(xa)


def test_recurrent_last_state_and_attention():
    spec = chain(("Input", {"shape": (6, 3)}), ("LSTM", {"hidden_size": 8, "num_layers": 2}),
                 ("MultiheadAttention", {"num_heads": 2}),
                 ("TransformerEncoderLayer", {"num_heads": 2, "dropout": 0.0}),
                 ("GRU", {"hidden_size": 5, "output": "last"}), ("Output", {}))  # fmt: skip
    model = spec.build()
    x = torch.randn(4, 6, 3)
    assert model(x).shape == (4, 5)
    seq = model.lstm_1(x)[0]
    att = model.multihead_attention_1(seq, seq, seq)[0]
    want = model.gru_1(model.transformer_encoder_layer_1(att))[1][-1]
    np.testing.assert_allclose(model(x).detach().numpy(), want.detach().numpy(), atol=1e-6)


def test_invalid_spec_raises_graph_error_naming_the_node():
    spec = mlp()
    spec.disconnect("relu_1", "linear_2")
    with pytest.raises(GraphError, match=r"'linear_2' \(Linear\): its input is not connected") as e:
        spec.build()
    assert e.value.node == "linear_2"


def test_the_module_keeps_its_own_copy_of_the_spec():
    spec = mlp()
    model = spec.build()
    spec.set_params("linear_1", out_features=99)
    assert model.spec.node("linear_1").params["out_features"] == 8


def test_every_recorded_step_names_its_node():
    spec = chain(("Input", {"shape": (5, 3)}), ("GRU", {"hidden_size": 4, "output": "last"}),
                 ("Reshape", {"shape": (2, 2)}), ("Flatten", {}), ("Output", {}))  # fmt: skip
    model = spec.build()
    with record() as tape:
        model(torch.randn(2, 5, 3)).sum().backward()
    nodes = {step.module.split(".")[0] for step in tape.forward if step.module}
    assert nodes == {"gru_1", "reshape_1", "flatten_1"}
    assert tape.forward[-2].module == "flatten_1"  # the last op before the sum is the Flatten
    assert all(s.module for s in tape.forward[:-1])  # every op but the sum belongs to a node
    assert "(reshape_1): Reshape(shape=(2, 2))" in repr(model)


def test_node_outputs_give_every_intermediate_value():
    model = mlp().build()
    x = torch.randn(4, 2)
    values = model.node_outputs(x)
    assert list(values) == ["input_1", "linear_1", "relu_1", "linear_2"]
    assert values["input_1"] is x
    np.testing.assert_array_equal(values["linear_2"].detach().numpy(), model(x).detach().numpy())
    assert (values["relu_1"].detach().numpy() >= 0).all()

"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: torch's container semantics."""

from collections import OrderedDict

import numpy as np
import pytest

import edutorch
from edutorch import nn


def _keys(m):
    return list(m._modules)


# ------------------------------------------------------------------ Sequential
def test_sequential_runs_in_order_and_names():
    a, b = nn.Linear(2, 3), nn.ReLU()
    seq = nn.Sequential(a, b)
    assert _keys(seq) == ["0", "1"] and len(seq) == 2 and list(seq) == [a, b]
    x = edutorch.randn(4, 2)
    np.testing.assert_array_equal(seq(x).detach().numpy(), b(a(x)).detach().numpy())
    named = nn.Sequential(OrderedDict([("fc", a), ("act", b)]))
    assert _keys(named) == ["fc", "act"] and named.fc is a
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert nn.Sequential()(x) is x  # empty: identity


def test_sequential_indexing_and_slicing():
    mods = [nn.Linear(1, 1), nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    seq = nn.Sequential(*mods)
    assert seq[0] is mods[0] and seq[-1] is mods[3] and seq[-4] is mods[0]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        seq[-5]
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and list(part) == mods[1:3]
    assert _keys(part) == ["1", "2"]  # slices keep the original names, as in torch
    assert list(seq[::-1]) == mods[::-1]
    seq[1] = nn.ELU()
    assert isinstance(seq[1], nn.ELU) and _keys(seq) == ["0", "1", "2", "3"]


def test_sequential_mutation_matches_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        tnn = lib.nn
        seq = tnn.Sequential(tnn.Linear(1, 2), tnn.ReLU(), tnn.Linear(2, 3))
        seq.append(tnn.Tanh())
        seq.insert(1, tnn.Sigmoid())
        seq.insert(-1, tnn.ELU())
        seq.extend([tnn.Identity(), tnn.Softplus()])
        del seq[0]
        del seq[1:3]
        seq.pop(-1)
        seq = seq + tnn.Sequential(tnn.Linear(3, 1))
        return [(k, type(m).__name__) for k, m in seq._modules.items()], list(seq.state_dict())

    assert run(edutorch) == run(torch)
    with pytest.raises(IndexError, match="Index out of range: 9"):
        nn.Sequential().insert(9, nn.ReLU())
    with pytest.raises(AssertionError, match="module should be of type"):
        nn.Sequential().insert(0, 3)
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        nn.Sequential() + nn.ReLU()


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.Sequential(3)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential({"a": nn.ReLU()})  # only OrderedDict is unpacked, as in torch


def test_sequential_dir_hides_indices():
    seq = nn.Sequential(nn.ReLU())
    assert "0" not in dir(seq) and "append" in dir(seq)


# ------------------------------------------------------------------ ModuleList
def test_module_list_semantics():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and _keys(layers) == ["0", "1", "2"]
    assert layers[-1] is layers[2]
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    layers.insert(0, nn.ELU())
    assert [type(m).__name__ for m in layers] == [
        "ELU", "Linear", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid",
    ]  # fmt: skip
    del layers[0]
    assert _keys(layers) == [str(i) for i in range(6)]
    assert len(list(layers.parameters())) == 6
    popped = layers.pop(-1)
    assert isinstance(popped, nn.Sigmoid) and len(layers) == 5
    combined = layers + nn.ModuleList([nn.Identity()])
    assert len(combined) == 6
    with pytest.raises(IndexError, match="index 10 is out of range"):
        layers[10]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        layers.extend(nn.ReLU())
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        layers(edutorch.ones(1))


def test_module_list_state_dict_and_repr_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        tnn = lib.nn
        net = tnn.Module()
        net.layers = tnn.ModuleList(
            [tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.ReLU(), tnn.Linear(2, 2)]
        )
        net.empty = tnn.ModuleList()
        return net

    ours, theirs = build(edutorch), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    del ours.layers[1:3], theirs.layers[1:3]
    assert list(ours.state_dict()) == list(theirs.state_dict())


# ------------------------------------------------------------------ ModuleDict
def test_module_dict_semantics():
    d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    assert list(d) == ["b", "a"] and list(d.keys()) == ["b", "a"]  # insertion order, not sorted
    assert "a" in d and len(d) == 2
    d["c"] = nn.Tanh()
    d.update([("e", nn.ELU())])
    d.update(nn.ModuleDict({"f": nn.SiLU()}))
    assert [k for k, _ in d.items()] == ["b", "a", "c", "e", "f"]
    assert isinstance(d.pop("c"), nn.Tanh) and "c" not in d
    del d["e"]
    assert [type(v).__name__ for v in d.values()] == ["ReLU", "Linear", "SiLU"]
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    d.clear()
    assert len(d) == 0
    with pytest.raises(TypeError, match="ModuleDict.update should be called with an iterable"):
        d.update(3)
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("x",)])


# ------------------------------------------------------------------ ParameterList / Dict
def test_parameter_list_semantics():
    pl = nn.ParameterList([edutorch.zeros(2), nn.Parameter(edutorch.ones(3))])
    assert len(pl) == 2 and all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(edutorch.ones(1))
    pl.extend([edutorch.ones(4)])
    pl += [edutorch.ones(5)]
    assert [p.numel() for p in pl] == [2, 3, 1, 4, 5]
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3", "4"]
    assert pl[-1].numel() == 5 and [p.numel() for p in pl[1:3]] == [3, 1]
    pl[0] = edutorch.full((2,), 7.0)
    assert pl[0].requires_grad and pl[0][0].item() == 7.0
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        pl.extend(edutorch.ones(2))
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        pl(1)


def test_parameter_dict_semantics():
    pd = nn.ParameterDict({"b": edutorch.zeros(2), "a": edutorch.ones(1)})
    assert list(pd) == ["a", "b"]  # a plain dict is sorted, as torch does
    pd["c"] = edutorch.ones(3)
    pd.update(OrderedDict([("z", edutorch.ones(1)), ("y", edutorch.ones(1))]))
    assert list(pd.keys()) == ["a", "b", "c", "z", "y"]
    assert isinstance(pd["c"], nn.Parameter) and "c" in pd and pd.get("nope") is None
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c", "z", "y"]
    k, v = pd.popitem()
    assert k == "y" and v.numel() == 1 and "y" not in pd
    pd.pop("z")
    del pd["c"]
    assert list(pd) == ["a", "b"] and len(pd) == 2
    assert pd.setdefault("d", edutorch.ones(2)) is pd["d"]
    assert list(pd.copy()) == ["a", "b", "d"]
    pd.clear()
    assert len(pd) == 0 and list(pd.named_parameters()) == []
    with pytest.raises(TypeError, match="cannot be used as a key as it is not a string"):
        pd[1] = edutorch.ones(1)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called."):
        pd(1)


def test_parameter_containers_repr_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        net = lib.nn.Module()
        net.plist = lib.nn.ParameterList([lib.zeros(2, 3), lib.zeros(4, dtype=lib.float64)])
        net.pdict = lib.nn.ParameterDict({"w": lib.zeros(3, 1), "b": lib.zeros(1)})
        return net

    assert repr(build(edutorch)) == repr(build(torch)).replace("torch.", "edutorch.")
    assert list(build(edutorch).state_dict()) == list(build(torch).state_dict())


def test_containers_inside_model_train_end_to_end():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
            self.heads = nn.ModuleDict({"out": nn.Linear(3, 1)})
            self.gains = nn.ParameterList([edutorch.ones(3) for _ in range(2)])

        def forward(self, x):
            for layer, g in zip(self.layers, self.gains):
                x = nn.functional.relu(layer(x)) * g
            return self.heads["out"](x)

    net = Net()
    net(edutorch.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert len(list(net.parameters())) == 8

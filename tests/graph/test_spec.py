"""GraphSpec: ids, wiring rules, order and cycles, JSON round trips and rejection of bad data."""

import copy
import json

import pytest

from edutorch.graph import GraphError, GraphSpec


def chain(*blocks, name="model"):
    """A spec of (type, params) blocks wired one after another."""
    return GraphSpec.chain(*blocks, name=name)


def two_inputs():
    """(N, 4) -> Linear -> + itself -> concatenated with a second (N, 3) input -> MSE."""
    spec = GraphSpec(name="two inputs")
    a = spec.add_node("Input", {"shape": (4,)})
    b = spec.add_node("Input", {"shape": (3,)})
    fc = spec.add_node("Linear", {"out_features": 4})
    add = spec.add_node("Add")
    cat = spec.add_node("Concat", {"dim": -1})
    out = spec.add_node("Output", {"loss": "MSELoss"})
    for src, dst in ((a, fc), (fc, add), (a, add), (add, cat), (b, cat), (cat, out)):
        spec.connect(src.id, dst.id)
    return spec


def mlp():
    return chain(("Input", {"shape": (2,)}), ("Linear", {"out_features": 8}), ("ReLU", {}),
                 ("Linear", {"out_features": 3}), ("Output", {}))  # fmt: skip


def test_chain_takes_names_or_pairs_and_lays_out():
    spec = GraphSpec.chain("Input", ("Linear", {"out_features": 3}), "Output", name="tiny")
    assert [n.type for n in spec.nodes] == ["Input", "Linear", "Output"]
    assert [(e.src, e.dst) for e in spec.edges] == [
        ("input_1", "linear_1"),
        ("linear_1", "output_1"),
    ]
    assert spec.name == "tiny" and spec.node("output_1").position == (400.0, 0.0)


def test_ids_are_unique_readable_names():
    spec = mlp()
    assert [n.id for n in spec.nodes] == ["input_1", "linear_1", "relu_1", "linear_2", "output_1"]
    assert spec.add_node("MaxPool2d").id == "max_pool2d_1"
    assert spec.add_node("LeakyReLU").id == "leaky_relu_1"
    spec.remove_node("linear_1")
    assert spec.add_node("Linear").id == "linear_1"  # a freed id is reused
    with pytest.raises(GraphError, match="already a node 'relu_1'"):
        spec.add_node("ReLU", id="relu_1")
    for bad in ("1x", "a b", "self", "forward", "class", "x", ""):
        with pytest.raises(GraphError):
            spec.add_node("ReLU", id=bad)


def test_add_node_fills_defaults_and_checks_values():
    spec = GraphSpec()
    node = spec.add_node("Conv2d", {"kernel_size": 5})
    assert node.params["kernel_size"] == (5, 5) and node.params["out_channels"] == 8
    with pytest.raises(GraphError, match=r"'linear_1' \(Linear\): out_features must be at least 1"):
        spec.add_node("Linear", {"out_features": 0})
    with pytest.raises(GraphError, match="unknown layer type 'Linearr'"):
        spec.add_node("Linearr")
    spec.set_params("conv2d_1", out_channels=4)
    assert spec.node("conv2d_1").params["out_channels"] == 4
    with pytest.raises(GraphError, match="out_channels must be an integer"):
        spec.set_params("conv2d_1", out_channels="4")
    assert spec.node("conv2d_1").params["out_channels"] == 4  # a refused change changes nothing


def test_connect_rules():
    spec = mlp()
    with pytest.raises(GraphError, match="itself"):
        spec.connect("relu_1", "relu_1")
    with pytest.raises(GraphError, match="already connected.*'linear_1'"):
        spec.connect("input_1", "relu_1")
    with pytest.raises(GraphError, match="Input block: it has no input"):
        spec.connect("relu_1", "input_1")
    with pytest.raises(GraphError, match="Output block: nothing comes out"):
        spec.connect("output_1", "relu_1")
    with pytest.raises(GraphError, match="no input port 1"):
        spec.connect("input_1", "linear_2", 1)
    with pytest.raises(GraphError, match="no node 'nope'"):
        spec.connect("nope", "relu_1")


def test_variadic_ports_fill_in_order():
    spec = mlp()
    add = spec.add_node("Add")
    assert spec.connect("linear_1", add.id).dst_port == 0
    assert spec.connect("input_1", add.id).dst_port == 1
    assert spec.connect("relu_1", add.id, 5).dst_port == 5
    assert [e.src for e in spec.inputs_of(add.id)] == ["linear_1", "input_1", "relu_1"]
    assert spec.disconnect(dst=add.id, dst_port=1) == 1
    assert spec.connect("relu_1", add.id).dst_port == 1


def test_remove_and_disconnect():
    spec = mlp()
    spec.remove_node("relu_1")
    assert all("relu_1" not in (e.src, e.dst) for e in spec.edges)
    assert spec.disconnect("input_1", "linear_1") == 1
    assert spec.disconnect("input_1", "linear_1") == 0
    with pytest.raises(GraphError):
        spec.disconnect()


def test_rename_keeps_wires():
    spec = mlp()
    spec.rename_node("linear_1", "hidden")
    assert [e.src for e in spec.inputs_of("relu_1")] == ["hidden"]
    assert [e.dst for e in spec.outputs_of("input_1")] == ["hidden"]
    with pytest.raises(GraphError):
        spec.rename_node("hidden", "relu_1")


def test_topological_order_and_cycles():
    spec = mlp()
    assert spec.topological_order() == ["input_1", "linear_1", "relu_1", "linear_2", "output_1"]
    add = spec.add_node("Add")
    spec.disconnect("relu_1", "linear_2")
    spec.connect("relu_1", add.id)
    spec.connect("linear_2", add.id)
    spec.connect(add.id, "linear_2")
    with pytest.raises(GraphError, match="cycle: .*add_1.*linear_2|cycle: .*linear_2.*add_1") as e:
        spec.topological_order()
    assert e.value.node in ("add_1", "linear_2")


def test_order_follows_chains_for_readable_code():
    spec = GraphSpec()
    a = spec.add_node("Input")
    b1, b2 = spec.add_node("Linear"), spec.add_node("Linear")
    c1, c2 = spec.add_node("ReLU"), spec.add_node("ReLU")
    for src, dst in ((a, b1), (a, b2), (b1, c1), (b2, c2)):
        spec.connect(src.id, dst.id)
    assert spec.topological_order() == ["input_1", "linear_1", "relu_1", "linear_2", "relu_2"]


def test_dict_round_trip_is_plain_json():
    spec = mlp()
    spec.node("linear_1").position = (10.5, -3.0)
    d = spec.to_dict()
    assert d["format"] == "edutorch-graph" and d["version"] == 1
    again = GraphSpec.from_dict(json.loads(json.dumps(d)))
    assert again == spec and again.to_dict() == d
    assert again.node("linear_1").position == (10.5, -3.0)
    assert again.node("input_1").params["shape"] == (2,)


def test_copy_is_independent():
    spec = mlp()
    other = spec.copy()
    other.set_params("linear_1", out_features=5)
    other.remove_node("relu_1")
    assert spec.node("linear_1").params["out_features"] == 8 and spec.has_node("relu_1")


def _edited(change):
    d = mlp().to_dict()
    change(d)
    return d


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["nodes"][1]["params"].update(out_features="-3"),
         r"'linear_1' \(Linear\): out_features must be an integer, got '-3'"),
        (lambda d: d["nodes"][1]["params"].update(out_features=-3), "at least 1, got -3"),
        (lambda d: d["nodes"][1]["params"].update(bias="yes"), "bias must be true or false"),
        (lambda d: d["nodes"][1]["params"].update(size=3), "Linear has no setting 'size'"),
        (lambda d: d["nodes"][1].update(type="Lienar"), "unknown layer type 'Lienar'"),
        (lambda d: d["nodes"][0]["params"].update(shape=[0]), "shape must be at least 1"),
        (lambda d: d["nodes"][2].update(id="linear_1"), "already a node 'linear_1'"),
        (lambda d: d["nodes"][2].update(position=["a", 0]), "invalid position"),
        (lambda d: d.update(version=2), "newer edutorch.*version 2"),
        (lambda d: d.update(version="1"), "invalid version"),
        (lambda d: d.update(format="other"), "not an edutorch graph"),
        (lambda d: d["edges"].append({"src": "relu_1", "dst": "ghost"}), "missing node"),
        (lambda d: d["edges"].append(d["edges"][0]), "already connected"),
        (lambda d: d.update(nodes={}), "list of"),
    ],
)  # fmt: skip
def test_from_dict_rejects_bad_data(change, message):
    with pytest.raises(GraphError, match=message):
        GraphSpec.from_dict(_edited(change))


def test_from_dict_fills_settings_added_later():
    d = mlp().to_dict()
    del d["nodes"][1]["params"]["bias"]  # a file from before the setting existed
    assert GraphSpec.from_dict(d).node("linear_1").params["bias"] is True


def test_from_dict_does_not_change_its_argument():
    d = mlp().to_dict()
    before = copy.deepcopy(d)
    GraphSpec.from_dict(d)
    assert d == before


def test_auto_layout_columns_by_depth():
    spec = mlp()
    add = spec.add_node("Add")
    spec.connect("input_1", add.id)
    spec.connect("relu_1", add.id)
    spec.auto_layout(dx=100, dy=50)
    xs = {n.id: n.position[0] for n in spec.nodes}
    assert xs["input_1"] == 0 and xs["linear_1"] == 100 and xs["relu_1"] == 200
    assert xs["add_1"] == 300 and xs["linear_2"] == 300
    ys = {spec.node(i).position[1] for i in ("add_1", "linear_2")}
    assert ys == {-25.0, 25.0}

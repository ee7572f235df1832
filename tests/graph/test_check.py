"""infer_shapes and validate: shapes on every wire, errors on the node at fault, never a raise."""

import re

import pytest

from edutorch.graph import GraphSpec, infer_shapes, validate
from edutorch.graph.check import MAX_ACTIVATION

from .test_spec import chain, mlp


def cnn():
    return chain(
        ("Input", {"shape": (1, 12, 12)}),
        ("Conv2d", {"out_channels": 4, "padding": 1}), ("ReLU", {}), ("MaxPool2d", {}),
        ("Flatten", {}), ("Linear", {"out_features": 10}), ("Output", {}),
    )  # fmt: skip


def test_shapes_on_every_wire():
    report = infer_shapes(mlp(), batch_size=5)
    assert report.ok and not report.warnings
    assert report.edge_shapes == {
        ("input_1", "linear_1", 0): (5, 2),
        ("linear_1", "relu_1", 0): (5, 8),
        ("relu_1", "linear_2", 0): (5, 8),
        ("linear_2", "output_1", 0): (5, 3),
    }
    assert report.node_shapes["linear_2"] == (5, 3)
    assert report.param_counts["linear_1"] == 2 * 8 + 8


def test_cnn_shapes():
    report = infer_shapes(cnn())
    assert report.ok
    assert report.node_shapes["max_pool2d_1"] == (2, 4, 6, 6)
    assert report.node_shapes["flatten_1"] == (2, 144)


def test_a_mismatch_lands_on_the_node_with_the_library_message():
    spec = mlp()
    add = spec.add_node("Add")
    spec.connect("input_1", add.id)
    spec.connect("relu_1", add.id)
    spec.disconnect("relu_1", "linear_2")
    spec.connect(add.id, "linear_2")
    report = infer_shapes(spec)
    assert set(report.errors) == {"add_1"}
    assert report.errors["add_1"] == (
        "The size of tensor a (2) must match the size of tensor b (8) at non-singleton dimension 1"
    )
    assert report.node_shapes["relu_1"] == (2, 8)  # upstream shapes are still known
    assert "linear_2" not in report.node_shapes  # downstream is skipped, not blamed
    assert ("input_1", "add_1", 0) in report.edge_shapes


def test_a_layer_given_the_wrong_layout():
    spec = chain(("Input", {"shape": (16,)}), ("Conv2d", {}), ("Output", {}))
    report = infer_shapes(spec)
    assert report.errors == {
        "conv2d_1": "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of "
        "size: [2, 16]"
    }


def test_pooling_too_much():
    spec = chain(("Input", {"shape": (1, 1, 1)}), ("MaxPool2d", {}), ("Output", {}))
    assert "Output size is too small" in infer_shapes(spec).errors["max_pool2d_1"]


def test_build_errors_are_caught_too():
    spec = chain(("Input", {"shape": (3, 5)}), ("GroupNorm", {"num_groups": 2}), ("Output", {}))
    assert infer_shapes(spec).errors == {
        "group_norm_1": "num_channels (3) must be divisible by num_groups (2)"
    }
    spec = chain(("Input", {"shape": (4, 6)}), ("MultiheadAttention", {"num_heads": 4}),
                 ("Output", {}))  # fmt: skip
    assert "divisible by num_heads" in infer_shapes(spec).errors["multihead_attention_1"]


def test_cycle_is_reported_on_its_nodes():
    spec = mlp()
    add = spec.add_node("Add")
    spec.disconnect("relu_1", "linear_2")
    spec.connect("relu_1", add.id)
    spec.connect("linear_2", add.id)
    spec.connect(add.id, "linear_2")
    report = infer_shapes(spec)
    assert set(report.errors) == {"add_1", "linear_2"}
    assert all("cycle" in m for m in report.errors.values())
    assert report.node_shapes["relu_1"] == (2, 8)


def test_unconnected_input_and_unreachable_nodes():
    spec = mlp()
    spec.disconnect("input_1", "linear_1")
    report = infer_shapes(spec)
    assert report.errors["linear_1"] == "its input is not connected"
    assert "not connected to an Input" in report.errors["relu_1"]
    assert report.node_shapes == {"input_1": (2, 2)}


def test_merge_needs_two_inputs():
    spec = mlp()
    cat = spec.add_node("Concat")
    spec.connect("relu_1", cat.id)
    assert validate(spec)["concat_1"] == "Concat needs at least 2 inputs, it has 1"


def test_missing_output_is_put_on_the_dangling_block():
    spec = mlp()
    spec.remove_node("output_1")
    report = infer_shapes(spec)
    assert list(report.errors) == ["linear_2"]
    assert "no Output block" in report.errors["linear_2"]


def test_two_outputs_and_unused_branches():
    spec = mlp()
    extra = spec.add_node("Output")
    spec.connect("relu_1", extra.id)
    assert "one Output block" in validate(spec)["output_2"]
    spec = mlp()
    side = spec.add_node("Linear")
    spec.connect("relu_1", side.id)
    report = infer_shapes(spec)
    assert report.ok and "not used" in report.warnings["linear_3"]


def test_graph_level_problems_use_the_empty_key():
    assert "empty" in infer_shapes(GraphSpec()).errors[""]
    spec = GraphSpec()
    spec.add_node("ReLU")
    errors = validate(spec)
    assert "no Input" in errors[""] and "not connected" in errors["relu_1"]


def test_bad_params_edited_in_place_are_reported_not_raised():
    spec = mlp()
    spec.node("linear_1").params["out_features"] = "many"
    spec.node("relu_1").type = "Nope"
    report = infer_shapes(spec)
    assert "out_features must be an integer" in report.errors["linear_1"]
    assert "unknown layer type 'Nope'" in report.errors["relu_1"]


def test_int_inputs_for_embeddings():
    spec = chain(("Input", {"shape": (7,)}), ("Embedding", {"num_embeddings": 10}),
                 ("GRU", {"hidden_size": 5, "output": "last"}), ("Output", {}))  # fmt: skip
    report = infer_shapes(spec)
    assert report.ok, report.errors
    assert report.node_shapes["embedding_1"] == (2, 7, 16)
    assert report.node_shapes["gru_1"] == (2, 5)


def test_oversized_input_is_refused_without_allocating():
    spec = chain(("Input", {"shape": (4096, 4096)}), ("ReLU", {}), ("Output", {}))
    report = infer_shapes(spec)
    assert f"more than the {MAX_ACTIVATION:,}" in report.errors["input_1"]


def test_never_raises_even_on_internal_failure(monkeypatch):
    import edutorch.graph.check as check

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(check, "propagate", boom)
    assert "kaput" in infer_shapes(mlp()).errors[""]


@pytest.mark.parametrize("seed", range(30))
def test_random_wiring_never_raises(seed):
    import random

    from edutorch.graph import LAYERS

    rnd = random.Random(seed)
    spec = GraphSpec()
    spec.add_node("Input", {"shape": rnd.choice([(2,), (3, 8), (1, 6, 6), (4, 5, 5)])})
    kinds = [k for k in LAYERS if k != "Input"]
    for _ in range(6):
        spec.add_node(rnd.choice(kinds))
    ids = [n.id for n in spec.nodes]
    for _ in range(8):
        try:
            spec.connect(rnd.choice(ids), rnd.choice(ids))
        except Exception:
            pass
    report = infer_shapes(spec)
    assert isinstance(report.errors, dict)


# ------------------------------------------------------------------- against a dataset
def test_samples_fit_their_datasets():
    from edutorch.graph import BUILTIN_SAMPLES, sample_project

    for name in BUILTIN_SAMPLES:
        project = sample_project(name)
        report = infer_shapes(project.graph, dataset=project.dataset["name"])
        assert report.ok and not report.warnings, (name, report.errors, report.warnings)


def _spiral():
    from edutorch.graph import sample_project

    return sample_project("spiral-mlp").graph


@pytest.mark.parametrize(
    "dataset, node, message",
    [
        ("glyphs", "input_1", r"gives samples of shape \(1, 28, 28\); set this Input's shape"),
        ("xor", "output_1", r"'xor' has 2 classes, but the model gives 3 scores .*\(N, 3\)"),
        ("plane", "output_1", "CrossEntropyLoss needs class labels, but 'plane' is a regression"),
    ],
)
def test_dataset_mismatches(dataset, node, message):
    report = infer_shapes(_spiral(), dataset=dataset)
    assert list(report.errors) == [node]
    assert re.search(message, report.errors[node])


def test_regression_shapes_and_broadcasting():
    spec = _spiral()
    spec.set_params("output_1", loss="MSELoss")
    report = infer_shapes(spec, dataset="plane")
    assert "target size" in report.errors["output_1"]  # (N, 3) vs (N, 1): torch's warning
    spec.set_params("linear_3", out_features=1)
    assert infer_shapes(spec, dataset="plane").ok


def test_per_step_labels_need_the_classes_in_dim_1():
    from edutorch.datasets import available

    info = available()["char_text"]
    blocks = [("Input", {"shape": (32,)}), ("Embedding", {"num_embeddings": info.num_classes}),
              ("GRU", {}), ("Linear", {"out_features": info.num_classes}), "Output"]  # fmt: skip
    report = infer_shapes(GraphSpec.chain(*blocks), dataset=info)
    assert "add a Transpose" in report.errors["output_1"]
    fixed = GraphSpec.chain(*blocks[:-1], "Transpose", "Output")
    assert infer_shapes(fixed, dataset=info).ok


@pytest.mark.parametrize(
    "before, loss, advice",
    [
        ("Softmax", "CrossEntropyLoss", "applies log-softmax itself; remove the Softmax"),
        ("ReLU", "NLLLoss", "put a LogSoftmax before it"),
        ("ReLU", "BCELoss", "put a Sigmoid before it"),
        ("Sigmoid", "BCEWithLogitsLoss", "remove the Sigmoid"),
        ("LogSoftmax", "NLLLoss", None),
        ("ReLU", "CrossEntropyLoss", None),
    ],
)
def test_loss_advice(before, loss, advice):
    spec = chain(
        ("Input", {"shape": (3,)}), ("Linear", {}), (before, {}), ("Output", {"loss": loss})
    )
    report = infer_shapes(spec)
    assert report.ok
    assert report.warnings.get("output_1") == (
        None if advice is None else report.warnings["output_1"]
    )
    if advice:
        assert advice in report.warnings["output_1"]

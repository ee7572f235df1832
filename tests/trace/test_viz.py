"""edutorch.viz: DOT text for tensors and tapes, and pictures through Graphviz."""

import numpy as np
import pytest

import edutorch as torch
from edutorch import nn, trace, viz


def _micrograd_example():
    a = torch.tensor([2.0, -3.0], requires_grad=True)
    b = torch.tensor(10.0, requires_grad=True)
    loss = ((a * b).sum() + b).tanh()
    loss.backward()
    return a, b, loss


def test_tensor_graph_has_every_op_and_leaf_with_values_and_grads():
    a, b, loss = _micrograd_example()
    dot = viz.to_dot(loss)
    for op in ("mul", "sum", "add", "tanh"):
        assert f'label="{op}"' in dot
    assert "data [2, -3]" in dot and "grad [10, 10]" in dot  # a's values and gradient
    assert "data [10]" in dot and "grad [0]" in dot  # b: tanh'(0) * (sum(a) + 1) = 0
    # a->mul, b->mul, mul->sum, sum->add, b->add, add->tanh, tanh->output
    assert dot.count("->") == 7


def test_tensor_graph_walks_long_chains_without_recursion():
    x = torch.ones(2, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    dot = viz.to_dot(y.sum())
    assert dot.count('label="mul"') == 3000


def _tape_of_repeated_blocks():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 4),
        *[nn.Sequential(nn.Linear(4, 4), nn.ReLU()) for _ in range(3)], nn.Linear(4, 2),
    )  # fmt: skip
    with trace.record() as tape:
        model(torch.randn(5, 3)).sum().backward()
    return tape


def test_tape_drawing_folds_modules_and_counts_repeats():
    tape = _tape_of_repeated_blocks()
    dot = viz.to_dot(tape, depth=1)
    assert "×3" in dot  # blocks 2, 3, 4 have the same structure: drawn once with a count
    full = viz.to_dot(tape, depth=None)
    assert full.count("step ") == len(tape.forward)  # unfolded: every op is a box
    assert "cluster" in full  # modules still group their ops


def test_rankdir_and_bad_arguments():
    _, _, loss = _micrograd_example()
    assert "rankdir=TB" in viz.to_dot(loss, rankdir="TB")
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(loss, rankdir="XY")
    with pytest.raises(TypeError, match="Tensor or a trace Tape"):
        viz.to_dot([1, 2])
    with pytest.raises(ValueError, match="unsupported file type"):
        viz.draw(loss, "graph.jpg")


def test_draw_writes_dot_without_graphviz(tmp_path):
    _, _, loss = _micrograd_example()
    path = viz.draw(loss, tmp_path / "g.dot")
    assert open(path).read().startswith("digraph")


@pytest.mark.skipif(
    viz.layout_program() is None, reason="no Graphviz program (pip install graphviz-pure)"
)
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_draw_renders_pictures(tmp_path, suffix):
    tape = _tape_of_repeated_blocks()
    path = viz.draw(tape, tmp_path / f"model.{suffix}", depth=1)
    data = open(path, "rb").read()
    if suffix == "svg":
        assert b"<svg" in data and "×3".encode() in data
        assert data.count(b"step ") == 1  # folded: module boxes; only the final sum is an op box
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    _, _, loss = _micrograd_example()
    svg = open(viz.draw(loss, tmp_path / "loss.svg"), encoding="utf-8").read()
    assert "tanh" in svg and "grad [10, 10]" in svg


def test_lenet_tape_matches_the_model_op_for_op():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    with trace.record(max_elements=10**7) as tape:
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
    for event in tape.forward:
        np.testing.assert_allclose(event.replay(), event.output.values, rtol=1e-5, atol=1e-6)
    assert tape.forward[-1].output.values == pytest.approx(loss.item(), rel=1e-6)
    sums = {}
    for event in tape.backward:
        for name, g in event.accumulations:
            sums[name] = sums.get(name, 0) + g.values
    for name, p in model.named_parameters():
        np.testing.assert_allclose(sums[name], p.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert {e.module for e in tape.forward} >= {"0", "2", "3", "5", "6", "7", "11"}

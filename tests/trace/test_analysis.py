"""edutorch.trace.analysis: anomalies, 2-D slices, image grids, magnitudes and graph layout."""

import math

import numpy as np
import pytest

import edutorch as torch
from edutorch import nn, trace
from edutorch.trace import analysis


def _record(model, x, loss_fn=lambda out: out.sum(), **kw):
    with trace.record(**kw) as tape:
        loss_fn(model(x)).backward()
    return tape


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
        nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3),
    )  # fmt: skip


class Log(nn.Module):
    def forward(self, x):
        return x.log()


def test_a_healthy_mlp_has_no_anomalies():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    tape = _record(model, torch.randn(4, 3), lambda out: (out**2).mean())
    assert analysis.find_anomalies(tape) == []


def test_nan_is_flagged_where_it_appears_and_where_it_flows():
    model = nn.Sequential(nn.Linear(2, 2), Log())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        model[0].bias.zero_()
    with np.errstate(invalid="ignore"):  # log(-1) is NaN, and that is the point
        tape = _record(model, torch.tensor([[-1.0, 2.0]]), lambda out: (out**2).sum())
    found = analysis.find_anomalies(tape)
    log = next(e for e in tape.forward if e.op == "log")
    first = found[0]
    assert first.step == log.step and first.kind == "nan" and "output 0 has 1 NAN" in first.message
    # the loss is NaN too, and the NaN flows back through the gradients of the square
    assert any(a.kind == "nan" and tape.steps[a.step].op == "sum" for a in found)
    assert any(a.kind == "nan" and tape.steps[a.step].kind == "backward" for a in found)


def test_inf_is_counted():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with trace.record() as tape, np.errstate(divide="ignore"):
        (1 / x).sum().backward()
    kinds = {a.kind for a in analysis.find_anomalies(tape)}
    assert "inf" in kinds


def test_dead_relu():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every pre-activation is negative
    tape = _record(model, torch.randn(5, 3))
    found = analysis.find_anomalies(tape)
    relu = next(e for e in tape.forward if e.op == "relu")
    assert analysis.Anomaly(relu.step, "dead_relu", "dead ReLU: every output is zero") in found
    # no gradient gets past a dead ReLU: the first layer's gradients vanish
    assert any(a.kind == "vanishing" and tape.steps[a.step].module == "0" for a in found)


@pytest.mark.parametrize("scale, kind", [(1e-12, "vanishing"), (1e12, "exploding")])
def test_vanishing_and_exploding_gradients(scale, kind):
    torch.manual_seed(0)
    model = nn.Linear(3, 3)
    tape = _record(model, torch.randn(2, 3), lambda out: (out * scale).sum())
    found = [a for a in analysis.find_anomalies(tape) if a.kind == kind]
    assert found and all(tape.steps[a.step].kind == "backward" for a in found)
    assert "RMS" in found[0].message


def test_thresholds_are_parameters():
    torch.manual_seed(0)
    tape = _record(nn.Linear(3, 3), torch.randn(2, 3))
    assert analysis.find_anomalies(tape) == []
    assert {a.kind for a in analysis.find_anomalies(tape, exploding=1e-3)} == {"exploding"}


def test_event_tensors_and_description():
    torch.manual_seed(0)
    tape = _record(nn.Linear(3, 2), torch.randn(4, 3))
    fwd = tape.forward[0]
    labels = [label for label, _ in analysis.event_tensors(fwd)]
    assert labels == ["input 0", "input 1 weight", "input 2 bias", "output 0"]
    bwd = next(e for e in tape.backward if e.op == "linear")
    labels = [label for label, _ in analysis.event_tensors(bwd)]
    assert labels[0] == "grad in 0" and "weight.grad +=" in labels and "bias.grad +=" in labels
    assert analysis.describe_event(fwd) == "forward · - · linear"


def test_slice_2d():
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(analysis.slice_2d(x, (1, 2)), x[1, 2])
    np.testing.assert_array_equal(analysis.slice_2d(x), x[0, 0])
    np.testing.assert_array_equal(analysis.slice_2d(x, (1,)), x[1, 0])
    assert analysis.slice_2d(np.float32(3)).shape == (1, 1)
    assert analysis.slice_2d(np.arange(4)).shape == (1, 4)
    assert analysis.leading_shape(x.shape) == (2, 3) and analysis.leading_shape((4, 5)) == ()


def test_tile_grid_places_every_image_with_nan_gaps():
    stack = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid = analysis.tile_grid(stack, cols=3)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    for k in range(5):
        r, c = analysis.tile_position(k, (2, 3), cols=3)
        np.testing.assert_array_equal(grid[r : r + 2, c : c + 3], stack[k])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all()  # the gaps
    assert np.isnan(grid[3:, 8:]).all()  # the empty sixth cell
    assert analysis.tile_grid(stack).shape == grid.shape  # 3 columns: as square as 5 gets


def test_feature_maps_and_filters_of_a_conv_step():
    tape = _record(_cnn(), torch.randn(2, 1, 8, 8))
    conv = tape.forward[0]
    assert analysis.is_conv(conv) and not analysis.is_conv(tape.forward[1])
    maps, weight = analysis.conv_views(tape, conv)
    assert maps is conv.outputs[0] and weight is conv.inputs[1]
    grid, cols = analysis.feature_maps(maps.values, sample=1)
    assert cols == 2
    r, c = analysis.tile_position(3, (8, 8), cols)
    np.testing.assert_allclose(grid[r : r + 8, c : c + 8], maps.values[1, 3])
    second = tape.forward[3]
    grid, cols = analysis.filter_grid(second.inputs[1].values)
    assert cols == 4  # one column per input channel, one row per output channel
    r, c = analysis.tile_position(2 * 4 + 1, (3, 3), cols)
    np.testing.assert_allclose(grid[r : r + 3, c : c + 3], second.inputs[1].values[2, 1])
    bwd = next(e for e in tape.backward if e.forward_step == second.step)
    maps, weight = analysis.conv_views(tape, bwd)
    assert maps is bwd.grad_outputs[0] and weight is bwd.grad_inputs[1]
    assert analysis.conv_views(tape, tape.forward[1]) == (None, None)


def test_conv1d_maps_are_strips():
    torch.manual_seed(0)
    tape = _record(nn.Conv1d(2, 3, 3), torch.randn(1, 2, 8))
    maps, weight = analysis.conv_views(tape, tape.forward[0])
    grid, cols = analysis.feature_maps(maps.values)
    assert cols == 1 and grid.shape == (3 * 2 - 1, 6)
    grid, cols = analysis.filter_grid(weight.values)
    assert cols == 2 and grid.shape == (3 * 2 - 1, 2 * 4 - 1)


def test_histogram_ignores_nan_and_handles_constants():
    counts, edges = analysis.histogram(np.array([0.0, 1.0, np.nan, np.inf, 1.0]), bins=2)
    assert counts.tolist() == [1, 2] and edges[0] == 0.0 and edges[-1] == 1.0
    counts, edges = analysis.histogram(np.full(3, 2.0))
    assert counts.sum() == 3 and edges[0] < 2.0 < edges[-1]
    counts, _ = analysis.histogram(np.array([np.nan]))
    assert counts.size == 0


def test_edge_magnitudes_follow_the_passes():
    tape = _record(_cnn(), torch.randn(2, 1, 8, 8))
    everything = analysis.edge_magnitudes(tape)
    assert set(everything) == {str(i) for i in range(7)}
    out = tape.forward[tape.steps.prev(tape.steps.forward_end + 1, module="6")].outputs[0]
    norm = float(np.sqrt((out.values.astype(np.float64) ** 2).sum()))
    assert everything["6"][0] == pytest.approx(norm)
    assert everything["6"][1] == pytest.approx(math.sqrt(out.values.size))  # d sum / d out = 1
    early = analysis.edge_magnitudes(tape, upto=2)  # conv, relu, pool: forward only
    assert set(early) == {"0", "1", "2"} and all(g is None for _, g in early.values())
    first_back = tape.steps.forward_end + 1
    assert tape.steps[first_back + 1].module == "6"
    mid = analysis.edge_magnitudes(tape, upto=first_back + 1)
    assert mid["6"][1] is not None and mid["5"][1] is None  # gradients flow back from the end


def test_module_paths_include_parents():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(2, 2), nn.ReLU())

        def forward(self, x):
            return self.block(x)

    tape = _record(Outer(), torch.randn(1, 2))
    assert analysis.module_paths(tape) == ["block", "block.0", "block.1"]


def test_layered_layout_is_left_to_right():
    tape = _record(_cnn(), torch.randn(2, 1, 8, 8))
    for depth in (None, 1):
        graph = tape.graph(collapse_depth=depth)
        place = analysis.layered_layout(graph)
        assert set(place) == {n.id for n in graph.nodes}
        assert all(place[a][0] < place[b][0] for a, b in graph.edges)
        assert len(set(place.values())) == len(place)  # no two nodes on the same spot
    graph = tape.graph()
    place = analysis.layered_layout(graph)
    weight = next(n.id for n in graph.nodes if n.label == "3.weight")
    assert place[weight][0] == place["op3"][0] - 1  # parameters sit next to their op


def test_step_nodes_map_steps_to_ops_or_module_boxes():
    tape = _record(_cnn(), torch.randn(2, 1, 8, 8))
    graph = tape.graph()
    nodes = analysis.step_nodes(graph, tape)
    assert nodes[:3] == ["op0", "op1", "op2"]
    for i, event in enumerate(tape.steps):
        if event.kind == "backward":
            assert nodes[i] == f"op{event.forward_step}"
    folded = tape.graph(collapse_depth=1)
    nodes = analysis.step_nodes(folded, tape)
    assert nodes[0] == "module:0" and nodes[3] == "module:3"
    assert nodes[-1] == "module:0"  # the last backward step undoes the first conv


def test_record_step_leaves_grads_alone_and_records_this_pass():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    model.weight.grad = torch.ones(2, 3)  # a gradient from earlier training
    tape, loss = analysis.record_step(model, x, y, nn.MSELoss())
    np.testing.assert_array_equal(model.weight.grad.numpy(), np.ones((2, 3)))
    assert model.bias.grad is None
    assert loss == pytest.approx(float(nn.MSELoss()(model(x), y).item()))
    accumulated = dict(a for e in tape.backward for a in e.accumulations)
    nn.MSELoss()(model(x), y).backward()
    fresh = model.weight.grad.numpy() - 1  # what this pass added
    np.testing.assert_allclose(accumulated["weight"].values, fresh, rtol=1e-5)


def test_record_step_can_be_cancelled_between_modules():
    calls = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))

    def cancelled():
        calls.append(1)
        return len(calls) > 2  # stop before the third module runs

    with pytest.raises(analysis.Cancelled):
        analysis.record_step(model, torch.randn(1, 2), torch.zeros(1, 2), nn.MSELoss(),
                             cancelled=cancelled)  # fmt: skip
    assert all(not m._forward_pre_hooks for m in model.modules())  # the checks are removed
    tape, _ = analysis.record_step(model, torch.randn(1, 2), torch.zeros(1, 2), nn.MSELoss())
    assert tape.steps  # and recording works again afterwards

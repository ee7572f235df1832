"""The trace tape: faithful op-for-op records of forward and backward passes."""

import inspect

import numpy as np
import pytest

import edutorch as torch
from edutorch import nn, trace
from edutorch.autograd.grad_mode import STATE


class Dense(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.5)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return (x @ self.weight + self.bias).tanh()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc2 = Dense(4, 4)

    def forward(self, x):
        return self.fc2(x) + x


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Dense(3, 4)
        self.block = Block()
        self.head = Dense(4, 2)

    def forward(self, x):
        return self.head(self.block(self.fc1(x)))


def _record(model, x, y, **kw):
    with trace.record(**kw) as tape:
        line = inspect.currentframe().f_lineno + 1
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
    return tape, loss, line


@pytest.fixture
def recorded():
    torch.manual_seed(0)
    model = TinyNet()
    x, y = torch.randn(5, 3), torch.randn(5, 2)
    tape, loss, line = _record(model, x, y)
    return model, x, y, tape, loss, line


def test_forward_events_replay_to_the_same_output(recorded):
    model, x, y, tape, loss, _ = recorded
    assert tape.forward, "no forward events recorded"
    for event in tape.forward:
        np.testing.assert_allclose(event.replay(), event.output.values, rtol=1e-6, atol=1e-7)
    assert tape.forward[-1].output.values == pytest.approx(loss.item())
    # the first op sees the real input, values copied
    np.testing.assert_array_equal(tape.forward[0].inputs[0].values, x.numpy())


def test_backward_accumulations_equal_autograd_grads(recorded):
    model, *_, tape, _, _ = recorded
    accumulated = {}
    for event in tape.backward:
        for name, grad in event.accumulations:
            accumulated[name] = accumulated.get(name, 0) + grad.values
    params = dict(model.named_parameters())
    assert set(accumulated) == set(params)
    for name, p in params.items():
        np.testing.assert_allclose(accumulated[name], p.grad.numpy(), rtol=1e-6)


def test_backward_events_point_at_their_forward_op(recorded):
    *_, tape, _, _ = recorded
    for event in tape.backward:
        fwd = tape.steps[event.forward_step]
        assert fwd.kind == "forward" and fwd.op == event.op and fwd.module == event.module
        # each gradient sent to an input has that input's shape (broadcasting undone)
        for snap, g in zip(fwd.inputs, event.grad_inputs):
            if g is not None:
                assert g.shape == snap.shape


def test_module_paths_and_parameters(recorded):
    *_, tape, _, _ = recorded
    modules = [e.module for e in tape.forward]
    assert modules[:4] == ["fc1"] * 3 + ["block.fc2"]  # matmul, add, tanh inside fc1
    assert "block" in modules and "head" in modules  # the residual add runs in "block"
    assert modules[-1] == ""  # the loss is computed outside any module
    first = tape.forward[0]
    assert first.op == "matmul" and first.params == ["fc1.weight"]


def test_source_lines_point_at_user_code(recorded):
    *_, tape, _, line = recorded
    loss_ops = [e for e in tape.forward if e.module == ""]
    assert loss_ops and all(e.location[1] == line for e in loss_ops)
    assert all(e.location[0] == __file__ for e in loss_ops)
    assert "loss =" in loss_ops[0].location[2]
    # ops inside Dense.forward are attributed to the line in Dense.forward
    fc1_ops = [e for e in tape.forward if e.module == "fc1"]
    assert all("x @ self.weight" in e.location[2] for e in fc1_ops)


def test_snapshots_do_not_change_when_tensors_change_later():
    w = torch.ones(3, requires_grad=True)
    with trace.record() as tape:
        y = w * 2
        y.sum().backward()
    with torch.no_grad():
        w.add_(5)
    np.testing.assert_array_equal(tape.forward[0].inputs[0].values, np.ones(3))


def test_navigation(recorded):
    *_, tape, _, _ = recorded
    steps = tape.steps
    assert steps.forward_end == len(tape.forward) - 1
    i = steps.next(-1, module="head")
    assert steps[i].module == "head" and all(s.module != "head" for s in steps[:i])
    assert steps.prev(i, module="fc1") is not None
    assert steps[steps.next(0, op="tanh")].op == "tanh"
    assert steps[steps.next(0, kind="backward")].kind == "backward"
    assert steps.next(len(steps) - 1) is None and steps.prev(0) is None
    # step over fc1 lands on the first op outside it
    over = steps.step_over(0)
    assert steps[over].module != "fc1" and all(s.module == "fc1" for s in steps[:over])


def test_memory_limit_keeps_statistics_and_previews():
    x = torch.randn(64, 64)
    w = torch.randn(64, 64, requires_grad=True)
    with trace.record(max_elements=100) as tape:
        (x @ w).sum().backward()
    assert tape.dropped > 0 and tape.dropped_bytes >= 64 * 64 * 4
    snap = tape.forward[0].inputs[0]
    assert not snap.complete and snap.values is None and snap.preview.size <= 100
    assert snap.stats["mean"] == pytest.approx(float(x.mean()), rel=1e-5)
    assert snap.stats["max"] == pytest.approx(float(x.max()))
    small = tape.forward[-1].output  # the scalar sum fits
    assert small.complete
    assert "not copied" in tape.summary()


def test_recording_is_off_by_default_and_does_not_nest():
    assert STATE.tracer is None
    with trace.record():
        assert STATE.tracer is not None
        with pytest.raises(RuntimeError, match="already active"):
            with trace.record():
                pass
    assert STATE.tracer is None


def test_ops_inside_backward_formulas_are_not_forward_steps(recorded):
    *_, tape, _, _ = recorded
    kinds = [e.kind for e in tape.steps]
    last_forward = max(i for i, k in enumerate(kinds) if k == "forward")
    first_backward = kinds.index("backward")
    assert last_forward < first_backward


def test_summary_and_graph(recorded):
    *_, tape, _, _ = recorded
    text = tape.summary()
    assert text.splitlines()[0].split()[:4] == ["step", "pass", "op", "module"]
    assert len(text.splitlines()) == len(tape.steps) + 2
    graph = tape.graph()
    ops = [n for n in graph.nodes if n.kind == "op"]
    assert len(ops) == len(tape.forward)
    params = {n.label for n in graph.nodes if n.kind == "param"}
    assert params == {"fc1.weight", "fc1.bias", "block.fc2.weight", "block.fc2.bias",
                      "head.weight", "head.bias"}  # fmt: skip
    assert all(n.grad is not None for n in graph.nodes if n.kind == "param")
    ids = {n.id for n in graph.nodes}
    assert all(a in ids and b in ids for a, b in graph.edges)
    folded = tape.graph(collapse_depth=1)
    boxes = {n.label for n in folded.nodes if n.kind == "module"}
    assert boxes == {"fc1", "block", "head"}
    assert {n.module for n in graph.nodes} >= {"fc1", "block.fc2", "head"}


def test_use_generator_is_per_thread_and_shape_checks_leave_the_stream_alone():
    import threading

    from edutorch.graph.check import infer_shapes
    from edutorch.graph.project import sample_project

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    infer_shapes(sample_project("spiral-mlp").graph)  # builds layers: must not draw globally
    assert torch.equal(torch.rand(3), expected)

    inside = threading.Event()
    release = threading.Event()

    def other_thread():
        with torch.random.use_generator(torch.Generator().manual_seed(5)):
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(5)
    torch.manual_seed(0)
    assert torch.equal(torch.rand(3), expected)  # the other thread's override does not leak
    release.set()
    worker.join()

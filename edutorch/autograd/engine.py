"""The backward pass: walk the graph from the outputs back to the leaves, once per node.

1. Start from the roots' nodes. Every node is numbered when it is made, and its inputs' nodes
   are older, so running the newest node that holds a gradient first means all gradients for
   it have arrived (no need to count edges beforehand); it is also the order torch uses.
2. Each node's ``backward`` turns the gradient of its outputs into gradients of its inputs;
   these are summed into the next nodes' buffers, or into ``.grad`` of leaf tensors.

No recursion anywhere, so a chain of 100,000 ops is fine.
"""

from __future__ import annotations

from heapq import heappop, heappush

import numpy as np

from .grad_mode import STATE, set_grad_enabled


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Backpropagate ``root_grads`` from ``roots``.

    ``capture`` is used by ``autograd.grad``: a dict {key: slot} where key is ``id(leaf)`` or
    ``(node, output_nr)``; gradients for those are returned in a list instead of going to ``.grad``.
    """
    tracer = STATE.tracer
    if tracer is None:
        return _run(roots, root_grads, retain_graph, create_graph, capture)
    tracer.in_backward += 1  # the ops inside backward formulas are not forward steps
    try:
        return _run(roots, root_grads, retain_graph, create_graph, capture)
    finally:
        tracer.in_backward -= 1


class _Pass:
    """What one backward pass carries around: read once, since tracers and anomaly mode are
    switched on or off between passes, not inside one."""

    __slots__ = ("capture", "captured", "create_graph", "tracer", "anomaly", "owned")

    def __init__(self, capture, create_graph):
        self.capture = capture
        self.captured = [None] * (len(capture) if capture else 0)
        self.create_graph = create_graph
        self.tracer, self.anomaly = STATE.tracer, STATE.anomaly
        self.owned: set = set()  # ids of gradient arrays now stored in some leaf's .grad


def _run(roots, root_grads, retain_graph, create_graph, capture):
    run = _Pass(capture, create_graph)
    tracer = run.tracer
    buffers: dict = {}  # node -> [grad of output 0, grad of output 1, ...]
    heap: list = []  # (-seq, node) of the nodes holding some gradient: newest first
    with set_grad_enabled(create_graph):
        for t, g in zip(roots, root_grads):
            if t.grad_fn is None:
                _deliver_to_leaf(run, t, g)
            else:
                _add_to_buffer(buffers, heap, t.grad_fn, t._output_nr, g)
        while heap:
            node = heappop(heap)[1]
            grads = buffers.pop(node)
            node.create_graph = create_graph  # what backward formulas read (see Node)
            if node.pre_hooks or node.retained or capture:
                grads = _before_node(node, grads, capture, run.captured)
            input_grads = _call_backward(node, grads, run.anomaly)
            if not retain_graph and node._saved:
                node.release()  # frees the saved tensors (a call only for nodes that saved some)
            if tracer is not None:
                input_grads = [
                    None if g is None or edge is None else _fit_to(g, inp)
                    for edge, inp, g in zip(node.edges, node.inputs, input_grads)
                ]
                tracer.on_backward(node, grads, input_grads)
            for edge, inp, g in zip(node.edges, node.inputs, input_grads):
                if edge is None or g is None:
                    continue
                try:  # call _fit_to only when g needs it: most gradients fit already
                    fits = g._data.shape == inp._data.shape and g._data.dtype is inp._data.dtype
                except AttributeError:
                    fits = False  # not a Tensor: _fit_to raises torch's TypeError
                if not fits:
                    g = _fit_to(g, inp)
                target, nr = edge
                if nr >= 0:  # _add_to_buffer's steps, inline: a call per edge costs
                    buf = buffers.get(target)
                    if buf is None:
                        buf = buffers[target] = [None] * target.n_outputs
                        heappush(heap, (-target.seq, target))
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                else:
                    _deliver_to_leaf(run, target, g, grads)
    return run.captured


def _add_to_buffer(buffers, heap, node, nr, g):
    """Sum ``g`` into the gradient waiting for output ``nr`` of ``node``; queue the node when its
    first gradient arrives.

    Popping the newest queued node is always safe: edges lead from newer nodes to older ones, so
    every node that could still add to it is newer, and would have been popped first.
    """
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.n_outputs
        heappush(heap, (-node.seq, node))  # seq is unique: nodes themselves are never compared
    buf[nr] = g if buf[nr] is None else buf[nr] + g  # out of place: g may be shared elsewhere


def _before_node(node, grads, capture, captured):
    """Run tensor hooks and retain_grad on the node's outputs; capture them for autograd.grad."""
    if node.pre_hooks:
        for nr, hooks in node.pre_hooks.items():
            for hook in list(hooks):
                if grads[nr] is not None:
                    new = hook(grads[nr])
                    if new is not None:
                        grads[nr] = new
    if node.retained:
        for nr, ref in node.retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr].detach() if not STATE.grad_enabled else grads[nr]
                t.grad = g.clone() if t.grad is None else t.grad + g
    if capture:
        for nr in range(len(grads)):
            slot = capture.get((node, nr))
            if slot is not None:
                captured[slot] = grads[nr]
    return grads


def _call_backward(node, grads, anomaly):
    if len(grads) > 1 and node.materialize_grads and any(g is None for g in grads):
        grads = [g if g is not None else _zeros_like_output(node, nr) for nr, g in enumerate(grads)]
    result = node.fn.backward(node, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(node.edges):
        result = _one_per_input(node, result)
    if anomaly:
        from .anomaly import check_gradients

        check_gradients(node, result)
    hooks = node._post_hooks
    if hooks:
        for hook in hooks:
            hook(result, tuple(grads))
    return result


def _one_per_input(node, result):
    """torch lets backward return more or fewer gradients than inputs as long as the extra ones
    are None or belong to non-tensor inputs; pad or trim to one per input, or raise."""
    n = len(node.edges)
    if any(e is not None for e in node.edges[len(result) :]) or any(
        g is not None for g in result[n:]
    ):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {n}, got {len(result)})"
        )
    return (result + (None,) * n)[:n]


def _zeros_like_output(node, nr):
    from .._tensor import Tensor

    out = node.outputs[nr]() if node.outputs[nr] is not None else None
    if out is None:
        raise RuntimeError(f"{node.name()}: output {nr} is gone and has no gradient")
    return Tensor._make(np.zeros_like(out._data))


def _fit_to(g, inp):
    """Sum a gradient back to its input's shape (undoing broadcasting) and match its dtype."""
    try:
        data, want = g._data, inp._data
    except AttributeError:
        raise TypeError(f"backward must return Tensors or None, got {type(g).__name__}") from None
    if data.shape != want.shape:
        g = g.sum_to_size(want.shape)
    if data.dtype is not want.dtype and data.dtype != want.dtype:
        g = g.to(inp.dtype)
    return g


def _deliver_to_leaf(run, leaf, g, node_grads=()):
    """Leaf hooks, then either capture (autograd.grad) or accumulate into ``leaf.grad``."""
    if leaf._hooks:
        for hook in leaf._hooks:
            new = hook(g)
            if new is not None:
                g = new
    if run.capture is not None:
        slot = run.capture.get(id(leaf))
        if slot is not None:
            captured = run.captured
            captured[slot] = g if captured[slot] is None else captured[slot] + g
        return
    if not run.create_graph and g._requires_grad:
        g = g.detach()
    if run.tracer is not None:
        run.tracer.on_accumulate(leaf, g)
    if leaf.grad is None:
        arr = g._data
        shared = (
            id(arr) in run.owned
            or any(ng is not None and ng._data is arr for ng in node_grads)
            or not (arr.flags.owndata and arr.flags.writeable)
        )
        # a gradient stored in .grad must own its memory: optimizers change it in place
        leaf.grad = g.clone() if shared else g
        run.owned.add(id(leaf.grad._data))
    elif run.create_graph:
        leaf.grad = leaf.grad + g
    else:
        np.add(leaf.grad._data, g._data, out=leaf.grad._data)

"""Automatic differentiation: ``backward``, ``grad``, ``Function``, ``gradcheck``, grad modes.

How it works, in three files: ``function.py`` (each op leaves a graph node), ``engine.py``
(the backward walk), ``grad_mode.py`` (switching it off).
"""

from __future__ import annotations

import numpy as np

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .hooks import RemovableHandle

__all__ = [
    "Function", "Node", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "RemovableHandle",
]  # fmt: skip


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs, grad_outputs, op):
    from .._tensor import Tensor

    grads = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(
            "grad can be implicitly created only for scalar outputs"
            if grad_outputs is None
            else f"{op}: got {len(grads)} gradients for {len(outputs)} outputs"
        )
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(np.ones(out._data.shape, dtype=out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
        elif g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Sum d(tensors)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        ins = _as_list(inputs)
        found = grad(outputs, ins, grads, retain_graph, create_graph, allow_unused=True)
        for t, g in zip(ins, found):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    for slot, t in enumerate(inputs):
        key = id(t) if t.grad_fn is None else (t.grad_fn, t._output_nr)
        capture[key] = slot
    found = run_backward(outputs, grads, retain_graph, create_graph, capture=capture)
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None and materialize_grads:
            from .._tensor import Tensor

            found[i] = Tensor._make(np.zeros(t._data.shape, dtype=t._data.dtype))
        elif g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        elif g is not None and not create_graph:
            found[i] = g.detach()
    return tuple(found)

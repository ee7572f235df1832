"""``record()``: switch on the tracer, collect events into a ``Tape``, switch it off again.

The engine calls three methods while a recorder is active: ``on_forward`` after every op,
``on_backward`` after every backward node, ``on_accumulate`` before a leaf's ``.grad`` grows.
Modules call ``enter_module``/``exit_module`` so each event knows which module ran it.
"""

from __future__ import annotations

import contextlib

from ..autograd.grad_mode import STATE
from .events import _TENSOR, BackwardEvent, ForwardEvent
from .snapshot import snapshot
from .tape import Tape


class Recorder:
    """Receives the engine's callbacks and turns them into events on ``self.tape``."""

    def __init__(self, max_elements: int, tape: Tape):
        self.max_elements = max_elements
        self.tape = tape
        self._ids: dict = {}  # id(tensor) -> stable tensor id on this tape
        self._alive: list = []  # keeps recorded tensors alive so their ids stay unique
        self._module_stack: list = []  # paths of the modules currently running
        self._names: dict = {}  # id(module) -> path, for every module under a root
        self._param_names: dict = {}  # id(parameter) -> "fc1.weight"
        self._roots: list = []
        self._node_step: dict = {}  # id(node) -> index of its forward event
        self._nodes: list = []  # keeps nodes alive while recording (their ids stay unique)
        self.in_backward = 0  # > 0 while the engine runs: ops then belong to backward formulas

    # --- modules -------------------------------------------------------------------------
    def enter_module(self, module):
        path = self._names.get(id(module))
        if path is None:  # a module we have not seen: it is a new root (the model, or a loss)
            root = "" if not self._roots else type(module).__name__
            self._roots.append(module)
            for name, sub in module.named_modules():
                self._names.setdefault(id(sub), f"{root}.{name}".strip(".") if name else root)
            for name, p in module.named_parameters():
                self._param_names.setdefault(id(p), f"{root}.{name}".strip("."))
            path = self._names[id(module)]
        self._module_stack.append(path)

    def exit_module(self, module):
        if self._module_stack:
            self._module_stack.pop()

    @property
    def current_module(self) -> str:
        return self._module_stack[-1] if self._module_stack else ""

    # --- tensors -------------------------------------------------------------------------
    def _snap(self, t):
        key = id(t)
        tid = self._ids.get(key)
        if tid is None:
            tid = self._ids[key] = len(self._ids)
            self._alive.append(t)
        snap, dropped = snapshot(t, tid, self.max_elements, self._param_names.get(key))
        if dropped:
            self.tape.dropped += 1
            self.tape.dropped_bytes += t._data.nbytes
        return snap

    # --- engine callbacks ------------------------------------------------------------------
    def on_forward(self, node, args, outputs):
        from .._tensor import Tensor

        if self.in_backward:
            return
        inputs, arguments, params = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                snap = self._snap(a)
                inputs.append(snap)
                arguments.append(_TENSOR)
                if snap.name:
                    params.append(snap.name)
            else:
                arguments.append(a)
        outs = [self._snap(t) for t in outputs if isinstance(t, Tensor)]
        step = len(self.tape.steps)
        self._node_step[id(node)] = step
        self._nodes.append(node)
        self.tape.steps.append(
            ForwardEvent(
                step=step,
                op=node.op,
                module=self.current_module,
                inputs=inputs,
                outputs=outs,
                params=params,
                location=node.location,
                arguments=tuple(arguments),
                op_class=node.fn,
            )  # fmt: skip
        )

    def on_backward(self, node, grad_outputs, grad_inputs):
        forward_step = self._node_step.get(id(node))
        module = self.tape.steps[forward_step].module if forward_step is not None else ""
        from .._tensor import Tensor

        tensor_args = [i for i, a in enumerate(node.inputs) if isinstance(a, Tensor)]
        self.tape.steps.append(
            BackwardEvent(
                step=len(self.tape.steps),
                op=node.op,
                module=module,
                forward_step=forward_step,
                grad_outputs=[self._snap(g) if g is not None else None for g in grad_outputs],
                grad_inputs=[self._snap_or_none(grad_inputs, i) for i in tensor_args],
                node_name=node.name(),
            )  # fmt: skip
        )

    def _snap_or_none(self, grads, i):
        return self._snap(grads[i]) if i < len(grads) and grads[i] is not None else None

    def on_accumulate(self, leaf, grad):
        steps = self.tape.steps
        name = self._param_names.get(id(leaf)) or f"tensor {self._ids.get(id(leaf), '?')}"
        if steps and steps[-1].kind == "backward":
            steps[-1].accumulations.append((name, self._snap(grad)))

    def close(self):
        self._alive.clear()
        self._nodes.clear()


@contextlib.contextmanager
def record(max_elements: int = 4096):
    """Record every op of the forward pass and every node of the backward pass.

        with edutorch.trace.record() as tape:
            loss = loss_fn(model(x), y)
            loss.backward()
        print(tape.summary())

    Tensors with more than ``max_elements`` elements keep statistics and a preview instead of
    all their values (``tape.dropped`` counts them).
    """
    if STATE.tracer is not None:
        raise RuntimeError("edutorch.trace.record() is already active; recordings do not nest")
    tape = Tape(max_elements=max_elements)
    recorder = Recorder(max_elements, tape)
    STATE.tracer = recorder
    try:
        yield tape
    finally:
        STATE.tracer = None
        tape.roots = list(recorder._roots)
        recorder.close()

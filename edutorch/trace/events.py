"""The events a tape records, and ``Steps``: the list of them, navigable both ways."""

from __future__ import annotations

from dataclasses import dataclass, field

from .snapshot import TensorSnapshot


@dataclass
class ForwardEvent:
    """One op of the forward pass: what went in, what came out, who called it and from where."""

    step: int
    op: str  # e.g. "matmul", "relu", "conv2d"
    module: str  # the module path that ran it, e.g. "features.0" ("" outside any module)
    inputs: list  # a TensorSnapshot per tensor argument (in argument order)
    outputs: list  # a TensorSnapshot per output tensor
    params: list  # names of the parameters among the inputs, e.g. ["fc1.weight", "fc1.bias"]
    location: tuple | None  # (file, line, source text, function) of the user code that called it
    arguments: tuple = field(default=(), repr=False)  # the call's other arguments (for replay)
    op_class: type | None = field(default=None, repr=False)
    kind: str = "forward"

    @property
    def output(self) -> TensorSnapshot:
        return self.outputs[0]

    def replay(self):
        """Run the op again on the recorded input values; returns the output as a numpy array."""
        from .._tensor import Tensor
        from ..autograd.grad_mode import no_grad

        snaps = iter(self.inputs)
        args = [
            Tensor._make(next(snaps).values.copy()) if a is _TENSOR else a for a in self.arguments
        ]
        with no_grad():
            out = self.op_class.apply(*args)
        out = out[0] if isinstance(out, tuple) else out
        return out._data


@dataclass
class BackwardEvent:
    """One node of the backward pass: the gradient that came in and the gradients it sent out."""

    step: int
    op: str  # the forward op it differentiates
    module: str
    forward_step: int | None  # index in tape.steps of that forward op's event
    grad_outputs: list  # incoming gradient per output of the forward op (None if none came)
    grad_inputs: list  # gradient sent to each tensor input of the forward op (None if not needed)
    accumulations: list = field(default_factory=list)  # (param name, gradient added to its .grad)
    node_name: str = ""  # torch's name for the node, e.g. "MulBackward0"
    kind: str = "backward"


_TENSOR = object()  # placeholder in ForwardEvent.arguments where a tensor was passed


class Steps(list):
    """The events in execution order: forward events, then backward events.

    Index it like a list (``steps[5]``), or search from a position in either direction:
    ``steps.next(i, module="fc1")``, ``steps.prev(i, op="relu")``, ``steps.next(i, kind=...)``.
    """

    def _matches(self, event, module, op, kind):
        return (
            (module is None or event.module == module or event.module.startswith(module + "."))
            and (op is None or event.op == op)
            and (kind is None or event.kind == kind)
        )

    def next(self, start: int, module=None, op=None, kind=None) -> int | None:
        """Index of the first event after ``start`` that matches, or None."""
        for i in range(start + 1, len(self)):
            if self._matches(self[i], module, op, kind):
                return i
        return None

    def prev(self, start: int, module=None, op=None, kind=None) -> int | None:
        """Index of the last event before ``start`` that matches, or None."""
        for i in range(min(start, len(self)) - 1, -1, -1):
            if self._matches(self[i], module, op, kind):
                return i
        return None

    @property
    def forward_end(self) -> int:
        """Index of the last forward event (-1 if none)."""
        last = -1
        for i, e in enumerate(self):
            if e.kind == "forward":
                last = i
        return last

    def step_over(self, start: int) -> int:
        """From a step inside module M, the first later step outside M (a debugger's step over)."""
        module = self[start].module
        kind = self[start].kind
        for i in range(start + 1, len(self)):
            e = self[i]
            if e.kind != kind or not (e.module == module or e.module.startswith(module + ".")):
                return i
        return len(self) - 1

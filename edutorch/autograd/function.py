"""Graph nodes and ``Function``: every differentiable op, built-in or user-written, passes here.

Calling an op runs its ``forward`` now and, when a gradient may be needed, leaves behind a
``Node`` (the ``ctx`` that forward saw) as the output's ``grad_fn``. The node remembers its
inputs and, for each input, the *edge* the gradient must travel along later: the input's own
``grad_fn`` or, for a leaf, the leaf tensor itself.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from .. import _dtype
from . import grad_mode
from .grad_mode import STATE, no_grad

_sequence = itertools.count()  # graph order: the engine runs newest nodes first, as torch does


class Node:
    """The backward half of one op call; also the ``ctx`` its ``forward``/``backward`` receive.

    Attributes a debugger can read: ``op`` (name), ``inputs`` (the op's arguments),
    ``saved_tensors``, ``outputs`` (weak references), ``edges`` (where gradients go), ``location``
    (user code that made it; filled only while a tracer or anomaly detection is on, so normal runs
    pay nothing).

    A node holds as few objects as it can: every one that outlives the forward pass is one more
    for Python's garbage collector to scan, again and again, while the graph is alive.
    """

    __slots__ = (
        "fn", "inputs", "tracking", "_saved", "non_differentiable", "edges", "seq", "_out",
        "n_outputs", "pre_hooks", "retained", "_post_hooks", "_saved_versions", "_own_output",
        "create_graph", "__dict__", "__weakref__",
    )  # fmt: skip
    # pre_hooks: {output_nr: [hook, ...]} from Tensor.register_hook on a non-leaf
    # retained: {output_nr: weakref to a tensor that called retain_grad()}
    # _post_hooks: [hook, ...] from grad_fn.register_hook
    # _own_output: the alias of an output that backward needs (see unlinked_output), or None
    # create_graph: set by the engine before backward runs; formulas read it instead of the
    # per-thread grad mode (the same answer inside a backward pass, far cheaper to read)

    # rarely changed, so class-level defaults: a node stores its own value only when it differs
    location = None
    materialize_grads = True
    alpha = 1  # add/sub's scale of ``b``: ops set it only when it differs

    def __init__(self, fn, inputs):
        self.fn = fn
        self.inputs = inputs
        self._saved = ()
        self.non_differentiable = ()  # ids of outputs marked so (a slot: _attach reads it)
        self._own_output = None  # a slot, not a class default: setting that would make a dict
        self.create_graph = False
        # whether a gradient may flow is known before forward runs, as in torch
        tracking = False
        if not grad_mode.grad_off or STATE.grad_enabled:  # a global first: per-thread reads cost
            for a in inputs:
                if isinstance(a, Tensor) and a._requires_grad:
                    tracking = True
                    break
        self.tracking = tracking

    # --- what forward uses -------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors for backward; an in-place change to one of them is detected later."""
        if not self.tracking:
            return  # no backward will run: keep nothing (the no-grad path stays cheap)
        self._saved = tensors
        versions = []  # a plain loop: a comprehension costs a frame of its own (Python 3.11)
        for t in tensors:
            versions.append(t._vc[0] if t is not None else 0)
        self._saved_versions = tuple(versions)  # a tuple of ints leaves the GC alone

    def unlinked_output(self, out):
        """What to save of ``out``, an output of this node: the same data and version counter but
        no grad_fn, since out -> node -> out would be a reference cycle that only the garbage
        collector frees (torch saves outputs this way too). ``saved_tensors`` links it back when
        the backward builds a graph of its own (create_graph=True)."""
        alias = out.detach()
        alias._output_nr = out._output_nr  # read when it is linked back (no tuple per node)
        self._own_output = alias
        return alias

    @property
    def needs_input_grad(self):
        """One bool per input: does it want a gradient? (known before forward runs, as in torch)"""
        if not self.tracking:
            return (False,) * len(self.inputs)
        try:
            edges = self.edges
        except AttributeError:  # forward is running: the edges come after it
            return tuple([isinstance(a, Tensor) and a._requires_grad for a in self.inputs])
        if len(edges) == 2:  # binary ops ask on every backward: no comprehension frame for them
            return (edges[0] is not None, edges[1] is not None)
        return tuple([edge is not None for edge in edges])

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = value

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward."
            )
        for t, version in zip(self._saved, self._saved_versions):
            if t is not None and t._vc[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{t.dtype.name} tensor of shape {list(t.shape)}], "
                    f"which is used by {self.name()}, is at version {t._vc[0]}; "
                    f"expected version {version} "
                    "instead. Hint: clone() the tensor before changing it in place, or avoid the "
                    "in-place op."
                )
        if self._own_output is not None and self.create_graph:
            alias = self._own_output
            alias.grad_fn, alias._requires_grad = self, True
        return self._saved

    def release(self):
        """Drop saved tensors after backward (unless retain_graph): frees memory, bars a rerun."""
        if self._saved:
            self._saved = None  # freed: saved_tensors will say so

    @property
    def outputs(self):
        """Weak references to the outputs (a strong one would make a cycle: out -> node -> out).

        Kept only where something reads them: on nodes with several outputs (the engine makes
        zeros for a missing gradient from them) and while a tracer or anomaly mode is on.
        Otherwise ``(None,)``: a weak reference per node costs every op time and GC work."""
        refs = self._out
        if refs is None:
            return (None,) * self.n_outputs
        return refs if type(refs) is tuple else (refs,)

    def _replace_output(self, nr, t):
        if self._out is None:
            return  # no weak references kept (see outputs)
        refs = list(self.outputs)
        refs[nr] = weakref.ref(t)
        self._out = tuple(refs) if len(refs) > 1 else refs[0]

    # --- what a torch user sees on grad_fn ---------------------------------------------------
    @property
    def op(self) -> str:
        return self.fn.op_name()

    def name(self) -> str:
        return self.fn.node_name()

    @property
    def next_functions(self):
        """((node, output_nr), ...) per input, as in torch; leaves appear as AccumulateGrad."""
        out = []
        for edge in self.edges:
            if edge is None:
                out.append((None, 0))
            elif edge[1] < 0:
                out.append((AccumulateGrad(edge[0]), 0))
            else:
                out.append(edge)
        return tuple(out)

    def register_hook(self, hook):
        """Torch's ``grad_fn.register_hook``: ``hook(grad_inputs, grad_outputs)`` after backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        hooks = self._post_hooks
        hooks.append(hook)
        from .hooks import RemovableHandle

        return RemovableHandle(hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the place its gradient is summed into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call ``.apply``.

    As in torch, ``forward`` runs with gradients off and returns Tensors; ``backward`` gets one
    gradient per output and returns one per input (``None`` for inputs that need none).
    """

    builtin = False  # built-in ops (edutorch.ops) compute forward on numpy arrays, see ``Op``
    view_of = None  # index of the input whose memory the output views (view ops share versions)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement the backward function for custom autograd.Function."
        )

    @classmethod
    def op_name(cls) -> str:
        return cls.__name__

    @classmethod
    def node_name(cls) -> str:
        return cls.__name__ + "Backward"

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Node(cls, args)
        with no_grad():
            raw = cls.forward(ctx, *args, **kwargs)
        return _connect(cls, ctx, args, _unwrap_outputs(raw))


class Op(Function):
    """Base of the built-in ops: ``forward`` gets the op's arguments (Tensors and plain values) and
    returns a numpy array (or a tuple of them); ``backward`` works in Tensor ops, so that it can
    itself be differentiated (``create_graph=True``)."""

    builtin = True

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Node(cls, args)
        try:
            raw = cls.forward(ctx, *args, **kwargs)
        except AttributeError:
            _check_tensor_args(cls, args)  # a str/None/list where a Tensor belongs: say so
            raise
        return _connect(cls, ctx, args, raw)

    @classmethod
    def apply2(cls, a, b):
        """``apply(a, b)`` for the arithmetic operators (``x * w``): the same steps, but fixed
        arguments skip packing and unpacking ``*args, **kwargs``, visible on small tensors."""
        args = (a, b)
        ctx = Node(cls, args)
        try:
            raw = cls.forward(ctx, a, b)
        except AttributeError:
            _check_tensor_args(cls, args)
            raise
        return _connect(cls, ctx, args, raw)

    @classmethod
    def op_name(cls) -> str:
        return cls.__name__.lower()

    @classmethod
    def node_name(cls) -> str:
        return cls.__name__ + "Backward0"


def _check_tensor_args(cls, args):
    """Raise torch's TypeError for the first argument that is neither a Tensor nor a plain value
    (number, shape, dtype) an op takes; a forward that hit ``x._data`` on it lands here."""
    for pos, a in enumerate(args):
        if a is None and pos > 0:
            continue  # optional arguments (clamp's min/max, dtype) may be None
        if not isinstance(a, (Tensor, int, float, tuple, slice, _dtype.dtype)):
            name = "input" if pos == 0 else f"argument {pos + 1}"
            raise TypeError(
                f"{cls.op_name()}(): argument '{name}' (position {pos + 1}) must be Tensor, "
                f"not {type(a).__name__}"
            )


def _unwrap_outputs(raw):
    if isinstance(raw, Tensor):
        return raw
    if isinstance(raw, tuple):
        return tuple(raw)
    raise TypeError(
        "autograd.Function forward must return a Tensor or a tuple of Tensors, got "
        f"{type(raw).__name__}"
    )


_ndarray = np.ndarray
Tensor = None  # set by edutorch._tensor once the class exists (avoids a circular import)


def _connect(cls, ctx, args, raw):
    """Wrap the forward result in Tensors and, if a gradient may flow, attach ``ctx`` as grad_fn."""
    if type(raw) is _ndarray and cls.view_of is None:  # the common case, kept short: one new array
        out = Tensor._make(raw)
        if ctx.tracking:
            _attach(ctx, args, (out,))
        elif grad_mode.watchers and STATE.watched:  # a global first: cheap
            _traced(ctx, args, (out,))
        return out
    if type(raw) is _ndarray:
        outputs = (Tensor._make(raw),)
    else:
        outputs = _wrap_outputs(cls, ctx, raw if isinstance(raw, tuple) else (raw,))
    if cls.view_of is not None:
        i = cls.view_of
        outputs[0]._vc = args[i]._vc  # a view and its base share one version counter
        if STATE.grad_enabled:  # a later in-place change to the view must reach its base
            outputs[0]._set_view_of(args[i], lambda t: cls.apply(*args[:i], t, *args[i + 1 :]))
    if ctx.tracking:
        _attach(ctx, args, outputs)
    elif grad_mode.watchers and STATE.watched:  # a global first: cheap
        _traced(ctx, args, outputs)
    return tuple(outputs) if isinstance(raw, tuple) else outputs[0]


def _attach(ctx, args, outputs):
    """Make ``ctx`` the grad_fn of the outputs and record where each input's gradient goes."""
    edges = []
    for a in args:
        if not (isinstance(a, Tensor) and a._requires_grad):
            edges.append(None)
            continue
        if a._view is not None:
            a._sync_view()  # a view whose base changed in place follows the base's history
        fn = a.grad_fn
        edges.append((fn, a._output_nr) if fn is not None else (a, -1))  # a leaf: (itself, -1)
    ctx.edges = edges
    ctx.seq = next(_sequence)  # numbered after its inputs' nodes, even those _sync_view just made
    ctx.pre_hooks = ctx.retained = ctx._post_hooks = None  # read by every backward: slots are fast
    skip = ctx.non_differentiable
    for t in outputs:
        if isinstance(t, Tensor) and t._data.dtype.kind == "f" and (not skip or id(t) not in skip):
            t.grad_fn = ctx
            t._requires_grad = True
    ctx.n_outputs = len(outputs)
    watched = grad_mode.watchers and STATE.watched  # a global first: per-thread reads cost
    ctx._out = None
    if watched or len(outputs) > 1:  # see Node.outputs: who reads the weak references
        refs = tuple([weakref.ref(t) if isinstance(t, Tensor) else None for t in outputs])
        ctx._out = refs[0] if len(refs) == 1 else refs
    if watched:
        _traced(ctx, args, outputs)


def _traced(ctx, args, outputs):
    """Anomaly mode and tracers want the user's line of code; a tracer also sees the op."""
    if ctx.tracking:
        from .anomaly import user_location

        ctx.location = user_location()
    tracer = STATE.tracer
    if tracer is not None:
        tracer.on_forward(ctx, args, outputs)


def _wrap_outputs(cls, ctx, results):
    outputs = []
    for nr, r in enumerate(results):
        if isinstance(r, Tensor):
            if cls.builtin:
                raise TypeError(f"{cls.__name__}.forward must return numpy arrays")
            t = Tensor._make(r._data)
            if id(r) in ctx.non_differentiable:
                ctx.non_differentiable += (id(t),)
        elif isinstance(r, np.ndarray):
            t = Tensor._make(r)
        elif isinstance(r, np.generic):
            t = Tensor._make(np.asarray(r))  # numpy hands back scalars for 0-dim results
        else:
            outputs.append(r)  # a plain value (e.g. a shape) passes through untouched
            continue
        t._output_nr = nr
        outputs.append(t)
    return outputs


def _edge(t):
    """Where the gradient for tensor ``t`` goes: (its grad_fn, output number) or (leaf, -1)."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (t, -1)

"""``from_module``: a scripted ``nn.Module`` as a ``GraphSpec`` (and its weights), by running it.

How it works, in three parts:

1. Blocks. Walking ``model.named_modules()``, every module of a type the builder knows
   (``Linear``, ``Conv2d``, ``GRU``, ``MultiheadAttention``, ...) becomes one block, named by its
   path ("features.0" -> node "features_0"); containers (``Sequential``, your own classes) are
   looked into. A module the builder does not know raises GraphError if it is called.
2. Calls. Forward hooks on the blocks see which tensor objects go into each call and come out.
3. Glue. Between blocks, ``forward`` may do its own maths: ``a + b``, ``torch.cat``, ``x.view``,
   ``F.relu``. Those tensors were made by autograd ops, and each one's ``grad_fn`` remembers the
   op and its inputs, so walking back from a block's input finds them: ``add`` becomes an Add
   block, ``cat`` a Concat, a reshape a Flatten or Reshape, an activation function its block.

The run happens inside ``edutorch.trace.record()``, so an op that has no block is reported with
the line of your ``forward`` that ran it. The model runs in eval mode (dropout off; functional
dropout then does nothing and leaves no block) and is left as it was.
"""

from __future__ import annotations

import contextlib
import re

from .. import ops
from ..autograd.grad_mode import STATE, enable_grad
from ..nn.functional import activation as FA
from .layers import LAYERS
from .spec import GraphError, GraphSpec, _snake, check_node_id

__all__ = ["from_module"]


def from_module(model, example_input, loss: str = "CrossEntropyLoss", name: str | None = None):
    """Trace ``model`` on ``example_input`` (a batch, or a tuple of batches for several inputs)
    into ``(GraphSpec, state_dict)``.

    ``GraphModule(spec)`` with ``load_state_dict(state_dict)`` computes what ``model`` does.
    ``loss`` is the Output block's loss. Raises GraphError saying what cannot be drawn: a module
    or an op without a block, a layer called twice (shared weights), an in-place change.
    """
    from .._tensor import Tensor

    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    if not inputs or not all(isinstance(x, Tensor) and x.dim() >= 1 for x in inputs):
        raise GraphError("example_input must be a batch tensor (N, ...), or a tuple of them")
    if loss not in LAYERS["Output"].param("loss").choices:
        raise GraphError(f"unknown loss {loss!r}")
    tracer = _Tracer(model, name or type(model).__name__)
    was_training = model.training
    grads = [(p, p.requires_grad) for p in model.parameters()]
    hooks = []
    try:
        model.eval()
        for p, _ in grads:
            p.requires_grad_(True)  # so every tensor made from a layer's output has a grad_fn
        hooks = tracer.attach()
        xs = tracer.add_inputs(inputs)
        recording = _record() if STATE.tracer is None else contextlib.nullcontext()
        with recording, enable_grad():
            out = model(*xs)
        if not isinstance(out, Tensor):
            raise GraphError(
                f"the model returns a {type(out).__name__}; a graph has one output tensor"
            )
        result = tracer.source(out)
    finally:
        for h in hooks:
            h.remove()
        for p, flag in grads:
            p.requires_grad_(flag)
        model.train(was_training)
    spec = tracer.spec
    output = spec.add_node("Output", {"loss": loss})
    spec.connect(result, output.id)
    tracer.finish()
    spec.auto_layout()
    return spec, tracer.state_dict


def _record():
    from ..trace import record

    return record(max_elements=1)  # only op locations are wanted, not values


def _where(node) -> str:
    loc = getattr(node, "location", None)
    return f" (at {loc[0]}, line {loc[1]}: {loc[2]})" if loc else ""


class _Tracer:
    """Builds the spec while the model runs: blocks from hooks, glue from grad_fn chains."""

    def __init__(self, model, name):
        self.model = model
        self.spec = GraphSpec(name=re.sub(r"\s+", "_", name))
        self.producer: dict = {}  # id(tensor) -> (node id, which output, version at the time)
        self.keep: list = []  # tensors and autograd nodes seen, alive so their ids stay unique
        self.glue: dict = {}  # id(autograd node) -> node id of the block made for it
        self.state_dict: dict = {}
        self.blocks: dict = {}  # id(module) -> (path, LayerType name, params)
        self.called: dict = {}  # path -> node id, once called
        self.pending: dict = {}  # id(module) -> input node ids of the call in progress
        self.rnn_use: dict = {}  # RNN node id -> "sequence" or "last"

    # ----------------------------------------------------------------------------- blocks
    def attach(self) -> list:
        """Hooks on every block and on every unknown leaf module; returns their handles."""
        handles = []

        def visit(path, module):
            kind = _block_type(module)
            if kind is not None:
                self.blocks[id(module)] = (path, kind)
                handles.append(module.register_forward_pre_hook(self._pre, with_kwargs=True))
                handles.append(module.register_forward_hook(self._post))
                return
            children = list(module.named_children())
            if not children and type(module).__name__ != "Identity":
                handles.append(module.register_forward_pre_hook(_unknown(path, module)))
            for child_name, child in children:
                visit(f"{path}.{child_name}" if path else child_name, child)

        visit("", self.model)
        return handles

    def add_inputs(self, inputs) -> list:
        xs = []
        for x in inputs:
            integer = not x.dtype.is_floating_point
            x = x.detach().clone()
            if not integer:
                x.requires_grad_(True)  # ops on the raw input then leave a grad_fn to follow
            dtype = "int64" if integer else "float32"
            node = self.spec.add_node("Input", {"shape": tuple(x.shape[1:]), "dtype": dtype})
            self._produced(x, node.id, "out")
            xs.append(x)
        return xs

    def _pre(self, module, args, kwargs):
        path, kind = self.blocks[id(module)]
        if path in self.called:
            raise GraphError(
                f"the layer {path or 'model'!r} is called more than once in forward; a block runs "
                "once, so layers that share weights cannot be drawn as a graph"
            )
        tensors, rest, allowed = list(args[:1]), args[1:], set()
        if kind == "MultiheadAttention":  # attn(x, x, x) is self-attention: one input
            if len(args) < 3 or not (args[0] is args[1] is args[2]):
                raise GraphError(
                    f"{path!r}: only self-attention (query, key and value the same tensor) has a "
                    "block"
                )
            rest, allowed = args[3:], {"need_weights", "average_attn_weights"}
        # options left at None/False (no mask, no initial state) change nothing; others would
        unusual = [k for k, v in kwargs.items() if k not in allowed and v not in (None, False)]
        unusual += ["a non-tensor input"] * any(not _is_tensor(t) for t in tensors)
        unusual += ["more arguments"] * any(r is not None and r is not False for r in rest)
        if unusual:
            raise GraphError(
                f"{path!r} is called with {', '.join(unusual)}; a block passes its input only "
                "(no initial state, masks or options)"
            )
        self.pending[id(module)] = [self.source(t) for t in tensors]

    def _post(self, module, args, output):
        path, kind = self.blocks[id(module)]
        params = _params_of(kind, module, path)
        node_id = self._node_id(path, kind)
        node = self.spec.add_node(kind, params, id=node_id)
        for port, src in enumerate(self.pending.pop(id(module))):
            self.spec.connect(src, node.id, port)
        self.called[path] = node.id
        for key, value in module.state_dict().items():
            self.state_dict[f"{node.id}.{key}"] = value
        if kind in ("RNN", "LSTM", "GRU"):
            seq, state = output
            self._produced(seq, node.id, "sequence")
            for k, h in enumerate(state if kind == "LSTM" else (state,)):
                self._produced(h, node.id, "hidden" if k == 0 else "cell")
        elif kind == "MultiheadAttention":
            self._produced(output[0], node.id, "out")
            if output[1] is not None:
                self._produced(output[1], node.id, "weights")
        else:
            self._produced(output, node.id, "out")

    def _node_id(self, path, kind) -> str:
        stem = re.sub(r"\W", "_", path) if path else _snake(kind)
        if not stem or stem[0].isdigit():
            stem = f"{_snake(kind)}_{stem}".rstrip("_")
        candidate, k = stem, 1
        while True:
            try:
                check_node_id(candidate)
                if not self.spec.has_node(candidate):
                    return candidate
            except GraphError:
                pass
            k += 1
            candidate = f"{stem}_{k}"[:64]

    def _produced(self, t, node_id, which):
        self.keep.append(t)
        self.producer[id(t)] = (node_id, which, t._vc[0])

    # ------------------------------------------------------------------------------- glue
    def source(self, t) -> str:
        """The node whose output ``t`` is, making glue blocks for the ops that led to it."""
        entry = self.producer.get(id(t))
        if entry is not None:
            node_id, which, version = entry
            if version != t._vc[0]:
                raise GraphError(
                    f"the output of {node_id!r} is changed in place (+=, or an inplace=True "
                    "function) before it is used; write it out of place, e.g. x = x + y"
                )
            return self._use(node_id, which, "the tensor itself")
        fn = t.grad_fn
        if fn is None:
            raise GraphError(
                "forward uses a tensor that comes neither from the input nor from a layer (a "
                "constant made in forward, or a parameter used directly); a graph cannot hold it"
            )
        if id(fn) in self.glue:
            return self.glue[id(fn)]
        self.keep.append(fn)
        node_id = self._glue(fn, t)
        self.glue[id(fn)] = node_id
        return node_id

    def _use(self, node_id, which, how) -> str:
        """Check that this use of a block's output is one a block can give."""
        if which in ("out", "sequence", "last"):
            use = "last" if which == "last" else "sequence"
            if self.spec.node(node_id).type in ("RNN", "LSTM", "GRU"):
                if self.rnn_use.setdefault(node_id, use) != use:
                    raise GraphError(
                        f"{node_id!r}: both its output sequence and its final hidden state are "
                        "used; a block has one output (choose one)"
                    )
            return node_id
        raise GraphError(
            f"{node_id!r}: its {which} output is used ({how}); the block gives only "
            + ("its output sequence or h_n[-1]" if which in ("hidden", "cell") else "its output")
        )

    def _glue(self, fn, t) -> str:
        cls, args = fn.fn, fn.inputs
        a = args[0] if args else None
        last_state = self._last_hidden(cls, args, t)
        if last_state is not None:
            return last_state
        if cls is ops.pointwise.Add and len(args) >= 2 and _is_tensor(args[1]):
            if len(args) > 2 and args[2] != 1:
                raise GraphError(f"add with alpha={args[2]} has no block{_where(fn)}")
            return self._block("Add", {}, [args[0], args[1]], fn)
        if cls is ops.shape.Cat:
            dim = args[0]
            if dim == 0 or dim == -t.dim():
                raise GraphError(f"torch.cat along the batch dim has no block{_where(fn)}")
            return self._block("Concat", {"dim": dim}, list(args[1:]), fn)
        if cls is ops.shape.Reshape:
            before, after = tuple(a.shape), tuple(t.shape)
            if before[:1] != after[:1]:
                raise GraphError(
                    f"a reshape from {before} to {after} changes the batch dim; blocks keep it"
                    f"{_where(fn)}"
                )
            if before == after:
                return self.source(a)  # x.view(x.size(0), -1) of a flat x: nothing to draw
            if len(before) > 2 and len(after) == 2:
                return self._block("Flatten", {}, [a], fn)
            return self._block("Reshape", {"shape": after[1:]}, [a], fn)
        if cls is ops.shape.Permute:
            dims = tuple(args[1])
            moved = [i for i, d in enumerate(dims) if d != i]
            if len(moved) == 2 and 0 not in moved:
                return self._block("Transpose", {"dim0": moved[0], "dim1": moved[1]}, [a], fn)
            raise GraphError(f"permute{dims} has no block (Transpose swaps two dims){_where(fn)}")
        simple = _ACTIVATIONS.get(cls)
        if simple is not None and _is_tensor(a):
            kind, names = simple
            params = {n: args[i + 1] for i, n in enumerate(names)}
            return self._block(kind, params, [a], fn)
        if cls is ops.indexing.GetItem:
            raise GraphError(
                f"indexing a tensor (x[...]) between layers has no block{_where(fn)}; an RNN's "
                "final hidden state h_n[-1] is the one index that maps (its 'last' output)"
            )
        raise GraphError(f"the operation {fn.op!r} has no block in the graph builder{_where(fn)}")

    def _last_hidden(self, cls, args, t):
        """h_n[-1] (or h_n[0], h_n.squeeze(0) for one layer) of an RNN: its 'last' output."""
        if not args or not _is_tensor(args[0]):
            return None
        entry = self.producer.get(id(args[0]))
        if entry is None or entry[1] != "hidden":
            return None
        layers = args[0].shape[0]
        if cls is ops.indexing.GetItem and args[1] in (-1, layers - 1):
            picked = True
        else:
            picked = cls is ops.shape.Reshape and layers == 1 and t.dim() == 2
        if picked and self.spec.node(entry[0]).params.get("bidirectional"):
            picked = False  # h_n[-1] of a bidirectional RNN is only its backward direction
        return self._use(entry[0], "last", "") if picked else None

    def _block(self, kind, params, tensors, fn) -> str:
        sources = [self.source(x) for x in tensors]
        try:
            node = self.spec.add_node(kind, params)
        except GraphError as e:
            raise GraphError(f"{e}{_where(fn)}") from None
        for port, src in enumerate(sources):
            self.spec.connect(src, node.id, port)
        return node.id

    def finish(self):
        for node_id, use in self.rnn_use.items():
            self.spec.set_params(node_id, output=use)


def _is_tensor(x) -> bool:
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _unknown(path, module):
    def hook(m, args):
        raise GraphError(
            f"the module {path or 'model'!r} ({type(module).__name__}) has no block in the graph "
            "builder; build it from nn layers, or draw it as several blocks"
        )

    return hook


# ops made by functional calls in forward -> (block, names of the op's extra arguments)
_ACTIVATIONS = {
    ops.pointwise.Relu: ("ReLU", ()),
    ops.pointwise.Tanh: ("Tanh", ()),
    ops.pointwise.Sigmoid: ("Sigmoid", ()),
    ops.reduction.Softmax: ("Softmax", ("dim",)),
    ops.reduction.LogSoftmax: ("LogSoftmax", ("dim",)),
    FA.LeakyRelu: ("LeakyReLU", ("negative_slope",)),
    FA.Elu: ("ELU", ("alpha",)),
    FA.Gelu: ("GELU", ()),
    FA.Silu: ("SiLU", ()),
    FA.Softplus: ("Softplus", ("beta", "threshold")),
    FA.Hardtanh: ("Hardtanh", ("min_val", "max_val")),
}


# --------------------------------------------------------------------- module -> settings
def _block_type(module) -> str | None:
    """The block type for a module of exactly a known class (a subclass may change forward)."""
    name = type(module).__name__
    if name in LAYERS and LAYERS[name].make is not None and name != "Output":
        from .. import nn

        if type(module) is getattr(nn, name, None):
            return name
    return None


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _require(path, ok, what):
    if not ok:
        raise GraphError(f"{path!r}: {what} has no setting in the graph builder's block")


def _params_of(kind, m, path) -> dict:
    """The block settings that rebuild module ``m`` (GraphError for options a block lacks)."""
    p = _SETTINGS.get(kind, _same_names)(m, path)
    layer = LAYERS[kind]
    return {k: v for k, v in p.items() if any(s.name == k for s in layer.params)}


def _same_names(m, path) -> dict:
    return {s.name: getattr(m, s.name) for s in LAYERS[type(m).__name__].params}


def _linear(m, path):
    return {"out_features": m.out_features, "bias": m.bias is not None}


def _conv(m, path):
    d = len(m.kernel_size)
    _require(path, not isinstance(m.padding, str), f"padding={m.padding!r}")
    _require(path, m.padding_mode == "zeros", f"padding_mode={m.padding_mode!r}")
    return {
        "out_channels": m.out_channels, "kernel_size": m.kernel_size, "stride": _tuple(m.stride, d),
        "padding": _tuple(m.padding, d), "output_padding": _tuple(m.output_padding, d),
        "dilation": _tuple(m.dilation, d), "groups": m.groups, "bias": m.bias is not None,
    }  # fmt: skip


def _pool(m, path):
    d = 2 if type(m).__name__.endswith("2d") else 1
    _require(path, not getattr(m, "ceil_mode", False), "ceil_mode=True")
    _require(path, _tuple(getattr(m, "dilation", 1), d) == (1,) * d, "dilation")
    _require(path, not getattr(m, "return_indices", False), "return_indices=True")
    _require(path, getattr(m, "count_include_pad", True), "count_include_pad=False")
    _require(path, getattr(m, "divisor_override", None) is None, "divisor_override")
    return {"kernel_size": _tuple(m.kernel_size, d), "stride": _tuple(m.stride, d),
            "padding": _tuple(m.padding, d)}  # fmt: skip


def _adaptive(m, path):
    d = 2 if type(m).__name__.endswith("2d") else 1
    size = _tuple(m.output_size, d)
    _require(path, None not in size, "output_size None")
    return {"output_size": size}


def _batchnorm(m, path):
    _require(path, m.momentum is not None, "momentum=None")
    _require(path, m.track_running_stats, "track_running_stats=False")
    _require(path, not m.affine or m.bias is not None, "bias=False")
    return {"eps": m.eps, "momentum": m.momentum, "affine": m.affine}


def _layernorm(m, path):
    _require(path, not m.elementwise_affine or m.bias is not None, "bias=False")
    return {"dims": len(m.normalized_shape), "eps": m.eps,
            "elementwise_affine": m.elementwise_affine}  # fmt: skip


def _groupnorm(m, path):
    _require(path, not m.affine or m.bias is not None, "bias=False")
    return {"num_groups": m.num_groups, "eps": m.eps, "affine": m.affine}


def _embedding(m, path):
    _require(path, m.padding_idx is None, "padding_idx")
    _require(path, m.max_norm is None, "max_norm")
    _require(path, not m.scale_grad_by_freq, "scale_grad_by_freq")
    return {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim}


def _rnn(m, path):
    return {
        "hidden_size": m.hidden_size, "num_layers": m.num_layers, "bias": m.bias,
        "bidirectional": m.bidirectional, "dropout": m.dropout, "batch_first": m.batch_first,
        "nonlinearity": getattr(m, "nonlinearity", "tanh"), "output": "sequence",
    }  # fmt: skip


def _attention(m, path):
    _require(path, m._qkv_same_embed_dim, "kdim or vdim")
    return {"num_heads": m.num_heads, "dropout": m.dropout, "bias": m.in_proj_bias is not None,
            "batch_first": m.batch_first}  # fmt: skip


def _encoder(m, path):
    from ..nn import functional as F

    acts = {F.relu: "relu", F.gelu: "gelu"}
    _require(path, m.activation in acts, f"activation {m.activation!r}")
    _require(path, m.norm1.eps == 1e-5, f"layer_norm_eps={m.norm1.eps}")
    _require(path, m.linear1.bias is not None, "bias=False")
    return {
        "num_heads": m.self_attn.num_heads, "dim_feedforward": m.linear1.out_features,
        "dropout": m.dropout.p, "activation": acts[m.activation],
        "batch_first": m.self_attn.batch_first, "norm_first": m.norm_first,
    }  # fmt: skip


def _flatten(m, path):
    return {"start_dim": m.start_dim, "end_dim": m.end_dim}


def _softmax(m, path):
    _require(path, m.dim is not None, "dim=None")
    return {"dim": m.dim}


_SETTINGS = {
    "Linear": _linear, "Embedding": _embedding,
    "Conv1d": _conv, "Conv2d": _conv, "ConvTranspose1d": _conv, "ConvTranspose2d": _conv,
    "MaxPool1d": _pool, "MaxPool2d": _pool, "AvgPool1d": _pool, "AvgPool2d": _pool,
    "AdaptiveAvgPool1d": _adaptive, "AdaptiveAvgPool2d": _adaptive,
    "BatchNorm1d": _batchnorm, "BatchNorm2d": _batchnorm, "LayerNorm": _layernorm,
    "GroupNorm": _groupnorm, "RNN": _rnn, "LSTM": _rnn, "GRU": _rnn,
    "MultiheadAttention": _attention, "TransformerEncoderLayer": _encoder, "Flatten": _flatten,
    "Softmax": _softmax, "LogSoftmax": _softmax, "Softmin": _softmax,
}  # fmt: skip

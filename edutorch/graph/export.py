"""``to_python``: a graph as a readable Python file, with a class any PyTorch user would write.

The file imports ``edutorch as torch``; change that line to ``import torch`` (and
``from torch import nn``) and it runs under PyTorch. Attributes are named by node id, so the
exported class's ``state_dict`` keys equal the ``GraphModule``'s and weights load across.
"""

from __future__ import annotations

import inspect
import keyword

from .check import integer_input, propagate
from .spec import GraphError, GraphSpec

__all__ = ["to_python"]


def to_python(spec: GraphSpec, class_name: str = "Model", pytorch: bool = False) -> str:
    """Python source for ``spec``: imports, a class with ``__init__`` and ``forward``, and a
    ``__main__`` block that builds it and runs a dummy batch. ``pytorch=True`` writes the imports
    for PyTorch instead of edutorch (nothing else differs). Raises GraphError if the graph has an
    error (``infer_shapes`` tells which)."""
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise GraphError(f"class name {class_name!r} is not a valid Python name")
    built = propagate(spec)
    if built.errors:
        nid, message = next(iter(built.errors.items()))
        raise GraphError(f"cannot export the model: {nid or 'the graph'}: {message}", nid or None)
    order = [nid for nid in built.order]
    nodes = {n.id: n for n in spec.nodes}
    inputs = [n.id for n in spec.nodes if n.type == "Input"]
    output = next(n for n in spec.nodes if n.type == "Output")
    names = _variable_names(spec, order)

    init, body, loss = [], [], None
    for nid in order:
        node = nodes[nid]
        srcs = [e.src for e in spec.inputs_of(nid)]
        in_shapes = [built.shapes[s] for s in srcs]
        call = node.layer.constructor(node.params, in_shapes)
        if node.type == "Output":
            loss = _call_source(node, call)
            continue
        if call is not None:
            init.append(f"        self.{nid} = {_call_source(node, call)}")
        if node.type == "Input":
            continue
        expr = node.layer.expression(node.params, f"self.{nid}", [names[s] for s in srcs])
        body.append(f"        {names[nid]} = {expr}  # {_shape(built.shapes[nid])}")
    result = names[spec.inputs_of(output.id)[0].src]
    args = ", ".join(names[i] for i in inputs)
    in_desc = ", ".join(f"{names[i]} {_shape(built.shapes[i])}" for i in inputs)
    out_desc = _shape(built.shapes[spec.inputs_of(output.id)[0].src])

    if pytorch:
        about = ["Runs with PyTorch; for edutorch change the two imports below to",
                 "`import edutorch as torch` and `from edutorch import nn`."]  # fmt: skip
        imports = ["import torch", "from torch import nn"]
    else:
        about = ["Runs as it is with edutorch; for PyTorch change the two imports below to",
                 "`import torch` and `from torch import nn`."]  # fmt: skip
        imports = ["import edutorch as torch", "from edutorch import nn"]
    title = " ".join(spec.name.replace("\\", "/").replace('"', "'").split()) or "model"
    lines = [
        f'"""{title}: exported from edutorch studio.',
        "",
        *about,
        '"""',
        "",
        *imports,
        "",
        "",
        f"class {class_name}(nn.Module):",
        f'    """{in_desc} -> {out_desc}; N is the batch size."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *init,
        "",
        f"    def forward(self, {args}):",
        *body,
        f"        return {result}",
        "",
        "",
        'if __name__ == "__main__":',
        "    torch.manual_seed(0)",
        f"    model = {class_name}()",
    ]
    for i in inputs:
        lines.append(f"    {names[i]} = {_dummy_source(spec, nodes[i])}  # a dummy batch of 2")
    lines += [
        f"    y = model({args})",
        f"    loss_fn = {loss}  # the loss chosen in the Output block",
        "    print(model)",
        '    print("parameters:", sum(p.numel() for p in model.parameters()))',
        '    print("output shape:", tuple(y.shape))',
        "",
    ]
    return "\n".join(lines)


def _variable_names(spec, order) -> dict:
    """Each node's output variable: ``x`` along a chain (used once, by the very next line),
    else the node id, so a value needed later (a residual branch) keeps its own name."""
    names = {}
    computed = [nid for nid in order if spec.node(nid).type != "Input"]
    for nid in order:
        uses = spec.outputs_of(nid)
        node = spec.node(nid)
        if node.type == "Input":
            # the first computed line reads it, and nothing else does
            first = computed[0] if computed else None
            single = len(uses) == 1 and uses[0].dst == first
            names[nid] = "x" if single and _inputs_count(spec) == 1 else nid
            continue
        k = computed.index(nid)
        nxt = computed[k + 1] if k + 1 < len(computed) else None
        names[nid] = "x" if len(uses) == 1 and uses[0].dst == nxt else nid
    return names


def _inputs_count(spec) -> int:
    return sum(n.type == "Input" for n in spec.nodes)


def _call_source(node, call) -> str:
    """``nn.Conv2d(1, 8, kernel_size=3, padding=1)``: arguments equal to nn's defaults left out."""
    from .. import nn

    cls_name, args, kwargs = call
    try:
        signature = inspect.signature(getattr(nn, cls_name))
        defaults = {k: p.default for k, p in signature.parameters.items()}
    except (AttributeError, TypeError, ValueError):
        defaults = {}
    parts = [_value(node, None, a) for a in args]
    for key, value in kwargs.items():
        shown = _value(node, key, value)
        if key in defaults and _value(node, key, defaults[key]) == shown:
            continue
        if key == "stride" and defaults.get(key, 0) is None and value == kwargs["kernel_size"]:
            continue  # a pooling window steps by its own size unless told otherwise
        parts.append(f"{key}={shown}")
    return f"nn.{cls_name}({', '.join(parts)})"


def _value(node, key, value) -> str:
    # a per-dimension size with equal entries reads as one number: kernel_size=3, not (3, 3)
    per_dim = [p for p in node.layer.params if p.length]
    if key is None:
        collapse = any(node.params[p.name] == value for p in per_dim)
    else:
        collapse = any(p.name == key for p in per_dim)
    if isinstance(value, tuple) and collapse and len(value) > 1 and len(set(value)) == 1:
        return repr(value[0])
    return repr(value)


def _shape(shape) -> str:
    return "(" + ", ".join(["N", *(str(s) for s in shape[1:])]) + ")"


def _dummy_source(spec, node) -> str:
    shape = ", ".join(str(s) for s in (2, *node.params["shape"]))
    if integer_input(spec, node.id):
        return f"torch.zeros({shape}, dtype=torch.long)"
    return f"torch.randn({shape})"

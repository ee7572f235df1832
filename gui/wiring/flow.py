"""What the canvas shows of the debugger's current step: which node runs, and how much flows
along each edge (forward values, then gradients), as colours and widths. No Qt here."""

from __future__ import annotations

import math

DECADES = 3.0  # norms this many powers of ten below the largest edge draw at the thinnest
THIN, THICK = 1.5, 8.0  # pen widths of the smallest and the largest norm
FORWARD = ((174, 203, 250), (23, 78, 166))  # light to dark blue: values flowing forward
BACKWARD = ((253, 214, 99), (197, 34, 31))  # yellow to red: gradients flowing back


def node_of(spec, module_path: str | None) -> str | None:
    """The node that runs ``module_path``: a block's submodule path starts with its node id, and
    the loss (a plain attribute of a GraphModule) shows as its class name: the Output block."""
    if not module_path:
        return None
    head = module_path.split(".")[0]
    if spec.has_node(head):
        return head
    for node in spec.nodes:
        if node.type == "Output" and node.params.get("loss") == head:
            return node.id
    return None


def edge_styles(spec, magnitudes: dict, backward: bool) -> dict:
    """{(src, dst, port): (colour "#rrggbb", width, tooltip)} for the edges that carry a number
    yet: in the forward pass the norm of the values leaving ``src``; in the backward pass the norm
    of the gradient that reached them. Edges the pass has not reached are left out."""
    norms = {}
    for edge in spec.edges:
        forward, grad = magnitudes.get(edge.src, (None, None))
        value = grad if backward else forward
        if value is not None and math.isfinite(value):
            norms[(edge.src, edge.dst, edge.dst_port)] = (value, forward, grad)
    if not norms:
        return {}
    top = max(v for v, _, _ in norms.values()) or 1.0
    low, high = BACKWARD if backward else FORWARD
    styles = {}
    for key, (value, forward, grad) in norms.items():
        t = scale(value, top)
        colour = "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high))
        styles[key] = (colour, THIN + (THICK - THIN) * t, tooltip(key[0], forward, grad))
    return styles


def scale(value: float, top: float) -> float:
    """0..1 on a log scale: ``top`` is 1, DECADES powers of ten below it (or zero) is 0."""
    if value <= 0 or top <= 0:
        return 0.0
    return min(1.0, max(0.0, 1.0 + math.log10(value / top) / DECADES))


def tooltip(src: str, forward, grad) -> str:
    lines = [f"out of {src}"]
    if forward is not None:
        lines.append(f"values: norm {forward:.4g}")
    if grad is not None:
        lines.append(f"gradient: norm {grad:.4g}")
    return "\n".join(lines)

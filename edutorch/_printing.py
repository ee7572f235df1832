"""``repr`` of a tensor in torch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``.

The layout follows torch's ``_tensor_str``: one number format for the whole tensor, every number
padded to one width, a fixed count of numbers per line, and "..." for tensors over 1000 elements.
"""

from __future__ import annotations

import numpy as np

from ._dtype import get_default_dtype

_THRESHOLD = 1000  # more elements than this print summarized, with "..."
_EDGE = 3  # numbers kept at each end of a summarized dimension
_LINEWIDTH = 80


def _float_formatter(values):
    """torch's choice of format, from the non-zero finite values: integers as ``3.``, ``1.2346e+05``
    when they span more than 1000x (or are tiny/huge), else 4 decimals. Returns (format, width)."""
    shown = values[np.isfinite(values) & (values != 0)]
    if shown.size == 0:
        return (lambda v: _special(v) or f"{v:.0f}."), 1
    mags = np.abs(shown)
    lo, hi = mags.min(), mags.max()
    whole = bool(np.all(shown == np.ceil(shown)))
    if hi / lo > 1000.0 or hi > 1e8 or (not whole and lo < 1e-4):
        return (lambda v: _special(v) or f"{v:.4e}"), max(len(f"{v:.4e}") for v in shown)
    if whole:
        return (lambda v: _special(v) or f"{v:.0f}."), max(len(f"{v:.0f}") for v in shown) + 1
    return (lambda v: _special(v) or f"{v:.4f}"), max(len(f"{v:.4f}") for v in shown)


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summarized(x):
    """The elements a summarized print shows: torch picks the format from these alone."""
    for axis, n in enumerate(x.shape):
        if n > 2 * _EDGE:
            x = np.take(x, np.r_[0:_EDGE, n - _EDGE : n], axis=axis)
    return x


def _formatter(x, summarize):
    """(value -> padded string) for every element of ``x``."""
    shown = _summarized(x) if summarize else x
    if x.dtype.kind == "f":
        fmt, width = _float_formatter(shown.astype(np.float64).reshape(-1))
    else:
        fmt = str
        width = max((len(str(v)) for v in shown.reshape(-1).tolist()), default=1)
    return lambda v: fmt(v).rjust(width), width


def _vector(values, indent, summarize, fmt, width):
    per_line = max(1, (_LINEWIDTH - indent) // (width + 2))  # ", " after each number
    if summarize and len(values) > 2 * _EDGE:
        items = [fmt(v) for v in values[:_EDGE]] + [" ..."] + [fmt(v) for v in values[-_EDGE:]]
    else:
        items = [fmt(v) for v in values]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(x, indent, summarize, fmt, width):
    if x.ndim == 0:
        return fmt(x.item())
    if x.ndim == 1:
        return _vector(x.tolist(), indent, summarize, fmt, width)
    rows = range(x.shape[0])
    if summarize and x.shape[0] > 2 * _EDGE:
        rows = [*range(_EDGE), None, *range(x.shape[0] - _EDGE, x.shape[0])]
    parts = ["..." if i is None else _body(x[i], indent + 1, summarize, fmt, width) for i in rows]
    return "[" + ("," + "\n" * (x.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(t) -> str:
    x = t._data
    prefix = "tensor("
    summarize = x.size > _THRESHOLD
    if x.size == 0:
        body = "[]"
    else:
        fmt, width = _formatter(x, summarize)
        body = _body(x, len(prefix), summarize, fmt, width)
    extras = []
    if x.size == 0 and x.ndim != 1:
        extras.append(f"size={tuple(x.shape)}")
    # int64 and bool go unsaid when numbers show them; an empty tensor says all but the default
    unsaid = {get_default_dtype().name} | ({"int64", "bool"} if x.size else set())
    if t.dtype.name not in unsaid:
        extras.append(f"dtype=edutorch.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    head = "Parameter containing:\n" if type(t).__name__ == "Parameter" else ""
    return head + _add_suffixes(prefix + body, extras, len(prefix)) + ")"


def _add_suffixes(text, suffixes, indent):
    """Append ``, dtype=...`` and friends, starting a new line when the last one is full."""
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        size = len(suffix.replace("edutorch.", "torch."))  # break lines where torch would
        if last + size + 2 > _LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            last = indent + size
        else:
            text += ", " + suffix
            last += size + 2
    return text

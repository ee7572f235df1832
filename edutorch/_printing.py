"""``repr`` of a tensor in torch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

import numpy as np

_DEFAULT_SHOWN = {"float32", "int64", "bool"}  # dtypes torch does not spell out


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.4f}"
    abs_f = np.abs(finite)
    lo, hi = abs_f[abs_f > 0].min() if (abs_f > 0).any() else 0.0, abs_f.max()
    # torch's rule: scientific when the values span more than 1000x or are very large/small
    sci = hi >= 1e8 or (lo and hi / lo > 1000.0)
    if np.all(finite == np.round(finite)) and not sci:
        width = max(len(f"{v:.0f}") for v in finite) + 1
        return lambda v: (_special(v) or f"{v:.0f}.").rjust(width)
    if sci or (lo and lo < 1e-4):
        width = max(len(f"{v:.4e}") for v in finite)
        return lambda v: (_special(v) or f"{v:.4e}").rjust(width)
    width = max(len(f"{v:.4f}") for v in finite)
    return lambda v: (_special(v) or f"{v:.4f}").rjust(width)


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def tensor_repr(t) -> str:
    x = t._data
    prefix = "tensor("
    if x.dtype.kind == "f":
        fmt = {"float_kind": _float_formatter(x.astype(np.float64).reshape(-1))}
    elif x.dtype.kind == "b":
        width = 5 if not x.all() and x.any() else 0  # " True" lines up with "False", as in torch
        fmt = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        fmt = None
    threshold = 1000
    body = np.array2string(
        x, separator=", ", prefix=prefix, formatter=fmt, threshold=threshold, edgeitems=3,
        max_line_width=80,
    )  # fmt: skip
    if x.size == 0:
        body = "[]"
    body = body.replace(", ...,", ",  ...,")  # torch pads the summary "..." like a number
    extras = []
    if x.size == 0 and x.shape != (0,):
        extras.append(f"size={tuple(x.shape)}")
    if t.dtype.name not in _DEFAULT_SHOWN:
        extras.append(f"dtype=edutorch.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    head = "Parameter containing:\n" if type(t).__name__ == "Parameter" else ""
    return head + prefix + body + "".join(", " + e for e in extras) + ")"

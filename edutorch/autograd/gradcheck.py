"""``gradcheck``: compare autograd's gradients with finite differences, in float64."""

from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    from .._tensor import Tensor

    return [
        o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.dtype.is_floating_point
    ]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True if d(output)/d(input) from backward matches (f(x + eps) - f(x - eps)) / 2eps everywhere.

    Every floating-point input that requires grad must be float64, as in torch. On failure the
    message names the output, the input, the element index and both values.
    """
    from .._tensor import Tensor
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    diff_inputs = [
        (i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad
    ]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i, t in diff_inputs:
        if t.dtype.name != "float64":
            import warnings

            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "gradcheck may fail due to lack of precision.",
                stacklevel=2,
            )
    outputs = _outputs(func, inputs)

    def fail(msg):
        if raise_exception:
            raise GradcheckError(msg)
        return False

    for out_index, out in enumerate(outputs):
        n_out = out.numel()
        # analytical: one backward per output element, each giving a row of the Jacobian
        analytical = {i: np.zeros((n_out, t.numel())) for i, t in diff_inputs}
        for k in range(n_out):
            outs = _outputs(func, inputs)
            seed = np.zeros(n_out, dtype=outs[out_index]._data.dtype)
            seed[k] = 1.0
            grads = autograd_grad(
                outs[out_index], [t for _, t in diff_inputs],
                grad_outputs=Tensor._make(seed.reshape(outs[out_index]._data.shape)),
                allow_unused=True,
            )  # fmt: skip
            for (i, _), g in zip(diff_inputs, grads):
                if g is not None:
                    analytical[i][k] = g._data.reshape(-1)
        # numerical: central differences, one input element at a time
        for i, t in diff_inputs:
            flat = t._data.reshape(-1)  # a view when contiguous; otherwise we write through index
            numerical = np.zeros((n_out, t.numel()))
            for j in range(t.numel()):
                idx = np.unravel_index(j, t._data.shape) if t._data.ndim else ()
                orig = t._data[idx].copy()
                # grad mode stays on: for gradgradcheck, func itself calls autograd.grad
                t._data[idx] = orig + eps
                plus = _outputs(func, inputs)[out_index]._data.astype(np.float64).reshape(-1)
                t._data[idx] = orig - eps
                minus = _outputs(func, inputs)[out_index]._data.astype(np.float64).reshape(-1)
                t._data[idx] = orig
                numerical[:, j] = (plus - minus) / (2 * eps)
            del flat
            a, n = analytical[i], numerical
            bad = ~np.isclose(a, n, rtol=rtol, atol=atol)
            if bad.any():
                k, j = np.argwhere(bad)[0]
                where = np.unravel_index(j, t._data.shape) if t._data.ndim else ()
                return fail(
                    f"Jacobian mismatch for output {out_index} with respect to input {i},\n"
                    f"at input index {tuple(int(w) for w in where)} and output element {int(k)}:\n"
                    f"numerical:{n[k, j]}\nanalytical:{a[k, j]}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, **kw):
    """gradcheck of the gradient itself (checks create_graph=True backward formulas).

    As in torch, the output gradients are random float64 tensors that require grad and are
    checked too, so ops whose gradient does not depend on their input (sum, expand) still count.
    """
    from .._tensor import Tensor
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor._make(rng.standard_normal(o._data.shape), requires_grad=True)
            for o in _outputs(func, inputs)
        ]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_grads(*xs):
        ins, gouts = xs[:n_in], xs[n_in:]
        diff = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = autograd_grad(_outputs(func, ins), diff, grad_outputs=list(gouts),
                           create_graph=True, allow_unused=True)  # fmt: skip
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol, **kw)

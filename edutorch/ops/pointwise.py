"""Element-wise ops. Each forward is one numpy call; each backward is the derivative, in Tensor ops.

Binary ops broadcast like torch; the engine sums each gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Node, Op, _connect
from ._util import binary_operands, broadcast_error, broadcast_shapes


def _binary(ufunc, a, b, op, to_float=False):
    x, y = binary_operands(a, b, op, to_float)
    try:
        return ufunc(x, y)
    except ValueError:
        raise broadcast_error(a, b) from None


def _float_input(x, op):
    """Unary maths on an integer tensor computes in the default float dtype, as torch does."""
    d = x._data
    if d.dtype.kind != "f":
        from .._dtype import get_default_dtype

        return d.astype(get_default_dtype().np)
    return d


def _save_operands(ctx, a, b):
    """Keep both operands for backward: tensors as saved tensors (so in-place changes to them are
    caught), Python numbers as they are."""
    ta = a if isinstance(a, Tensor) else None
    tb = b if isinstance(b, Tensor) else None
    ctx.save_for_backward(ta, tb)
    if ta is None or tb is None:
        ctx.scalars = (a, b)


def _array(x):
    """The numpy value of a Tensor; a Python number as it is."""
    return x._data if isinstance(x, Tensor) else x


def _saved_operands(ctx):
    a, b = ctx.saved_tensors
    if a is None or b is None:
        return (ctx.scalars[0] if a is None else a), (ctx.scalars[1] if b is None else b)
    return a, b


# ---------------------------------------------------------------- arithmetic


class Add(Op):
    """out = a + alpha * b; the gradient passes through unchanged (times alpha for b)."""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if alpha != 1:  # ctx.alpha is 1 by default (Node): setting it would give each node a dict
            ctx.alpha = alpha
            b = b * alpha if not isinstance(b, Tensor) else Tensor._make(b._data * alpha)
        return _binary(np.add, a, b, "add")

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Op):
    """out = a - alpha * b."""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if alpha != 1:  # as in Add: only a non-default alpha is stored on the node
            ctx.alpha = alpha
            b = b * alpha if not isinstance(b, Tensor) else Tensor._make(b._data * alpha)
        a_bool = isinstance(a, Tensor) and a._data.dtype.kind == "b"
        b_bool = isinstance(b, Tensor) and b._data.dtype.kind == "b"
        if a_bool and b_bool:
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        if a_bool or b_bool:
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. "
                "If you are trying to invert a mask, use the `~` or `logical_not()` "
                "operator instead."
            )
        return _binary(np.subtract, a, b, "sub")

    @staticmethod
    def backward(ctx, grad):
        if not ctx.create_graph and ctx.alpha == 1:  # no create_graph: numpy, no op dispatch
            return grad, Tensor._make(-grad._data)
        return grad, -grad * ctx.alpha if ctx.alpha != 1 else -grad


class Mul(Op):
    """out = a * b; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        if ctx.tracking:
            _save_operands(ctx, a, b)
        return _binary(np.multiply, a, b, "mul")

    @staticmethod
    def backward(ctx, grad):
        a, b = _saved_operands(ctx)
        need_a, need_b = ctx.needs_input_grad[:2]
        if not ctx.create_graph:  # no create_graph: numpy products, no op dispatch
            g = grad._data
            ga = Tensor._make(g * _array(b)) if need_a else None
            return ga, (Tensor._make(g * _array(a)) if need_b else None)
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Op):
    """out = a / b (true division); d/da = 1/b, d/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode=None):
        if rounding_mode is not None:
            return _rounded_div(a, b, rounding_mode)
        if ctx.tracking:
            _save_operands(ctx, a, b)
        return _binary(np.true_divide, a, b, "div", to_float=True)

    @staticmethod
    def backward(ctx, grad):
        a, b = _saved_operands(ctx)
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = grad / b if need_a else None
        gb = -grad * a / (b * b) if need_b else None
        return ga, gb


def _rounded_div(a, b, mode):
    if mode == "floor":
        return _binary(np.floor_divide, a, b, "floor_divide")
    if mode == "trunc":
        x = _binary(np.true_divide, a, b, "div", to_float=True)
        out = np.trunc(x)
        ints = [t for t in (a, b) if isinstance(t, Tensor)]
        if all(t._data.dtype.kind in "iub" for t in ints) and not any(
            isinstance(t, float) for t in (a, b)
        ):
            return out.astype(np.result_type(*[t._data for t in ints]))
        return out
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'"
    )


class FloorDivide(Op):
    """a // b, rounding toward -infinity; not differentiable (derivative 0 almost everywhere)."""

    @staticmethod
    def forward(ctx, a, b):
        return _binary(np.floor_divide, a, b, "floor_divide")

    @staticmethod
    def backward(ctx, grad):
        return None, None


class Remainder(Op):
    """a % b with the sign of b (Python's and torch's rule); d/da = 1, d/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        if ctx.tracking:
            _save_operands(ctx, a, b)
        return _binary(np.remainder, a, b, "remainder")

    @staticmethod
    def backward(ctx, grad):
        a, b = _saved_operands(ctx)
        gb = -grad * (a / b).floor() if ctx.needs_input_grad[1] else None
        return grad, gb


class Pow(Op):
    """out = a ** b; d/da = b·a^(b-1), d/db = a^b·ln(a)."""

    @staticmethod
    def forward(ctx, a, b):
        x, y = binary_operands(a, b, "pow")
        if (
            isinstance(x, np.ndarray)
            and x.dtype.kind in "iu"
            and np.any(np.asarray(y) < 0)
            and np.asarray(y).dtype.kind in "iu"
        ):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        try:
            out = np.power(x, y)
        except ValueError:
            raise broadcast_error(a, b) from None
        if ctx.tracking:
            _save_operands(ctx, a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = _saved_operands(ctx)
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = gb = None
        if need_a:
            ga = (
                grad * b * a ** (b - 1)
                if not (isinstance(b, (int, float)) and b == 0)
                else grad * 0
            )
        if need_b:
            a_t = (
                a if isinstance(a, Tensor) else Tensor._make(np.asarray(a, dtype=grad._data.dtype))
            )
            # where a = 0 the derivative in b is taken as 0
            # (torch's convention, avoids 0·log 0 = nan)
            gb = grad * a_t**b * a_t.log().masked_fill(a_t == 0, 0.0)
        return ga, gb


class Neg(Op):
    """out = -a."""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. "
                "If you are trying to invert a mask, use the `~` or `logical_not()` "
                "operator instead."
            )
        return np.negative(a._data)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.create_graph:  # no create_graph: numpy, no op dispatch
            return Tensor._make(-grad._data)
        return -grad


# ---------------------------------------------------------------- unary maths


class _Unary(Op):
    """A unary op whose derivative is a function of the input x and/or the output y."""

    saves = "x"  # what backward needs: "x", "y" or "xy"

    @classmethod
    def compute(cls, x):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a):
        if cls.saves == "x":
            ctx.save_for_backward(a)
        return cls.compute(_float_input(a, cls.op_name()))

    @classmethod
    def apply(cls, a):
        if not isinstance(a, Tensor):
            raise TypeError(
                f"{cls.op_name()}(): argument 'input' must be Tensor, not {type(a).__name__}"
            )
        args = (a,)  # Op.apply's steps, with one fixed argument (no *args, **kwargs: faster)
        ctx = Node(cls, args)
        out = _connect(cls, ctx, args, cls.forward(ctx, a))
        if out.grad_fn is ctx and "y" in cls.saves:
            y = ctx.unlinked_output(out)
            ctx.save_for_backward(*((a, y) if cls.saves == "xy" else (y,)))
        return out


class Exp(_Unary):
    """y = eˣ; dy/dx = y."""

    saves = "y"
    compute = staticmethod(np.exp)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(_Unary):
    """y = ln x; dy/dx = 1/x."""

    compute = staticmethod(np.log)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(_Unary):
    """y = ln(1 + x), accurate for small x; dy/dx = 1/(1 + x)."""

    compute = staticmethod(np.log1p)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Sqrt(_Unary):
    """y = √x; dy/dx = 1/(2y)."""

    saves = "y"
    compute = staticmethod(np.sqrt)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Rsqrt(_Unary):
    """y = 1/√x; dy/dx = -y³/2."""

    saves = "y"

    @staticmethod
    def compute(x):
        return 1 / np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * y * y * -0.5


class Sin(_Unary):
    """y = sin x; dy/dx = cos x."""

    compute = staticmethod(np.sin)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(_Unary):
    """y = cos x; dy/dx = -sin x."""

    compute = staticmethod(np.cos)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Tanh(_Unary):
    """y = tanh x; dy/dx = 1 - y²."""

    saves = "y"
    compute = staticmethod(np.tanh)

    @staticmethod
    def backward(ctx, grad):
        return TanhBackward.of(ctx, grad)


class _OutputBackward(Op):
    """A unary op's backward from its saved output y, as one op: out = compute(g, y); a backward
    pass makes one node here instead of one per Tensor op of the formula."""

    @classmethod
    def of(cls, ctx, grad):
        """The input gradient for the node ``ctx``: numpy only, unless create_graph needs a node."""
        (y,) = ctx.saved_tensors
        if not ctx.create_graph:  # no create_graph: the numpy maths only, no graph node
            return Tensor._make(cls.compute(grad._data, y._data))
        return cls.apply(grad, y)

    @classmethod
    def forward(cls, ctx, g, y):
        ctx.save_for_backward(g, y)
        return cls.compute(g._data, y._data)


class TanhBackward(_OutputBackward):
    """out = g·(1 - y²), tanh's backward (torch's tanh_backward); d/dg = 1 - y², d/dy = -2gy."""

    @staticmethod
    def compute(g, y):
        return g - g * y * y  # no Python scalar: numpy converts one on every call

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.saved_tensors
        return grad * (1 - y * y), grad * g * y * -2


class Sigmoid(_Unary):
    """y = 1 / (1 + e⁻ˣ); dy/dx = y(1 - y)."""

    saves = "y"

    @staticmethod
    def compute(x):
        # y = exp(-ln(1 + e⁻ˣ)): logaddexp never overflows, and 4 numpy calls beat splitting by sign
        return np.exp(-np.logaddexp(0, -x))

    @staticmethod
    def backward(ctx, grad):
        return SigmoidBackward.of(ctx, grad)


class SigmoidBackward(_OutputBackward):
    """out = g·y(1 - y), sigmoid's backward (torch's sigmoid_backward); d/dg = y(1 - y),
    d/dy = g(1 - 2y)."""

    @staticmethod
    def compute(g, y):
        gy = g * y
        return gy - gy * y

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.saved_tensors
        return grad * y * (1 - y), grad * g * (1 - 2 * y)


class Relu(_Unary):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0."""

    saves = "y"

    @classmethod
    def forward(cls, ctx, a):
        if a._data.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        return np.maximum(a._data, 0)  # keeps integer dtypes, as torch.relu does

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not ctx.create_graph:  # no create_graph: one numpy multiply, no op dispatch
            return Tensor._make(grad._data * (y._data > 0))
        return grad * (y > 0)


class Abs(_Unary):
    """y = |x|; dy/dx = sign(x) (0 at 0)."""

    @classmethod
    def forward(cls, ctx, a):
        if a._data.dtype == np.bool_:
            raise RuntimeError("\"abs\" not implemented for 'Bool'")
        ctx.save_for_backward(a)
        return np.abs(a._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sign()


class Sign(Op):
    """-1, 0 or 1; gradient 0."""

    @staticmethod
    def forward(ctx, a):
        return np.sign(a._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Clamp(Op):
    """y = min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        for bound in (lo, hi):
            if not isinstance(bound, (Tensor, int, float, type(None))):
                raise TypeError(
                    "clamp(): argument 'min'/'max' must be Tensor or Number, "
                    f"not {type(bound).__name__}"
                )
        ctx.save_for_backward(a, *(t for t in (lo, hi) if isinstance(t, Tensor)))
        ctx.bounds = (lo, hi)
        x = a._data
        lo_v = lo._data if isinstance(lo, Tensor) else lo
        hi_v = hi._data if isinstance(hi, Tensor) else hi
        if (
            isinstance(lo_v, float)
            and x.dtype.kind != "f"
            or isinstance(hi_v, float)
            and x.dtype.kind != "f"
        ):
            x = x.astype(np.float32)
        out = x
        try:
            if lo_v is not None:
                out = np.maximum(out, lo_v)
            if hi_v is not None:
                out = np.minimum(out, hi_v)
        except ValueError:
            raise broadcast_error(a, lo if isinstance(lo, Tensor) else hi) from None
        return out.astype(x.dtype, copy=False) if out.dtype != x.dtype else out

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0]
        lo, hi = ctx.bounds
        keep = None
        if lo is not None:
            keep = x >= lo
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        # when lo > hi the result is hi everywhere, so hi (not lo) gets the gradient (torch's rule)
        g_lo = g_hi = None
        if isinstance(lo, Tensor) and ctx.needs_input_grad[1]:
            won = x < lo if hi is None else (x < lo) & (lo < hi)
            g_lo = grad * won
        if isinstance(hi, Tensor) and ctx.needs_input_grad[2]:
            won = x > hi if lo is None else (x > hi) | (hi < lo)
            g_hi = grad * won
        return grad * keep, g_lo, g_hi


class Maximum(Op):
    """Element-wise max; the larger input gets the gradient (split evenly on ties, like torch)."""

    ufunc = np.maximum

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary(cls.ufunc, a, b, cls.op_name())

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_wins = ((a > b) if ctx.fn.ufunc is np.maximum else (a < b)).to(grad.dtype)
        tie = (a == b).to(grad.dtype) * 0.5
        return grad * (a_wins + tie), grad * (1 - a_wins - tie)


class Minimum(Maximum):
    """Element-wise min."""

    ufunc = np.minimum


class Where(Op):
    """where(cond, a, b): a where cond is true, else b; the gradient is routed the same way."""

    @staticmethod
    def forward(ctx, cond, a, b):
        if not isinstance(cond, Tensor) or cond._data.dtype != np.bool_:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{cond.dtype.name if isinstance(cond, Tensor) else type(cond).__name__}"
            )
        ctx.save_for_backward(cond)
        x, y = binary_operands(a, b, "where")
        try:
            return np.where(cond._data, x, y)
        except ValueError:
            broadcast_shapes(cond._data.shape, np.shape(x), np.shape(y))  # raises torch's error
            raise

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = grad * 0
        return None, grad.where(cond, zero), zero.where(cond, grad)

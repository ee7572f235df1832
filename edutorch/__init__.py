"""edutorch: a readable deep-learning framework on numpy, with PyTorch's API.

``import edutorch as torch`` and a script written for PyTorch (within the subset we implement)
runs unchanged and gives the same numbers.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import _dtype, autograd
from ._creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)  # fmt: skip
from ._dtype import (
    bool_ as bool,  # noqa: A001  (torch.bool)
)
from ._dtype import (
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._tensor import Size, Tensor, device
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403  (the functional ops: add, matmul, sum, cat, ...)
from .ops import abs, all, any, max, min, pow, round, sum  # noqa: A004  (shadow builtins as torch does)
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
uint8 = uint8


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def numel(input) -> int:
    return input.numel()


def clone(input):
    return input.clone()


def detach(input):
    return input.detach()


def broadcast_shapes(*shapes):
    from .ops._util import broadcast_shapes as _bs

    return Size(_bs(*shapes))


def set_printoptions(**kwargs):
    """Accepted for compatibility; edutorch prints with 4 decimals as torch does by default."""


class _Cuda:
    """``edutorch.cuda.is_available()`` is False: edutorch runs on the CPU."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(_seed):
        pass

    manual_seed_all = manual_seed


cuda = _Cuda()


def set_num_threads(n):
    """Accepted for compatibility: numpy's BLAS decides its own thread count."""


def get_num_threads():
    import os

    return os.cpu_count() or 1


from . import (  # noqa: E402  (they need the Tensor API above)  # noqa: E402  (datasets need utils.data)
    datasets,
    nn,
    onnx,  # noqa: E402  (torch.onnx.export's twin; the onnx package loads on use)
    optim,
    transforms,
    utils,
)

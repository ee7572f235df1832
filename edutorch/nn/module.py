"""``Module``: the base class of every layer. It keeps track of parameters, buffers and sub-modules.

Assigning ``self.fc = Linear(2, 3)`` or ``self.w = Parameter(...)`` in ``__init__`` registers it
(``__setattr__``), so ``parameters()``, ``state_dict()``, ``to()`` and ``train()`` can walk the
whole tree. Calling the module runs ``forward`` with the hooks around it.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

from .. import _dtype as dt
from .._tensor import Tensor, _check_device
from ..autograd.function import Function
from ..autograd.grad_mode import STATE, no_grad
from ..autograd.hooks import RemovableHandle
from .parameter import Parameter

__all__ = ["Module"]

_hook_ids = (
    itertools.count()
)  # hooks live in dicts keyed by a unique id, so a handle can remove one


def _typename(obj) -> str:
    """torch.typename: ``edutorch.FloatTensor`` for a tensor, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def _addindent(s: str, spaces: int) -> str:
    """Indent every line but the first (nested module reprs)."""
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class of all layers: subclass it, assign layers in ``__init__``, write ``forward``."""

    _version: int = 1  # torch's state_dict format version (stored in metadata by torch)
    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            extra = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument: {extra}")
        # object.__setattr__: our own __setattr__ needs these dicts to exist already
        set_ = super().__setattr__
        set_("training", True)
        set_("_parameters", {})
        set_("_buffers", {})
        set_("_non_persistent_buffers_set", set())
        set_("_modules", {})
        set_("_forward_pre_hooks", OrderedDict())
        set_("_forward_pre_hooks_with_kwargs", set())
        set_("_forward_hooks", OrderedDict())
        set_("_forward_hooks_with_kwargs", set())
        set_("_backward_pre_hooks", OrderedDict())
        set_("_backward_hooks", OrderedDict())

    def forward(self, *input):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param) -> None:
        """Add a parameter (or None, a declared-but-absent parameter such as a missing bias)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(self, name, "parameter", self._parameters)
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                "the value in the forward() method."
            )
        else:
            self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a tensor that is state but not learnt (e.g. running_mean); non-persistent ones stay
        out of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(self, name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module) -> None:
        """Add a child module (or None), reachable as an attribute called ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params, modules, buffers = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(self, name, d, buffers, modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _remove_from(self, name, d, params, buffers)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(torch.nn.Module or None expected)"
                )
            modules[name] = value
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(torch.Tensor or None expected)"
                )
            buffers[name] = value
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name: str):
        # only called when normal lookup fails: parameters, buffers and modules live in dicts
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            super().__delattr__(name)

    def __dir__(self):
        keys = dir(type(self)) + list(self.__dict__) + list(self._parameters)
        keys += list(self._modules) + list(self._buffers)
        return sorted(k for k in keys if not k[0].isdigit())

    # ------------------------------------------------------------------ walking the tree
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, module) for self and every descendant, depth-first; shared ones once."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                sub_prefix = prefix + ("." if prefix else "") + name
                yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) for each direct child, each module once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()  # ids: a Tensor's == is element-wise, so keep tensors out of sets
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ):
        """(dotted name, Parameter) in registration order, depth-first; a shared one only once."""
        return self._named_members(
            lambda m: m._parameters.items(), prefix, recurse, remove_duplicate
        )

    def parameters(self, recurse: bool = True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as ``"encoder.layers.0"`` ("" is self)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return getattr(mod, name)

    # ------------------------------------------------------------------ modes and conversion
    def train(self, mode: bool = True):
        """Set training mode (dropout active, batch-norm updates its statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``.grad = None``, or zero them in place)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant, children first, then self (e.g. custom init)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, fn):
        """Replace every parameter's and buffer's value by ``fn(value)``; parameters stay the same
        objects (their ``.data`` changes), so optimizers holding them keep working."""
        for module in self.children():
            module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with no_grad():
                param.data = fn(param)
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to("cpu")``, ``to(device, dtype)``, ``to(tensor)``: floating-point
        parameters and buffers change dtype; integer ones (e.g. num_batches_tracked) do not."""
        dtype = kwargs.get("dtype")
        _check_device(kwargs.get("device"))
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, dt.dtype):
                dtype = a
            elif a is not None:
                _check_device(a)
        if dtype is not None:
            dtype = dt.to_dtype(dtype)
            if not dtype.is_floating_point:
                raise TypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                    f"dtype={dtype}"
                )
            return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)
        return self

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def cpu(self):
        return self

    def cuda(self, device=None):
        _check_device("cuda")

    # ------------------------------------------------------------------ state_dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False):
        """OrderedDict of every parameter and persistent buffer, named like ``fc1.weight``:
        this module's parameters, then its buffers, then each child's in turn. Values are
        detached tensors sharing memory with the model; ``._metadata`` holds format versions."""
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):  # fmt: skip
        """Copy this module's own entries (not its children's) in place; record what did not fit.

        Subclasses override this to upgrade old checkpoints (torch's signature, kept as is).
        """
        persistent = {
            k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set
        }
        local_state = {
            k: v
            for k, v in itertools.chain(self._parameters.items(), persistent.items())
            if v is not None
        }
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(value)}"
                )
                continue
            if param.dim() == 0 and value.dim() == 1:
                value = value[0]  # torch 0.3 saved scalars as 1-element vectors
            if value.shape != param.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {param.shape}."
                )
                continue
            try:
                with no_grad():
                    if local_metadata.get("assign_to_params_buffers", False):
                        _assign(self, name, param, value)
                    else:
                        param.copy_(value)
            except Exception as ex:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model are '
                    f"{param.size()} and whose dimensions in the checkpoint are {value.size()}, an "
                    f"exception occurred : {ex.args}."
                )
        if strict:
            for key in state_dict:
                if key.startswith(prefix):
                    first, *rest = key[len(prefix) :].split(".", 1)
                    if (rest and first not in self._modules) or (
                        not rest and first not in local_state
                    ):
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values from ``state_dict`` into this model's tensors (in place; with
        ``assign=True`` the model takes the checkpoint's tensors themselves instead).

        Returns ``(missing_keys, unexpected_keys)``; with ``strict=True`` any mismatch raises a
        RuntimeError listing missing keys, unexpected keys and size mismatches.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None) or {}
        missing, unexpected, errors = [], [], []

        def load(module, local_state, prefix=""):
            meta = dict(metadata.get(prefix[:-1], {}))
            if assign:
                meta["assign_to_params_buffers"] = True
            module._load_from_state_dict(
                local_state, prefix, meta, True, missing, unexpected, errors
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {
                        k: v for k, v in local_state.items() if k.startswith(child_prefix)
                    }
                    load(child, child_state, child_prefix)

        load(self, OrderedDict(state_dict))
        if strict:
            if unexpected:
                errors.insert(
                    0,
                    "Unexpected key(s) in state_dict: {}. ".format(
                        ", ".join(f'"{k}"' for k in unexpected)
                    ),
                )
            if missing:
                errors.insert(
                    0,
                    "Missing key(s) in state_dict: {}. ".format(
                        ", ".join(f'"{k}"' for k in missing)
                    ),
                )
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    type(self).__name__, "\n\t".join(errors)
                )
            )
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ hooks
    def _add_hook(self, hooks, hook, prepend=False, kwargs_set=None, with_kwargs=False):
        key = next(_hook_ids)
        hooks[key] = hook
        if prepend:
            hooks.move_to_end(key, last=False)
        if with_kwargs:
            kwargs_set.add(key)
        return RemovableHandle(hooks, key)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """``hook(module, args)`` before forward; returning a value replaces ``args``.

        With ``with_kwargs=True``: ``hook(module, args, kwargs)`` may return ``(args, kwargs)``.
        """
        return self._add_hook(
            self._forward_pre_hooks, hook, prepend, self._forward_pre_hooks_with_kwargs, with_kwargs
        )

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """``hook(module, args, output)`` after forward; returning a value replaces the output."""
        return self._add_hook(
            self._forward_hooks, hook, prepend, self._forward_hooks_with_kwargs, with_kwargs
        )

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_output)`` when the output's gradient arrives; may replace it."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_input, grad_output)`` once the gradients of the inputs are known;
        returning a tuple replaces ``grad_input``. Entries are None for non-tensor inputs and for
        inputs that do not require grad."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def __call__(self, *args, **kwargs):
        tracer = STATE.tracer
        if tracer is None:
            if not (
                self._forward_pre_hooks
                or self._forward_hooks
                or self._backward_hooks
                or self._backward_pre_hooks
            ):
                return self.forward(*args, **kwargs)  # the common case, in one frame: no hooks
            return self._call_impl(*args, **kwargs)
        tracer.enter_module(self)  # a trace is recording: it labels the next ops with our path
        try:
            return self._call_impl(*args, **kwargs)
        finally:
            tracer.exit_module(self)

    def _call_impl(self, *args, **kwargs):
        """``forward`` with the hooks around it (empty hook dicts cost a loop that does nothing)."""
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of "
                            f"(new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if self._backward_hooks or self._backward_pre_hooks:
            backward_hook = _BackwardHook(self)
            args = backward_hook.wrap_inputs(args)
        result = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                new = hook(self, args, kwargs, result)
            else:
                new = hook(self, args, result)
            if new is not None:
                result = new
        if backward_hook is not None:
            result = backward_hook.wrap_outputs(result)
        return result

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses, e.g. ``in_features=2, out_features=3, bias=True``."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _check_name(module, name, kind, store):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in store:
        raise KeyError(f"attribute '{name}' already exists")


def _assign(module, name, old, value):
    """load_state_dict(assign=True): keep the checkpoint's tensor itself, not a copy of it."""
    if isinstance(old, Parameter):
        value = value if isinstance(value, Parameter) else Parameter(value, old.requires_grad)
    setattr(module, name, value)


def _remove_from(module, name, *stores):
    """A name is a parameter, a buffer, a module or a plain attribute, never two at once."""
    for store in stores:
        if store is not None and name in store:
            del store[name]
    module._non_persistent_buffers_set.discard(name)


# ---------------------------------------------------------------------- full backward hooks
def _length(result):
    return len(result) if isinstance(result, tuple) else 1


class BackwardHookFunction(Function):
    """Identity on tensors; its backward is where a module's backward hooks see the gradients.

    One is placed on the module's inputs and one on its outputs (as torch does): the outputs' node
    runs first and records grad_output; the inputs' node runs when every grad_input is known.
    """

    @staticmethod
    def forward(ctx, state, is_input, *tensors):
        ctx.state, ctx.is_input = state, is_input
        ctx.set_materialize_grads(False)  # an unused output has no gradient: report None
        return tuple(t.detach() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grads = state.on_input_grads(grads) if ctx.is_input else state.on_output_grads(grads)
        return (None, None, *grads)


class _BackwardHook:
    """The bookkeeping for one call of a module that has full backward (pre-)hooks."""

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_index = None  # positions of the wrapped inputs; None if no input needs grad
        self.n_outputs = 0
        self.output_index = []
        self.grad_outputs = None

    @staticmethod
    def _wrap(state, is_input, values):
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not index or not STATE.grad_enabled:
            return None, values
        wrapped = BackwardHookFunction.apply(state, is_input, *(values[i] for i in index))
        values = list(values)
        for i, w in zip(index, wrapped):
            values[i] = w
        return index, values

    def _pack(self, index, grads, n):
        out = [None] * n
        for i, g in zip(index, grads):
            out[i] = g
        return tuple(out)

    def wrap_inputs(self, args):
        self.n_inputs = len(args)
        self.input_index, args = self._wrap(self, True, args)
        return tuple(args)

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        values = (result,) if single else result
        self.n_outputs = len(values)
        index, values = self._wrap(self, False, values)
        if index is None:
            return result
        self.output_index = index
        return values[0] if single else tuple(values)

    def on_output_grads(self, grads):
        """Pre-hooks may replace grad_output; if no input needs grad, the hooks run now."""
        module = self.module
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, self.grad_outputs)
            if result is not None:
                if not isinstance(result, tuple) or len(result) != self.n_outputs:
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, got "
                        f"{_length(result)}, but expected {self.n_outputs}"
                    )
                self.grad_outputs = result
        if self.input_index is None:
            for hook in list(module._backward_hooks.values()):
                result = hook(module, (None,) * self.n_inputs, self.grad_outputs)
                if result is not None and not (
                    isinstance(result, tuple) and all(r is None for r in result)
                ):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients."
                    )
        return tuple(self.grad_outputs[i] for i in self.output_index)

    def on_input_grads(self, grads):
        """The hooks see (grad_input, grad_output); a returned tuple replaces grad_input."""
        module = self.module
        grad_input = self._pack(self.input_index, grads, self.n_inputs)
        for hook in list(module._backward_hooks.values()):
            result = hook(module, grad_input, self.grad_outputs)
            if result is not None:
                if not isinstance(result, tuple) or len(result) != self.n_inputs:
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, got "
                        f"{_length(result)}, but expected {self.n_inputs}"
                    )
                grad_input = result
        return tuple(grad_input[i] for i in self.input_index)

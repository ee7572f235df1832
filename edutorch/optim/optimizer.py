"""``Optimizer``: the base class that keeps parameter groups and per-parameter state.

A subclass validates its hyper-parameters, passes them as ``defaults`` and writes one method,
``_update(p, grad, group)``, which changes one parameter in place. The base class does the rest:
the closure, ``no_grad``, skipping parameters without a gradient, ``maximize``, state dicts.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must give itself (``SGD(lr=required)`` of old)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class for all optimizers.

    ``params`` is an iterable of Tensors, or of dicts (parameter groups) that hold ``"params"``
    and any options that should differ from ``defaults`` for that group.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if defaults.get("differentiable"):
            raise NotImplementedError("edutorch optimizers do not support differentiable=True")
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + params.type()
            )
        self.state = defaultdict(dict)  # parameter -> its state, e.g. {"momentum_buffer": ...}
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"``); options it leaves out come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        # named_parameters() gives (name, tensor) pairs: keep the names beside the tensors
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names

        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + type(p).__name__
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    + name
                )
            param_group.setdefault(name, default)

        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ the step
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (the default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; return ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():  # the closure recomputes the loss and calls backward
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                maximize = group.get("maximize", False)
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue  # a parameter that took no part in the loss stays as it is
                    grad = -g._data if maximize else g._data  # maximize: step along +gradient
                    self._update(p, grad, group)
                    p._vc[0] += 1  # p changed in place: a graph that saved it must notice
        return loss

    def _update(self, p, grad, group):
        """Change ``p._data`` in place, given ``grad`` (a numpy array) and the group's options."""
        raise NotImplementedError

    # ------------------------------------------------------------------ saving
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as torch.

        Parameters are replaced by their position across all groups, so the dict can be loaded
        into a new optimizer over new (but equally ordered) parameters.
        """
        index = {}

        def pack(group):
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a dict from ``state_dict()``: groups must match in number and size."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: _cast(p, key, value) for key, value in v.items()}
            else:
                state[k] = v
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


def _cast(p, key, value):
    """A copy of a saved state value, as a tensor of ``p``'s dtype (``step`` keeps its own)."""
    if isinstance(value, Tensor):
        data = value._data
        if key != "step" and p.is_floating_point():
            data = data.astype(p._data.dtype)
        return Tensor._make(np.array(data, copy=True))
    if key == "step":
        return _step_tensor(float(value))  # old checkpoints stored the step as a number
    if isinstance(value, dict):
        return {k: _cast(p, k, v) for k, v in value.items()}
    return copy.deepcopy(value)


def _step_tensor(value=0.0):
    """The step counter, a 0-dim float tensor as torch keeps it (float64 if that is the default)."""
    from .._dtype import get_default_dtype

    dtype = np.float64 if get_default_dtype().np == np.float64 else np.float32
    return Tensor._make(np.array(value, dtype=dtype))


def _zeros_like(p, fill=0.0):
    """A state buffer shaped and typed like parameter ``p``."""
    return Tensor._make(np.full_like(p._data, fill))

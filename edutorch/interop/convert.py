"""The conversion itself: rebuild a module in the other framework, then copy its state over.

For each module: look its class up by name in the other framework's ``nn``, construct it with
the arguments the table in ``_layers.py`` reads off the original, then copy every parameter and
buffer (values, dtype and ``requires_grad``) and every submodule's train/eval mode. Containers
are rebuilt child by child under the same names, so ``state_dict`` keys stay the same.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from ._layers import ARGS, CONTAINERS

__all__ = ["to_torch", "from_torch", "tensors_to_torch", "tensors_from_torch"]


def _torch():
    """torch, imported only when a conversion needs it (edutorch itself never does)."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            "edutorch.interop needs PyTorch: pip install torch "
            "--index-url https://download.pytorch.org/whl/cpu"
        ) from e
    return torch


class _Converter:
    """One conversion, edutorch -> torch (``to_torch=True``) or back, remembering what it made
    so that a layer or parameter shared in two places stays shared in the copy."""

    def __init__(self, to_torch: bool):
        import edutorch

        self.torch, self.edutorch = _torch(), edutorch
        self.to_torch = to_torch
        self.src_nn, self.dst_nn = (
            (edutorch.nn, self.torch.nn) if to_torch else (self.torch.nn, edutorch.nn)
        )
        self.src_name, self.dst_name = ("edutorch", "torch") if to_torch else ("torch", "edutorch")
        self.memo = {}  # id of an original module or parameter -> its converted twin
        self.sources = {}  # id of a converted parameter -> the original

    # ---------------------------------------------------------------------------- tensors
    def tensor(self, t):
        """The same values (and dtype) as a tensor of the other framework; None stays None."""
        if t is None:
            return None
        if self.to_torch:
            return self.torch.from_numpy(np.array(t.detach().numpy(), copy=True))
        if t.dtype == self.torch.bfloat16:
            raise TypeError("edutorch has no bfloat16: convert the torch tensor with .float()")
        return self.edutorch.from_numpy(t.detach().cpu().numpy().copy())

    def parameter(self, p):
        if id(p) not in self.memo:
            self.memo[id(p)] = self.dst_nn.Parameter(self.tensor(p), p.requires_grad)
            self.sources[id(self.memo[id(p)])] = p
        return self.memo[id(p)]

    def _restore(self, new):
        """Rewrite the values of converted parameters that ``new``'s constructor was handed (in
        converted sub-layers) and re-initialised: torch's Transformer does so to its encoder."""
        dst = self.torch if self.to_torch else self.edutorch
        with dst.no_grad():
            for p in new.parameters():
                if id(p) in self.sources:
                    p.copy_(self.tensor(self.sources[id(p)]))

    def activation(self, fn):
        """A TransformerLayer's activation: "relu"/"gelu" (given as a name or held as the
        function), or a module, converted like any other."""
        if isinstance(fn, str) or fn is None:
            return fn
        if isinstance(fn, self.src_nn.Module):
            return self.module(fn)
        name = getattr(fn, "__name__", "")
        if name in ("relu", "gelu"):
            return name
        raise TypeError(
            f"cannot convert the activation {fn!r}: use 'relu', 'gelu' or an nn activation module"
        )

    # ---------------------------------------------------------------------------- modules
    def module(self, m):
        if m is None:
            return None
        if id(m) in self.memo:
            return self.memo[id(m)]
        name = type(m).__name__
        if self._is_graph(m):
            new = self._graph(m)
        elif type(m) is not getattr(self.src_nn, name, None) or not (
            name in ARGS or name in CONTAINERS
        ):
            raise TypeError(self._unsupported(m))
        elif name in CONTAINERS:
            new = self._container(m, name)
        else:
            cls = getattr(self.dst_nn, name, None)
            if cls is None:
                raise TypeError(f"{self.dst_name}.nn has no {name}: cannot convert {name}")
            args, kwargs = ARGS[name](m, self)
            with warnings.catch_warnings():  # the original's constructor already gave its advice
                warnings.simplefilter("ignore")
                new = cls(*args, **kwargs)
            self._restore(new)
        self._copy_state(m, new)
        self.memo[id(m)] = new
        return new

    def _unsupported(self, m) -> str:
        cls = type(m)
        where = f"{cls.__module__}.{cls.__qualname__}"
        return (
            f"cannot convert {cls.__name__} ({where}) to {self.dst_name}: only the layers of "
            f"{self.src_name}.nn, their containers (Sequential, ModuleList, ModuleDict) and studio "
            f"graphs are converted. For your own Module class, write it once more against "
            f"{self.dst_name} (same attribute names) and load the converted weights: "
            f"model.load_state_dict(edutorch.interop.tensors_"
            f"{'to' if self.to_torch else 'from'}_torch(source.state_dict()))"
        )

    def _container(self, m, name):
        cls = getattr(self.dst_nn, name)
        if name == "Sequential":
            from collections import OrderedDict

            return cls(OrderedDict((k, self.module(v)) for k, v in m._modules.items()))
        if name == "ModuleList":
            return cls([self.module(v) for v in m])
        if name == "ModuleDict":
            return cls({k: self.module(v) for k, v in m.items()})
        if name == "ParameterList":
            return cls([self.parameter(p) for p in m])
        return cls({k: self.parameter(p) for k, p in m.items()})  # ParameterDict

    def _copy_state(self, src, dst):
        """Give ``dst`` every parameter and buffer of ``src`` (by name, at any depth) and the
        train/eval mode of each submodule; then check nothing is left over on either side."""
        for name, p in _named(src.named_parameters):
            owner, attr = _split(dst, name)
            setattr(owner, attr, self.parameter(p))  # setattr: torch's RNNs track their weights
        for name, b in _named(src.named_buffers):
            owner, attr = _split(dst, name)
            if attr in owner._buffers:
                setattr(owner, attr, self.tensor(b))
            else:  # a buffer the user added to a layer: add it too, persistent or not
                src_owner, _ = _split(src, name)
                persistent = attr not in src_owner._non_persistent_buffers_set
                owner.register_buffer(attr, self.tensor(b), persistent=persistent)
        for what in ("named_parameters", "named_buffers"):
            want = {k for k, _ in _named(getattr(src, what))}
            got = {k for k, _ in _named(getattr(dst, what))}
            if want != got:
                raise RuntimeError(
                    f"converting {type(src).__name__}: {what[6:]} differ, "
                    f"{sorted(want ^ got)} (a bug in edutorch.interop; please report it)"
                )
        targets = dict(dst.named_modules())  # a graph's weightless blocks exist on one side only
        for name, sub in src.named_modules():
            if name in targets:
                targets[name].training = sub.training

    # ---------------------------------------------------------------------- studio graphs
    def _is_graph(self, m) -> bool:
        from ..graph import GraphModule

        if self.to_torch:
            return type(m) is GraphModule
        return type(m).__name__ == "TorchGraphModule" and type(m).__module__ == __package__ + (
            "._torch_graph"
        )

    def _graph(self, m):
        """GraphModule <-> TorchGraphModule: the same spec, each block's layer converted."""
        if self.to_torch:
            from ..graph.module import Block
            from ._torch_graph import TorchGraphModule

            layers = {k: self.module(v) for k, v in m._modules.items() if not isinstance(v, Block)}
            return TorchGraphModule(m.spec, layers, self.module(getattr(m, "loss_fn", None)))
        from ..graph import GraphModule

        g = GraphModule(m.spec)
        for nid, layer in m._modules.items():
            setattr(g, nid, self.module(layer))
        return g


def _named(method):
    """(name, tensor) pairs, a tensor shared under two names listed under both."""
    return method(remove_duplicate=False)


def _split(module, name):
    """("a.b.weight") -> (module.a.b, "weight")."""
    path, _, attr = name.rpartition(".")
    return (module.get_submodule(path) if path else module), attr


@contextlib.contextmanager
def _same_random_stream(framework):
    """Building layers draws their initial weights (soon overwritten) from the global random
    stream; put it back, so that converting a model does not change what a script draws next."""
    state = framework.get_rng_state()
    try:
        yield
    finally:
        framework.set_rng_state(state)


def to_torch(module):
    """The same model as a ``torch.nn.Module``: same classes, options, weights, buffers
    (BatchNorm's running statistics too), ``requires_grad`` flags and train/eval mode.

    Works for every layer of ``edutorch.nn``, containers of them (``Sequential``, ``ModuleList``,
    ``ModuleDict``, ``ParameterList``, ``ParameterDict``), losses, and the studio's
    ``GraphModule`` (it becomes a ``TorchGraphModule``). Raises TypeError naming the class for
    anything else, such as your own ``nn.Module`` subclass (see ``tensors_to_torch``).

        model = edutorch.interop.to_torch(trained)
        torch.save(model.state_dict(), "model.pt")
    """
    converter = _Converter(to_torch=True)
    with _same_random_stream(converter.torch):
        return converter.module(module)


def from_torch(module):
    """The reverse of ``to_torch``: an edutorch module equal to a ``torch.nn.Module`` built from
    the same set of layers (TypeError naming the class for others)."""
    import edutorch

    with _same_random_stream(edutorch):
        return _Converter(to_torch=False).module(module)


def _map_tensors(obj, is_tensor, convert):
    if is_tensor(obj):
        return convert(obj)
    if isinstance(obj, dict):
        out = type(obj)() if type(obj) is not dict else {}
        for k, v in obj.items():
            out[k] = _map_tensors(v, is_tensor, convert)
        if hasattr(obj, "_metadata"):  # a state dict's format versions (BatchNorm's, ...)
            out._metadata = obj._metadata
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_map_tensors(v, is_tensor, convert) for v in obj)
    return obj


def tensors_to_torch(obj):
    """A copy of ``obj`` (a state dict, an optimizer's state dict, any nest of dicts, lists and
    tuples) with every edutorch tensor replaced by a torch tensor of the same values and dtype.

    The way to move weights into a model class you rewrote for torch::

        torch_model.load_state_dict(tensors_to_torch(edutorch_model.state_dict()))
        torch_optimizer.load_state_dict(tensors_to_torch(edutorch_optimizer.state_dict()))
    """
    import edutorch

    c = _Converter(to_torch=True)
    return _map_tensors(obj, lambda t: isinstance(t, edutorch.Tensor), c.tensor)


def tensors_from_torch(obj):
    """The reverse of ``tensors_to_torch``: torch tensors in ``obj`` become edutorch tensors."""
    c = _Converter(to_torch=False)
    return _map_tensors(obj, lambda t: isinstance(t, c.torch.Tensor), c.tensor)

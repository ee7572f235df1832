"""``TrainingConfig``: every training setting as a plain dataclass, checked, and stored as JSON.

config = TrainingConfig(optimizer="SGD", optimizer_args={"momentum": 0.9}, lr=0.1)
config.to_dict()                      # plain JSON values, for the project file
TrainingConfig.from_dict(d)           # raises ConfigError naming the bad setting
make_optimizer(config, model.parameters())
"""

from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import asdict, dataclass, field, fields

from .. import nn, optim
from ..graph.layers import LOSSES

__all__ = [
    "ConfigError", "TrainingConfig", "OPTIMIZERS", "SCHEDULERS", "LOSSES",
    "optimizer_hyperparameters", "make_optimizer", "make_scheduler", "make_loss",
]  # fmt: skip

OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")
# arguments of the optimizer constructors that are not hyper-parameters a learner tunes
_NOT_HYPER = {"self", "params", "lr", "weight_decay", "foreach", "maximize", "capturable",
              "differentiable", "fused"}  # fmt: skip

# name -> (default arguments, when it steps: after every "epoch" or every "step" (batch)).
# None defaults are filled in from the run's length (see make_scheduler).
SCHEDULERS = {
    "none": ({}, "epoch"),
    "StepLR": ({"step_size": 10, "gamma": 0.5}, "epoch"),
    "MultiStepLR": ({"milestones": [30, 60], "gamma": 0.1}, "epoch"),
    "ExponentialLR": ({"gamma": 0.95}, "epoch"),
    "CosineAnnealingLR": ({"T_max": None, "eta_min": 0.0}, "epoch"),
    "OneCycleLR": ({"max_lr": None, "pct_start": 0.3}, "step"),
    "ReduceLROnPlateau": ({"factor": 0.5, "patience": 5}, "epoch"),
}


class ConfigError(ValueError):
    """A training setting that cannot be used; the message names it and says why."""


def optimizer_hyperparameters(name: str) -> dict:
    """The tunable arguments of an optimizer and their defaults: ``{"momentum": 0, ...}``."""
    if name not in OPTIMIZERS:
        raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
    sig = inspect.signature(getattr(optim, name).__init__)
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.name not in _NOT_HYPER and p.default is not inspect.Parameter.empty
    }


@dataclass
class TrainingConfig:
    """How to train: optimizer (a name in OPTIMIZERS) with ``optimizer_args`` (e.g. momentum),
    ``lr``, ``scheduler`` (a name in SCHEDULERS) with ``scheduler_args``, ``batch_size``,
    ``epochs``, ``loss`` (None: the model's own loss), ``weight_decay``, ``seed`` (shuffling and
    dropout), ``eval_every`` (test every that many steps; 0: at the end of each epoch only) and
    ``histogram_every`` (weight/gradient histograms every that many steps)."""

    optimizer: str = "Adam"
    optimizer_args: dict = field(default_factory=dict)
    lr: float = 0.01
    scheduler: str = "none"
    scheduler_args: dict = field(default_factory=dict)
    batch_size: int = 32
    epochs: int = 100
    loss: str | None = None
    weight_decay: float = 0.0
    seed: int = 0
    eval_every: int = 0
    histogram_every: int = 10

    def __post_init__(self):
        self.validate()

    def validate(self) -> TrainingConfig:
        """Raise ConfigError for the first bad setting; return self when all are fine."""
        _number("lr", self.lr, low=0.0, open_low=True)
        _number("weight_decay", self.weight_decay, low=0.0)
        for name, low in (("batch_size", 1), ("epochs", 1), ("seed", 0), ("eval_every", 0),
                          ("histogram_every", 1)):  # fmt: skip
            _integer(name, getattr(self, name), low)
        hyper = optimizer_hyperparameters(self.optimizer)
        _known_args("optimizer_args", self.optimizer_args, hyper, self.optimizer)
        for key, value in self.optimizer_args.items():
            _like(f"optimizer_args[{key!r}]", value, hyper[key])
        if self.scheduler not in SCHEDULERS:
            raise ConfigError(
                f"scheduler must be one of {', '.join(SCHEDULERS)}; got {self.scheduler!r}"
            )
        _known_args("scheduler_args", self.scheduler_args, SCHEDULERS[self.scheduler][0],
                    self.scheduler)  # fmt: skip
        if self.loss is not None and self.loss not in LOSSES:
            raise ConfigError(f"loss must be one of {', '.join(LOSSES)} or None; got {self.loss!r}")
        return self

    def to_dict(self) -> dict:
        """Plain JSON values (tuples become lists)."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> TrainingConfig:
        """A config from ``to_dict()`` output; unknown keys and bad values raise ConfigError.
        A top-level ``momentum`` (as older project files write it) goes into optimizer_args."""
        if not isinstance(d, dict):
            raise ConfigError(f"training settings must be a dict, got {type(d).__name__}")
        d = dict(d)
        if "momentum" in d:
            d["optimizer_args"] = {**d.get("optimizer_args", {}), "momentum": d.pop("momentum")}
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ConfigError(
                f"unknown training setting(s): {', '.join(unknown)}; known: {', '.join(names)}"
            )
        for key in ("optimizer_args", "scheduler_args"):
            if key in d and not isinstance(d[key], dict):
                raise ConfigError(f"{key} must be a dict, got {d[key]!r}")
        if isinstance(d.get("optimizer_args", {}).get("betas"), list):
            d["optimizer_args"]["betas"] = tuple(d["optimizer_args"]["betas"])
        return cls(**d)

    def describe(self) -> str:
        """A short summary for a legend: ``Adam lr=0.01 batch=32``."""
        parts = [self.optimizer, f"lr={self.lr:g}", f"batch={self.batch_size}"]
        parts += [f"{k}={_short(v)}" for k, v in self.optimizer_args.items()]
        if self.weight_decay:
            parts.append(f"wd={self.weight_decay:g}")
        if self.scheduler != "none":
            parts.append(self.scheduler)
        if self.loss:
            parts.append(self.loss)
        return " ".join(parts)


# ----------------------------------------------------------------------------- checks
def _number(name, value, low=None, open_low=False):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (value < low or (open_low and value == low)):
        bound = "greater than" if open_low else "at least"
        raise ConfigError(f"{name} must be {bound} {low:g}, got {value!r}")


def _integer(name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ConfigError(f"{name} must be at least {low}, got {value!r}")


def _known_args(where, args, known, owner):
    if not isinstance(args, dict):
        raise ConfigError(f"{where} must be a dict, got {args!r}")
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: {owner} has no argument(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(known) or 'none'}"
        )


def _like(name, value, default):
    """``value`` must have the kind of the default: a bool, a number, or a pair of numbers."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
    elif isinstance(default, (int, float)):
        _number(name, value)
    elif isinstance(default, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(default):
            raise ConfigError(f"{name} must be {len(default)} numbers, got {value!r}")
        for v in value:
            _number(name, v)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _short(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


# ----------------------------------------------------------------------------- builders
def make_optimizer(config: TrainingConfig, params):
    """The optimizer the config names, over ``params``."""
    cls = getattr(optim, config.optimizer)
    return cls(params, lr=config.lr, weight_decay=config.weight_decay, **config.optimizer_args)


def make_scheduler(config: TrainingConfig, optimizer, steps_per_epoch: int):
    """(scheduler or None, "epoch" or "step"): when to call its ``step()``.

    Missing lengths come from the run: CosineAnnealingLR's T_max is the number of epochs,
    OneCycleLR's total steps is epochs * steps_per_epoch and its max_lr is the config's lr.
    """
    defaults, every = SCHEDULERS[config.scheduler]
    if config.scheduler == "none":
        return None, every
    args = {**defaults, **config.scheduler_args}
    if config.scheduler == "CosineAnnealingLR" and args["T_max"] is None:
        args["T_max"] = config.epochs
    if config.scheduler == "OneCycleLR":
        if args["max_lr"] is None:
            args["max_lr"] = config.lr
        args["total_steps"] = config.epochs * steps_per_epoch
    try:
        return getattr(optim.lr_scheduler, config.scheduler)(optimizer, **args), every
    except (TypeError, ValueError) as e:
        raise ConfigError(f"scheduler {config.scheduler}: {e}") from None


def make_loss(name: str):
    """``nn.<name>()``, for a name in LOSSES."""
    if name not in LOSSES:
        raise ConfigError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    return getattr(nn, name)()

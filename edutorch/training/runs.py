"""Runs to compare: each a (settings, history) pair, labelled by what sets it apart.

runs = [Run(config_a.to_dict(), history_a), Run(config_b.to_dict(), history_b)]
legends(runs)   # ["run 1: lr=0.1", "run 2: lr=0.01"]: only the settings that differ
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .history import History

__all__ = ["Run", "legends"]


@dataclass
class Run:
    """One finished (or stopped) training run: its settings (a plain dict, usually
    ``TrainingConfig.to_dict()`` plus anything else worth comparing) and its history."""

    settings: dict
    history: History
    name: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "settings": self.settings, "history": self.history.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> Run:
        return cls(dict(d["settings"]), History.from_dict(d["history"]), d.get("name", ""))


def _flat(settings: dict, prefix="") -> dict:
    """{"optimizer_args.momentum": 0.9, ...}: nested settings as one level."""
    out = {}
    for k, v in settings.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _show(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(_show(x) for x in v) + ")"
    return str(v)


def legends(runs, max_items=4) -> list[str]:
    """One label per run: its name (or "run k") and the settings in which the runs differ (at
    most ``max_items``); a lone run lists its main settings instead."""
    flats = [_flat(r.settings) for r in runs]
    keys = []
    for f in flats:
        keys += [k for k in f if k not in keys]
    differing = [k for k in keys if len({repr(f.get(k)) for f in flats}) > 1]
    if len(runs) == 1:
        differing = [k for k in ("optimizer", "lr", "batch_size") if k in flats[0]]
    labels = []
    for i, (run, f) in enumerate(zip(runs, flats)):
        shown = ", ".join(
            f"{k.removeprefix('optimizer_args.')}={_show(f[k])}"
            for k in differing[:max_items] if k in f
        )  # fmt: skip
        name = run.name or f"run {i + 1}"
        labels.append(f"{name}: {shown}" if shown else name)
    return labels

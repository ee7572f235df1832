"""``History``: what happened during training, appended by the trainer and read as copies.

Four tables of plain lists, each list one series:
  steps       one row per batch: step, epoch, loss, accuracy, lr, samples_per_sec, time
  grad_norms  per layer, one value per batch (aligned with ``steps``)
  evals       one row per test evaluation: step, epoch, test_loss, test_accuracy
  epochs      one row per finished epoch: epoch, step, loss, accuracy (means over the epoch's
              batches), test_loss, test_accuracy, lr, time
and ``histograms``: every few steps, per layer, the counts of its weights and of its gradients.
Missing values (no accuracy for regression, a diverged loss) are NaN, stored as null in JSON.

The trainer thread appends under a lock; another thread reads ``snapshot()``, a copy that stays
consistent (all ``steps`` lists of one length) while training goes on.
"""

from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["History", "STEP_KEYS", "EVAL_KEYS", "EPOCH_KEYS"]

STEP_KEYS = ("step", "epoch", "loss", "accuracy", "lr", "samples_per_sec", "time")
EVAL_KEYS = ("step", "epoch", "test_loss", "test_accuracy")
EPOCH_KEYS = ("epoch", "step", "loss", "accuracy", "test_loss", "test_accuracy", "lr", "time")
MAX_HISTOGRAMS = 200  # older snapshots are thinned out beyond this, so long runs stay small
FORMAT_VERSION = 1


class History:
    """Training curves; see the module docstring. ``meta`` holds run facts (steps_per_epoch...)."""

    def __init__(self, meta=None):
        self.steps = {k: [] for k in STEP_KEYS}
        self.grad_norms: dict[str, list] = {}
        self.evals = {k: [] for k in EVAL_KEYS}
        self.epochs = {k: [] for k in EPOCH_KEYS}
        self.histograms: list[dict] = []
        self.meta = dict(meta or {})
        self.version = 0  # bumped on every change: a reader can skip redrawing an unchanged one
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ appending
    def add_step(self, grad_norms=None, **row):
        with self._lock:
            _append(self.steps, row)
            n = len(self.steps["step"])
            for layer, value in (grad_norms or {}).items():
                # a layer first seen late is padded with NaN, so every series lines up with steps
                series = self.grad_norms.setdefault(layer, [math.nan] * (n - 1))
                series.append(float(value))
            for series in self.grad_norms.values():
                if len(series) < n:
                    series.append(math.nan)
            self.version += 1

    def add_eval(self, **row):
        with self._lock:
            _append(self.evals, row)
            self.version += 1

    def add_epoch(self, **row):
        with self._lock:
            _append(self.epochs, row)
            self.version += 1

    def add_histograms(self, step: int, layers: dict):
        """``layers``: {layer: {"weight": (counts, lo, hi), "grad": (counts, lo, hi)}}."""
        entry = {"step": int(step), "layers": {
            name: {kind: {"counts": [int(c) for c in counts], "lo": float(lo), "hi": float(hi)}
                   for kind, (counts, lo, hi) in kinds.items()}
            for name, kinds in layers.items()}}  # fmt: skip
        with self._lock:
            self.histograms.append(entry)
            if len(self.histograms) > MAX_HISTOGRAMS:
                self.histograms = self.histograms[::2]  # halve, keeping the first and spacing
            self.version += 1

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        """The number of steps (batches) recorded."""
        return len(self.steps["step"])

    def snapshot(self) -> History:
        """A consistent copy (entries are never changed once appended, so lists are copied
        shallowly)."""
        copy = History(self.meta)
        with self._lock:
            copy.steps = {k: list(v) for k, v in self.steps.items()}
            copy.grad_norms = {k: list(v) for k, v in self.grad_norms.items()}
            copy.evals = {k: list(v) for k, v in self.evals.items()}
            copy.epochs = {k: list(v) for k, v in self.epochs.items()}
            copy.histograms = list(self.histograms)
            copy.version = self.version
        return copy

    def array(self, table: str, key: str) -> np.ndarray:
        """One series as float64: ``history.array("steps", "loss")``."""
        return np.asarray(getattr(self, table)[key], dtype=np.float64)

    def last(self, table: str, key: str, default=math.nan):
        series = getattr(self, table)[key]
        return series[-1] if series else default

    def best(self, key="test_accuracy") -> float:
        """The highest value of an evaluation series (NaN if there is none)."""
        values = [v for v in self.evals.get(key, []) if not math.isnan(v)]
        return max(values) if values else math.nan

    def histogram_matrix(self, layer: str, kind: str = "weight", bins: int = 40):
        """(steps, edges, counts (snapshots, bins)): the ``kind`` histograms of ``layer`` over
        time, re-binned onto one common range so the snapshots can be drawn as one image."""
        entries = [(h["step"], h["layers"][layer][kind]) for h in self.histograms
                   if layer in h["layers"] and kind in h["layers"][layer]]  # fmt: skip
        if not entries:
            return np.zeros(0), np.linspace(0, 1, bins + 1), np.zeros((0, bins))
        lo = min(e["lo"] for _, e in entries)
        hi = max(e["hi"] for _, e in entries)
        hi = hi if hi > lo else lo + 1e-6
        edges = np.linspace(lo, hi, bins + 1)
        rows = []
        for _, e in entries:
            counts = np.asarray(e["counts"], dtype=np.float64)
            k = len(counts)
            centres = e["lo"] + (np.arange(k) + 0.5) * (e["hi"] - e["lo"]) / max(k, 1)
            rows.append(np.histogram(centres, bins=edges, weights=counts)[0])
        return np.array([s for s, _ in entries]), edges, np.array(rows)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """Plain JSON: lists of numbers, NaN and infinity as None."""
        snap = self.snapshot()
        return {
            "version": FORMAT_VERSION,
            "meta": _json(snap.meta),
            "steps": _json(snap.steps),
            "grad_norms": _json(snap.grad_norms),
            "evals": _json(snap.evals),
            "epochs": _json(snap.epochs),
            "histograms": _json(snap.histograms),
        }

    @classmethod
    def from_dict(cls, d: dict) -> History:
        """The inverse of ``to_dict``; missing tables are empty, None reads back as NaN."""
        if not isinstance(d, dict):
            raise ValueError(f"a training history must be a dict, got {type(d).__name__}")
        if d.get("version", FORMAT_VERSION) > FORMAT_VERSION:
            raise ValueError(f"training history version {d['version']} is newer than this one")
        h = cls(d.get("meta") or {})
        h.steps.update(_table(d, "steps", STEP_KEYS))
        h.evals.update(_table(d, "evals", EVAL_KEYS))
        h.epochs.update(_table(d, "epochs", EPOCH_KEYS))
        h.grad_norms = {str(k): _floats(v, f"grad_norms[{k!r}]")
                        for k, v in (d.get("grad_norms") or {}).items()}  # fmt: skip
        h.histograms = list(d.get("histograms") or [])
        lengths = {len(v) for v in h.steps.values()} | {len(v) for v in h.grad_norms.values()}
        if len(lengths) > 1:
            raise ValueError("a training history's step series have different lengths")
        return h

    def __repr__(self) -> str:
        return (f"History(steps={len(self)}, epochs={len(self.epochs['epoch'])}, "
                f"evals={len(self.evals['step'])})")  # fmt: skip


def _append(table, row):
    unknown = set(row) - set(table)
    if unknown:
        raise KeyError(f"unknown history column(s): {', '.join(sorted(unknown))}")
    for key, series in table.items():
        series.append(_number(row.get(key)))


def _number(value):
    """ints stay ints (steps, epochs), other numbers become floats, None becomes NaN."""
    if value is None:
        return math.nan
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return float(value)


def _json(value):
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _floats(values, where):
    if not isinstance(values, list):
        raise ValueError(f"training history {where} must be a list")
    try:
        return [_number(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError(f"training history {where} holds a value that is not a number") from None


def _table(d, name, keys):
    table = d.get(name) or {}
    return {k: _floats(table.get(k, []), f"{name}[{k!r}]") for k in keys}

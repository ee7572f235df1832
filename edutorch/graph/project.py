"""Project files (``.etproj``): a model graph with its dataset, training settings, layout, weights
and training history, in one zip that can be opened anywhere and executes nothing.

    project.json   {"format": "edutorch-project", "version": 1, "graph": ..., "dataset": ...,
                    "training": ..., "layout": ..., "history": ..., "meta": ...}
    weights.pt     the state dict, in edutorch's own save format (JSON + .npy, never pickle)

Saving is atomic (a temporary file, fsync, then one rename), so a crash mid-save leaves the old
file as it was. Loading checks every value and raises ``ProjectFileError`` naming the file and
the problem: a newer version, a damaged zip, a hand-edited setting out of range, a missing part.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import numbers
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import serialization
from .spec import GraphError, GraphSpec, version_problem

__all__ = [
    "Project", "ProjectFileError", "save_project", "load_project", "autosave_path",
    "BUILTIN_SAMPLES", "sample_project", "write_samples", "EXTENSION",
]  # fmt: skip

FORMAT = "edutorch-project"
VERSION = 1
EXTENSION = ".etproj"
_JSON_MEMBER, _WEIGHTS_MEMBER = "project.json", "weights.pt"
_MAX_JSON_BYTES = 64 * 2**20
_MAX_DEPTH = 32
OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")


class ProjectFileError(Exception):
    """A project file that cannot be opened; the message names the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = os.fspath(path) if path is not None else "<project>"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class Project:
    """Everything the studio saves: ``graph`` (the model), ``dataset`` and ``training`` (settings
    as plain dicts), ``layout`` (view state: zoom, panels), ``weights`` (a state dict or None),
    ``history`` (training curves as JSON lists of numbers, or None) and ``meta`` (name, notes)."""

    graph: GraphSpec
    dataset: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)
    weights: dict | None = None
    history: dict | None = None
    meta: dict = field(default_factory=dict)

    def model(self):
        """A ``GraphModule`` of the graph, with the saved weights loaded if there are any.

        Raises GraphError if the graph does not build, or if the weights do not fit it.
        """
        module = self.graph.build()
        if self.weights is not None:
            problems = weight_problems(module, self.weights)
            if problems:
                raise GraphError("the saved weights do not fit the model: " + "; ".join(problems))
            module.load_state_dict(self.weights)
        return module

    def weights_fit(self) -> list[str]:
        """What is wrong between the saved weights and the graph ([] if they fit, or if there are
        no weights or the graph does not build yet): missing, extra or wrongly shaped tensors."""
        if self.weights is None:
            return []
        try:
            module = self.graph.build()
        except GraphError:
            return []
        return weight_problems(module, self.weights)


def weight_problems(module, state: dict) -> list[str]:
    """Differences between ``module.state_dict()`` and ``state``, one message each."""
    want = module.state_dict()
    problems = [f"{k} is missing" for k in want if k not in state]
    problems += [f"{k} is not in the model" for k in state if k not in want]
    for k, v in state.items():
        if k in want and tuple(v.shape) != tuple(want[k].shape):
            problems.append(
                f"{k} has shape {tuple(v.shape)} but the model needs {tuple(want[k].shape)}"
            )
    return problems


# ------------------------------------------------------------------------------------ save
def save_project(project: Project, path) -> None:
    """Write ``project`` to ``path`` atomically (the old file stays intact if anything fails)."""
    path = os.fspath(path)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "graph": project.graph.to_dict(),
        "dataset": _plain(project.dataset, "dataset"),
        "training": _plain(project.training, "training"),
        "layout": _plain(project.layout, "layout"),
        "history": None if project.history is None else _plain(project.history, "history"),
        "meta": _plain(project.meta, "meta"),
        "weights": None if project.weights is None else _WEIGHTS_MEMBER,
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    weights = None
    if project.weights is not None:
        buf = io.BytesIO()
        serialization.save(dict(project.weights), buf)
        weights = buf.getvalue()

    def write(fh):
        with zipfile.ZipFile(fh, "w") as zf:
            zf.writestr(_member(_JSON_MEMBER, zipfile.ZIP_DEFLATED), text)
            if weights is not None:
                zf.writestr(_member(_WEIGHTS_MEMBER, zipfile.ZIP_STORED), weights)

    serialization._write_atomically(path, write)


def _member(name, compression):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same project, same bytes
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def _plain(value, where, depth=0):
    """A JSON-ready copy of ``value``: dicts with str keys, lists, numbers, str, bool, None.
    NaN and infinity (a diverged loss) are written as null, which JSON can hold."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where} is nested more than {_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where} has a key {k!r} that is not a string")
            out[k] = _plain(v, f"{where}[{k!r}]", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if hasattr(value, "tolist"):  # a numpy array or a tensor of numbers
        return _plain(value.tolist(), where, depth)
    raise TypeError(f"{where} holds a {type(value).__name__}, which a project file cannot store")


# ------------------------------------------------------------------------------------ load
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
           NotImplementedError, ValueError, KeyError, IndexError)  # fmt: skip


def load_project(path) -> Project:
    """Read a project file; raises ``ProjectFileError`` (naming the file and the problem) for a
    missing, damaged, foreign or newer file, or one with a bad value. Nothing is executed."""
    try:
        fh = open(path, "rb")
    except OSError as e:
        raise ProjectFileError(path, f"cannot be opened ({e.strerror or e})") from None
    with fh:
        try:
            return _read(fh)
        except ProjectFileError as e:
            raise ProjectFileError(path, e.problem) from None
        except (GraphError, TypeError) as e:
            raise ProjectFileError(path, str(e)) from None
        except _DAMAGE as e:
            problem = f"the file is damaged or truncated ({type(e).__name__}: {e})"
            raise ProjectFileError(path, problem) from None


def _problem(text):
    return ProjectFileError(None, text)


def _read(fh) -> Project:
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise _problem(
            "not an edutorch project: it is not a zip archive (the file is truncated, or of "
            "another kind)"
        ) from None
    with zf:
        names = set(zf.namelist())
        if _JSON_MEMBER not in names:
            raise _problem(f"not an edutorch project: {_JSON_MEMBER} is missing from the archive")
        doc = _read_json(zf)
        graph = _section(doc, "graph", dict, required=True)
        try:
            spec = GraphSpec.from_dict(graph)
        except GraphError as e:
            raise _problem(f"the model graph is invalid: {e}") from None
        weights = None
        if doc.get("weights") is not None:
            if doc["weights"] != _WEIGHTS_MEMBER or _WEIGHTS_MEMBER not in names:
                raise _problem(f"the weights ({_WEIGHTS_MEMBER}) are missing from the archive")
            weights = _read_weights(zf.read(_WEIGHTS_MEMBER))
        history = _section(doc, "history", (dict, list))
        return Project(
            graph=spec,
            dataset=check_dataset(_section(doc, "dataset", dict) or {}),
            training=check_training(_section(doc, "training", dict) or {}),
            layout=_section(doc, "layout", dict) or {},
            weights=weights,
            history=history,
            meta=_section(doc, "meta", dict) or {},
        )


def _read_json(zf):
    info = zf.getinfo(_JSON_MEMBER)
    with zf.open(info) as f:
        raw = f.read(_MAX_JSON_BYTES + 1)  # never more, whatever the archive claims
    if len(raw) > _MAX_JSON_BYTES:
        raise _problem(f"{_JSON_MEMBER} is larger than {_MAX_JSON_BYTES} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise _problem(f"{_JSON_MEMBER} is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _problem(f'not an edutorch project: {_JSON_MEMBER} does not say "format": "{FORMAT}"')
    problem = version_problem(doc.get("version"), VERSION, "project")
    if problem:
        raise _problem(problem)
    return doc


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def _section(doc, key, kinds, required=False):
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kinds):
        expected = "an object" if kinds is dict else "an object or a list"
        raise _problem(f'"{key}" in {_JSON_MEMBER} must be {expected}, got {_describe(value)}')
    _check_depth(value, key, 0)
    return value


def _check_depth(value, where, depth):
    if depth > _MAX_DEPTH:
        raise _problem(f'"{where}" is nested more than {_MAX_DEPTH} levels deep')
    children = value.values() if isinstance(value, dict) else value
    children = children if isinstance(value, (dict, list)) else ()
    for v in children:
        _check_depth(v, where, depth + 1)


def _read_weights(raw):
    try:
        state = serialization.load(io.BytesIO(raw))
    except RuntimeError as e:
        raise _problem(f"the weights ({_WEIGHTS_MEMBER}) are unreadable: {e}") from None
    from .._tensor import Tensor

    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()
    ):
        raise _problem(f"the weights ({_WEIGHTS_MEMBER}) are not a state dict of named tensors")
    return state


def _describe(value):
    return "nothing" if value is None else f"{type(value).__name__} {str(value)[:40]!r}"


# -------------------------------------------------------------------------------- settings
def _setting(d, section, key, kind, low=None, high=None, choices=None):
    """Check d[key] (if present): int/float/str within bounds; else a clear problem."""
    if key not in d or d[key] is None:
        return
    v = d[key]
    if kind is int and (not isinstance(v, int) or isinstance(v, bool)):
        raise _problem(f"{section} setting {key} must be an integer, got {v!r}")
    if kind is float and (not isinstance(v, (int, float)) or isinstance(v, bool)):
        raise _problem(f"{section} setting {key} must be a number, got {v!r}")
    if kind is str and not isinstance(v, str):
        raise _problem(f"{section} setting {key} must be a string, got {v!r}")
    if choices is not None and v not in choices:
        raise _problem(f"{section} setting {key} must be one of {', '.join(choices)}; got {v!r}")
    if low is not None and not v >= low:
        raise _problem(f"{section} setting {key} must be at least {low}, got {v!r}")
    if high is not None and not v <= high:
        raise _problem(f"{section} setting {key} must be at most {high}, got {v!r}")


def check_training(training: dict) -> dict:
    """``training`` if its known settings are valid (others pass through), else ProjectFileError."""
    _setting(training, "training", "optimizer", str, choices=OPTIMIZERS)
    _setting(training, "training", "lr", float, 0.0, 10.0)
    if training.get("lr") == 0:
        raise _problem("training setting lr must be greater than 0, got 0")
    _setting(training, "training", "batch_size", int, 1, 1_000_000)
    _setting(training, "training", "epochs", int, 0, 1_000_000)
    _setting(training, "training", "seed", int, 0, 2**63 - 1)
    _setting(training, "training", "weight_decay", float, 0.0, 10.0)
    _setting(training, "training", "momentum", float, 0.0, 1.0)
    return training


def check_dataset(dataset: dict) -> dict:
    """``dataset`` if its known settings are valid (others pass through), else ProjectFileError."""
    _setting(dataset, "dataset", "name", str)
    _setting(dataset, "dataset", "n_samples", int, 1, 10_000_000)
    _setting(dataset, "dataset", "noise", float, 0.0, 100.0)
    _setting(dataset, "dataset", "seed", int, 0, 2**63 - 1)
    _setting(dataset, "dataset", "test_fraction", float, 0.0, 0.95)
    _setting(dataset, "dataset", "seq_len", int, 1, 100_000)
    return dataset


# -------------------------------------------------------------------------------- autosave
def _state_dir() -> Path:
    """Where the studio keeps autosaves: $EDUTORCH_STUDIO_HOME, else the user's state folder."""
    home = os.environ.get("EDUTORCH_STUDIO_HOME")
    if home:
        return Path(home)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "edutorch-studio"
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "edutorch-studio"


def autosave_path(path=None) -> Path:
    """The autosave file for the project saved at ``path`` (or for an untitled one, None).

    Autosaves live in the user's state folder (never beside the project, which may be read-only):
    ``<state>/autosave/<name>-<hash of the full path>.etproj``. The folder is created.
    """
    folder = _state_dir() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    if path is None:
        return folder / f"untitled{EXTENSION}"
    full = os.path.abspath(os.fspath(path))
    tag = hashlib.sha1(full.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return folder / f"{Path(full).stem}-{tag}{EXTENSION}"


# --------------------------------------------------------------------------------- samples
_CONV = {"out_channels": 8, "kernel_size": (3, 3), "padding": (1, 1)}
_CE = ("Output", {"loss": "CrossEntropyLoss"})
# name -> (one-line summary, description, blocks, dataset settings, training settings)
_SAMPLES = {
    "spiral-mlp": (
        "2-D spiral, MLP 2-16-16-3 (the first thing the studio shows)",
        "A small MLP learns to tell the three arms of a 2-D spiral apart.",
        [("Input", {"shape": (2,)}), ("Linear", {"out_features": 16}), "ReLU",
         ("Linear", {"out_features": 16}), "ReLU", ("Linear", {"out_features": 3}), _CE],
        {"name": "spiral", "n_samples": 600, "noise": 0.05, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.01, "batch_size": 32, "epochs": 100},
    ),
    "glyphs-cnn": (
        "digit-like glyph images, a two-layer CNN",
        "A small convolutional network reads digit-like glyph images (1x28x28).",
        [("Input", {"shape": (1, 28, 28)}), ("Conv2d", _CONV), "ReLU", "MaxPool2d",
         ("Conv2d", {**_CONV, "out_channels": 16}), "ReLU", "MaxPool2d", "Flatten",
         ("Linear", {"out_features": 10}), _CE],
        {"name": "glyphs", "n_samples": 2000, "noise": 0.1, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.003, "batch_size": 32, "epochs": 5},
    ),
    "sequence-rnn": (
        "count the ones in a bit string with a GRU",
        "A GRU reads 8 bits one at a time and counts the ones (0 to 8).",
        [("Input", {"shape": (8, 1)}), ("GRU", {"hidden_size": 32, "output": "last"}),
         ("Linear", {"out_features": 9}), _CE],
        {"name": "counting", "n_samples": 1000, "seq_len": 8, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.01, "batch_size": 32, "epochs": 30},
    ),
}  # fmt: skip
BUILTIN_SAMPLES = {name: entry[0] for name, entry in _SAMPLES.items()}


def sample_project(name: str) -> Project:
    """A fresh copy of a built-in sample project (untrained: no weights, no history)."""
    if name not in _SAMPLES:
        raise ValueError(f"no sample project {name!r}; samples: {', '.join(BUILTIN_SAMPLES)}")
    _, description, blocks, dataset, training = copy.deepcopy(_SAMPLES[name])
    return Project(
        GraphSpec.chain(*blocks, name=name),
        dataset=dataset,
        training={"optimizer": "Adam", "weight_decay": 0.0, "seed": 0, **training},
        meta={"name": name, "description": description},
    )


def write_samples(folder) -> list[Path]:
    """Write every built-in sample as ``<folder>/<name>.etproj``; returns the paths."""
    paths = []
    for name in BUILTIN_SAMPLES:
        path = Path(folder) / f"{name}{EXTENSION}"
        save_project(sample_project(name), path)
        paths.append(path)
    return paths

"""``edutorch.save`` and ``edutorch.load``: tensors and state dicts in a zip of JSON and ``.npy``.

A saved file is an ordinary zip archive (``unzip -l model.pt`` lists it)::

    manifest.json    {"format": "edutorch", "format_version": 1, "root": <the saved object>}
    tensors/0.npy    one numpy array per tensor, written by np.save(allow_pickle=False)
    tensors/1.npy    ...

PyTorch stores objects with pickle, which can run any code while loading. edutorch never pickles:
the manifest is plain JSON and the arrays are raw numbers, so loading a file from a stranger can
fail but never execute anything. What can be saved is what state dicts and optimizer states hold:
tensors (and Parameters), dicts and OrderedDicts with str or int keys, lists, tuples, int, float,
bool, str and None, nested in any way.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import math
import os
import re
import uuid
import zipfile
import zlib

import numpy as np

from . import _dtype as dt
from ._tensor import Tensor, _check_device

__all__ = ["save", "load"]

FORMAT_NAME = "edutorch"
FORMAT_VERSION = 1
_MAX_DEPTH = 200  # nesting deeper than any state dict; keeps JSON parsing far from recursion limits
_MAX_MANIFEST_BYTES = 64 * 2**20
_MAX_NPY_HEADER = 65536  # numpy's own limit on a .npy header is far below this
_MEMBER_NAME = re.compile(r"manifest\.json|tensors/\d+\.npy")
_DTYPES = {d.name: d for d in dt.ALL}
_SUPPORTED = "tensors, dicts with str or int keys, lists, tuples, int, float, bool, str and None"


# ---------------------------------------------------------------------------------------- save
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """Save ``obj`` (e.g. ``model.state_dict()``) to ``f``, a path or a binary file object.

    Writing to a path is atomic: the data goes to a temporary file next to it, which then replaces
    ``f`` in one step, so a crash mid-save leaves the previous file intact.
    ``pickle_module`` and the other torch options are accepted and ignored (no pickle is used).
    """
    arrays = []  # (member name, numpy array), filled in while the object tree is encoded
    root = _encode(obj, "obj", arrays, {}, set())
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "root": root}
    if isinstance(f, (str, bytes, os.PathLike)):
        _write_atomically(os.fsdecode(f), lambda fh: _write_zip(fh, manifest, arrays))
    else:
        _write_zip(f, manifest, arrays)


def _encode(obj, where, arrays, memo, active):
    """The JSON form of ``obj``; ``where`` names its place in the tree (``obj['fc.weight']``)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)  # an int subclass such as IntEnum is saved as its value
    if isinstance(obj, float):
        # JSON has no NaN or infinity, so those are spelled out
        return float(obj) if math.isfinite(obj) else {"type": "float", "value": repr(float(obj))}
    if isinstance(obj, (np.bool_, np.integer, np.floating)):
        return _encode(obj.item(), where, arrays, memo, active)  # e.g. a metric from numpy
    if isinstance(obj, Tensor):
        return _encode_tensor(obj, arrays, memo)
    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(_unsupported(obj, where))
    if id(obj) in active:
        raise ValueError(f"edutorch.save: {where} contains itself (a reference cycle)")
    if len(active) >= _MAX_DEPTH:
        raise ValueError(f"edutorch.save: {where} is nested more than {_MAX_DEPTH} levels deep")
    active.add(id(obj))
    if isinstance(obj, dict):
        kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
        items = [
            [_encode_key(k, where), _encode(v, f"{where}[{k!r}]", arrays, memo, active)]
            for k, v in obj.items()
        ]
        node = {"type": kind, "items": items}
    else:
        kind = "tuple" if isinstance(obj, tuple) else "list"  # torch.Size saves as a tuple
        items = [_encode(v, f"{where}[{i}]", arrays, memo, active) for i, v in enumerate(obj)]
        node = {"type": kind, "items": items}
    active.discard(id(obj))
    return node


def _encode_key(key, where):
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return int(key)  # optimizer states use parameter numbers as keys
    raise TypeError(
        f"edutorch.save cannot store the dict key {key!r} (a {type(key).__name__}) in {where}: "
        "keys must be str or int"
    )


def _encode_tensor(t, arrays, memo):
    if id(t) not in memo:  # the same tensor twice is stored once, and loads as one tensor
        memo[id(t)] = (f"tensors/{len(arrays)}.npy", t)  # holding t keeps its id from being reused
        arrays.append((memo[id(t)][0], np.asarray(t._data)))
    param = _parameter_class()
    return {
        "type": "tensor",
        "file": memo[id(t)][0],
        "dtype": t.dtype.name,
        "shape": list(t.shape),
        "requires_grad": bool(t.requires_grad),
        "parameter": param is not None and isinstance(t, param),
    }


def _unsupported(obj, where):
    name = type(obj).__name__
    if callable(getattr(obj, "state_dict", None)):
        is_module = callable(getattr(obj, "forward", None))
        what = "model" if is_module else "optimizer" if hasattr(obj, "param_groups") else "obj"
        kind = "a whole nn.Module" if is_module else f"the {what} object itself"
        return (
            f"edutorch.save cannot save {kind} ({name}, at {where}): edutorch never pickles "
            f"objects. Save its state instead: edutorch.save({what}.state_dict(), path), then "
            f"{what}.load_state_dict(edutorch.load(path))"
        )
    return (
        f"edutorch.save cannot store an object of type {name} (at {where}); it stores {_SUPPORTED}"
    )


def _parameter_class():
    try:
        from .nn.parameter import Parameter
    except ImportError:  # nn not importable: plain tensors only
        return None
    return Parameter


def _zip_info(name):
    # a fixed timestamp makes saving the same object twice give byte-identical files
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped
    return info  # compress_type is ZIP_STORED: arrays are stored uncompressed


def _write_zip(fh, manifest, arrays):
    with zipfile.ZipFile(fh, "w") as zf:
        zf.writestr(_zip_info("manifest.json"), json.dumps(manifest, allow_nan=False))
        for name, arr in arrays:
            if not arr.flags.c_contiguous:
                arr = arr.copy(order="C")  # a transposed view loads as a contiguous tensor
            with zf.open(_zip_info(name), "w", force_zip64=arr.nbytes > 2**30) as out:
                np.save(out, arr, allow_pickle=False)  # a view is written as its values


def _write_atomically(path, write):
    """Call ``write(file)`` on a temporary file, then move it over ``path`` in one step."""
    target = os.path.realpath(path)  # through a symlink: replace the file, keep the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or '.'} does not exist.")
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the rename makes them visible
        os.replace(tmp, target)  # atomic: readers see the old file or the new one, never a mix
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ---------------------------------------------------------------------------------------- load
class _BadFile(Exception):
    """Why a file is not a valid edutorch file (``load`` turns it into a RuntimeError)."""


class _NewerFormat(Exception):
    pass


# what zipfile, zlib and numpy raise on damaged data
_DAMAGE = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
    ValueError, OverflowError, KeyError, IndexError, RecursionError,
    OSError,  # e.g. seeking to a negative offset that a damaged zip directory points to
)  # fmt: skip


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Load an object saved by ``edutorch.save`` from a path or a binary file object.

    Nothing in the file is executed, whatever ``weights_only`` says. Tensors load on the CPU, so
    ``map_location`` may be None, ``"cpu"``, a CPU device, a dict or a function (all mean the CPU).
    A damaged or foreign file raises a RuntimeError that names the file and says what is wrong.
    """
    if isinstance(map_location, (str, bytes)) or hasattr(map_location, "type"):
        _check_device(map_location)
    if pickle_module is not None:
        raise TypeError("edutorch.load never unpickles, so pickle_module cannot be used")
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        with open(path, "rb") as fh:
            return _load_from(fh, repr(path))
    name = getattr(f, "name", None)
    label = repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"
    seekable = getattr(f, "seekable", None)
    fh = f if seekable is not None and seekable() else io.BytesIO(f.read())  # zip needs seeking
    return _load_from(fh, label)


def _load_from(fh, label):
    try:
        return _read_archive(fh)
    except _NewerFormat as e:
        raise RuntimeError(
            f"edutorch.load: {label} was saved by a newer edutorch ({e}); upgrade edutorch "
            "to load it"
        ) from None
    except _BadFile as e:
        reason = str(e)
        cause = e.__cause__
    except _DAMAGE as e:
        reason, cause = f"damaged data ({type(e).__name__}: {e})", e
    raise RuntimeError(f"edutorch.load: {label} is not a valid edutorch file: {reason}") from cause


def _read_archive(fh):
    start = fh.tell()
    head = fh.read(1)
    fh.seek(start)
    if head[:1] == b"\x80":
        raise _BadFile(
            "it is a pickle (an old PyTorch file?); edutorch never unpickles. Load it in PyTorch "
            "and save tensors or a state dict with edutorch instead"
        )
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as e:
        raise _BadFile("not a zip archive (the file is truncated or of another kind)") from e
    with zf:
        members = _check_members(zf)
        manifest = _read_manifest(zf, members)
        return _Decoder(zf, members).decode(manifest["root"], "obj", 0)


def _check_members(zf):
    """The archive's members by name, after refusing any name this format never writes."""
    members = {}
    names = [info.filename for info in zf.infolist()]
    if any(n.endswith(".pkl") for n in names):
        raise _BadFile(
            "it holds a pickle (a PyTorch file?); edutorch never unpickles. Load it in PyTorch "
            "and save tensors or a state dict with edutorch instead"
        )
    for info in zf.infolist():
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name or ":" in name:
            raise _BadFile(f"unsafe member name {name!r} (path traversal)")
        if not _MEMBER_NAME.fullmatch(name):
            raise _BadFile(f"unexpected member {name!r}")
        if name in members:
            raise _BadFile(f"member {name!r} appears twice")
        members[name] = info
    return members


def _read_manifest(zf, members):
    if "manifest.json" not in members:
        raise _BadFile("manifest.json is missing")
    with zf.open(members["manifest.json"]) as fh:
        text = fh.read(_MAX_MANIFEST_BYTES + 1)  # never more, even if the zip claims less
    if len(text) > _MAX_MANIFEST_BYTES:
        raise _BadFile(f"manifest.json is larger than {_MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(text.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        raise _BadFile(f"manifest.json is not valid JSON ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _BadFile('manifest.json does not say "format": "edutorch"')
    version = manifest.get("format_version")
    if type(version) is not int or version < 1:
        raise _BadFile(f"manifest.json has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise _NewerFormat(f"file format version {version}; this edutorch reads {FORMAT_VERSION}")
    if "root" not in manifest:
        raise _BadFile("manifest.json has no root object")
    return manifest


def _no_constants(name):
    raise ValueError(f"{name} is not allowed")


class _Decoder:
    """Rebuilds the saved object from the manifest's JSON, checking every entry on the way."""

    def __init__(self, zf, members):
        self.zf, self.members = zf, members
        self.tensors = {}  # file name -> Tensor, so a tensor saved twice loads as one

    def decode(self, node, where, depth):
        if depth > _MAX_DEPTH:
            raise _BadFile(f"{where} is nested more than {_MAX_DEPTH} levels deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        kind = node.get("type") if isinstance(node, dict) else None
        if kind == "float" and node.get("value") in ("nan", "inf", "-inf"):
            return float(node["value"])
        if kind in ("list", "tuple"):
            items = self._items(node, where)
            values = [self.decode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(items)]
            return tuple(values) if kind == "tuple" else values
        if kind in ("dict", "OrderedDict"):
            out = collections.OrderedDict() if kind == "OrderedDict" else {}
            for pair in self._items(node, where):
                if not (isinstance(pair, list) and len(pair) == 2 and _is_key(pair[0])):
                    raise _BadFile(f"{where} has an invalid dict entry {str(pair)[:80]}")
                out[pair[0]] = self.decode(pair[1], f"{where}[{pair[0]!r}]", depth + 1)
            return out
        if kind == "tensor":
            return self.tensor(node, where)
        raise _BadFile(f"{where} is not a valid entry: {str(node)[:80]}")

    def _items(self, node, where):
        if not isinstance(node.get("items"), list):
            raise _BadFile(f"{where} has no list of items")
        return node["items"]

    def tensor(self, node, where):
        name, dtype, shape = node.get("file"), node.get("dtype"), node.get("shape")
        requires_grad, is_param = node.get("requires_grad"), node.get("parameter")
        if name in self.tensors:
            return self.tensors[name]
        if name not in self.members or not name.endswith(".npy"):
            raise _BadFile(f"{where} refers to a missing array {name!r}")
        if dtype not in _DTYPES:
            raise _BadFile(f"{where} has an unsupported dtype {dtype!r}")
        shape_ok = isinstance(shape, list) and len(shape) <= 64
        if not shape_ok or not all(type(s) is int and s >= 0 for s in shape):
            raise _BadFile(f"{where} has an invalid shape {str(shape)[:80]}")
        if not isinstance(requires_grad, bool) or not isinstance(is_param, bool):
            raise _BadFile(f"{where} needs true/false for requires_grad and parameter")
        dtype = _DTYPES[dtype]
        if requires_grad and not dtype.is_floating_point:
            raise _BadFile(f"{where} is a {dtype.name} tensor that requires grad")
        arr = self._read_array(name, dtype, tuple(shape))
        t = Tensor._make(arr, requires_grad=requires_grad)
        param = _parameter_class() if is_param else None
        if param is not None:
            t = param(t, requires_grad=requires_grad)
        self.tensors[name] = t
        return t

    def _read_array(self, name, dtype, shape):
        """Read ``name``, checking its size before reading and its shape and dtype after."""
        info = self.members[name]
        nbytes = math.prod(shape) * dtype.itemsize
        if info.compress_type != zipfile.ZIP_STORED:
            raise _BadFile(f"{name} is compressed; arrays are stored uncompressed")
        if not nbytes < info.file_size <= nbytes + _MAX_NPY_HEADER:
            raise _BadFile(
                f"{name} holds {info.file_size} bytes, but the manifest's shape {list(shape)} "
                f"and dtype {dtype.name} need {nbytes} bytes plus a header"
            )
        raw = self.zf.read(info)  # also checks the CRC, which catches damaged bytes
        if not raw.startswith(b"\x93NUMPY"):
            kind = "a pickle" if raw[:1] == b"\x80" else "not a .npy array"
            raise _BadFile(f"{name} is {kind}")
        buf = io.BytesIO(raw)
        try:
            arr = np.load(buf, allow_pickle=False)  # refuses object arrays and pickles
        except (ValueError, EOFError, OSError) as e:
            raise _BadFile(f"{name} is not a readable .npy array ({e})") from e
        if arr.dtype.newbyteorder("=") != dtype.np or arr.shape != shape:
            raise _BadFile(
                f"{name} holds an array of shape {list(arr.shape)} and dtype {arr.dtype}, but the "
                f"manifest says shape {list(shape)} and dtype {dtype.name}"
            )
        if buf.tell() != len(raw):
            raise _BadFile(f"{name} has {len(raw) - buf.tell()} bytes of trailing data")
        return arr.astype(dtype.np, copy=False)  # native byte order


def _is_key(key):
    return isinstance(key, str) or (type(key) is int)

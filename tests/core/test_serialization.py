"""edutorch.save / load: round trips, atomic writes, and refusing damaged or hostile files."""

import collections
import enum
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import edutorch as torch
from edutorch import serialization

DTYPES = [
    torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
    torch.float16, torch.float32, torch.float64,
]  # fmt: skip


def roundtrip(obj, tmp_path):
    path = tmp_path / "obj.pt"
    torch.save(obj, path)
    return torch.load(path)


def assert_same_tensor(a, b):
    assert type(a) is type(b)
    assert a.dtype is b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_tensor_of_each_dtype(dtype, tmp_path):
    t = (torch.arange(12).reshape(3, 4) % 5).to(dtype)
    assert_same_tensor(roundtrip(t, tmp_path), t)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_zero_dim_and_empty_tensors(dtype, tmp_path):
    for t in (torch.tensor(1).to(dtype), torch.zeros(0, 3, dtype=dtype)):
        assert_same_tensor(roundtrip(t, tmp_path), t)


def test_views_save_their_values(tmp_path):
    base = torch.arange(24.0).reshape(4, 6)
    views = [base.T, base[1:3, ::2], base[:, 2], base.reshape(2, 12)[1]]
    out = roundtrip(views, tmp_path)
    for v, o in zip(views, out):
        assert_same_tensor(o, v)
        assert o.is_contiguous()


def test_special_floats_and_requires_grad(tmp_path):
    t = torch.tensor([float("nan"), float("inf"), -float("inf"), 1e-45]).requires_grad_()
    out = roundtrip(
        {"t": t, "nan": float("nan"), "inf": float("inf"), "ninf": -float("inf")}, tmp_path
    )
    assert out["t"].requires_grad and out["t"].is_leaf
    np.testing.assert_array_equal(out["t"].detach().numpy(), t.detach().numpy())
    assert np.isnan(out["nan"]) and out["inf"] == float("inf") and out["ninf"] == -float("inf")


def test_plain_values_nested(tmp_path):
    obj = {
        "a": [1, 2.5, True, None, "x", -(2**70)],
        "b": (1, (2, [3, {"c": ()}])),
        "empty": {},
        "unicode": "héllo ✓ \u0000",
        "float_like_int": 3.0,
    }
    out = roundtrip(obj, tmp_path)
    assert out == obj
    assert type(out["b"]) is tuple and type(out["b"][1][1]) is list
    assert type(out["float_like_int"]) is float and type(out["a"][0]) is int


def test_state_dict_like_ordered_dict(tmp_path):
    sd = collections.OrderedDict()
    sd["0.weight"] = torch.randn(4, 3)
    sd["0.bias"] = torch.randn(4)
    sd["bn.running_mean"] = torch.zeros(4)
    sd["bn.num_batches_tracked"] = torch.tensor(7)
    out = roundtrip(sd, tmp_path)
    assert type(out) is collections.OrderedDict and list(out) == list(sd)
    for k in sd:
        assert_same_tensor(out[k], sd[k])


def test_optimizer_state_like_dict_with_int_keys(tmp_path):
    state = {
        "state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.randn(2, 2)}, 1: {}},
        "param_groups": [
            {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1], "foreach": None}
        ],
    }
    out = roundtrip(state, tmp_path)
    assert list(out["state"]) == [0, 1] and all(type(k) is int for k in out["state"])
    assert out["param_groups"] == state["param_groups"]
    assert_same_tensor(out["state"][0]["exp_avg"], state["state"][0]["exp_avg"])
    assert type(out) is dict


def test_parameter_loads_as_parameter(tmp_path):
    p = torch.nn.Parameter(torch.randn(3))
    out = roundtrip(
        {"p": p, "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False)}, tmp_path
    )
    assert isinstance(out["p"], torch.nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["frozen"], torch.nn.Parameter) and not out["frozen"].requires_grad
    np.testing.assert_array_equal(out["p"].detach().numpy(), p.detach().numpy())


def test_shared_tensor_is_stored_once(tmp_path):
    t = torch.randn(5)
    out = roundtrip([t, t, {"again": t}], tmp_path)
    assert out[0] is out[1] is out[2]["again"]
    assert len(zipfile.ZipFile(tmp_path / "obj.pt").namelist()) == 2  # manifest + one array


def test_loaded_tensor_is_independent_and_writable(tmp_path):
    t = torch.zeros(3)
    out = roundtrip(t, tmp_path)
    out.add_(1)
    assert t.sum().item() == 0 and out.sum().item() == 3


def test_numpy_scalars_and_intenum_become_python_values(tmp_path):
    class Phase(enum.IntEnum):
        TRAIN = 2

    out = roundtrip([np.float32(0.5), np.int64(3), np.bool_(True), Phase.TRAIN], tmp_path)
    assert out == [0.5, 3, True, 2] and [type(v) for v in out] == [float, int, bool, int]


def test_file_objects_and_pathlike(tmp_path):
    buf = io.BytesIO()
    torch.save({"x": torch.ones(2)}, buf)
    buf.seek(0)
    assert torch.load(buf)["x"].tolist() == [1.0, 1.0]
    with open(tmp_path / "f.pt", "wb") as fh:
        torch.save([1, 2], fh)
    with open(tmp_path / "f.pt", "rb") as fh:
        assert torch.load(fh) == [1, 2]
    torch.save(5, str(tmp_path / "s.pt"))
    assert torch.load(str(tmp_path / "s.pt"), map_location="cpu", weights_only=False) == 5
    assert torch.load(tmp_path / "s.pt", map_location=torch.device("cpu")) == 5


def test_saving_is_deterministic(tmp_path):
    obj = {"w": torch.arange(6.0).reshape(2, 3), "n": 1}
    torch.save(obj, tmp_path / "a.pt")
    torch.save(obj, tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_file_is_a_plain_zip_of_json_and_npy(tmp_path):
    torch.save({"w": torch.ones(2, 2)}, tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "edutorch" and manifest["format_version"] == 1
        arr = np.load(io.BytesIO(zf.read("tensors/0.npy")), allow_pickle=False)
    np.testing.assert_array_equal(arr, np.ones((2, 2), np.float32))


def test_map_location_to_a_gpu_is_refused(tmp_path):
    torch.save(1, tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.load(tmp_path / "x.pt", map_location="cuda:0")


# ---------------------------------------------------------------------------- unsupported objects
class FakeModule:
    def state_dict(self):
        return {}

    def forward(self, x):
        return x


def test_saving_a_module_points_to_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"model\.state_dict\(\)"):
        torch.save(FakeModule(), tmp_path / "m.pt")
    with pytest.raises(TypeError, match=r"nn\.Module .*obj\['model'\]"):
        torch.save({"model": FakeModule()}, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()  # nothing is written when the object is refused
    if hasattr(torch.nn, "Linear"):
        with pytest.raises(TypeError, match=r"state_dict\(\)"):
            torch.save(torch.nn.Linear(2, 3), tmp_path / "m.pt")


@pytest.mark.parametrize(
    "obj, where, what",
    [
        ({"a": {1, 2}}, r"obj\['a'\]", "set"),
        ([1, b"bytes"], r"obj\[1\]", "bytes"),
        ({"f": lambda: 0}, r"obj\['f'\]", "function"),
        ({"n": np.zeros(2)}, r"obj\['n'\]", "ndarray"),
    ],
)
def test_unsupported_objects_name_type_and_place(obj, where, what, tmp_path):
    with pytest.raises(TypeError, match=rf"{what} \(at {where}\)"):
        torch.save(obj, tmp_path / "x.pt")


def test_bad_keys_and_cycles(tmp_path):
    with pytest.raises(TypeError, match="keys must be str or int"):
        torch.save({(1, 2): 3}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="keys must be str or int"):
        torch.save({True: 3}, tmp_path / "x.pt")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="reference cycle"):
        torch.save(loop, tmp_path / "x.pt")


# ---------------------------------------------------------------------------- atomic writes
def test_crash_mid_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(3)}, path)
    before = path.read_bytes()
    real_save = np.save
    calls = []

    def failing_save(fh, arr, **kw):
        calls.append(1)
        if len(calls) == 2:  # the first array is written, then the "power cut"
            raise OSError("disk full")
        real_save(fh, arr, **kw)

    monkeypatch.setattr(serialization.np, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        torch.save({"w": torch.zeros(3), "b": torch.zeros(100)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pt"]  # the temporary file is cleaned up
    monkeypatch.undo()
    assert torch.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_save_replaces_file_and_follows_symlinks(tmp_path):
    real = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    torch.save(1, real)
    link.symlink_to(real)
    torch.save(2, link)
    assert link.is_symlink() and torch.load(real) == 2


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        torch.save(1, tmp_path / "nope" / "x.pt")
    with pytest.raises(FileNotFoundError):
        torch.load(tmp_path / "nope.pt")


# ---------------------------------------------------------------------- damaged and hostile files
def write_zip(path, members, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def npy_bytes(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def manifest(root, version=1):
    return json.dumps({"format": "edutorch", "format_version": version, "root": root})


def tensor_node(shape=(2, 3), dtype="float32", file="tensors/0.npy"):
    return {
        "type": "tensor", "file": file, "dtype": dtype, "shape": list(shape),
        "requires_grad": False, "parameter": False,
    }  # fmt: skip


def expect_invalid(path, reason):
    pattern = rf"edutorch\.load: '{path}' is not a valid edutorch file: .*{reason}"
    with pytest.raises(RuntimeError, match=pattern):
        torch.load(path)


def test_truncated_files(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.randn(50, 50), "b": torch.randn(50)}, path)
    data = path.read_bytes()
    bad = tmp_path / "cut.pt"
    for cut in (0, 10, len(data) // 2, len(data) - 10, len(data) - 1):
        bad.write_bytes(data[:cut])
        expect_invalid(bad, "")


def test_not_a_zip(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"hello, this is text")
    expect_invalid(path, "not a zip archive")


def test_damaged_array_bytes_fail_the_crc(tmp_path):
    path = tmp_path / "x.pt"
    torch.save(torch.zeros(1000), path)
    data = bytearray(path.read_bytes())
    data[data.find(b"\x93NUMPY") + 300] ^= 0xFF
    path.write_bytes(bytes(data))
    expect_invalid(path, "CRC|damaged")


def test_fuzzed_files_raise_runtime_error_only(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.randn(4, 4), "k": [1, "a", 2.5]}, path)
    data = path.read_bytes()
    rng = np.random.default_rng(0)
    bad = tmp_path / "fuzz.pt"
    for _ in range(150):
        mutated = bytearray(data)
        for i in rng.integers(0, len(data), size=rng.integers(1, 4)):
            mutated[i] = rng.integers(0, 256)
        bad.write_bytes(bytes(mutated))
        try:
            torch.load(bad)
        except RuntimeError as e:
            assert f"'{bad}'" in str(e)


@pytest.mark.parametrize(
    "text, reason",
    [
        (b"not json", "not valid JSON"),
        (b'{"format": "pytorch", "format_version": 1, "root": 1}', '"format": "edutorch"'),
        (b'{"format": "edutorch", "root": 1}', "format_version"),
        (b'{"format": "edutorch", "format_version": true, "root": 1}', "format_version"),
        (b'{"format": "edutorch", "format_version": 1}', "no root"),
        (b"[1, 2]", '"format": "edutorch"'),
        (b'{"format": "edutorch", "format_version": 1, "root": NaN}', "not valid JSON"),
        (manifest({"type": "set", "items": []}).encode(), r"obj is not a valid entry"),
        (manifest({"type": "dict", "items": [[1.5, 2]]}).encode(), "invalid dict entry"),
        (manifest({"type": "list", "items": {}}).encode(), "no list of items"),
        (manifest(tensor_node()).encode(), "missing array"),
        pytest.param(b"[" * 100000 + b"]" * 100000, "not valid JSON", id="deep-json"),
    ],
)
def test_wrong_manifests(text, reason, tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": text})
    expect_invalid(path, reason)


def test_deep_nesting_is_refused(tmp_path):
    node = 1
    for _ in range(300):
        node = {"type": "list", "items": [node]}
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": manifest(node)})
    expect_invalid(path, "nested more than")


def test_missing_manifest(tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"tensors/0.npy": npy_bytes(np.zeros(2))})
    expect_invalid(path, "manifest.json is missing")


def test_newer_format_version(tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": manifest(1, version=2)})
    with pytest.raises(RuntimeError, match=rf"'{path}' was saved by a newer edutorch"):
        torch.load(path)


@pytest.mark.parametrize(
    "node, arr, reason",
    [
        (tensor_node((3, 2)), np.zeros((2, 3), np.float32), "shape \\[2, 3\\].*manifest says"),
        (tensor_node((2, 3)), np.zeros((2, 3), np.float64), "dtype float64, but the manifest"),
        (tensor_node((6,), "int32"), np.zeros(6, np.float32), "dtype float32, but the manifest"),
        (tensor_node((10**12, 10**12)), np.zeros(2), "need 4000000000000000000000000 bytes"),
        (tensor_node((-1,)), np.zeros(2), "invalid shape"),
        (tensor_node((2,), "object"), np.zeros(2), "unsupported dtype"),
        (tensor_node((2,), file="../../etc/passwd"), np.zeros(2), "missing array"),
    ],
)
def test_arrays_that_disagree_with_the_manifest(node, arr, reason, tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": manifest(node), "tensors/0.npy": npy_bytes(arr)})
    expect_invalid(path, reason)


def test_npy_with_object_dtype(tmp_path):
    path = tmp_path / "x.pt"
    arr = np.array([None, None], dtype=object)
    write_zip(path, {"manifest.json": manifest(tensor_node((2,), "float64")),
                     "tensors/0.npy": npy_bytes(arr, allow_pickle=True)})  # fmt: skip
    expect_invalid(path, "Object arrays cannot be loaded")


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_pickle_inside_the_zip_is_never_unpickled(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: ran.append(1))
    payload = pickle.dumps(Boom())
    path = tmp_path / "x.pt"
    # a member posing as an array
    write_zip(path, {"manifest.json": manifest(tensor_node((len(payload) // 8,), "float64")),
                     "tensors/0.npy": payload})  # fmt: skip
    expect_invalid(path, "is a pickle")
    # a PyTorch-style archive
    write_zip(path, {"archive/data.pkl": payload, "archive/version": b"3"})
    expect_invalid(path, "holds a pickle")
    # a bare pickle file
    path.write_bytes(payload)
    expect_invalid(path, "it is a pickle")
    assert not ran


def test_real_torch_file_is_refused_with_a_hint(tmp_path):
    real_torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    real_torch.save({"w": real_torch.ones(2)}, path)
    expect_invalid(path, "PyTorch")


@pytest.mark.parametrize("name", ["../evil.npy", "/abs/path.npy", "tensors\\..\\x.npy", "C:x.npy"])
def test_member_names_with_path_traversal(name, tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": manifest(1), name: b"x"})
    expect_invalid(path, "unsafe member name")


def test_unexpected_members_and_compressed_arrays(tmp_path):
    path = tmp_path / "x.pt"
    write_zip(path, {"manifest.json": manifest(1), "notes.txt": b"hi"})
    expect_invalid(path, "unexpected member 'notes.txt'")
    write_zip(
        path,
        {"manifest.json": manifest(tensor_node()), "tensors/0.npy": npy_bytes(np.zeros((2, 3)))},
        compress=zipfile.ZIP_DEFLATED,
    )
    expect_invalid(path, "compressed")


def test_requires_grad_on_an_integer_tensor_is_refused(tmp_path):
    path = tmp_path / "x.pt"
    node = dict(tensor_node((2,), "int64"), requires_grad=True)
    write_zip(
        path, {"manifest.json": manifest(node), "tensors/0.npy": npy_bytes(np.zeros(2, np.int64))}
    )
    expect_invalid(path, "requires grad")


def test_error_names_file_objects(tmp_path):
    with pytest.raises(RuntimeError, match=r"edutorch\.load: <BytesIO> is not a valid"):
        torch.load(io.BytesIO(b"junk"))

"""Compatibility as a tested promise: scripts written for PyTorch run under edutorch, and, with
torch installed, print the same numbers under both (to float32 rounding).

Each file in ``scripts/`` has ``run(torch)``: it is called with edutorch and with torch, and the
two printouts must read the same once numbers are compared with a tolerance. The scripts start
both frameworks from the same weights (drawn with numpy, as their random streams differ).
A studio export (``to_python`` on a built-in sample) is run the same way, and as a file.
"""

import contextlib
import functools
import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import edutorch
from edutorch.graph import sample_project, to_python

HERE = Path(__file__).parent
SCRIPTS = sorted(p.stem for p in (HERE / "scripts").glob("*.py") if p.stem != "compat_util")
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]?\d+)?")
RTOL, ATOL = 1e-4, 2e-5  # float32 rounding, grown over a few dozen training steps


def load(path, name=None):
    spec = importlib.util.spec_from_file_location(name or f"compat_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printout(run, framework) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run(framework)
    return out.getvalue()


@functools.cache
def under_edutorch(script) -> str:
    return printout(load(HERE / "scripts" / f"{script}.py").run, edutorch)


def assert_same_printout(ours: str, theirs: str):
    """Same text, and each number within float32 rounding of the other."""
    assert NUMBER.sub("#", ours) == NUMBER.sub("#", theirs), f"{ours}\n---\n{theirs}"
    a = np.array([float(v) for v in NUMBER.findall(ours)])
    b = np.array([float(v) for v in NUMBER.findall(theirs)])
    bad = np.flatnonzero(np.abs(a - b) > ATOL + RTOL * np.abs(b))
    assert not bad.size, f"numbers differ: {a[bad]} vs {b[bad]}\n{ours}\n---\n{theirs}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_under_edutorch(script):
    text = under_edutorch(script)
    assert text.count("\n") >= 3 and "nan" not in text


@pytest.mark.parametrize("script", SCRIPTS)
def test_same_numbers_under_torch(script):
    torch = pytest.importorskip("torch")
    theirs = printout(load(HERE / "scripts" / f"{script}.py").run, torch)
    assert_same_printout(under_edutorch(script), theirs)


def test_training_actually_learns():
    """The comparisons are of models that learn, not of numbers stuck at their start."""
    mlp = under_edutorch("mlp_training").splitlines()
    assert float(mlp[-2].split("accuracy ")[1].split()[0]) > 0.9
    cnn = under_edutorch("cnn_training")
    assert "accuracy 1.0000" in cnn
    assert "same True" in under_edutorch("save_load")


def test_a_script_runs_as_a_program():
    env = {**os.environ, "COMPAT_FRAMEWORK": "edutorch"}
    result = subprocess.run([sys.executable, str(HERE / "scripts" / "mlp_training.py")],
                            capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == under_edutorch("mlp_training")


def test_the_comparison_notices_a_difference():
    assert_same_printout("loss 0.500000 acc 1", "loss 0.500004 acc 1")
    with pytest.raises(AssertionError):
        assert_same_printout("loss 0.500000", "loss 0.501000")
    with pytest.raises(AssertionError):
        assert_same_printout("loss 0.5", "loss 0.5 extra")


# ------------------------------------------------------------------------ a studio export
def exported(tmp_path, pytorch: bool) -> Path:
    """The spiral-mlp sample as the studio exports it (for edutorch, or for PyTorch)."""
    spec = sample_project("spiral-mlp").graph
    path = tmp_path / f"spiral_mlp_{'torch' if pytorch else 'edutorch'}.py"
    path.write_text(to_python(spec, pytorch=pytorch))
    return path


def train_exported(model_class):
    """A training loop over the exported class, written against PyTorch's API."""

    def run(torch):
        sys.path.insert(0, str(HERE / "scripts"))
        try:
            from compat_util import numpy_init
        finally:
            sys.path.pop(0)
        from mlp_training import blobs

        x, y = blobs()
        model = model_class()
        numpy_init(torch, model)
        print(model)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = torch.nn.CrossEntropyLoss()
        xs, ys = torch.from_numpy(x), torch.from_numpy(y)
        for step in range(15):
            optimizer.zero_grad()
            loss = loss_fn(model(xs), ys)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
        print("state", list(model.state_dict()))

    return run


def test_studio_export_trains_the_same_under_both(tmp_path):
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(HERE / "scripts"))
    try:
        ours_cls = load(exported(tmp_path, False), "spiral_edutorch").Model
        theirs_cls = load(exported(tmp_path, True), "spiral_torch").Model
        ours = printout(train_exported(ours_cls), edutorch)
        theirs = printout(train_exported(theirs_cls), torch)
    finally:
        sys.path.remove(str(HERE / "scripts"))
    assert "linear_1" in ours and "(linear_1): Linear(in_features=2, out_features=16" in ours
    assert_same_printout(ours, theirs)


def test_studio_export_runs_as_a_file_under_both(tmp_path):
    pytest.importorskip("torch")
    outputs = []
    for pytorch in (False, True):
        result = subprocess.run([sys.executable, str(exported(tmp_path, pytorch))],
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]  # the same model printout, parameter count and output shape
    assert "parameters: 371" in outputs[0]

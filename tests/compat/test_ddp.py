"""examples/ddp/train_ddp.py runs under torchrun: 2 processes, the gloo backend, a few steps."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ddp_script_runs_on_two_processes(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.distributed.is_available():
        pytest.skip("this torch build has no torch.distributed")
    torchrun = shutil.which("torchrun")
    launcher = [torchrun] if torchrun else [sys.executable, "-m", "torch.distributed.run"]
    saved = tmp_path / "ddp.pt"
    result = subprocess.run(
        [*launcher, "--standalone", "--nproc_per_node=2", str(ROOT / "examples/ddp/train_ddp.py"),
         "--max-steps", "5", "--save", str(saved)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"epoch +1 +loss \d\.\d{4}", result.stdout)
    assert "on 2 processes" in result.stdout and "5 steps per process" in result.stdout
    state = torch.load(saved, weights_only=True)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]


@pytest.mark.slow
def test_the_single_process_script_runs_on_both_with_one_line_changed(tmp_path):
    pytest.importorskip("torch")
    source = (ROOT / "examples/ddp/train.py").read_text()
    changed = re.sub(r"(?m)^import edutorch as torch.*$", "import torch", source)
    assert len(changed.splitlines()) == len(source.splitlines())
    diff = [(a, b) for a, b in zip(source.splitlines(), changed.splitlines()) if a != b]
    assert len(diff) == 1  # the one line
    (tmp_path / "train.py").write_text(changed)
    shutil.copy(ROOT / "examples/ddp/spiral.py", tmp_path / "spiral.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for script in (ROOT / "examples/ddp/train.py", tmp_path / "train.py"):
        result = subprocess.run([sys.executable, str(script), "--epochs", "2"], env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert re.search(r"test accuracy \d\.\d{3}", result.stdout)
        assert "samples/s" in result.stdout

"""The command line, run as a user would: in a subprocess, with or without Qt and a display."""

import os
import subprocess
import sys

import pytest


def run_studio(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def bare_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def test_package_import_does_not_import_qt():
    code = "import sys, edutorch_studio; sys.exit('PySide6' in sys.modules)"
    assert run_studio(code, bare_env()).returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display check is Linux-only")
def test_no_display_prints_one_line_and_exits_2():
    pytest.importorskip("PySide6")
    result = subprocess.run(
        [sys.executable, "-m", "edutorch_studio"],
        env=bare_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no display" in lines[0]
    assert "xvfb-run -a edutorch-studio" in lines[0]


def test_without_pyside6_prints_install_hint_and_exits_2():
    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "from edutorch_studio.__main__ import main\n"
        "sys.exit(main(['--screenshot', 'never.png']))"
    )
    result = run_studio(code, bare_env())
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'pip install "edutorch-studio[studio]"' in lines[0]

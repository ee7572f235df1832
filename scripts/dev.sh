#!/usr/bin/env bash
# Set up and run edutorch on a bare Debian/Ubuntu machine.
#
#   bash scripts/dev.sh test [pytest args]   fresh .venv-test, install everything, run all tests
#   bash scripts/dev.sh studio [args]        .venv with the studio, then run edutorch-studio
#
# Environment: PYTHON picks the interpreter (default: python3.11, else python3);
# EDUTORCH_NO_TORCH=1 skips installing torch (its parity tests are then skipped).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages Qt's offscreen platform needs (tests, --screenshot).
QT_OFFSCREEN_DEBS=(libgl1 libegl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3
    libfreetype6 libx11-6 fonts-dejavu-core)
# ...and a real window on an X server (xcb platform; `ldd` of Qt's libqxcb.so), plus Xvfb.
QT_WINDOW_DEBS=("${QT_OFFSCREEN_DEBS[@]}" xvfb xauth libxcb1 libx11-xcb1 libxcb-cursor0
    libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1 libxcb-render0
    libxcb-render-util0 libxcb-image0 libxcb-shm0 libxcb-sync1 libxcb-randr0 libxcb-xfixes0
    libxcb-util1)

section() { printf '\n==== %s   [%ds elapsed] ====\n' "$*" "$SECONDS"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages that are missing; apt-get update only when something is.
ensure_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "all ${#} Debian packages present"
        return
    fi
    if ! command -v apt-get >/dev/null; then
        echo "warning: not a Debian system, cannot install: ${missing[*]}" >&2
        return
    fi
    echo "installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

pick_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
    elif command -v python3.11 >/dev/null; then
        echo python3.11
    else
        echo python3
    fi
}

# Create a virtual environment at $1; on Debian, venv without ensurepip needs python3-venv.
make_venv() {
    local dir=$1 py version
    py=$(pick_python)
    command -v "$py" >/dev/null || { echo "error: $py not found (set PYTHON=...)" >&2; exit 1; }
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    echo "python: $(command -v "$py") ($version)"
    if ! "$py" -m venv "$dir"; then
        echo "venv failed (ensurepip missing?): installing python3-venv"
        rm -rf "$dir"
        ensure_debs python3-venv "python$version-venv"
        "$py" -m venv "$dir"
    fi
}

cmd_test() {
    section "Debian packages for Qt offscreen"
    ensure_debs "${QT_OFFSCREEN_DEBS[@]}"

    section "Fresh virtual environment .venv-test"
    rm -rf .venv-test
    make_venv .venv-test
    local py=.venv-test/bin/python

    section "pip install -e .[dev,numba]"
    "$py" -m pip install --progress-bar off -e ".[dev,numba]"

    section "pip install torch==2.13.0 (CPU, optional)"
    if [ -n "${EDUTORCH_NO_TORCH:-}" ]; then
        echo "EDUTORCH_NO_TORCH is set: torch parity tests will be skipped"
    elif ! "$py" -m pip install --progress-bar off torch==2.13.0; then
        echo "torch could not be installed: torch parity tests will be skipped"
    fi

    section "pytest"
    local status=0
    QT_QPA_PLATFORM=offscreen "$py" -m pytest "$@" || status=$?
    echo "pytest exit code: $status   [${SECONDS}s elapsed]"
    exit "$status"
}

cmd_studio() {
    section "Debian packages for Qt windows"
    ensure_debs "${QT_WINDOW_DEBS[@]}"

    section "Virtual environment .venv"
    if ! .venv/bin/python -c "" 2>/dev/null; then
        rm -rf .venv
        make_venv .venv
    fi

    section "pip install -e .[studio]"
    .venv/bin/python -m pip install --progress-bar off -q -e ".[studio]"

    section "edutorch-studio $*"
    exec .venv/bin/edutorch-studio "$@"
}

case "${1:-}" in
    test) shift; cmd_test "$@" ;;
    studio) shift; cmd_studio "$@" ;;
    *)
        echo "usage: bash scripts/dev.sh test [pytest args] | studio [edutorch-studio args]" >&2
        exit 2
        ;;
esac

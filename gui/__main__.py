"""Command line entry point: ``edutorch-studio`` and ``python -m edutorch_studio``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

NO_QT = 'edutorch-studio: PySide6 is not installed; run: pip install "edutorch-studio[studio]"'
NO_DISPLAY = (
    "edutorch-studio: no display found (DISPLAY and WAYLAND_DISPLAY are unset); "
    "run it on a virtual screen with `xvfb-run -a edutorch-studio`, "
    "or render a picture with `edutorch-studio --screenshot out.png`"
)


def parse_args(argv: Sequence[str | os.PathLike[str]] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="edutorch-studio", description="edutorch studio")
    parser.add_argument("project", nargs="?", help="project file (.etproj) to open")
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        help="render the main window offscreen to a PNG file and exit",
    )
    if argv is not None:
        argv = [os.fspath(arg) for arg in argv]
    return parser.parse_args(argv)


def has_display() -> bool:
    """False only on Linux with no X11/Wayland display and no Qt platform chosen."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: Sequence[str | os.PathLike[str]] | None = None) -> int:
    args = parse_args(argv)
    try:
        import PySide6  # noqa: F401
    except ImportError:
        print(NO_QT, file=sys.stderr)
        return 2
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2

    from edutorch_studio.app import create_app
    from edutorch_studio.main_window import MainWindow

    if args.screenshot and args.project and not project_is_readable(args.project):
        return 1  # no window (and no modal dialog) for a picture of a file that cannot open
    app = create_app()
    window = MainWindow(path=args.project, interactive=not args.screenshot)
    if args.screenshot:
        return save_screenshot(window, args.screenshot)
    window.show()
    return app.exec()


def project_is_readable(path: str) -> bool:
    from edutorch.graph.project import ProjectFileError, load_project

    try:
        load_project(path)
    except ProjectFileError as exc:
        print(f"edutorch-studio: {exc}", file=sys.stderr)
        return False
    return True


def save_screenshot(window, path: str) -> int:
    from PySide6.QtWidgets import QApplication

    drop_qt_message("does not support propagateSizeHints()")  # harmless, from offscreen Qt
    window.show()
    QApplication.processEvents()
    ok = window.grab().save(path, "PNG")
    window.close()
    window.deleteLater()
    if not ok:
        print(f"edutorch-studio: could not write {path}", file=sys.stderr)
        return 1
    return 0


def drop_qt_message(text: str) -> None:
    """Silence one Qt message; every other message goes to the previous handler."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if text in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)


if __name__ == "__main__":
    sys.exit(main())

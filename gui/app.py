"""The QApplication of edutorch studio."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

NO_FONT = (
    "edutorch-studio: Qt found no usable font, text will show as boxes; "
    "install one (Debian: apt-get install fonts-dejavu-core)"
)


def create_app() -> QApplication:
    """Return the running QApplication, creating it on first use."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0]])
    from edutorch_studio.collector import collect_in_gui_thread

    collect_in_gui_thread(app)  # never in a training or recording thread (see collector.py)
    app.setApplicationName("edutorch studio")
    app.setOrganizationName("edutorch")
    if not has_readable_font(app):
        print(NO_FONT, file=sys.stderr)
    return app


def has_readable_font(app: QApplication) -> bool:
    # QFontDatabase.families() lists placeholder aliases even with no font file installed;
    # the family actually resolved for the default font is empty in that case.
    return QFontInfo(app.font()).family() != ""

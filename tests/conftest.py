"""Shared pytest configuration.

Qt reads QT_QPA_PLATFORM when the first QApplication is created, so it is set here, before any
test module imports Qt: tests run offscreen, with or without a display.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

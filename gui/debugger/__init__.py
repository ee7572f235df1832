"""The step-through debugger: a view over an ``edutorch.trace`` tape (see panel.py)."""

from .panel import DebuggerPanel
from .window import DebuggerWindow, debug

__all__ = ["DebuggerPanel", "DebuggerWindow", "debug"]

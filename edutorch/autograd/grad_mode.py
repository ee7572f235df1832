"""Switch graph building on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each works as a context manager and as a decorator, as in torch.
"""

from __future__ import annotations

import functools
import threading

watchers = 0  # threads whose STATE.watched is on: while 0, ops skip the per-thread read
grad_off = 0  # threads whose grad mode is off: while 0, grad mode is on everywhere (same idea)
_watchers_lock = threading.Lock()


class _State(threading.local):
    """Switches read on every op, one set per thread as in torch: a training thread's no_grad
    evaluation must not switch graph building off for the GUI thread (and vice versa)."""

    grad_enabled = True
    watched = False  # anomaly mode or a tracer is on: the one flag every op reads for both
    _anomaly = False
    _tracer = None

    @property
    def anomaly(self):
        """detect_anomaly() is active."""
        return self._anomaly

    @anomaly.setter
    def anomaly(self, on):
        self._anomaly = on
        self._set_watched(bool(on) or self._tracer is not None)

    @property
    def tracer(self):
        """The trace recorder, when one is active (see edutorch.trace)."""
        return self._tracer

    @tracer.setter
    def tracer(self, recorder):
        self._tracer = recorder
        self._set_watched(recorder is not None or bool(self._anomaly))

    def _set_watched(self, on):
        global watchers
        if on != self.watched:
            with _watchers_lock:
                watchers += 1 if on else -1
        self.watched = on


STATE = _State()


def _switch(on: bool):
    """Set this thread's grad mode; every change goes through here to keep ``grad_off`` right."""
    global grad_off
    if on != STATE.grad_enabled:
        with _watchers_lock:
            grad_off += -1 if on else 1
    STATE.grad_enabled = on


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


class _GradMode:
    """Base for the grad-mode context managers: subclasses say which mode they set."""

    mode = True

    def __enter__(self):
        self._prev = STATE.grad_enabled
        _switch(self.mode)

    def __exit__(self, *exc):
        _switch(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside build no graph: use it for evaluation and for updating parameters."""

    mode = False


class enable_grad(_GradMode):
    """Turn graph building back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` acts as ``no_grad()``; it also takes effect when just called."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = STATE.grad_enabled
        _switch(self.mode)  # torch also applies the mode at construction

    def __enter__(self):
        pass

    def __call__(self, fn):
        _switch(self._prev)  # used as a decorator: undo the construction-time switch
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class inference_mode(no_grad):
    """Same as ``no_grad`` here (edutorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self.mode = not mode

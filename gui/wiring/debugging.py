"""The Debugger dock: "Debug step" records the canvas model on a batch of the data, and every
step of the debugger highlights its node on the canvas and colours the edges by what flows."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from edutorch_studio.builder.document import disconnect_quietly
from edutorch_studio.debugger import DebuggerPanel
from edutorch_studio.wiring import flow

BATCH = 8  # a debugging batch: every number stays readable in the inspector
STALE = "stale: the graph changed · Debug step (F10 on the canvas) records anew"


class DebugWiring(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = DebuggerPanel(window)
        self.stale = False
        self._recorded_from = None  # the graph (without positions) the tape was recorded from
        self._unhook = self.panel.hook_canvas(self._show_step)
        window.document.changed.connect(self._graph_changed)
        self.panel.recordingFinished.connect(self._recording_finished)
        QApplication.instance().focusChanged.connect(self._focus_changed)

    # --- the Run menu ------------------------------------------------------------------------
    def debug_step(self) -> None:
        """Record a new pass if there is no tape (or a stale one), else step to the next op."""
        if self.panel.recording_running:
            self.window.status("Still recording the forward and backward pass…")
        elif self.panel.tape is None or self.stale:
            self.record()
        else:
            self.panel.step()

    def step_back(self) -> None:
        if not self.stale:
            self.panel.back()

    def continue_(self) -> None:
        if not self.stale:
            self.panel.continue_()

    def record(self) -> bool:
        """Build the canvas model with the current weights and record it on a batch."""
        from edutorch.graph.spec import GraphError

        if self.panel.recording_running:
            return False
        try:
            model = self.window.snapshot_model()
        except GraphError as exc:
            self.panel.status.setText(f"cannot record: {exc}")
            self.window.status(f"Cannot debug: {exc}")
            self._raise_dock()
            return False
        loss_fn = self.window.training.loss_for(model)
        x, y, source = self.window.training.sample_batch(model, BATCH)
        self._recorded_from = self.window.graph_key()
        self.stale = False
        self.window.scene.clear_step()
        self.panel.record(model, x, y, loss_fn)
        self._raise_dock()
        self.window.status(f"Recording one forward and backward pass on {source}…")
        return True

    def _raise_dock(self) -> None:
        dock = self.window.docks["Debugger"]
        dock.show()
        dock.raise_()

    # --- keeping the canvas in step ----------------------------------------------------------
    def _show_step(self, module_path: str, magnitudes: dict) -> None:
        panel = self.panel
        if self.stale or panel.tape is None or panel.current < 0:
            return
        spec = self.window.document.spec
        backward = panel.tape.steps[panel.current].kind == "backward"
        styles = flow.edge_styles(spec, magnitudes, backward)
        node = flow.node_of(spec, module_path)
        self.window.scene.show_step(node, styles)
        last = len(panel.tape.steps) - 1
        where = f" · {node}" if node else ""
        pass_ = "backward: gradients in red" if backward else "forward: values in blue"
        self.window.status(f"Debugger step {panel.current}/{last}{where} · {pass_}")

    @Slot()
    def _recording_finished(self) -> None:
        if self.panel.tape is None:
            self.window.status(f"Debug step failed: {self.panel.status.text()}")
            return
        if self._recorded_from != self.window.graph_key():
            self._mark_stale()  # edited while recording: the tape is of the old graph
        else:  # the hook has shown step 0; say how to go on
            self.window.status("Debugger at step 0: F10 steps, Shift+F10 steps back, F5 runs on")

    @Slot()
    def _graph_changed(self) -> None:
        if self.panel.tape is not None and not self.stale:
            if self._recorded_from != self.window.graph_key():  # a move changes nothing
                self._mark_stale()

    @Slot(object, object)
    def _focus_changed(self, _old, new) -> None:
        """The panel's Step over is F11, as presentation mode is: two F11s would both do nothing
        (an ambiguous shortcut), so the panel's wins while it has the focus."""
        presentation = getattr(self.window, "actions", {}).get("presentation")
        if presentation is not None:
            inside = new is not None and (new is self.panel or self.panel.isAncestorOf(new))
            presentation.setShortcut(QKeySequence() if inside else QKeySequence("F11"))

    def _mark_stale(self) -> None:
        self.stale = True
        self.window.scene.clear_step()
        self.panel.status.setText(STALE)

    def clear(self) -> None:
        """Another project: its graph has nothing to do with the tape shown."""
        if self.panel.tape is not None:
            self._mark_stale()

    def shutdown(self) -> None:
        """Stop a recording and let go of the canvas (closeEvent and aboutToQuit)."""
        disconnect_quietly((self.window.document.changed, self._graph_changed),
                           (self.panel.recordingFinished, self._recording_finished),
                           (QApplication.instance().focusChanged, self._focus_changed))  # fmt: skip
        self._unhook()
        self.panel.shutdown()

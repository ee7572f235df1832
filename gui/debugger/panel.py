"""``DebuggerPanel``: step through a recorded forward and backward pass.

    panel.record(model, x, y, loss_fn)   # records on a worker thread, then opens at step 0
    panel.set_tape(tape)                 # or show a tape recorded elsewhere
    panel.hook_canvas(fn)                # fn(module path, edge_magnitudes()) on every step

Toolbar and keys: Back (Shift+F10), Step (F10), Step over module, Run to end of forward,
Continue (F5), Run to a module / op / graph node (Ctrl+F10).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from edutorch.trace import analysis

from .graph_view import GraphView
from .inspector import Inspector
from .recorder import MAX_ELEMENTS, Recorder, Recording
from .timeline import Timeline


class DebuggerPanel(QWidget):
    currentStepChanged = Signal(int)
    currentModuleChanged = Signal(str)
    recordingFinished = Signal()  # a new tape is shown (or recording failed: see status)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the keys work once the panel has focus
        self.tape = None
        self.recording: Recording | None = None
        self.current = -1
        self._module = None
        self._hooks: list = []
        self._closed = False
        self._last_args = None  # what "Record again" re-runs
        self.recorder = Recorder(self)
        self.recorder.done.connect(self._on_recorded)
        self.recorder.failed.connect(self._on_failed)
        self.timeline = Timeline(self)
        self.inspector = Inspector(self)
        self.graph_view = GraphView(self)
        self.counter = QLabel("no recording", self)
        self.status = QLabel(self)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # no known length: an animated "busy" bar
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.target = QComboBox(self)
        self.target.setEditable(True)
        self.target.setMinimumContentsLength(14)
        self.target.setToolTip("run to: a module path, op:<name>, step:<n>, or a graph node")
        self.toolbar = self._make_toolbar()
        self._layout()
        self.timeline.stepRequested.connect(self.go)
        self.graph_view.nodeActivated.connect(self._run_to_node)
        self.graph_view.scene.selectionChanged.connect(self._node_selected)
        self._enable(False)

    # --- construction ------------------------------------------------------------------
    def _action(self, toolbar, text, slot, keys=None, tip="") -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            # only while focus is in the panel: the main window has its own F5/F10 meanings
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        action.triggered.connect(lambda checked=False: slot())  # drop the `checked` argument
        toolbar.addAction(action)
        self.addAction(action)
        return action

    def _make_toolbar(self) -> QToolBar:
        bar = QToolBar(self)
        act = self._action
        self.back_action = act(bar, "◀ Back", self.back, "Shift+F10", "Step back")
        self.step_action = act(bar, "Step ▶", self.step, "F10", "Step to the next op")
        self.over_action = act(bar, "Step over", self.step_over, "F11", "Run past this module")
        self.forward_end_action = act(
            bar, "End of forward", self.run_to_forward_end, tip="Run to the forward pass's end"
        )
        self.continue_action = act(
            bar, "Continue ▶▶", self.continue_, "F5", "Run to the end (or the next anomaly)"
        )
        self.break_action = QAction("Break on anomalies", self)
        self.break_action.setCheckable(True)
        self.break_action.setToolTip("Continue stops at the steps flagged on the timeline")
        bar.addAction(self.break_action)
        bar.addSeparator()
        self.run_to_action = act(
            bar, "Run to", self._run_to_target, "Ctrl+F10", "Run to the module, op or node"
        )
        bar.addWidget(self.target)
        bar.addSeparator()
        self.again_action = act(
            bar, "Record again", self.record_again, tip="Record the same model and batch again"
        )
        return bar

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.busy)
        info = QHBoxLayout()
        info.addWidget(self.counter, 1)
        info.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.inspector)
        split.addWidget(self.graph_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(info)
        layout.addWidget(self.timeline)
        layout.addWidget(split, 1)

    def _enable(self, on: bool) -> None:
        stepping = (self.back_action, self.step_action, self.over_action,
                    self.forward_end_action, self.continue_action, self.run_to_action)  # fmt: skip
        for action in stepping:
            action.setEnabled(on)
        self.again_action.setEnabled(self._last_args is not None and not self.recorder.running)

    # --- recording ---------------------------------------------------------------------
    def record(self, model, x, y, loss_fn, max_elements: int = MAX_ELEMENTS) -> None:
        """Record ``loss_fn(model(x), y).backward()`` on a worker thread; shows step 0 when done."""
        self._last_args = (model, x, y, loss_fn, max_elements)
        self.recorder.start(model, x, y, loss_fn, max_elements)
        self.busy.show()
        self.status.setText("recording…")
        self._enable(False)

    def record_again(self) -> None:
        if self._last_args is not None and not self.recorder.running:
            self.record(*self._last_args)

    @property
    def recording_running(self) -> bool:
        return self.recorder.running

    @Slot(object)
    def _on_recorded(self, recording: Recording) -> None:
        self.busy.hide()
        flagged = len(recording.anomalies_by_step())
        self.status.setText(f"loss {recording.loss:.4g} · recorded in {recording.seconds:.2f} s"
                            + (f" · {flagged} steps flagged" if flagged else ""))  # fmt: skip
        self.set_tape(recording.tape, recording)
        self.recordingFinished.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.busy.hide()
        self.status.setText(message)
        self._enable(self.tape is not None)
        self.recordingFinished.emit()

    def shutdown(self) -> None:
        """Stop a running recording (closeEvent, aboutToQuit); safe to call more than once."""
        self.recorder.stop()
        self.busy.hide()
        if not self._closed:  # selectionChanged fires during scene teardown on deleted items
            self._closed = True
            self.graph_view.scene.selectionChanged.disconnect(self._node_selected)

    # --- showing a tape ----------------------------------------------------------------
    def set_tape(self, tape, recording: Recording | None = None) -> None:
        """Show ``tape`` at step 0 (anomalies are found here unless ``recording`` has them)."""
        if recording is None:
            recording = Recording(tape, float("nan"), 0.0, analysis.find_anomalies(tape))
        self.tape, self.recording, self.current, self._module = tape, recording, -1, None
        labels = [f"step {e.step} · {analysis.describe_event(e)}" for e in tape.steps]
        self.timeline.set_steps([e.kind for e in tape.steps], labels,
                                recording.anomalies_by_step())  # fmt: skip
        self.target.clear()
        self.target.addItems(analysis.module_paths(tape))
        self.target.addItems(sorted({f"op:{e.op}" for e in tape.steps}))
        self.target.setCurrentText("")
        self.graph_view.set_tape(tape)
        self._enable(bool(tape.steps))
        if tape.steps:
            self.go(0)

    def go(self, step: int) -> None:
        """Show step ``step`` (clamped to the tape)."""
        if self.tape is None or not self.tape.steps:
            return
        step = max(0, min(len(self.tape.steps) - 1, int(step)))
        if step == self.current:
            return
        self.current = step
        event = self.tape.steps[step]
        self.counter.setText(f"step {step} / {len(self.tape.steps) - 1} · "
                             f"{analysis.describe_event(event)}")  # fmt: skip
        notes = self.recording.anomalies_by_step().get(step) if self.recording else None
        self.counter.setToolTip("\n".join(notes or []))
        self.timeline.set_current(step)
        self.inspector.set_event(self.tape, step)
        self.graph_view.set_step(step)
        self.currentStepChanged.emit(step)
        if event.module != self._module:
            self._module = event.module
            self.currentModuleChanged.emit(event.module)
        if self._hooks:
            magnitudes = self.edge_magnitudes()
            for hook in list(self._hooks):
                hook(event.module, magnitudes)

    # --- navigation --------------------------------------------------------------------
    def step(self) -> None:
        self.go(self.current + 1)

    def back(self) -> None:
        self.go(self.current - 1)

    def continue_(self) -> None:
        """To the last step, or the next flagged step when "Break on anomalies" is on."""
        if self.tape is None:
            return
        if self.break_action.isChecked() and self.recording is not None:
            later = [s for s in self.recording.anomalies_by_step() if s > self.current]
            if later:
                self.go(min(later))
                return
        self.go(len(self.tape.steps) - 1)

    def run_to_forward_end(self) -> None:
        if self.tape is not None and self.current < self.tape.steps.forward_end:
            self.go(self.tape.steps.forward_end)

    def step_over(self) -> None:
        """Past every later op of the current module in this pass (top-level ops: one step)."""
        if self.tape is None:
            return
        if not self.tape.steps[self.current].module:
            self.step()
        else:
            self.go(self.tape.steps.step_over(self.current))

    def run_to(self, target: str) -> bool:
        """Run forward to ``target``: a module path ("fc1", its ops and submodules), "op:relu",
        "step:12" or "node:<graph node id>". Returns False (and stays) if nothing later matches."""
        if self.tape is None or not target.strip():
            return False
        target = target.strip()
        steps = self.tape.steps
        if target.startswith("op:"):
            found = steps.next(self.current, op=target[3:])
        elif target.startswith("step:"):
            found = int(target[5:]) if target[5:].isdigit() else None
        elif target.startswith("node:"):
            later = [i for i in self.graph_view.steps_of(target[5:]) if i > self.current]
            found = later[0] if later else None
        else:
            found = steps.next(self.current, module=target)
        if found is None:
            self.status.setText(f"nothing after step {self.current} matches {target!r}")
            return False
        self.go(found)
        return True

    def _run_to_target(self) -> None:
        self.run_to(self.target.currentText())

    def _run_to_node(self, node_id: str) -> None:
        self.run_to(f"node:{node_id}")

    def _node_selected(self) -> None:
        node = self.graph_view.selected_node()
        if node is not None:
            self.target.setCurrentText(f"node:{node}")

    # --- for the canvas ----------------------------------------------------------------
    def edge_magnitudes(self) -> dict:
        """{module path: (forward norm, grad norm)} as of the current step; a norm is None
        until that pass reaches the module (see edutorch.trace.analysis.edge_magnitudes)."""
        if self.tape is None or self.current < 0:
            return {}
        return analysis.edge_magnitudes(self.tape, upto=self.current)

    def hook_canvas(self, highlight_fn):
        """Call ``highlight_fn(module_path, edge_magnitudes)`` on every step (e.g. to highlight
        the canvas node of the current module and colour its edges). Returns an unhook function."""
        self._hooks.append(highlight_fn)
        if self.tape is not None and self.current >= 0:
            highlight_fn(self.tape.steps[self.current].module, self.edge_magnitudes())
        return lambda: self._hooks.remove(highlight_fn) if highlight_fn in self._hooks else None

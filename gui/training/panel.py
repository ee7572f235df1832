"""``TrainingPanel``: settings, Play/Pause/Step/Stop/Reset, and live views of the run.

The panel knows nothing about the main window: give it a model (``set_model``) and data
(``set_data``); read back ``history()``, ``weights()`` and ``config()`` to save a project, and
listen to ``trainingStateChanged(str)``. A ``Trainer`` runs in a worker thread; a 30 Hz timer
pulls ``history.snapshot()`` and ``LiveViews.latest()`` and redraws what changed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from edutorch.training import (
    ConfigError,
    History,
    LiveViews,
    Run,
    Trainer,
    TrainingConfig,
    reinitialize,
)

from .outputs import OutputTabs
from .plots import CompareView, CurvesView, LayersView
from .settings import SettingsForm
from .status import progress_text
from .worker import TrainingRunner

FRAME_MS = 33  # ~30 redraws per second while training


class TrainingPanel(QWidget):
    """Train a model on data and watch it learn. States: "empty" (no model or data yet),
    "ready", "running", "paused", "stopped", "finished", "error"."""

    trainingStateChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = self.loss_fn = None
        self.train_set = self.test_set = self.info = None
        self.trainer = None
        self.views = None
        self.runs: list[Run] = []
        self._initial_state = None
        self._built_config = None
        self._loaded_history = None
        self._state = "empty"
        self._in_tick = False
        self._drawn = (None, None)  # (history version, views version) last drawn
        self.redraws = 0  # timer ticks that redrew something (see frame_rate)
        self.paints = 0  # paint events of the curve plots
        self.runner = TrainingRunner(self)
        self.runner.finished.connect(self._run_finished)
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self._build()
        self._watched_window = None
        self._window_closing = False
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._update_buttons()

    # ------------------------------------------------------------------ layout
    def _build(self):
        self.settings = SettingsForm()
        self.settings.changed.connect(self._settings_changed)
        icon = self.style().standardIcon  # the platform's own media icons (fonts may lack ⏸)
        pixmaps = QStyle.StandardPixmap
        self.play_button = QPushButton(icon(pixmaps.SP_MediaPlay), "Play")
        self.pause_button = QPushButton(icon(pixmaps.SP_MediaPause), "Pause")
        self.step_button = QPushButton(icon(pixmaps.SP_MediaSkipForward), "Step")
        self.stop_button = QPushButton(icon(pixmaps.SP_MediaStop), "Stop")
        self.reset_button = QPushButton(icon(pixmaps.SP_BrowserReload), "Reset")
        self.step_button.setToolTip("Train on one batch, then pause")
        self.reset_button.setToolTip("Back to the same initial weights: runs stay comparable")
        # lambdas: clicked(bool) would pass `checked` into a slot with arguments (qt-stack notes)
        self.play_button.clicked.connect(lambda: self.play())
        self.pause_button.clicked.connect(lambda: self.pause())
        self.step_button.clicked.connect(lambda: self.step())
        self.stop_button.clicked.connect(lambda: self.stop())
        self.reset_button.clicked.connect(lambda: self.reset())
        buttons = QHBoxLayout()
        for b in (self.play_button, self.pause_button, self.step_button, self.stop_button,
                  self.reset_button):  # fmt: skip
            buttons.addWidget(b)
        self.progress = QProgressBar(textVisible=True)
        self.status = QLabel("Give the panel a model and data.", wordWrap=True)
        self.message = QLabel(wordWrap=True, objectName="trainingMessage")
        self.message.setStyleSheet("color: #b00020")
        self.message.setVisible(False)

        box = QGroupBox("Settings")
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.settings)
        QVBoxLayout(box).addWidget(scroll)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(box, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.message)
        left.setMinimumWidth(300)
        left.setMaximumWidth(380)

        self.curves, self.layers, self.compare = CurvesView(), LayersView(), CompareView()
        self.curve_tabs = QTabWidget()
        self.curve_tabs.addTab(self.curves, "Curves")
        self.curve_tabs.addTab(self.layers, "Layers")
        self.curve_tabs.addTab(self.compare, "Compare runs")
        self.curve_tabs.currentChanged.connect(lambda _: self._refresh(force=True))
        self.outputs = OutputTabs()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.curve_tabs)
        split.addWidget(self.outputs)
        split.setSizes([500, 400])
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(split, 1)
        self.curves.layout_widget.viewport().installEventFilter(self)

    # ------------------------------------------------------------------ what the window wires
    def set_model(self, module, loss_fn=None):
        """Train ``module`` (with ``loss_fn``, default its ``.loss_fn`` as a GraphModule has).
        Its current weights become the initial weights that Reset returns to."""
        self.shutdown()
        self.model = module
        self.loss_fn = loss_fn if loss_fn is not None else getattr(module, "loss_fn", None)
        self._initial_state = {k: v.clone() for k, v in module.state_dict().items()}
        self.runs = []
        self._rebuild()  # keeps the given weights (only a changed seed draws new ones)

    def set_data(self, train, test=None, info=None):
        """Train on ``train``, test on ``test``; ``info`` is a ``DataInfo`` (from ``load_data``
        or the data panel) and decides which views apply."""
        self.shutdown()
        self.train_set, self.test_set, self.info = train, test, info
        self.outputs.set_data(train, test, info)
        self.runs = []
        self._rebuild()

    def config(self) -> TrainingConfig:
        return self.settings.config()

    def set_config(self, config):
        """Show these settings (a TrainingConfig or its dict); they apply from the next run."""
        if isinstance(config, dict):
            config = TrainingConfig.from_dict(config)
        # settings from a project: its seed must not redraw the weights that came with it
        self.settings.blockSignals(True)
        try:
            self.settings.set_config(config)
        finally:
            self.settings.blockSignals(False)
        if self.trainer is not None and self.trainer.step_count == 0:
            self._rebuild()

    def history(self) -> History | None:
        """The current run's history (a copy), or the one given to ``set_history``."""
        if self.trainer is not None and len(self.trainer.history):
            return self.trainer.history.snapshot()
        return self._loaded_history

    def set_history(self, history):
        """Show a saved run's curves (a History or its dict) until training starts again."""
        if isinstance(history, dict):
            history = History.from_dict(history)
        self._loaded_history = history
        if history is not None:
            self._draw_history(history)

    def weights(self) -> dict | None:
        """The model's weights now (a copy: a state dict of tensors). While training, the worker
        is paused for the copy, so no tensor is read half-updated."""
        if self.trainer is not None:
            running = self.runner.is_running() and not self.trainer.paused
            if running:
                self.trainer.pause()
                self.trainer.wait_until_paused(30)
            try:
                return self.trainer.state_dict_copy()
            finally:
                if running:
                    self.trainer.resume()
        if self.model is not None:
            return {k: v.clone() for k, v in self.model.state_dict().items()}
        return None

    def save_to(self, project):
        """Put the settings, the weights and the history into an ``edutorch.graph.Project``."""
        project.training = self.config().to_dict()
        project.weights = self.weights()
        history = self.history()
        project.history = history.to_dict() if history is not None else None

    def load_from(self, project):
        """Show a project's settings and saved history (the window sets model and data)."""
        if project.training:
            self.set_config(TrainingConfig.from_dict(project.training))
        if project.history:
            self.set_history(project.history)

    def latest_views(self) -> dict:
        """The newest live views ({"grid", "neurons", "confusion", "predictions", "step"}): the
        window can put ``neurons`` (keyed by module name = canvas node id) on its nodes."""
        return self.views.latest() if self.views is not None else {}

    def state(self) -> str:
        """The state now (``trainingStateChanged`` reports it at the next frame)."""
        return self.trainer.state if self.trainer is not None else self._state

    # ------------------------------------------------------------------ controls
    @Slot()
    def play(self):
        if self.trainer is None:
            return
        if not self.runner.is_running():
            if self.trainer.step_count == 0 and self._settings_differ():
                self._rebuild()
            if self.trainer.finished:
                self._say("All epochs are done: press Reset (or raise Epochs, then Reset).")
                return
        self.trainer.resume()
        self._start()

    @Slot()
    def pause(self):
        if self.trainer is not None and self.runner.is_running():
            self.trainer.pause()
            self._tick()

    @Slot()
    def step(self):
        """Train on one batch, then pause."""
        if self.trainer is None or self.trainer.finished:
            return
        if not self.runner.is_running() and self.trainer.step_count == 0:
            if self._settings_differ():
                self._rebuild()
        self.trainer.step_once()
        self._start()

    @Slot()
    def stop(self):
        self.runner.stop(wait=True)
        self._tick()

    @Slot()
    def reset(self):
        """Stop, keep the run for comparison, and go back to the initial weights with the
        settings now shown (a new seed draws new initial weights)."""
        self.runner.stop(wait=True)
        if self.trainer is not None and len(self.trainer.history):
            self.runs.append(Run(self._built_config.to_dict(), self.trainer.history.snapshot()))
        self._loaded_history = None
        self._rebuild(reseed=True)

    @Slot()
    def shutdown(self):
        """Stop the worker thread and wait for it (closing, quitting, a new model)."""
        self.runner.stop(wait=True)
        self.timer.stop()

    # ------------------------------------------------------------------ internals
    def _start(self):
        self._say("")
        self.runner.start(self.trainer, self.views)
        if not self.timer.isActive():
            self.timer.start()
        self._tick()

    def _settings_differ(self) -> bool:
        try:
            return self.settings.config() != self._built_config
        except ConfigError:
            return True

    def _rebuild(self, reseed=False):
        """A fresh Trainer from the settings shown, starting at the initial weights; with
        ``reseed``, a seed other than the last run's draws new initial weights first."""
        self.trainer = self.views = None
        if self.model is None or self.train_set is None:
            self._set_state("empty")
            return
        try:
            config = self.settings.config()
            old = self._built_config
            if reseed and old is not None and config.seed != old.seed:
                reinitialize(self.model, config.seed)  # the seed decides the initial weights
                self._initial_state = {k: v.clone() for k, v in self.model.state_dict().items()}
            self.model.load_state_dict(self._initial_state)
            self.trainer = Trainer(self.model, self.loss_fn, self.train_set, self.test_set, config)
        except Exception as e:  # a bad setting or a model the loss cannot take: say so
            self._say(f"Cannot train: {e}")
            self._set_state("error")
            return
        self._built_config = config
        shape = self.info.input_shape if self.info is not None else None
        self.views = LiveViews(self.train_set, self.test_set, shape)
        self.views.update(self.trainer, force=True)  # no thread is running: safe here
        self._say(self.views.error or "")
        self.layers.clear()
        self._drawn = (None, None)
        self._refresh(force=True)
        self._set_state("ready")

    @Slot()
    def _settings_changed(self):
        if self.trainer is None:
            return
        if self.trainer.step_count == 0 and not self.runner.is_running():
            self._rebuild(reseed=True)  # nothing trained yet: the new settings apply at once
        elif self._settings_differ():
            self._say("Settings changed: press Reset to train with them.")

    @Slot()
    def _tick(self):
        if self._in_tick:
            return
        self._in_tick = True
        try:
            with self.runner.frame():
                self._refresh()
                # draw now, while the worker waits: painting competes with it for the GIL
                QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents,
                                           FRAME_MS)  # fmt: skip
        finally:
            self._in_tick = False
        if not self.runner.is_running():
            self.timer.stop()

    @Slot()
    def _run_finished(self):
        self._refresh(force=True)
        error = self.runner.error()
        if error:
            self._say("Training failed:\n" + error.strip().splitlines()[-1])
        self.timer.stop()

    def _refresh(self, force=False):
        """Redraw what changed since the last frame (everything if ``force``)."""
        if self.trainer is None:
            self._update_buttons()
            return
        self._set_state(self.trainer.state)
        drew = False
        version = self.trainer.history.version
        if force or version != self._drawn[0]:
            if len(self.trainer.history) or self._loaded_history is None:
                self._draw_history(self.trainer.history.snapshot())
            drew = True
        views = self.views.latest() if self.views is not None else {"version": None}
        if force or views["version"] != self._drawn[1]:
            self.outputs.update_views(views)
            drew = True
        self._drawn = (version, views["version"])
        if drew:
            self.redraws += 1

    def _draw_history(self, history):
        tab = self.curve_tabs.currentWidget()
        self.curves.update_history(history)
        if tab is self.layers:  # histograms cost more: only when they can be seen
            self.layers.update_history(history)
        if tab is self.compare:
            current = Run(self._built_config.to_dict(), history) if self._built_config else None
            self.compare.set_runs(self.runs, current)
        meta = history.meta
        total = int(meta.get("total_steps", 0)) or 1
        done = len(history)
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))
        self.status.setText(progress_text(history, self.trainer.config.epochs
                                          if self.trainer else None))  # fmt: skip

    def _set_state(self, state):
        if state != self._state:
            self._state = state
            self.trainingStateChanged.emit(state)
        self._update_buttons()

    def _update_buttons(self):
        running = self.runner.is_running() and self._state == "running"
        ready = self.trainer is not None
        finished = ready and self.trainer.finished
        self.play_button.setEnabled(ready and not running and not finished)
        self.pause_button.setEnabled(running)
        self.step_button.setEnabled(ready and not running and not finished)
        self.stop_button.setEnabled(self.runner.is_running())
        self.reset_button.setEnabled(ready or self.model is not None)

    def _say(self, text):
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ frames and closing
    def frame_rate(self, seconds=2.0) -> tuple[float, float]:
        """(redraws per second, paints per second) measured over ``seconds`` of event loop."""
        r0, p0, t0 = self.redraws, self.paints, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            QApplication.processEvents()
            time.sleep(0.002)
        elapsed = time.perf_counter() - t0
        return (self.redraws - r0) / elapsed, (self.paints - p0) / elapsed

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and obj is self.curves.layout_widget.viewport():
            self.paints += 1
        elif obj is self._watched_window and event.type() == QEvent.Type.Close:
            # the window may still refuse (unsaved changes): act on the hide that follows
            self._window_closing = True
            QTimer.singleShot(0, self._close_settled)
        elif obj is self._watched_window and event.type() == QEvent.Type.Hide:
            if self._window_closing:
                self.shutdown()  # the window really closes: end training before it goes
        return False

    @Slot()
    def _close_settled(self):
        self._window_closing = False

    def showEvent(self, event):
        window = self.window()
        if window is not self and window is not self._watched_window:
            if self._watched_window is not None:
                self._watched_window.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched_window = window
        super().showEvent(event)

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)

"""The Training dock: the project's data settings drive the Data tab, the canvas model goes to the
Train tab, and the live weights, settings and curves go back into the project when it is saved.

While a run is going (running or paused) the model in training stays as it is: a graph edit or
new data waits, with a message, until the run is stopped or done, then applies with the weights
trained so far (layers that changed start fresh).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from edutorch_studio.builder.document import disconnect_quietly
from edutorch_studio.files import load_matching
from edutorch_studio.training import DataPanel, TrainingPanel
from edutorch_studio.wiring.neurons import NeuronOverlay

BUSY = ("running", "paused")  # a run is going: its model and data are not swapped under it
STATES = {  # what the status bar says when a run changes state
    "running": "Training…",
    "paused": "Training paused at step {step}: Play goes on, Step trains one batch",
    "stopped": "Training stopped at step {step}",
    "finished": "Training finished: {step} steps",
    "error": "Training failed: see the Training dock",
}
DATA_WIDTH = 480  # the data form and its preview; a full-width dock stretched the scatter flat
WAITING = "The graph changed: training goes on with the model it started with; Stop to apply"


class TrainingWiring(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.data_panel = DataPanel()
        self.panel = TrainingPanel()
        self.widget = self._build()
        self.neurons = NeuronOverlay(window.scene, self.panel, self)  # tiles under MLP blocks
        self._attached = False  # off while a project is being opened
        self._loading = False  # our own changes to the panels are no edits of the user
        self._has_model = False
        self._model_key = None  # graph_key() of the model the panel trains
        self._pending = False  # a model or data change waits for the run to end
        self.data_panel.dataChanged.connect(self._data_changed)
        self.panel.trainingStateChanged.connect(self._state_changed)
        self.panel.settings.changed.connect(self._settings_edited)
        window.document.shapesUpdated.connect(self._graph_checked)

    def _build(self) -> QWidget:
        self.banner = QLabel(wordWrap=True, objectName="trainingBanner")
        self.banner.setStyleSheet("color: #c5221f; font-weight: bold; padding: 2px 6px;")
        self.banner.hide()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.panel, "Train")
        data_page = QWidget()
        row = QHBoxLayout(data_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.data_panel)
        row.addStretch(1)
        self.data_panel.setMaximumWidth(DATA_WIDTH)
        self.tabs.addTab(data_page, "Data")
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        return widget

    # --- what the window and the files ask -----------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.panel.state() in BUSY

    def weights(self) -> dict | None:
        """The live weights of the model in the panel (a copy), or None before it has one."""
        return self.panel.weights() if self._has_model else None

    def history(self) -> dict | None:
        history = self.panel.history()
        return history.to_dict() if history is not None and len(history) else None

    def training_settings(self, fallback: dict) -> dict:
        from edutorch.training import ConfigError

        try:
            return self.panel.config().to_dict()
        except ConfigError:
            return dict(fallback)  # a half-typed setting: keep the project's

    def data_settings(self) -> dict:
        return self.data_panel.settings()

    def loss_for(self, model):
        """The loss the training settings choose, else the model's own (its Output block's)."""
        from edutorch.training import ConfigError, make_loss

        try:
            name = self.panel.config().loss
        except ConfigError:
            name = None
        return make_loss(name) if name else model.loss_fn

    def sample_batch(self, model, n: int):
        """(x, y, what it is): the first ``n`` training samples, or, when no data fits the model's
        input, a random batch of its input shape with random targets of its output."""
        import edutorch
        from edutorch.training import DataError, load_data, task_of

        data = self.data_panel.data()
        if data is None:
            try:
                data = load_data(self.window.files.project.dataset)
            except DataError:
                data = None
        shapes = model.input_shapes
        if data is not None and len(shapes) == 1 and tuple(data[2].input_shape) == shapes[0]:
            train, _, info = data
            n = min(n, len(train))
            xs, ys = zip(*(train[i] for i in range(n)))
            return edutorch.stack(xs), edutorch.stack(ys), f"{n} samples of {info.name}"
        x = edutorch.randn(n, *shapes[0])
        with edutorch.no_grad():
            out = model(x)
        if task_of(self.loss_for(model)) == "classification":
            y = edutorch.randint(0, out.shape[1], (n,))
        else:
            y = edutorch.randn(*out.shape)
        return x, y, f"a random batch of {n} (no data fits the input {shapes[0]})"

    # --- opening a project ---------------------------------------------------------------------
    def detach(self) -> None:
        """Before another project shows: stop training and forget the old model."""
        self.panel.shutdown()
        self.neurons.clear()
        self._attached = self._has_model = self._pending = False
        self._model_key = None

    def show_project(self, project) -> None:
        """Show the project's settings and saved curves, load its data, train its model."""
        from edutorch.training import ConfigError

        self._loading = True
        try:
            try:
                self.panel.set_history(project.history or None)
            except (ValueError, TypeError) as exc:
                self.window.status(f"The saved training history is unreadable: {exc}")
            if project.training:
                try:
                    self.panel.set_config(project.training)
                except ConfigError as exc:
                    self.window.status(f"The saved training settings do not apply: {exc}")
            self.data_panel.set_settings(project.dataset or {})  # loads: _data_changed
            self._attached = True
            self.update_model()
        finally:
            self._loading = False
        if project.history:
            self.tabs.setCurrentWidget(self.panel)
        self.neurons.refresh(force=True)

    # --- keeping the panels in step ------------------------------------------------------------
    @Slot()
    def _graph_checked(self) -> None:
        if self._attached:
            self.update_model()

    def update_model(self) -> None:
        """Give the panel the canvas model if the graph changed (moves do not count)."""
        from edutorch.graph.spec import GraphError

        key = self.window.graph_key()
        if self._has_model and key == self._model_key and not self._pending:
            self._show_banner("")  # back to the graph in training (an undo)
            self.neurons.refresh(force=True)
            return
        if self.busy:
            self._pending = True
            self.window.status(WAITING)
            return
        try:
            module = self.window.model()
        except GraphError as exc:
            self._show_banner(f"Cannot train: {exc}")
            self.neurons.clear()  # they showed a model the canvas no longer has
            return
        self._show_banner("")
        weights = self.weights()
        if module is not self.panel.model and weights is not None:
            load_matching(module, weights)  # the weights trained so far, where they still fit
        self._pending = False
        self._model_key, self._has_model = key, True
        if module is not self.panel.model:
            self.panel.set_model(module, None)
            self.neurons.refresh(force=True)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.panel.setEnabled(not text)  # no Play on a model that does not build

    @Slot()
    def _data_changed(self) -> None:
        data = self.data_panel.data()
        if data is None:
            return
        if not self._loading:
            self.window.files.project.dataset = self.data_panel.settings()
            self.window.document.mark_dirty()
        if self.busy:
            self._pending = True
            self.window.status("New data: training goes on with the old data; Stop to apply")
            return
        self.panel.set_data(*data)
        self.neurons.refresh(force=True)

    @Slot()
    def _settings_edited(self) -> None:
        if not self._loading:
            self.window.document.mark_dirty()

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        if state == "running" and not self._loading:
            self.window.document.mark_dirty()  # new weights to save
        self.neurons.follow(state == "running")
        trainer = self.panel.trainer
        if state in STATES and trainer is not None and not self._loading:
            self.window.status(STATES[state].format(step=trainer.step_count))
        if self._pending and state not in BUSY:
            # after the panel's own frame has finished drawing: set_model rebuilds its trainer
            QTimer.singleShot(0, self._apply_pending)

    @Slot()
    def _apply_pending(self) -> None:
        if not self._pending or self.busy:
            return
        data = self.data_panel.data()
        if data is not None and self.panel.train_set is not data[0]:
            self.panel.set_data(*data)
        self._has_model = self._has_model and self.panel.model is not None
        self._model_key = None  # rebuild whatever the graph is now
        self.update_model()
        if not self._pending:
            self.window.status("Applied the changes made while training")

    def shutdown(self) -> None:
        """Stop the training thread (closeEvent and aboutToQuit)."""
        self._attached = False
        self.neurons.clear()
        disconnect_quietly((self.window.document.shapesUpdated, self._graph_checked),
                           (self.panel.trainingStateChanged, self._state_changed))  # fmt: skip
        self.panel.shutdown()

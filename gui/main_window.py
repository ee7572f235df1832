"""The main window: palette | canvas | inspector, debugger and training docks below, menus,
toolbar and a status bar that says what the app is doing."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from edutorch_studio import __version__, actions
from edutorch_studio.builder.canvas import GraphScene, GraphView
from edutorch_studio.builder.document import GraphDocument, disconnect_quietly
from edutorch_studio.builder.inspector import Inspector
from edutorch_studio.builder.palette import Palette
from edutorch_studio.files import ProjectFiles, load_matching
from edutorch_studio.wiring.debugging import DebugWiring
from edutorch_studio.wiring.training import TrainingWiring

Area = Qt.DockWidgetArea
ABOUT = (
    f"<b>edutorch studio {__version__}</b><p>A desktop studio for edutorch, "
    "a readable numpy-only deep-learning framework with PyTorch's API.</p>"
)
BOTTOM_HEIGHT = 450  # the training and debugger docks: room for curves and the inspector
PRESENTATION_SCALE = 1.5  # fonts on a projector, as a multiple of the usual size
PRESENTATION_FIT = 2.5  # a small model may fill the projector
PRESENTATION_READABLE = 0.9  # from the back of a classroom: a long model shows its start
FIRST_SAMPLE = "spiral-mlp"
SHAPES_CHARS = 110  # the rest of a long error message is in the label's tooltip


class MainWindow(QMainWindow):
    DEFAULT_SIZE = (1280, 800)

    def __init__(self, project=None, path=None, settings: QSettings | None = None,
                 parent: QWidget | None = None, interactive: bool = True) -> None:  # fmt: skip
        """Show ``project`` (a Project), or open the file ``path``, or the first sample.

        ``interactive=False`` (a screenshot) never offers to restore an autosave."""
        super().__init__(parent)
        self.interactive = interactive
        self.resize(*self.DEFAULT_SIZE)
        self._closed = False
        self._presentation_state = None

        self.document = GraphDocument(parent=self)
        self.scene = GraphScene(self.document, self)
        self.view = GraphView(self.scene, self)
        self.setCentralWidget(self.view)
        self.palette = Palette(self)
        self.inspector = Inspector(self.document, self)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("Palette", self.palette, Area.LeftDockWidgetArea)
        self._add_dock("Inspector", scrolling(self.inspector), Area.RightDockWidgetArea)
        self._model = None  # (graph key, GraphModule): rebuilt when the graph changes
        self.training = TrainingWiring(self)
        self.debugging = DebugWiring(self)
        self._add_dock("Training", self.training.widget, Area.BottomDockWidgetArea)
        self._add_dock("Debugger", self.debugging.panel, Area.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["Training"], self.docks["Debugger"])
        self.docks["Training"].raise_()
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        self.resizeDocks([self.docks["Palette"], self.docks["Inspector"]], [170, 250], horizontal)
        self.resizeDocks([self.docks["Training"]], [BOTTOM_HEIGHT], vertical)

        self.shapes_label = QLabel()
        self.shapes_label.setObjectName("shapes")
        self.statusBar().addPermanentWidget(self.shapes_label)
        self.files = ProjectFiles(self, settings)
        self.actions = actions.build(self)
        self.update_recent_menu()

        self.document.dirtyChanged.connect(self.update_title)
        self.document.shapesUpdated.connect(self.report_shapes)
        self.scene.statusMessage.connect(self.status)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.palette.layerActivated.connect(self._add_at_centre)
        app = QApplication.instance()
        if app is not None:  # quitting with no closeEvent (Ctrl+C, a session's end): stop threads
            app.aboutToQuit.connect(self.shutdown)

        if path is not None:
            opened = self.files.open(path, ask_save=False)
            if not opened:
                self.files.open_sample(FIRST_SAMPLE)
        else:
            if project is not None:
                self.files.show(project, None, None)
            else:
                self.files.show(_sample(FIRST_SAMPLE), None, FIRST_SAMPLE)
            self.files.offer_autosave(None)
        self.update_title()
        self.report_shapes()
        if not self.statusBar().currentMessage():
            self.status("Ready")

    def _add_dock(self, name: str, widget: QWidget, area: Area) -> None:
        dock = QDockWidget(name, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    # --- the project's graph on the canvas ---------------------------------------------------
    def show_project(self, project) -> None:
        """Show a newly opened project: graph, view, data, settings, weights and curves."""
        self.debugging.clear()  # a tape of the old graph means nothing now
        self.training.detach()  # stop training and forget the old model's weights
        self._model = None
        self.show_graph(project.graph, project.layout)
        self.training.show_project(project)
        self.restore_view(project.layout or {})  # again: a fit now includes the neuron tiles

    def show_graph(self, spec, layout: dict | None = None) -> None:
        """Show a newly opened graph, at its saved view or fitted. A graph the studio never laid
        out (a sample, a traced model, a script's file) is laid out for these boxes if needed."""
        self.inspector.show_node(None)
        self.document.set_spec(spec.copy())
        self.inspector.set_overview(spec.name, self.files.project.meta.get("description", ""))
        if not layout and self.scene.needs_layout():
            for node_id, position in self.scene.layout_positions().items():
                self.document.spec.node(node_id).position = position
            self.scene.sync()
        self.restore_view(layout or {})

    def view_state(self) -> dict:
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        return {"zoom": round(self.view.zoom_factor(), 4), "center": [centre.x(), centre.y()]}

    def restore_view(self, layout: dict) -> None:
        zoom, centre = layout.get("zoom"), layout.get("center")
        valid = isinstance(zoom, (int, float)) and isinstance(centre, list) and len(centre) == 2
        if valid and all(isinstance(v, (int, float)) for v in centre):
            self.view.show_at(float(zoom), float(centre[0]), float(centre[1]))
        else:
            self.view.request_fit()

    def graph_key(self) -> tuple:
        """The graph without the boxes' positions: equal keys build the same model."""
        data = self.document.spec.to_dict()
        for node in data["nodes"]:
            del node["position"]  # moving a box is no reason for new random weights
        return data["nodes"], data["edges"]

    def model(self):
        """The canvas model as a GraphModule (the one the Training dock trains), with the
        current weights where they still fit. Raises GraphError if the graph does not build."""
        from edutorch.graph.module import GraphModule

        key = self.graph_key()
        if self._model is None or self._model[0] != key:
            module = GraphModule(self.document.spec)
            load_matching(module, self.current_weights())
            self._model = (key, module)
        return self._model[1]

    def current_weights(self) -> dict | None:
        """The freshest weights: the Training dock's model's, else the project's as opened."""
        weights = self.training.weights()
        return weights if weights is not None else self.files.project.weights

    def snapshot_model(self):
        """A model of its own (for the debugger and exports: training may be changing the
        weights of ``model()`` in its thread), with the current weights where they fit."""
        from edutorch.graph.module import GraphModule

        module = GraphModule(self.document.spec)
        load_matching(module, self.current_weights())
        return module

    # --- convenient names (menus, tests, scripts) --------------------------------------------
    def open_project(self, path=None) -> bool:
        return self.files.open(path)

    def save_project(self, path=None) -> bool:
        return self.files.save_as(path) if path is not None else self.files.save()

    def new_project(self) -> bool:
        return self.files.new()

    def open_sample(self, name: str) -> bool:
        return self.files.open_sample(name)

    # --- status and title --------------------------------------------------------------------
    def status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def update_title(self, *_args) -> None:
        star = "*" if self.document.dirty else ""
        self.setWindowTitle(f"{self.files.display_name}{star} — edutorch studio")

    def update_recent_menu(self) -> None:
        actions.fill_recent_menu(self.recent_menu, self.files.recent(), self.files.open)

    def report_shapes(self) -> None:
        """The model's state, kept on the right of the status bar (actions report on the left)."""
        text = shape_summary(self.document.spec, self.document.result)
        short = text if len(text) <= SHAPES_CHARS else text[: SHAPES_CHARS - 1] + "…"
        self.shapes_label.setText(short)
        self.shapes_label.setToolTip(text)
        ok = text.startswith("Shapes OK")
        self.shapes_label.setStyleSheet("" if ok else "color: #c5221f; font-weight: bold;")

    # --- selection, palette ------------------------------------------------------------------
    def _selection_changed(self) -> None:
        nodes = self.scene.selected_node_ids()
        self.inspector.show_node(nodes[0] if len(nodes) == 1 else None)

    def _add_at_centre(self, type_name: str) -> None:
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        self.scene.add_layer(type_name, centre)

    # --- presentation mode -------------------------------------------------------------------
    def toggle_presentation(self, on: bool | None = None) -> None:
        """Large text and nothing but the canvas, for a projector; F11 again restores the window."""
        on = self._presentation_state is None if on is None else on
        if on == (self._presentation_state is not None):
            return
        if on:
            self._presentation_state = (self.saveState(), self.font(), self.isFullScreen())
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * PRESENTATION_SCALE)
            self.setFont(font)
            for widget in (self.menuBar(), self.statusBar(), self.toolbar, *self.docks.values()):
                widget.hide()
            self._scroll_bars(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # middle-drag still pans
            self.showFullScreen()
            self.view.fit_limit = PRESENTATION_FIT
            self.view.readable_scale = PRESENTATION_READABLE
            self.view.request_fit()  # again once the window has its full-screen size
        else:
            state, font, was_full = self._presentation_state
            self._presentation_state = None
            self.setFont(font)
            self.menuBar().show()
            self.statusBar().show()
            self.restoreState(state)
            self.toolbar.show()
            if not was_full:
                self.showNormal()
            self._scroll_bars(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            self.view.fit_limit = self.view.MAX_FIT_SCALE
            self.view.readable_scale = self.view.READABLE_SCALE
            self.view.request_fit()
        self.actions["presentation"].setChecked(on)

    def _scroll_bars(self, policy: Qt.ScrollBarPolicy) -> None:
        self.view.setHorizontalScrollBarPolicy(policy)
        self.view.setVerticalScrollBarPolicy(policy)

    @property
    def presenting(self) -> bool:
        return self._presentation_state is not None

    def show_about(self) -> None:
        QMessageBox.about(self, "About edutorch studio", ABOUT)

    # --- closing -----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self._closed and not self.files.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop timers, threads and signal handlers before Qt deletes the widgets."""
        if self._closed:
            return
        self._closed = True
        # selectionChanged fires during teardown, on a deleted C++ object (see the Qt notes)
        disconnect_quietly((self.scene.selectionChanged, self._selection_changed))
        self.debugging.shutdown()  # both workers stop and their threads are joined
        self.training.shutdown()
        self.files.shutdown()
        self.scene.shutdown()
        self.inspector.shutdown()
        self.document.shutdown()


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area: a short dock scrolls it instead of squashing its rows."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _sample(name: str):
    from edutorch.graph.project import sample_project

    return sample_project(name)


def shape_summary(spec, result) -> str:
    """ "Shapes OK: 5 layers, 371 parameters", or the first problem the library found."""
    if result is None:
        return "Checking shapes…"
    report = result.report
    layers = sum(1 for n in spec.nodes if n.type not in ("Input", "Output"))
    if not report.errors:
        text = f"Shapes OK: {plural(layers, 'layer')}, {plural(result.total_params, 'parameter')}"
        if report.warnings:
            node_id, message = next(iter(report.warnings.items()))
            text += f" — warning: {node_id}: {message}"
        return text
    node_id, message = next(iter(report.errors.items()))
    where = f"{node_id}: " if node_id else ""
    return f"{plural(len(report.errors), 'problem')}: {where}{message}"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"

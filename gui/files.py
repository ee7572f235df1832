"""Project files for the main window: open, save, export, recent files and autosave.

The window shows one project at a time. Its graph lives in the GraphDocument (the canvas edits
it); its data and training settings, live weights and curves in the Training dock
(``window.training``); ``self.project`` is the project as last opened or saved.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer

from edutorch_studio import dialogs

AUTOSAVE_MS = 60_000
MAX_RECENT = 8
RECENT_KEY = "recentFiles"


class ProjectFiles(QObject):
    def __init__(self, window, settings: QSettings | None = None) -> None:
        super().__init__(window)
        from edutorch.graph.project import Project
        from edutorch.graph.spec import GraphSpec

        self.window = window
        self.settings = settings if settings is not None else QSettings()
        self.path: Path | None = None
        self.sample: str | None = None  # the built-in sample shown, if any
        self.project = Project(GraphSpec(name="untitled"))
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # --- names -------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        if self.sample is not None:
            return f"{self.sample} (sample)"
        return "untitled"

    @property
    def document(self):
        return self.window.document

    def current_project(self):
        """The project as it would be saved now: the edited graph with everything else."""
        from edutorch.graph.project import Project

        p, training = self.project, self.window.training
        return Project(
            graph=self.document.spec.copy(),
            dataset=training.data_settings(),
            training=training.training_settings(p.training),
            layout=self.window.view_state(),
            weights=self._weights(),
            history=training.history(),
            meta=p.meta,
        )

    def _weights(self) -> dict | None:
        """The live weights, fitted to the graph as it is now (edited layers start fresh)."""
        from edutorch.graph.spec import GraphError

        weights = self.window.current_weights()
        if weights is None:
            return None
        try:
            return dict(self.window.snapshot_model().state_dict())
        except GraphError:
            return dict(weights)  # cannot build now: keep them for later

    # --- open --------------------------------------------------------------------------------
    def new(self) -> bool:
        from edutorch.graph.project import Project
        from edutorch.graph.spec import GraphSpec

        if not self.maybe_save():
            return False
        self.show(Project(GraphSpec(name="untitled")), None, None)
        self.window.status("New project: drag an Input, some layers and an Output from the palette")
        return True

    def open_sample(self, name: str) -> bool:
        from edutorch.graph.project import sample_project

        if not self.maybe_save():
            return False
        self.show(sample_project(name), None, name)
        self.window.status(f"Opened the sample {name}")
        return True

    def open(self, path=None, ask_save: bool = True) -> bool:
        """Open ``path`` (or ask for one); a bad file shows a dialog, the current project stays."""
        from edutorch.graph.project import ProjectFileError, load_project

        if path is None:
            path = dialogs.open_path(self.window, self._directory())
            if not path:
                return False
        path = Path(path)
        if ask_save and not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            dialogs.show_error(self.window, "Cannot open the project", str(exc))
            self.window.status(f"Could not open {path.name}: {exc.problem}")
            self.forget_recent(path)
            return False
        self.show(project, path, None)
        self.add_recent(path)
        self.window.status(f"Opened {path.name}")
        self.offer_autosave(path)
        return True

    def show(self, project, path: Path | None, sample: str | None) -> None:
        self.project, self.path, self.sample = project, path, sample
        self.window.show_project(project)
        self.window.update_title()

    # --- save --------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self, path=None) -> bool:
        if path is None:
            suggestion = str(Path(self._directory()) / f"{self._stem()}.etproj")
            path = dialogs.save_path(
                self.window, "Save project", suggestion, dialogs.PROJECT_FILTER
            )
            if not path:
                return False
        path = Path(path)
        if path.suffix != ".etproj":
            path = path.with_name(path.name + ".etproj")
        return self._write(path)

    def _write(self, path: Path) -> bool:
        from edutorch.graph.project import save_project

        project = self.current_project()
        try:
            save_project(project, path)
        except (OSError, ValueError, TypeError) as exc:
            dialogs.show_error(self.window, "Cannot save the project", f"{path}: {exc}")
            self.window.status(f"Could not save {path.name}")
            return False
        self.remove_autosave()  # the one for the old name, if this was a Save As
        self.project, self.path, self.sample = project, path, None
        self.document.set_clean()
        self.remove_autosave()
        self.add_recent(path)
        self.window.update_title()
        self.window.status(f"Saved {path.name}")
        return True

    def maybe_save(self) -> bool:
        """Before the project goes away: True to go on, False if the user cancelled."""
        if not self.document.dirty:
            return True
        answer = dialogs.ask_save_changes(self.window, self.display_name)
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.remove_autosave()
            return True
        return False

    # --- export ------------------------------------------------------------------------------
    def export_python(self, path=None) -> bool:
        from edutorch.graph.export import to_python

        def write(target: Path) -> None:
            spec = self.document.spec
            target.write_text(to_python(spec, class_name(spec.name)), encoding="utf-8")

        name = f"{self._stem().replace('-', '_')}.py"  # an importable module name
        return self._export(path, "Python file", name, "Python files (*.py)", write)

    def export_weights(self, path=None) -> bool:
        import edutorch

        def write(target: Path) -> None:
            edutorch.save(self.window.snapshot_model().state_dict(), target)

        name = f"{self._stem()}.pt"
        return self._export(path, "weights (state dict)", name, "State dicts (*.pt)", write)

    def export_onnx(self, path=None) -> bool:
        from edutorch_studio.wiring import exports

        def write(target: Path) -> None:
            exports.write_onnx(self.window, target)

        name = f"{self._stem()}.onnx"
        return self._export(path, "ONNX model", name, "ONNX models (*.onnx)", write)

    def export_pytorch(self, path=None) -> bool:
        from edutorch_studio.wiring import exports

        def write(target: Path) -> None:
            exports.write_pytorch(self.window, target)

        name = f"{self._stem().replace('-', '_')}_torch.pt"  # its class goes beside it, as .py
        return self._export(path, "PyTorch model", name, "PyTorch files (*.pt *.pth)", write)

    def _export(self, path, what: str, name: str, file_filter: str, write) -> bool:
        """Ask for a path unless given; write; a graph with an error explains in a dialog."""
        from edutorch.graph.spec import GraphError
        from edutorch_studio.wiring.exports import ExportError

        if path is None:
            suggestion = str(Path(self._directory()) / name)
            path = dialogs.save_path(self.window, f"Export the {what}", suggestion,
                                     f"{file_filter};;All files (*)")  # fmt: skip
            if not path:
                return False
        path = Path(path)
        try:
            write(path)
        except (GraphError, OSError, ExportError, ValueError) as exc:
            dialogs.show_error(self.window, f"Cannot export the {what}", str(exc))
            self.window.status(f"Could not export the {what}")
            return False
        self.window.status(f"Exported the {what} to {path.name}")
        return True

    # --- autosave ----------------------------------------------------------------------------
    def autosave_file(self) -> Path:
        from edutorch.graph.project import autosave_path

        return autosave_path(self.path)

    def autosave(self) -> bool:
        """Write the unsaved work aside (never over the project file itself)."""
        from edutorch.graph.project import save_project

        if not self.document.dirty:
            return False
        try:
            save_project(self.current_project(), self.autosave_file())
        except (OSError, ValueError, TypeError) as exc:
            self.window.status(f"Autosave failed: {exc}")
            return False
        return True

    def remove_autosave(self) -> None:
        try:
            self.autosave_file().unlink(missing_ok=True)
        except OSError:
            pass  # a stale autosave is harmless: it is only offered when newer than the file

    def offer_autosave(self, path: Path | None) -> bool:
        """After a crash: an autosave newer than the file (or any, for an untitled project)."""
        from edutorch.graph.project import ProjectFileError, load_project

        backup = self.autosave_file()
        if not self.window.interactive or not backup.exists():
            return False
        if path is not None and path.exists() and backup.stat().st_mtime <= path.stat().st_mtime:
            return False
        when = datetime.datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        if not dialogs.ask_restore_autosave(self.window, self.display_name, when):
            self.remove_autosave()
            return False
        try:
            project = load_project(backup)
        except ProjectFileError as exc:
            dialogs.show_error(self.window, "Cannot restore the autosave", str(exc))
            return False
        self.show(project, path, self.sample)
        self.document.mark_dirty()  # restored work is not in the file yet
        self.window.status(f"Restored the autosave of {self.display_name}")
        return True

    # --- recent files ------------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings gives a lone entry back as a plain string
            value = [value]
        return [str(v) for v in value or []]

    def add_recent(self, path: Path) -> None:
        full = os.path.abspath(path)
        paths = [full] + [p for p in self.recent() if p != full]
        self.settings.setValue(RECENT_KEY, paths[:MAX_RECENT])
        self.window.update_recent_menu()

    def forget_recent(self, path: Path) -> None:
        full = os.path.abspath(path)
        self.settings.setValue(RECENT_KEY, [p for p in self.recent() if p != full])
        self.window.update_recent_menu()

    # --- helpers -----------------------------------------------------------------------------
    def _directory(self) -> str:
        return str(self.path.parent) if self.path is not None else os.getcwd()

    def _stem(self) -> str:
        return self.path.stem if self.path is not None else (self.sample or "untitled")

    def shutdown(self) -> None:
        self.autosave_timer.stop()


def class_name(name: str) -> str:
    """ "spiral-mlp" -> "SpiralMlp": the class name of an exported model."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return text if text[0].isalpha() else f"Model{text}"


def load_matching(module, weights: dict | None) -> int:
    """Load the saved weights that still fit ``module`` (same name and shape); returns how many.

    After an edit the graph may have new layers (they keep their fresh initialisation) or
    layers that changed size (their old weights no longer fit)."""
    if not weights:
        return 0
    own = module.state_dict()
    fitting = {
        k: v for k, v in weights.items() if k in own and tuple(v.shape) == tuple(own[k].shape)
    }
    module.load_state_dict({**own, **fitting})
    return len(fitting)

"""The menus and the toolbar of the main window, with the usual keyboard shortcuts."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from edutorch_studio.wiring import exports

Key = QKeySequence.StandardKey


def build(window) -> dict[str, QAction]:
    """Create every action, add it to the menus (and some to the toolbar); returns them by name."""
    files, scene, view = window.files, window.scene, window.view
    actions: dict[str, QAction] = {}

    def act(name, text, slot, shortcut=None, tip=""):
        action = QAction(text, window)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts(
                [k if isinstance(k, QKeySequence) else QKeySequence(k) for k in keys]
            )
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())  # drop clicked's bool
        window.addAction(action)  # shortcuts keep working with the menu bar hidden
        actions[name] = action
        return action

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(act("new", "&New", files.new, Key.New))
    file_menu.addAction(act("open", "&Open…", files.open, Key.Open))
    window.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addSeparator()
    file_menu.addAction(act("save", "&Save", files.save, Key.Save))
    file_menu.addAction(act("save_as", "Save &As…", files.save_as, Key.SaveAs))
    export = file_menu.addMenu("&Export")
    export.addAction(act("export_python", "&Python file…", files.export_python,
                         tip="The model as a readable Python class"))  # fmt: skip
    export.addAction(act("export_weights", "&Weights (state dict)…", files.export_weights,
                         tip="The model's weights, for load_state_dict"))  # fmt: skip
    export.addSeparator()
    export.addAction(act("export_onnx", "&ONNX…", files.export_onnx,
                         tip="The model and its weights as an ONNX file"))  # fmt: skip
    export.addAction(act("export_pytorch", "PyTorch &module (torch.save)…", files.export_pytorch,
                         tip="The weights via torch.save, and the class for PyTorch"))  # fmt: skip
    _needs(actions["export_onnx"], exports.onnx_ready(), exports.NO_ONNX)
    _needs(actions["export_pytorch"], exports.torch_ready(), exports.NO_TORCH)
    export.setToolTipsVisible(True)  # a disabled export says what to install
    file_menu.addSeparator()
    file_menu.addAction(act("quit", "&Quit", window.close, Key.Quit))

    edit = bar.addMenu("&Edit")
    stack = window.document.undo_stack
    undo = stack.createUndoAction(window, "&Undo")  # the menu names the edit: "Undo Move"
    undo.setShortcuts(QKeySequence.keyBindings(Key.Undo))
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts(QKeySequence.keyBindings(Key.Redo))
    for name, action in (("undo", undo), ("redo", redo)):
        window.addAction(action)
        actions[name] = action
        edit.addAction(action)
    # The toolbar keeps short fixed labels, so it does not grow with the name of each edit.
    buttons = [("undo", "Undo", stack.undo, stack.canUndoChanged),
               ("redo", "Redo", stack.redo, stack.canRedoChanged)]  # fmt: skip
    for name, text, slot, signal in buttons:
        button = QAction(text, window)
        button.setToolTip(f"{text} ({actions[name].shortcut().toString()})")
        button.triggered.connect(lambda _checked=False, slot=slot: slot())
        button.setEnabled(False)
        signal.connect(button.setEnabled)
        actions[f"toolbar_{name}"] = button
    edit.addSeparator()
    edit.addAction(act("cut", "Cu&t", scene.cut_selection, Key.Cut))
    edit.addAction(act("copy", "&Copy", scene.copy_selection, Key.Copy))
    edit.addAction(act("paste", "&Paste", scene.paste, Key.Paste))
    edit.addAction(act("delete", "&Delete", scene.delete_selection,
                       [QKeySequence(QKeySequence.StandardKey.Delete), "Backspace"]))  # fmt: skip
    edit.addAction(act("select_all", "Select &All", scene.select_all, Key.SelectAll))
    edit.addSeparator()
    edit.addAction(act("auto_layout", "Auto-&layout", scene.auto_layout, "Ctrl+L",
                       tip="Arrange the layers left to right by depth"))  # fmt: skip

    view_menu = bar.addMenu("&View")
    view_menu.addAction(act("zoom_in", "Zoom &In", view.zoom_in, [Key.ZoomIn, "Ctrl+="]))
    view_menu.addAction(act("zoom_out", "Zoom &Out", view.zoom_out, Key.ZoomOut))
    view_menu.addAction(act("fit", "&Fit to View", view.fit, "F"))
    view_menu.addSeparator()
    presentation = act("presentation", "&Presentation Mode", window.toggle_presentation, "F11",
                       tip="Large text, no panels: for a projector")  # fmt: skip
    presentation.setCheckable(True)
    view_menu.addAction(presentation)
    window.panels_menu = view_menu.addMenu("Pa&nels")
    for dock in window.docks.values():
        window.panels_menu.addAction(dock.toggleViewAction())

    run = bar.addMenu("&Run")
    debugging = window.debugging
    steps = (("debug_step", "&Debug step", debugging.debug_step, "F10",
              "Record one forward and backward pass on a batch, then step through it"),
             ("debug_back", "Step &back", debugging.step_back, "Shift+F10",
              "The debugger's previous step"),
             ("debug_continue", "&Continue", debugging.continue_, "F5",
              "Run the debugger to the end of the pass"))  # fmt: skip
    for name, text, slot, key, tip in steps:
        action = act(name, text, slot, key, tip)
        # F10/F5 belong to the canvas; inside the debugger panel its own keys do the same
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.removeAction(action)
        view.addAction(action)
        run.addAction(action)
    run.addSeparator()
    run.addAction(act("record_again", "&Record a new pass", debugging.record,
                      tip="Record the canvas model again (after training or an edit)"))  # fmt: skip

    help_menu = bar.addMenu("&Help")
    samples = help_menu.addMenu("&Samples")
    from edutorch.graph.project import BUILTIN_SAMPLES

    for name, description in BUILTIN_SAMPLES.items():
        action = act(f"sample:{name}", name, partial(files.open_sample, name), tip=description)
        action.setToolTip(description)
        samples.addAction(action)
    help_menu.addAction(act("about", "&About edutorch studio", window.show_about))

    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("MainToolbar")
    for name in ("new", "open", "save", None, "toolbar_undo", "toolbar_redo", None,
                 "zoom_in", "zoom_out", "fit", "auto_layout", None, "debug_step"):  # fmt: skip
        toolbar.addSeparator() if name is None else toolbar.addAction(actions[name])
    window.addToolBar(toolbar)
    window.toolbar = toolbar
    return actions


def _needs(action: QAction, available: bool, tip: str) -> None:
    """Disable an action whose package is missing, with a tooltip saying what to install."""
    action.setEnabled(available)
    if not available:
        action.setToolTip(tip)
        action.setStatusTip(tip)


def fill_recent_menu(menu: QMenu, paths: list[str], open_path) -> None:
    menu.clear()
    for i, path in enumerate(paths, start=1):
        action = menu.addAction(f"&{i} {path}")
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    menu.setEnabled(bool(paths))

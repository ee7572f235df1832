"""edutorch studio: a desktop app for building, debugging and training edutorch models.

Importing this package is cheap: Qt is imported only by the modules that build widgets.

    import edutorch_studio
    edutorch_studio.open(model, example_input)   # show a scripted nn.Module on the canvas
    edutorch_studio.debug(model, x, y, loss_fn)  # step through its forward and backward pass
"""

__version__ = "0.1.0"


def open(model, example_input, *, loss: str = "CrossEntropyLoss", block: bool = True):  # noqa: A001
    """Show ``model`` on the studio's canvas, traced on ``example_input`` (a batch).

    The blocks, wires and weights come from ``edutorch.graph.from_module``; the window opens as
    an unsaved project. ``block=True`` runs the app until the window closes (in a script);
    ``block=False`` returns the window at once (in a notebook with a Qt event loop, or in tests).
    """
    from edutorch_studio.__main__ import NO_DISPLAY, has_display

    if not has_display():
        raise RuntimeError(NO_DISPLAY)
    from edutorch.graph.from_module import from_module
    from edutorch.graph.project import Project

    spec, state_dict = from_module(model, example_input, loss=loss)
    from edutorch_studio.app import create_app
    from edutorch_studio.main_window import MainWindow

    app = create_app()
    project = Project(spec, weights=dict(state_dict), meta={"name": spec.name})
    window = MainWindow(project=project)
    window.document.mark_dirty()  # it exists only in memory until saved
    window.show()
    if block:
        app.exec()
    return window


def debug(model, x, y, loss_fn, *, block: bool = True, max_elements: int | None = None):
    """Open the step-through debugger on ``loss_fn(model(x), y).backward()``.

    The pass is recorded on a worker thread and the debugger opens at step 0. ``block=True``
    runs the app until the window closes; ``block=False`` returns the window at once. Tensors
    larger than ``max_elements`` keep statistics and a preview (default: the debugger's limit).
    """
    from edutorch_studio.__main__ import NO_DISPLAY, has_display

    if not has_display():
        raise RuntimeError(NO_DISPLAY)
    from edutorch_studio.debugger import window

    limit = window.MAX_ELEMENTS if max_elements is None else max_elements
    return window.debug(model, x, y, loss_fn, block=block, max_elements=limit)

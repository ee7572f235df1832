"""For the layer tests: make the same bad call in torch and in edutorch, compare the errors."""

import edutorch


def error_of(call, *args):
    """(exception type name, first line of its message) or None; each library's own module name
    ("torch.", "edutorch.") is dropped, e.g. from ``torch.Size([1, 3])``."""
    try:
        call(*args)
    except Exception as e:  # noqa: BLE001  (whatever torch raises is the spec)
        message = str(e).split("\n")[0].replace("edutorch.", "").replace("torch.", "")
        return type(e).__name__, message
    return None


def assert_same_error(call, torch, make_args):
    """``call(*make_args(lib))`` must fail in torch, and the same way in edutorch."""
    expected = error_of(call, *make_args(torch))
    assert expected is not None, "torch accepts this call"
    assert error_of(call, *make_args(edutorch)) == expected


def functional_and(factory):
    """make_args for calls written as ``lambda f, t: ...``: (nn.functional, t(*shape))."""
    return lambda lib: (lib.nn.functional, lambda *shape: getattr(lib, factory)(shape))

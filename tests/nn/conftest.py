"""The conv and pooling tests run once per kernel backend (``backend`` fixture, used by
``pytestmark`` in those files): the same assertions, so both backends agree with the naive
references, with torch and hence with each other. The numba run is skipped without numba."""

import importlib.util

import pytest

from edutorch import backends

_compiled = False


@pytest.fixture(params=backends.BACKENDS)
def backend(request):
    """Run the test with this backend's kernels, then restore the previous backend."""
    name = request.param
    if name == "numba":
        if importlib.util.find_spec("numba") is None:
            pytest.skip("numba is not installed")
        if "restore_backend" in request.fixturenames:
            pytest.skip("the test switches backends itself: it runs once, on numpy")
    before = backends._requested
    backends.set_backend(name)
    global _compiled
    if name == "numba" and not _compiled:  # load the JIT cache before any timed (hypothesis) test
        backends.get_backend().compile_all()
        _compiled = True
    yield name
    backends.set_backend(before)

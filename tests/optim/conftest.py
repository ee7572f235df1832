"""Fixtures for the optimizer tests."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _torch_on_one_thread():
    """torch's worker threads spin-wait between these tiny ops: on one thread the torch side of
    a comparison runs about 20 times faster (and does not fight other processes for the CPU)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

"""The benchmarks compute what they claim to time: edutorch on each backend, the hand-written numpy
reference and torch (when installed) take the same training steps and reach the same losses.

No timing is asserted here (speed is reported by ``benchmarks/run.py``, never tested).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from edutorch import backends

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
import conv  # noqa: E402
import train_step  # noqa: E402


@pytest.fixture(params=backends.BACKENDS)
def backend(request):
    before = backends._requested
    backends.set_backend(request.param)
    yield request.param
    backends.set_backend(before)


@pytest.mark.parametrize("model, batch", [("mlp", 16), ("lenet", 8)])
def test_training_steps_agree_over_several_steps(backend, model, batch):
    steps = train_step.workloads(model, batch)  # raises if the first losses disagree
    assert {"edutorch", "numpy (by hand)"} <= set(steps)
    losses = {name: [step() for _ in range(3)] for name, step in steps.items()}
    reference = np.array(losses["numpy (by hand)"])
    assert reference[-1] < reference[0]  # the steps really train
    for name, values in losses.items():
        np.testing.assert_allclose(values, reference, rtol=2e-4, err_msg=name)


def test_conv_and_pool_workloads_agree(backend):
    torch = pytest.importorskip("torch")
    data = conv._data()
    # each maker checks that all implementations agree before returning the timed steps
    for make in (conv.conv_workloads, conv.pool_workloads):
        steps = make(data, torch)
        assert "torch" in steps and any(name.startswith("edutorch") for name in steps)

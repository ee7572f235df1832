"""A step-by-step record of a forward and backward pass, for debuggers, pictures and lessons.

    with edutorch.trace.record() as tape:
        loss = loss_fn(model(x), y)
        loss.backward()
    tape.steps[0]        # the first op: inputs, output, module path, line of code
    tape.summary()       # a text table of every step
    tape.graph()         # nodes and edges for drawing (see edutorch.viz)

Nothing here imports Qt; the studio's debugger is a view over a Tape.
"""

from .events import BackwardEvent, ForwardEvent, Steps
from .recorder import record
from .snapshot import TensorSnapshot, statistics
from .tape import Graph, GraphNode, Tape

__all__ = [
    "record", "Tape", "Steps", "ForwardEvent", "BackwardEvent", "TensorSnapshot", "Graph",
    "GraphNode", "statistics",
]  # fmt: skip

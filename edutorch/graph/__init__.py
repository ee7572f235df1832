"""Models as graphs of blocks: the description the studio's canvas edits, usable from scripts too.

    spec = GraphSpec()
    x = spec.add_node("Input", {"shape": (2,)})
    fc = spec.add_node("Linear", {"out_features": 3})
    out = spec.add_node("Output", {"loss": "CrossEntropyLoss"})
    spec.connect(x.id, fc.id)
    spec.connect(fc.id, out.id)
    infer_shapes(spec).edge_shapes      # {("input_1", "linear_1", 0): (2, 2), ...}
    model = spec.build()                # a GraphModule: an nn.Module with a submodule per block
    print(to_python(spec))              # the same model as a readable Python class

Nothing here imports Qt: the studio is a view of these objects.
"""

from .check import ShapeReport, infer_shapes, validate
from .export import to_python
from .from_module import from_module
from .layers import CATEGORIES, LAYERS, LOSSES, LayerType, ParamSpec, layer_types
from .module import GraphModule, count_parameters
from .project import (
    BUILTIN_SAMPLES,
    Project,
    ProjectFileError,
    autosave_path,
    load_project,
    sample_project,
    save_project,
)  # fmt: skip
from .spec import EdgeSpec, GraphError, GraphSpec, NodeSpec

__all__ = [
    "ParamSpec", "LayerType", "LAYERS", "CATEGORIES", "LOSSES", "layer_types",
    "GraphError", "NodeSpec", "EdgeSpec", "GraphSpec",
    "ShapeReport", "infer_shapes", "validate",
    "GraphModule", "count_parameters", "to_python", "from_module",
    "Project", "ProjectFileError", "save_project", "load_project", "autosave_path",
    "BUILTIN_SAMPLES", "sample_project",
]  # fmt: skip

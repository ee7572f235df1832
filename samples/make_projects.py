"""Write the studio project files of the lessons: spiral_mlp, glyphs_cnn and sequence_rnn.etproj.

Each one holds the very model of a sample script, traced from the script with
``edutorch.graph.from_module`` (so the two cannot drift apart), plus the script's dataset and
training settings, untrained. Open one in edutorch studio to see the lesson's network as blocks.

    python samples/make_projects.py          # rewrites the three files next to this script

The settings are those of the studio's built-in samples (``sample_project``), changed to what
the scripts do: the same data, optimizer, learning rate, batch size and epochs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from edutorch import from_numpy  # noqa: E402
from edutorch.graph import from_module, sample_project, save_project  # noqa: E402

# project file -> (its sample script, the studio's built-in sample it starts from, settings)
LESSONS = {
    "spiral_mlp": (
        "03_mlp_spiral", "spiral-mlp",
        {"name": "spiral", "n_samples": 900, "noise": 0.03, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.01, "batch_size": 32, "epochs": 30},
    ),
    "glyphs_cnn": (
        "04_cnn_glyphs", "glyphs-cnn",
        {"name": "glyphs", "n_samples": 10000, "noise": 0.1, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.003, "batch_size": 64, "epochs": 4},
    ),
    "sequence_rnn": (
        "05_rnn_sequence", "sequence-rnn",
        {"name": "counting", "n_samples": 4000, "seq_len": 16, "seed": 0, "test_fraction": 0.2},
        {"lr": 0.01, "batch_size": 64, "epochs": 15},
    ),
}  # fmt: skip


def load_script(stem):
    """samples/<stem>.py as a module (its name starts with a digit, so ``import`` cannot)."""
    spec = importlib.util.spec_from_file_location(f"sample_{stem}", HERE / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def script_model(script):
    """The model a sample script trains, freshly built (``build_model()`` or its model class)."""
    return script.build_model() if hasattr(script, "build_model") else script.Counter()


def make_project(name):
    """The project for one lesson: the script's model as a graph, with its settings."""
    stem, builtin, dataset, training = LESSONS[name]
    script = load_script(stem)
    example = from_numpy(script.make_data(0)[0][:2])  # two training inputs, shaped as the script's
    graph, _ = from_module(script_model(script), example, name=name)
    project = sample_project(builtin)
    project.graph = graph
    project.dataset = dict(dataset)
    project.training = {**project.training, **training, "optimizer": "Adam", "seed": 0}
    title = script.__doc__.strip().splitlines()[0]  # "03 - A multi-layer perceptron on ..."
    project.meta = {"name": name, "description": title, "script": f"samples/{stem}.py"}
    return project


def main(folder=HERE):
    paths = []
    for name in LESSONS:
        path = Path(folder) / f"{name}.etproj"
        save_project(make_project(name), path)
        print(f"wrote {path}")
        paths.append(path)
    return paths


if __name__ == "__main__":
    main()

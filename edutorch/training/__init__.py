"""Training as the studio does it, usable from any script: settings, a controllable loop, the
history of a run, and the numbers behind the live views.

    from edutorch.training import Trainer, TrainingConfig, load_data
    train, test, info = load_data({"name": "spiral", "n_samples": 600})
    trainer = Trainer(model, nn.CrossEntropyLoss(), train, test, TrainingConfig(lr=0.01))
    trainer.run()
    trainer.history.to_dict()       # plain JSON, stored in the project file

Nothing here imports Qt.
"""

from .config import (
    LOSSES,
    OPTIMIZERS,
    SCHEDULERS,
    ConfigError,
    TrainingConfig,
    make_loss,
    make_optimizer,
    make_scheduler,
    optimizer_hyperparameters,
)
from .data import DataError, DataInfo, load_data, load_image_folder
from .history import History
from .live import LiveViews
from .metrics import accuracy, model_outputs, task_of
from .runs import Run, legends
from .trainer import Trainer, layer_of, reinitialize
from .views import (
    Grid,
    Predictions,
    confusion_matrix,
    data_bounds,
    decision_grid,
    neuron_grids,
    predictions,
)

__all__ = [
    "TrainingConfig", "ConfigError", "OPTIMIZERS", "SCHEDULERS", "LOSSES",
    "optimizer_hyperparameters", "make_optimizer", "make_scheduler", "make_loss",
    "DataError", "DataInfo", "load_data", "load_image_folder",
    "History", "Trainer", "layer_of", "reinitialize", "LiveViews", "Run", "legends",
    "accuracy", "model_outputs", "task_of",
    "Grid", "Predictions", "decision_grid", "neuron_grids", "confusion_matrix", "predictions",
    "data_bounds",
]  # fmt: skip

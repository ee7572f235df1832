"""Shared models and data for the training tests."""

import edutorch as torch
from edutorch.graph import sample_project
from edutorch.training import TrainingConfig, load_data


def spiral_setup(seed=0, **config):
    """(model, loss_fn, train, test, config) of the studio's first sample: MLP 2-16-16-3."""
    project = sample_project("spiral-mlp")
    torch.manual_seed(seed)
    model = project.model()
    train, test, _ = load_data(project.dataset)
    cfg = TrainingConfig.from_dict({**project.training, "seed": seed, **config})
    return model, model.loss_fn, train, test, cfg


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}

"""TrainingConfig: defaults, validation with clear messages, JSON round trip, builders."""

import json

import pytest

import edutorch as torch
from edutorch.training import (
    ConfigError,
    TrainingConfig,
    make_loss,
    make_optimizer,
    make_scheduler,
    optimizer_hyperparameters,
)


def test_round_trip_through_json():
    cfg = TrainingConfig(
        optimizer="SGD",
        optimizer_args={"momentum": 0.9, "nesterov": True},
        lr=0.1,
        scheduler="StepLR",
        scheduler_args={"step_size": 5},
        batch_size=16,
        epochs=3,
        loss="MSELoss",
        weight_decay=1e-4,
        seed=7,
    )
    d = json.loads(json.dumps(cfg.to_dict(), allow_nan=False))
    assert TrainingConfig.from_dict(d) == cfg


def test_adam_betas_come_back_as_a_tuple():
    cfg = TrainingConfig(optimizer_args={"betas": (0.8, 0.9)})
    back = TrainingConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back.optimizer_args["betas"] == (0.8, 0.9)


@pytest.mark.parametrize("change, words", [
    ({"lr": 0}, "lr must be greater than 0"),
    ({"lr": float("nan")}, "lr must be a finite number"),
    ({"batch_size": 0}, "batch_size must be at least 1"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"optimizer": "Lion"}, "optimizer must be one of"),
    ({"optimizer_args": {"momentom": 0.9}}, "has no argument(s) momentom"),
    ({"optimizer": "SGD", "optimizer_args": {"momentum": "high"}}, "'momentum'] must be a finite"),
    ({"scheduler": "Warmup"}, "scheduler must be one of"),
    ({"scheduler": "StepLR", "scheduler_args": {"gama": 0.1}}, "no argument(s) gama"),
    ({"loss": "HingeLoss"}, "loss must be one of"),
    ({"colour": "red"}, "unknown training setting(s): colour"),
])  # fmt: skip
def test_bad_settings_are_named(change, words):
    with pytest.raises(ConfigError) as err:
        TrainingConfig.from_dict({**TrainingConfig().to_dict(), **change})
    assert words in str(err.value)


def test_top_level_momentum_goes_to_the_optimizer():
    cfg = TrainingConfig.from_dict({"optimizer": "SGD", "momentum": 0.5})
    assert cfg.optimizer_args == {"momentum": 0.5}


def test_hyperparameters_come_from_the_constructor():
    assert optimizer_hyperparameters("SGD")["momentum"] == 0
    assert optimizer_hyperparameters("Adam")["betas"] == (0.9, 0.999)
    assert "lr" not in optimizer_hyperparameters("Adam")


def test_builders():
    model = torch.nn.Linear(2, 1)
    cfg = TrainingConfig(
        optimizer="SGD", optimizer_args={"momentum": 0.9}, lr=0.5, scheduler="OneCycleLR", epochs=2
    )
    opt = make_optimizer(cfg, model.parameters())
    assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]["momentum"] == 0.9
    sched, every = make_scheduler(cfg, opt, steps_per_epoch=10)
    assert every == "step" and sched.total_steps == 20
    cos, every = make_scheduler(TrainingConfig(scheduler="CosineAnnealingLR", epochs=7), opt, 3)
    assert every == "epoch" and cos.T_max == 7
    assert isinstance(make_loss("HuberLoss"), torch.nn.HuberLoss)


def test_describe():
    assert TrainingConfig(lr=0.1).describe() == "Adam lr=0.1 batch=32"

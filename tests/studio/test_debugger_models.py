"""Models for the debugger tests (no tests here): an MLP, a LeNet-like CNN, LeNet-5, one that
makes NaN, one with a dead ReLU, and one slow enough to close the window while it records."""

import time

import numpy as np

import edutorch as torch
from edutorch import nn


def mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, torch.randn(5, 4), torch.tensor([0, 2, 1, 1, 0]), nn.CrossEntropyLoss()


def cnn():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
        nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3),
    )  # fmt: skip
    return model, torch.randn(2, 1, 8, 8), torch.tensor([1, 2]), nn.CrossEntropyLoss()


def lenet5():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    return model, x, y, nn.CrossEntropyLoss()


class Log(nn.Module):
    def forward(self, x):
        with np.errstate(invalid="ignore"):  # log of a negative number: NaN, and that's the point
            return x.log()


def nan_model():
    model = nn.Sequential(nn.Linear(2, 2), Log())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        model[0].bias.zero_()
    return model, torch.tensor([[-1.0, 2.0]]), torch.zeros(1, 2), nn.MSELoss()


def dead_relu_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every pre-activation negative: the ReLU outputs only zeros
    return model, torch.randn(5, 3), torch.zeros(5, 1), nn.MSELoss()


class Slow(nn.Module):
    def forward(self, x):
        time.sleep(0.05)
        return x * 1.0


def slow_model():
    model = nn.Sequential(*[Slow() for _ in range(100)])  # 5 s unless cancelled
    return model, torch.randn(2, 2), torch.zeros(2, 2), nn.MSELoss()

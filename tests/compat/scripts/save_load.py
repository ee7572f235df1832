"""Checkpoints: torch.save / torch.load of a model's state_dict, an optimizer's (Adam's moments)
and a scheduler's; a resumed run continues exactly as the uninterrupted one. Also
load_state_dict(strict=False) reporting missing and unexpected keys.

Written against PyTorch's API only; ``run(torch)`` takes the framework (under edutorch,
torch.save is edutorch.save: each framework reads its own files).
"""

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def run(torch):
    nn = torch.nn
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((20, 3)).astype(np.float32))
    y = torch.from_numpy((rng.standard_normal(20) > 0).astype(np.int64))

    def fresh():
        model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
        numpy_init(torch, model)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.02, betas=(0.8, 0.99))
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        return model, optimizer, scheduler

    def step(model, optimizer, scheduler):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss.item()

    model, optimizer, scheduler = fresh()
    for _ in range(4):
        step(model, optimizer, scheduler)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "epoch": 4}, path)  # fmt: skip
        continuous = [step(model, optimizer, scheduler) for _ in range(3)]
        checkpoint = torch.load(path)
    model2, optimizer2, scheduler2 = fresh()
    model2.load_state_dict(checkpoint["model"])
    optimizer2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    resumed = [step(model2, optimizer2, scheduler2) for _ in range(3)]
    print("epoch", checkpoint["epoch"], "keys", list(checkpoint["model"]))
    print("continuous", [round(v, 6) for v in continuous])
    print("resumed", [round(v, 6) for v in resumed])
    print("same", continuous == resumed, "lr", round(scheduler2.get_last_lr()[0], 6))
    state = optimizer2.state_dict()
    print("adam state", sorted(state["state"][0]), state["param_groups"][0]["betas"])

    smaller = nn.Sequential(nn.Linear(3, 8))
    result = smaller.load_state_dict(model2.state_dict(), strict=False)
    print("missing", list(result.missing_keys), "unexpected", list(result.unexpected_keys))


if __name__ == "__main__":
    main(run)

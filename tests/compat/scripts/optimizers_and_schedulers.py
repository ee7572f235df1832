"""Every optimizer on the same problem (a least-squares fit), each option that changes the update
rule, and the learning rate schedulers step by step (ReduceLROnPlateau fed a fixed metric).

Written against PyTorch's API only; ``run(torch)`` takes the framework.
"""

import numpy as np

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05}), ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}), ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.3, "lr_decay": 0.01}),
]  # fmt: skip


def schedulers(lr_scheduler):
    return [
        ("StepLR", lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
        ("MultiStepLR", lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.1)),
        ("ExponentialLR", lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8)),
        ("CosineAnnealingLR", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6,
                                                                       eta_min=0.01)),
        ("LambdaLR", lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 1 / (1 + epoch))),
        ("OneCycleLR", lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10)),
    ]  # fmt: skip


def run(torch):
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.standard_normal((10, 3)).astype(np.float32))
    b = torch.from_numpy(rng.standard_normal(10).astype(np.float32))
    for name, options in OPTIMIZERS:
        w = torch.zeros(3, requires_grad=True)
        optimizer = getattr(torch.optim, name)([w], **options)
        for _ in range(5):
            optimizer.zero_grad()
            loss = ((a @ w - b) ** 2).mean()
            loss.backward()
            optimizer.step()
        print(name, sorted(options.items()), [round(v, 6) for v in w.tolist()],
              round(loss.item(), 6))  # fmt: skip

    for name, make in schedulers(torch.optim.lr_scheduler):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9)
        scheduler = make(optimizer)
        lrs = []
        for _ in range(9):
            optimizer.step()
            scheduler.step()
            lrs.append(round(optimizer.param_groups[0]["lr"], 6))
        print(name, lrs)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    lrs = []
    for metric in [1.0, 0.9, 0.95, 0.93, 0.92, 0.5, 0.6, 0.7, 0.8]:
        plateau.step(metric)
        lrs.append(optimizer.param_groups[0]["lr"])
    print("ReduceLROnPlateau", lrs)


if __name__ == "__main__":
    import importlib
    import os

    run(importlib.import_module(os.environ.get("COMPAT_FRAMEWORK", "torch")))

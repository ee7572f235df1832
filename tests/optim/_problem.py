"""A small least-squares problem that runs unchanged on edutorch and on torch (pass the module).

Both frameworks start from the same float32 weights; ``train`` returns the flattened parameters
after every step, so trajectories can be compared step by step.
"""

import numpy as np

_rng = np.random.default_rng(0)
X = _rng.standard_normal((32, 6)).astype(np.float32)
Y = (X @ _rng.standard_normal((6, 3)) + 0.1 * _rng.standard_normal((32, 3))).astype(np.float32)
W0 = (0.3 * _rng.standard_normal((3, 6))).astype(np.float32)
B0 = (0.3 * _rng.standard_normal(3)).astype(np.float32)


def make_params(lib):
    w = lib.tensor(W0.copy(), requires_grad=True)
    b = lib.tensor(B0.copy(), requires_grad=True)
    return w, b


def loss_fn(lib, w, b, maximize=False):
    loss = ((lib.tensor(X) @ w.T + b - lib.tensor(Y)) ** 2).mean()
    return -loss if maximize else loss  # maximize=True climbs -loss, i.e. still fits the data


def flat(params):
    return np.concatenate([p.detach().numpy().ravel() for p in params])


def train(lib, opt, params, steps, maximize=False, scheduler=None):
    """``steps`` steps of ``opt`` on the problem; the parameters after each step, one row each."""
    rows = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(lib, *params, maximize=maximize).backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        rows.append(flat(params))
    return np.array(rows)

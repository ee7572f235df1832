"""An LSTM learns the running mean of a sequence: nn.LSTM (batch_first), a custom Module
returning the last step, MSELoss, RMSprop, clip_grad_norm_ and a GRU's output shapes.

Written against PyTorch's API only; ``run(torch)`` takes the framework.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat_util import main, numpy_init  # noqa: E402


def run(torch):
    nn = torch.nn

    class Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(input_size=2, hidden_size=8, num_layers=2, batch_first=True)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            seq, (h_n, c_n) = self.lstm(x)
            return self.out(seq[:, -1]).squeeze(-1)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6, 2)).astype(np.float32)
    y = x.mean(axis=(1, 2)).astype(np.float32)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    model = Regressor()
    numpy_init(torch, model)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    for step in range(12):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(xs), ys)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f} grad norm {float(norm):.6f}")
    gru = nn.GRU(2, 3, bidirectional=True)
    numpy_init(torch, gru, seed=1)
    out, h = gru(xs.transpose(0, 1))
    print("gru shapes", tuple(out.shape), tuple(h.shape))
    print("gru last", [round(v, 5) for v in out[-1, 0].tolist()])


if __name__ == "__main__":
    main(run)

"""The same training on PyTorch's DistributedDataParallel: several processes, each with a copy of
the model and its share of every epoch's samples; gradients are averaged between them after each
backward, so every copy takes the same step.

    torchrun --standalone --nproc_per_node=2 examples/ddp/train_ddp.py

torchrun starts the processes and tells each its RANK and the WORLD_SIZE; "gloo" is the
CPU backend (NCCL is the GPU one). The lines marked DDP are all that differ from train.py, apart
from only rank 0 printing. PyTorch only.
"""

import argparse
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spiral import build_model, spiral  # noqa: E402


def main(epochs=10, batch_size=64, lr=0.01, hidden=64, max_steps=None, save=None):
    dist.init_process_group("gloo")  # DDP: join the group (address and rank from torchrun)
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in spiral())
    dataset = TensorDataset(x_train, y_train)
    sampler = DistributedSampler(dataset, shuffle=True, seed=0)  # DDP: each rank its share
    # DDP: each process takes batch_size / world samples, so a step still sees batch_size
    loader = DataLoader(dataset, batch_size=batch_size // world, sampler=sampler)
    model = DistributedDataParallel(build_model(torch.nn, hidden))  # DDP: averages the gradients
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    steps, timed = 0, 0  # timed: samples since the first step, as in train.py
    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)  # DDP: a new shuffle each epoch, the same on every rank
        total = torch.zeros(2)  # loss sum, samples
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()  # DDP: the all-reduce of the gradients happens in here
            optimizer.step()
            total += torch.tensor([loss.item() * len(xb), len(xb)])
            steps += 1
            if steps == 1:
                start = time.perf_counter()
            timed += len(xb) * world  # every rank took a batch of this size
            if max_steps is not None and steps >= max_steps:
                break
        dist.all_reduce(total)  # DDP: sum over the ranks for the epoch's mean loss
        if rank == 0 and (epoch % 2 == 0 or epoch == epochs or max_steps is not None):
            print(f"epoch {epoch:3d}  loss {total[0].item() / total[1].item():.4f}")
        if max_steps is not None and steps >= max_steps:
            break
    seconds = time.perf_counter() - start
    if rank == 0:
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
        print(f"test accuracy {accuracy:.3f}")
        print(f"{seconds:.2f} s of training on {world} processes, "
              f"{timed / seconds:,.0f} samples/s, {steps} steps per process")  # fmt: skip
        if save:
            torch.save(model.module.state_dict(), save)  # .module: the model inside DDP
    dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=64, help="width of the hidden layers")
    parser.add_argument("--max-steps", type=int, default=None, help="stop early (for tests)")
    parser.add_argument("--save", default=None, help="write the trained state_dict here")
    args = parser.parse_args()
    main(args.epochs, hidden=args.hidden, max_steps=args.max_steps, save=args.save)

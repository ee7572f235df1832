"""Optimizers with torch's names, defaults and update rules, and ``optim.lr_scheduler``.

Each optimizer file holds one update rule; ``optimizer.py`` holds what they share.
"""

from . import lr_scheduler  # noqa: F401
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]

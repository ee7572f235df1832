"""The data and training panels of the studio: pick the data, train, and watch it learn.

Every number they show comes from ``edutorch.training`` (GUI-free); these widgets only draw.
"""

from .data_panel import DataPanel
from .panel import TrainingPanel

__all__ = ["DataPanel", "TrainingPanel"]

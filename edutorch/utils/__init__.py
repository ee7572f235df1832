"""Helpers with torch's layout: ``edutorch.utils.data`` holds datasets, samplers and DataLoader."""

from . import data  # noqa: F401

"""Helpers for training: gradient clipping, parameter vectors (being written)."""

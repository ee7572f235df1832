"""Handles returned by ``register_hook`` and friends: ``handle.remove()`` takes the hook out."""

from __future__ import annotations


class RemovableHandle:
    """Remembers where a hook was added so it can be removed; also a context manager."""

    def __init__(self, container, item):
        self._container = container
        self._item = item

    def remove(self):
        container = self._container
        if isinstance(container, dict):
            container.pop(self._item, None)
        elif self._item in container:
            container.remove(self._item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

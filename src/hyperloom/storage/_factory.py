"""`storage=` accepts None (memory), a URL string or a storage object."""

from __future__ import annotations

from ._base import BaseStorage
from ._memory import InMemoryStorage


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if storage in (":memory:", "memory"):
            return InMemoryStorage()
        from ._sql import SQLStorage

        return SQLStorage(storage)
    raise TypeError(f"storage must be a URL string, a storage object or None, got "
                    f"{type(storage).__name__}")

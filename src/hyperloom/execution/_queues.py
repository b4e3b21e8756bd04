"""Waiting on a queue of finished jobs: what the thread, futures and Dask executors share."""

from __future__ import annotations

import queue
from typing import Any


def take_all(done: queue.SimpleQueue, timeout: float | None) -> list[Any]:
    """Every item in `done`, waiting up to `timeout` s for the first ([] if none came)."""
    try:
        items = [done.get(timeout=timeout)]
    except queue.Empty:
        return []
    while True:
        try:
            items.append(done.get_nowait())
        except queue.Empty:
            return items

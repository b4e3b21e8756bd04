"""Jobs run in the calling thread, one at a time: the default executor."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from ._outcome import Outcome


class InlineExecutor:
    """Runs each job at `submit`, in the coordinator's thread (so signals and the debugger
    reach the objective as if there were no executor)."""

    runs_elsewhere = False

    max_workers = 1

    def __init__(self) -> None:
        self._done: list[tuple[Hashable, Outcome]] = []

    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        self._done.append((key, job()))

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        done, self._done = self._done, []
        return done

    def shutdown(self) -> None:
        self._done.clear()

"""Heartbeats: a running trial proves its worker is alive, so that trials of dead workers
(killed, crashed machine) can be marked FAILED and the study can go on."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._study import Study


class Heartbeat:
    """Beats for every trial this process is running, every `interval` seconds."""

    def __init__(self, study: Study, interval: float) -> None:
        self._study = study
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hyperloom-heartbeat",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        storage = self._study._storage
        while not self._stop.wait(self._interval):
            for trial in list(self._study._running.values()):
                try:
                    storage.record_heartbeat(trial.trial_id)
                except Exception:  # noqa: BLE001 - a missed beat is retried next interval
                    pass

"""A progress bar (tqdm) with trials done, the best value and an ETA."""

from __future__ import annotations

import time
from typing import Any

from ..objectives import Direction
from ..storage import FrozenTrial, TrialState


class Progress:
    def __init__(self, study: Any, n_trials: int | None, timeout: float | None,
                 enabled: bool) -> None:
        self._bar: Any = None
        self._best: float | None = None
        self._direction = Direction(study.directions[0]) if len(study.directions) == 1 \
            else None
        self._timeout = timeout
        self._t0 = time.monotonic()
        if not enabled:
            return
        from tqdm.auto import tqdm

        if n_trials is not None:
            self._bar = tqdm(total=n_trials, unit="trial", desc=study.study_name)
        elif timeout is not None:  # progress in seconds: the ETA is the timeout's end
            self._bar = tqdm(total=round(timeout, 1), unit="s", desc=study.study_name,
                             bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f}s {postfix}")
        else:
            self._bar = tqdm(unit="trial", desc=study.study_name)

    def update(self, trial: FrozenTrial) -> None:
        if self._bar is None:
            return
        if trial.state == TrialState.COMPLETE and self._direction is not None:
            v = trial.values[0]
            if self._best is None or self._direction.better(v, self._best):
                self._best = v
        if self._bar.total is not None and self._bar.unit == "s":
            self._bar.n = min(self._bar.total, round(time.monotonic() - self._t0, 1))
        else:
            self._bar.update(1)
        if self._best is not None:
            self._bar.set_postfix_str(f"best={self._best:.6g} (trial {trial.number} done)",
                                      refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

"""What a stateful pruner knows of each study, read from the study a little at a time.

`study.get_trials()` returns every trial, so a pruner that read it on every decision would pay
O(n) per decision. The pruners that compare a trial with the others (successive halving,
Hyperband, extrapolation) instead keep what they learned in a per-study state and read the
study only now and then, handing the state only what it has not seen: each finished trial
once, running trials until they finish. Trials this process runs reach the state directly, at
their own decisions. A read happens

- at the first decision for a study, and whenever the study view changes (a deterministic run
  gives each batch its own snapshot);
- after `1 / READ_FRACTION` as many checks as the state has seen trials (so the O(n) read costs
  O(1) per check, amortized), or `READ_SECONDS` after the last read, whichever comes first.

So trials of other processes (workers or coordinators sharing one SQL study) are seen within
that lag; nothing is ever counted twice, because a state knows how far it has taken each trial.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..storage import FrozenTrial
from ._base import StudyView

READ_FRACTION = 8
READ_SECONDS = 1.0


class Feed:
    """The read schedule and read position of one study: trials numbered below `watermark`
    are finished and handed over; `anchor` is the record id of the last of them, to notice a
    study that was deleted and created again under the same name."""

    def __init__(self) -> None:
        self.watermark = 0
        self.anchor: int | None = None
        self.view: Any = None
        self.checks = 0
        self.seen = 0
        self.read_at = -math.inf
        self.finished_ahead: set[int] = set()  # finished, handed over, above the watermark

    def due(self, view: StudyView) -> bool:
        return (view is not self.view or self.checks >= max(1, self.seen // READ_FRACTION)
                or time.monotonic() - self.read_at >= READ_SECONDS)

    def read(self, view: StudyView, ingest: Callable[[FrozenTrial], None]) -> bool:
        """Hand the trials not yet fully seen to `ingest`; False (nothing handed) when the
        study is not the one this feed was reading."""
        trials = view.get_trials()
        w = self.watermark
        if len(trials) < w or (w and trials[w - 1].trial_id != self.anchor):
            return False
        settled = True
        ahead = self.finished_ahead
        for trial in trials[w:]:
            finished = trial.state.is_finished()
            if trial.number not in ahead:
                ingest(trial)
            if settled and finished:
                w += 1
                self.anchor = trial.trial_id
                ahead.discard(trial.number)
            else:
                settled = False
                if finished:  # behind a running trial: handed over once, not at every read
                    ahead.add(trial.number)
        self.watermark, self.view, self.seen = w, view, len(trials)
        self.checks, self.read_at = 0, time.monotonic()
        return True

    def rewind(self) -> None:
        """Read everything again at the next check (the state learned how to read it)."""
        self.watermark, self.anchor, self.view = 0, None, None
        self.finished_ahead.clear()


class StudyState:
    """Base of a pruner's per-study state: a feed and how trials are taken in."""

    def __init__(self) -> None:
        self.feed = Feed()

    def ingest(self, trial: FrozenTrial) -> None:
        """Take in what is new in `trial` (called again for a trial until it finishes)."""

    def after_read(self) -> bool:
        """Called after each read; True asks for everything to be read again."""
        return False


S = TypeVar("S", bound=StudyState)


class PerStudy(Generic[S]):
    """One state per study name, built by `make(view)` at first sight, behind one lock that
    callers hold around a whole decision (`with studies.lock:`). Pickling keeps nothing: a
    worker process starts empty and reads the study at its first decision."""

    def __init__(self) -> None:
        self._states: dict[str, S] = {}
        self.lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def peek(self, view: StudyView, make: Callable[[StudyView], S]) -> S:
        """The state of this study, without reading it."""
        state = self._states.get(view.study_name)
        if state is None:
            state = self._states[view.study_name] = make(view)
        return state

    def checked(self, view: StudyView, make: Callable[[StudyView], S]) -> S:
        """The state of this study after counting one check, read first when a read is due."""
        state = self.peek(view, make)
        state.feed.checks += 1
        if not state.feed.due(view):
            return state
        for _ in range(3):  # a replaced study, then a rewind, each ask for one more read
            if not state.feed.read(view, state.ingest):
                state = self._states[view.study_name] = make(view)
                continue
            if not state.after_read():
                break
            state.feed.rewind()
        return state

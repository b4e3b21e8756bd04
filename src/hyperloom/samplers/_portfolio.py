"""A two-sampler portfolio whose shares follow each sampler's recent hit rate: the evidence
inside a study of which sampler's proposals are paying off (AutoSampler, rule 3).

A trial is a *hit* when its value beats the best quarter of the values of the trials finished
before it. Each sampler's rate is taken over its own last `window` trials (with one hit and one
miss as a prior, so that a sampler with few trials is neither trusted nor written off), and
`second`'s share is its rate over the sum of both, kept within [`floor`, 1 - `floor`]: a
sampler that lags early (CMA-ES while its step size shrinks, TPE before its model has seen the
good region) still runs and can take over. The next trial goes to `second` while its part of
all the trials so far is below its share, so a share that rises is paid in a run of trials
for `second`, one that falls in a run for `first`.

Everything is read from finished trials in trial-number order, so the choice is deterministic
given the stored trials: a seeded sequential run is reproducible, and a resumed study picks up
where it stopped. Each trial costs one insertion into a sorted list.
"""

from __future__ import annotations

import bisect
import math
from collections import deque


class HitRatePortfolio:
    """Chooses between two samplers, `first` and `second`, by their recent hit rates."""

    __slots__ = ("first", "second", "window", "quantile", "floor", "warm", "_sorted",
                 "_hits", "_counts")

    def __init__(self, first: str, second: str, *, window: int = 10, quantile: float = 0.25,
                 floor: float = 0.2, warm: int = 20) -> None:
        self.first, self.second = first, second
        self.window, self.quantile, self.floor, self.warm = window, quantile, floor, warm
        self._sorted: list[float] = []  # the finite values so far, smaller = better
        self._hits = {first: deque(maxlen=window), second: deque(maxlen=window)}
        self._counts = {first: 0, second: 0}

    def record(self, value: float, sampler: str | None) -> None:
        """A finished trial, in trial-number order: its value (to minimize) and the sampler
        that proposed it (None or another name: counted in the values only)."""
        finite = math.isfinite(value)
        if sampler in self._hits:
            self._counts[sampler] += 1
            if len(self._sorted) >= 5:  # fewer values make no quarter
                cut = self._sorted[int(self.quantile * (len(self._sorted) - 1))]
                self._hits[sampler].append(finite and value < cut)
        if finite:
            bisect.insort(self._sorted, value)

    def share(self) -> float:
        """The share of trials that should go to `second`."""
        if len(self._sorted) < self.warm:
            return 0.5
        rates = {name: (sum(h) + 1) / (len(h) + 2) for name, h in self._hits.items()}
        share = rates[self.second] / (rates[self.first] + rates[self.second])
        return min(1.0 - self.floor, max(self.floor, share))

    def choose(self) -> str:
        total = self._counts[self.first] + self._counts[self.second]
        if self._counts[self.second] < self.share() * (total + 1):
            return self.second
        return self.first

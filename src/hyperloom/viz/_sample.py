"""How much of a large study a plot shows. Past a few tens of thousands of points a scatter
is a solid blot and a browser spends seconds on it, so plots show a random sample (always
keeping the trials that matter: the best ones, the failures) and say so on the figure."""

from __future__ import annotations

import numpy as np

#: Points of one scatter plot (history, slice, Pareto front, contour's dots).
MAX_POINTS = 20_000
#: Lines of a parallel-coordinates plot: past a few thousand, lines hide each other.
MAX_LINES = 5_000
#: Learning curves of an intermediate-values plot, and their reported points in all.
MAX_CURVES = 500
MAX_CURVE_POINTS = 100_000
#: Bars of a timeline (failed trials are always kept).
MAX_SEGMENTS = 20_000
#: Points of an empirical distribution curve (taken at evenly spaced ranks, so exact there).
MAX_EDF_POINTS = 1_000

#: Pages (the report, the dashboard) draw a dozen figures one after another and keep under
#: 10 MB. Scatters and timelines show `PAGE_POINTS`; a slice plot `PAGE_SLICE_POINTS` over all
#: its panels (at least `PAGE_PANEL_POINTS` each) and a contour `PAGE_CONTOUR_POINTS` dots (its
#: grid uses every trial), as SVG points cost about 0.05 ms each to draw in a headless browser:
#: five panels of 1,000 points draw in 0.2-0.5 s, of 2,000 in 0.5-1.3 s. Parallel coordinates
#: show `PAGE_LINES` lines.
PAGE_POINTS = 10_000
PAGE_SLICE_POINTS = 5_000
PAGE_PANEL_POINTS = 1_000
PAGE_CONTOUR_POINTS = 2_000
PAGE_SEGMENTS = 10_000
PAGE_LINES = 2_000


def subsample(n: int, cap: int, keep: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most `cap` of `n` items (all of them when n <= cap): every index
    in `keep` (as far as `cap` allows), the rest drawn at random with a fixed seed, so that a
    figure is the same on every call."""
    if n <= cap:
        return np.arange(n)
    keep = np.unique(np.asarray([] if keep is None else keep, dtype=np.int64))[:cap]
    rest = np.setdiff1d(np.arange(n), keep, assume_unique=True)
    rng = np.random.default_rng(seed)
    drawn = rng.choice(rest, size=cap - len(keep), replace=False)
    return np.sort(np.concatenate([keep, drawn]))


def shown_note(shown: int, total: int, what: str = "trials", how: str = "random sample") -> str:
    """The line a figure carries when it shows part of its data ("" when it shows all)."""
    if shown >= total:
        return ""
    return f"{shown:,} of {total:,} {what} shown ({how})"

"""Parallel coordinates as plain lines: every axis scaled to [0, 1], its ticks placed on that
scale. The matplotlib backend draws these, and so do the report and the dashboard with
plotly's SVG lines: plotly's own `Parcoords` is WebGL, which takes 1.6 s or more to start
where WebGL runs on the CPU (headless browsers, machines without a GPU), even for 10 lines;
2,000 SVG lines draw in 0.2-0.4 s there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._data import ParallelData


@dataclass(frozen=True, eq=False)
class ParallelLines:
    """`scaled[i, j]`: line i on axis j (the objective first, then each parameter), in
    [0, 1]; `ticks[j]`: the (position, text) of each tick of axis j."""

    names: list[str]
    scaled: np.ndarray
    ticks: list[list[tuple[float, str]]]


def _ticks(lo: float, hi: float, values: np.ndarray | None,
           texts: tuple[str, ...] | None) -> list[tuple[float, str]]:
    span = (hi - lo) or 1.0
    if values is None:
        values = np.linspace(lo, hi, 3)
        texts = tuple(f"{v:.3g}" for v in values)
    return [((float(v) - lo) / span, t) for v, t in zip(values, texts or ())]


def parallel_lines(data: ParallelData) -> ParallelLines:
    """The lines and ticks of `data` on axes scaled to [0, 1]."""
    objective = data.objective
    lo, hi = ((float(objective.min()), float(objective.max())) if len(objective)
              else (0.0, 1.0))
    columns, ranges = [objective], [(lo, hi)]
    ticks = [_ticks(lo, hi, None, None)]
    for axis in data.axes:
        a_lo, a_hi = axis.range if axis.range is not None else (0.0, 1.0)
        columns.append(axis.values)
        ranges.append((a_lo, a_hi))
        ticks.append(_ticks(a_lo, a_hi, axis.tickvals, axis.ticktext))
    scaled = (np.column_stack([(c - a) / ((b - a) or 1.0) for c, (a, b) in zip(columns, ranges)])
              if len(objective) else np.zeros((0, len(columns))))
    return ParallelLines([data.objective_name] + [a.name for a in data.axes], scaled, ticks)

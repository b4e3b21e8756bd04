"""The natural view of a sweep (`hyperloom run` of a grid, or any study whose parameters
take a few values each): the objective by swept parameter, as a heat map over two of them (a
bar per value when only one was swept) and a table per parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..objectives import Direction
from ._data import objective_index, param_columns
from ._errors import PlotError
from ._groups import (
    MAX_LEVELS,
    ParamGroups,
    cell_stats,
    column_groups,
    group_codes,
    is_grid_axis,
    varying,
)
from ._table import TrialTable, trial_table

STATISTICS = ("mean", "best")


@dataclass(frozen=True, eq=False)
class SweepData:
    """The objective over the swept parameters `x` and `y` (`y` None when one parameter was
    swept): `z[i, j]` is the mean (or best) value of the completed trials with the i-th value
    of `y` and the j-th of `x`, NaN where none completed; the other parameters that varied are
    `averaged_over`. `groups` holds every swept parameter, for a table."""

    groups: list[ParamGroups]
    x: ParamGroups
    y: ParamGroups | None
    statistic: str
    z: np.ndarray
    count: np.ndarray
    averaged_over: tuple[str, ...]
    objective_name: str
    direction: Direction
    note: str


def is_sweep(table: TrialTable) -> bool:
    """Whether the study is a grid: some parameter varies, and every one that does is a grid
    axis (what `hyperloom run` of a sweep file makes, or a grid sampler)."""
    changing = varying(list(table.params.values()))
    return bool(changing) and all(is_grid_axis(col) for col in changing)


def _pair(table: TrialTable, params: Sequence[str] | None, swept: list[ParamGroups],
          changing: list[str]) -> list[ParamGroups]:
    if params is None:
        if not swept:
            raise PlotError(f"sweep: no parameter of study {table.study_name!r} was swept (a "
                            f"category, or at most {MAX_LEVELS} numbers that trials share); "
                            "plot_contour shows sampled parameters")
        return sorted(swept, key=lambda g: -g.influence)[:2]
    names = list(params)
    if not 1 <= len(names) <= 2:
        raise PlotError(f"sweep: params={names!r}; pass one or two parameter names")
    param_columns(table, names)  # an unknown name: the error lists the study's parameters
    by_name = {g.name: g for g in swept}
    for name in names:
        if name not in by_name:
            why = "was sampled, not swept" if name in changing else "took one value"
            raise PlotError(f"sweep: parameter {name!r} {why} in study {table.study_name!r}; "
                            f"pick among the swept ones, {list(by_name)} (plot_contour and "
                            "plot_slice show sampled parameters)")
    return [by_name[n] for n in names]


def _cells(table: TrialTable, x: ParamGroups, y: ParamGroups | None, objective: int,
           statistic: str) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        return (x.mean if statistic == "mean" else x.best)[None, :], x.n_complete[None, :]
    cx, _ = group_codes(table.params[x.name])
    cy, _ = group_codes(table.params[y.name])
    ok = table.complete_mask & (cx >= 0) & (cy >= 0)
    count, mean, best = cell_stats(cy[ok] * len(x.labels) + cx[ok],
                                   table.values[ok, objective], len(x.labels) * len(y.labels),
                                   table.directions[objective])
    shape = (len(y.labels), len(x.labels))
    return (mean if statistic == "mean" else best).reshape(shape), count.reshape(shape)


def sweep_data(study: Any, params: Sequence[str] | None = None, objective: int = 0,
               statistic: str = "mean") -> SweepData:
    """The objective by swept parameter: over `params` (one or two names; default the two
    swept parameters whose values explain most of the objective's variance), the `statistic`
    ("mean" or "best") of the completed trials in each cell, the other parameters averaged
    over; and every swept parameter's groups."""
    if statistic not in STATISTICS:
        raise PlotError(f"sweep: statistic={statistic!r}; pass 'mean' or 'best'")
    table = trial_table(study)
    k = objective_index(table, objective)
    changing = varying(list(table.params.values()))
    swept = [column_groups(table, col, k) for col in changing if is_grid_axis(col)]
    pair = _pair(table, params, swept, [col.name for col in changing])
    x, y = pair[0], (pair[1] if len(pair) > 1 else None)
    z, count = _cells(table, x, y, k, statistic)
    shown = {g.name for g in pair}
    over = tuple(col.name for col in changing if col.name not in shown)
    note = f"each {'bar' if y is None else 'cell'}: the {statistic} value of its completed trials"
    if over:
        note += f", over every value of {', '.join(over)}"
    return SweepData(swept, x, y, statistic, z, count, over, table.objective_name(k),
                     table.directions[k], note)

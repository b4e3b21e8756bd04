"""Trials grouped by the value of a parameter: per value, how many trials had it and the mean
and best objective of the completed ones. One grouping serves the table `hyperloom run`
prints at the end of a sweep, the sweep view (a heat map over two swept parameters) and the
chosen-branches view of a graph study (a switch's value is its branch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..objectives import Direction
from ._data import objective_index, param_columns
from ._table import ParamColumn, TrialTable, trial_table

#: A numeric parameter with more values than this was sampled, not swept: the sweep view
#: averages it out.
MAX_LEVELS = 50


@dataclass(frozen=True, eq=False)
class ParamGroups:
    """One parameter's values: a category's options in their order, or the numbers trials
    had, ascending; per value the trials that had it (any state), the completed ones, and
    their mean and best objective value (NaN where none completed)."""

    name: str
    labels: tuple[str, ...]
    n_trials: np.ndarray
    n_complete: np.ndarray
    mean: np.ndarray
    best: np.ndarray
    #: The share of the objective's variance (over completed trials that have the parameter)
    #: that lies between the groups' means: 1 when the value alone decides the objective.
    influence: float


def _number_label(value: float, kind: str) -> str:
    return str(int(value)) if kind == "int" and value.is_integer() else repr(float(value))


def group_codes(col: ParamColumn) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each trial's group (-1 where it lacks the parameter) and the groups' labels."""
    present = col.present
    codes = np.full(len(col.values), -1, dtype=np.int64)
    if col.categorical:
        codes[present] = col.values[present]
        return codes, col.labels
    levels = np.unique(col.values[present])
    codes[present] = np.searchsorted(levels, col.values[present])
    return codes, tuple(_number_label(float(x), col.kind) for x in levels)


def cell_stats(codes: np.ndarray, values: np.ndarray, size: int,
               direction: Direction) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and best of `values` in each of `size` cells (`codes`: a cell per value)."""
    count = np.bincount(codes, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=values, minlength=size) / count
    signed = np.full(size, np.inf)
    np.minimum.at(signed, codes, direction.sign * values)
    best = np.where(count > 0, direction.sign * signed, np.nan)
    return count, mean, best


def _influence(values: np.ndarray, count: np.ndarray, mean: np.ndarray) -> float:
    if not len(values):
        return 0.0
    center = values.mean()
    total = float(((values - center) ** 2).sum())
    filled = count > 0
    between = float((count[filled] * (mean[filled] - center) ** 2).sum())
    return between / total if total > 0 else 0.0


def column_groups(table: TrialTable, col: ParamColumn, objective: int) -> ParamGroups:
    """The trials of `table` grouped by the value of `col`."""
    codes, labels = group_codes(col)
    present = codes >= 0
    done = present & table.complete_mask
    values = table.values[done, objective]
    n_complete, mean, best = cell_stats(codes[done], values, len(labels),
                                        table.directions[objective])
    return ParamGroups(col.name, labels, np.bincount(codes[present], minlength=len(labels)),
                       n_complete, mean, best, _influence(values, n_complete, mean))


def distinct(col: ParamColumn) -> int:
    """How many values the trials that have the parameter have."""
    return len(np.unique(col.values[col.present]))


def varying(cols: Sequence[ParamColumn]) -> list[ParamColumn]:
    """The parameters of `cols` that took at least two values."""
    return [col for col in cols if distinct(col) >= 2]


def param_groups(study: Any, params: Sequence[str] | None = None,
                 objective: int = 0) -> list[ParamGroups]:
    """The trials of `study` (a `Study` or a `TrialTable`) grouped by the value of each
    parameter that took at least two values (`params`: of these, in this order)."""
    table = trial_table(study)
    k = objective_index(table, objective)
    return [column_groups(table, col, k) for col in varying(param_columns(table, params))]


def is_grid_axis(col: ParamColumn) -> bool:
    """Whether a parameter is an axis of a grid: a category (what `hyperloom run` records a
    swept key as), or at most `MAX_LEVELS` numbers that trials share (a sampled number is
    new in almost every trial)."""
    return col.categorical or distinct(col) <= min(MAX_LEVELS, np.count_nonzero(col.present) / 2)

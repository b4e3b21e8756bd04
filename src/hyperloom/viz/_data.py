"""What each plot shows, as plain arrays: one function per plot, shared by the plotly and the
matplotlib backends, the report and the dashboard. Each takes a `Study` or a `TrialTable`
(read once, then reused) and decides what a large study shows (see `_sample`)."""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..objectives import Direction, best_so_far
from ..storage import TrialState
from ._errors import PlotError
from ._pareto import front_mask
from ._sample import (
    MAX_CURVE_POINTS,
    MAX_CURVES,
    MAX_EDF_POINTS,
    MAX_LINES,
    MAX_POINTS,
    MAX_SEGMENTS,
    shown_note,
    subsample,
)
from ._table import ParamColumn, TrialTable, trial_table


def objective_index(table: TrialTable, objective: int) -> int:
    k = len(table.directions)
    if not isinstance(objective, (int, np.integer)) or not -k <= objective < k:
        raise PlotError(f"objective={objective!r}: study {table.study_name!r} has {k} "
                        f"objective(s); pass an index from 0 to {k - 1}")
    return int(objective) % k


def _best_rows(table: TrialTable, rows: np.ndarray, objective: int, n: int) -> np.ndarray:
    """The `n` rows of `rows` with the best value of `objective`."""
    sign = table.directions[objective].sign
    order = np.argsort(sign * table.values[rows, objective], kind="stable")
    return rows[order[:n]]


# -- optimization history ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HistorySeries:
    """One study: its completed trials' values and the best value so far after each."""

    study_name: str
    direction: Direction
    number: np.ndarray  # trial numbers of the points shown
    value: np.ndarray
    best_number: np.ndarray  # where the best so far changed, and the last trial
    best_value: np.ndarray
    n_complete: int
    note: str


@dataclass(frozen=True, eq=False)
class HistoryData:
    series: list[HistorySeries]
    objective_name: str


def _history_series(table: TrialTable, objective: int, cap: int) -> HistorySeries:
    rows = np.flatnonzero(table.complete_mask)
    direction = table.directions[objective]
    values = table.values[rows, objective]
    best = best_so_far(values, direction)
    steps = np.zeros(0, dtype=np.int64)
    if len(best):
        steps = np.unique(np.r_[np.flatnonzero(np.r_[True, best[1:] != best[:-1]]),
                                len(best) - 1])
    shown = subsample(len(rows), cap, keep=steps)
    return HistorySeries(table.study_name, direction, table.number[rows[shown]], values[shown],
                         table.number[rows[steps]], best[steps], len(rows),
                         shown_note(len(shown), len(rows), "completed trials",
                                    "random sample; every new best kept"))


def history_data(studies: Any, objective: int = 0, max_points: int = MAX_POINTS) -> HistoryData:
    """Values of completed trials in trial order and the best so far, for one study or several
    (overlaid); `objective` picks one objective of a multi-objective study."""
    tables = [trial_table(s) for s in (studies if isinstance(studies, Sequence) else [studies])]
    if not tables:
        raise PlotError("history: give at least one study")
    k = objective_index(tables[0], objective)
    series = [_history_series(t, objective_index(t, k), max_points) for t in tables]
    return HistoryData(series, tables[0].objective_name(k))


# -- empirical distribution -------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EdfSeries:
    study_name: str
    x: np.ndarray  # sorted objective values
    y: np.ndarray  # fraction of completed trials with a value <= x
    n_complete: int
    note: str


@dataclass(frozen=True, eq=False)
class EdfData:
    series: list[EdfSeries]
    objective_name: str


def _edf_series(table: TrialTable, objective: int, cap: int) -> EdfSeries:
    values = np.sort(table.values[table.complete_mask, objective])
    n = len(values)
    ranks = np.arange(n) if n <= cap else np.unique(np.linspace(0, n - 1, cap).round()
                                                    .astype(np.int64))
    return EdfSeries(table.study_name, values[ranks], (ranks + 1) / max(n, 1), n,
                     shown_note(len(ranks), n, "values", "evenly spaced ranks"))


def edf_data(studies: Any, objective: int = 0, max_points: int = MAX_EDF_POINTS) -> EdfData:
    """The empirical distribution of the objective values of completed trials, one curve per
    study: the fraction of trials at or below each value."""
    tables = [trial_table(s) for s in (studies if isinstance(studies, Sequence) else [studies])]
    if not tables:
        raise PlotError("edf: give at least one study")
    k = objective_index(tables[0], objective)
    return EdfData([_edf_series(t, objective_index(t, k), max_points) for t in tables],
                   tables[0].objective_name(k))


# -- parameters: slice, parallel coordinates, contour -----------------------------------------
def param_columns(table: TrialTable, params: Sequence[str] | None) -> list[ParamColumn]:
    if params is None:
        return list(table.params.values())
    unknown = [p for p in params if p not in table.params]
    if unknown:
        raise PlotError(f"study {table.study_name!r} has no parameter {unknown[0]!r}; its "
                        f"parameters are {sorted(table.params)}")
    return [table.params[p] for p in params]


@dataclass(frozen=True, eq=False)
class SlicePanel:
    """One parameter: the objective value of each shown trial against the parameter."""

    name: str
    kind: str
    log: bool
    labels: tuple[str, ...]
    x: np.ndarray  # the parameter (categories as option indices)
    y: np.ndarray
    number: np.ndarray


@dataclass(frozen=True, eq=False)
class SliceData:
    panels: list[SlicePanel]
    objective_name: str
    note: str


def slice_data(study: Any, params: Sequence[str] | None = None, objective: int = 0,
               max_points: int = MAX_POINTS) -> SliceData:
    """For each parameter, the objective value of completed trials against its value."""
    table = trial_table(study)
    k = objective_index(table, objective)
    rows = np.flatnonzero(table.complete_mask)
    shown = rows[subsample(len(rows), max_points, keep=np.argsort(
        table.directions[k].sign * table.values[rows, k])[:100])]
    panels = []
    for col in param_columns(table, params):
        at = shown[col.present[shown]]
        panels.append(SlicePanel(col.name, col.kind, col.log, col.labels, col.values[at],
                                 table.values[at, k], table.number[at]))
    return SliceData(panels, table.objective_name(k),
                     shown_note(len(shown), len(rows), "completed trials",
                                "random sample; the 100 best kept"))


@dataclass(frozen=True, eq=False)
class ParallelAxis:
    """One vertical axis: values in drawing units (log10 for log parameters, option indices
    for categories, a sentinel below the range where the parameter is absent)."""

    name: str
    values: np.ndarray
    tickvals: np.ndarray | None = None
    ticktext: tuple[str, ...] | None = None
    range: tuple[float, float] | None = None


@dataclass(frozen=True, eq=False)
class ParallelData:
    objective: np.ndarray  # colours the lines; also the first axis
    objective_name: str
    direction: Direction
    axes: list[ParallelAxis]
    note: str


ABSENT = "(absent)"


def _axis(col: ParamColumn, rows: np.ndarray) -> ParallelAxis:
    v = col.values[rows]
    present = ~np.isnan(v)
    if col.categorical:
        ticks = np.arange(len(col.labels), dtype=float)
        labels = col.labels
        if not present.all():
            v = np.where(present, v, -1.0)
            ticks, labels = np.r_[-1.0, ticks], (ABSENT, *labels)
        return ParallelAxis(col.name, v, ticks, labels, (float(ticks[0]), float(ticks[-1])))
    shown = np.log10(v) if col.log else v
    lo, hi = (float(np.nanmin(shown)), float(np.nanmax(shown))) if present.any() else (0.0, 1.0)
    span = hi - lo or 1.0
    tickvals = ticktext = None
    if col.log:  # powers of ten inside the range, or three values when it spans less
        tickvals = np.arange(np.ceil(lo - 1e-9), np.floor(hi + 1e-9) + 1)
        ticktext = tuple(f"1e{int(t)}" for t in tickvals)
        if len(tickvals) < 2:
            tickvals = np.linspace(lo, hi, 3)
            ticktext = tuple(f"{10 ** t:.3g}" for t in tickvals)
    if not present.all():
        sentinel = lo - 0.15 * span
        shown = np.where(present, shown, sentinel)
        tickvals = np.r_[sentinel, tickvals if tickvals is not None
                         else np.linspace(lo, hi, 5)]
        ticktext = (ABSENT, *(ticktext or (f"{t:.3g}" for t in tickvals[1:])))
        lo = sentinel
    return ParallelAxis(col.name, shown, tickvals, ticktext, (lo, hi))


def parallel_data(study: Any, params: Sequence[str] | None = None, objective: int = 0,
                  max_lines: int = MAX_LINES) -> ParallelData:
    """One line per completed trial through its objective value and each parameter."""
    table = trial_table(study)
    k = objective_index(table, objective)
    rows = np.flatnonzero(table.complete_mask)
    rows = rows[subsample(len(rows), max_lines, keep=np.argsort(
        table.directions[k].sign * table.values[rows, k])[:max_lines // 10])]
    axes = [_axis(col, rows) for col in param_columns(table, params)]
    return ParallelData(table.values[rows, k], table.objective_name(k), table.directions[k],
                        axes, shown_note(len(rows), int(table.complete_mask.sum()),
                                         "completed trials", "random sample; the best 10% kept"))


@dataclass(frozen=True, eq=False)
class ContourAxis:
    name: str
    kind: str
    log: bool
    labels: tuple[str, ...]
    centers: np.ndarray  # grid cells along this axis (real values; option indices)
    points: np.ndarray  # the shown trials' values


@dataclass(frozen=True, eq=False)
class ContourData:
    x: ContourAxis
    y: ContourAxis
    z: np.ndarray  # (len(y.centers), len(x.centers)): the objective over the grid
    objective_name: str
    direction: Direction
    point_values: np.ndarray
    note: str


GRID = 40


def _bins(col: ParamColumn, v: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of each value, and the cell centers (real values)."""
    if col.categorical:
        return v.astype(np.int64), np.arange(len(col.labels), dtype=float)
    t = np.log10(v) if col.log else v
    lo, hi = float(t.min()), float(t.max())
    span = hi - lo or 1.0
    cells = min(n_bins, int(np.unique(t).size)) if col.kind == "int" else n_bins
    cell = np.minimum(((t - lo) / span * cells).astype(np.int64), cells - 1)
    centers = lo + (np.arange(cells) + 0.5) * span / cells
    return cell, 10 ** centers if col.log else centers


def _fill(z: np.ndarray) -> np.ndarray:
    """Empty cells take the mean of the filled cells around them, ring after ring, so the
    contour covers the box without inventing values far from any trial's neighbours."""
    z = z.copy()
    while np.isnan(z).any() and not np.isnan(z).all():
        padded = np.pad(z, 1, constant_values=np.nan)
        windows = np.stack([padded[i:i + z.shape[0], j:j + z.shape[1]]
                            for i in range(3) for j in range(3)])
        counts = (~np.isnan(windows)).sum(axis=0)
        sums = np.nansum(windows, axis=0)
        grow = np.isnan(z) & (counts > 0)
        z[grow] = sums[grow] / counts[grow]
    return z


def contour_data(study: Any, params: Sequence[str] | None = None, objective: int = 0,
                 grid: int = GRID, max_points: int = MAX_POINTS) -> ContourData:
    """The objective over a pair of parameters (the first two when `params` is None): the
    mean value of the completed trials in each cell of a `grid` x `grid` grid (one cell per
    option for categories), empty cells filled from their neighbours; and the trials."""
    table = trial_table(study)
    k = objective_index(table, objective)
    cols = param_columns(table, params)[:2] if params is None else param_columns(table, params)
    if len(cols) != 2:
        raise PlotError(f"contour: needs two parameters, got {[c.name for c in cols]}; pass "
                        "params=(name_x, name_y)")
    cx, cy = cols
    rows = np.flatnonzero(table.complete_mask & cx.present & cy.present)
    values = table.values[rows, k]
    if not len(rows):
        empty = ContourAxis(cx.name, cx.kind, cx.log, cx.labels, np.zeros(0), np.zeros(0))
        return ContourData(empty, ContourAxis(cy.name, cy.kind, cy.log, cy.labels, np.zeros(0),
                                              np.zeros(0)), np.zeros((0, 0)),
                           table.objective_name(k), table.directions[k], np.zeros(0), "")
    bx, xc = _bins(cx, cx.values[rows], grid)
    by, yc = _bins(cy, cy.values[rows], grid)
    flat = by * len(xc) + bx
    sums = np.bincount(flat, weights=values, minlength=len(xc) * len(yc))
    counts = np.bincount(flat, minlength=len(xc) * len(yc))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (sums / counts).reshape(len(yc), len(xc))
    shown = subsample(len(rows), max_points)
    at = rows[shown]
    return ContourData(
        ContourAxis(cx.name, cx.kind, cx.log, cx.labels, xc, cx.values[at]),
        ContourAxis(cy.name, cy.kind, cy.log, cy.labels, yc, cy.values[at]),
        _fill(z), table.objective_name(k), table.directions[k], values[shown],
        shown_note(len(shown), len(rows), "trials as dots", "random sample; the grid uses all"))


# -- intermediate values ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CurveSet:
    """Learning curves of the trials of one state, joined into one polyline with NaN gaps."""

    state: str
    x: np.ndarray
    y: np.ndarray
    last_x: np.ndarray  # each curve's last report (where a pruned trial stopped)
    last_y: np.ndarray
    numbers: np.ndarray
    n_curves: int


@dataclass(frozen=True, eq=False)
class IntermediateData:
    sets: list[CurveSet]
    note: str


_CURVE_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.FAILED)


def _curve_set(table: TrialTable, state: TrialState, rows: np.ndarray) -> CurveSet:
    xs, ys, last_x, last_y = [], [], [], []
    for i in rows:
        reports = table.trials[i].intermediate_values
        steps = np.fromiter(reports.keys(), dtype=float, count=len(reports))
        vals = np.fromiter(reports.values(), dtype=float, count=len(reports))
        order = np.argsort(steps)
        xs += [steps[order], [np.nan]]
        ys += [vals[order], [np.nan]]
        last_x.append(steps[order[-1]])
        last_y.append(vals[order[-1]])
    cat = (lambda a: np.concatenate(a)[:-1] if a else np.zeros(0))  # noqa: E731
    return CurveSet(state.name, cat(xs), cat(ys), np.asarray(last_x), np.asarray(last_y),
                    table.number[rows], len(rows))


def intermediate_data(study: Any, max_curves: int = MAX_CURVES,
                      max_points: int = MAX_CURVE_POINTS) -> IntermediateData:
    """The values each trial reported along the way (its learning curve), grouped by state;
    pruned trials end where they were stopped."""
    table = trial_table(study)
    with_reports = np.asarray([bool(t.intermediate_values) for t in table.trials], dtype=bool)
    rows = np.flatnonzero(with_reports)
    total = len(rows)
    if total:
        per_curve = np.mean([len(table.trials[i].intermediate_values) for i in
                             rows[subsample(total, 200)]])
        cap = max(1, min(max_curves, int(max_points / max(per_curve, 1))))
        keep = _best_rows(table, rows[table.complete_mask[rows]], 0, 10) \
            if table.complete_mask[rows].any() else None
        pos = np.searchsorted(rows, keep) if keep is not None else None
        rows = rows[subsample(total, cap, keep=pos)]
    sets = [_curve_set(table, s, rows[table.state[rows] == s]) for s in _CURVE_STATES]
    return IntermediateData([s for s in sets if s.n_curves],
                            shown_note(len(rows), total, "learning curves",
                                       "random sample; the 10 best completed kept"))


# -- Pareto front -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ParetoData:
    """Completed trials in objective space: the front (feasible trials no other feasible
    trial dominates; the whole front is always shown), the other feasible trials and the
    infeasible ones (constraint value > 0)."""

    objective_names: list[str]
    directions: list[Direction]
    front: np.ndarray  # (n, len(targets)), sorted along the first target
    front_numbers: np.ndarray
    feasible: np.ndarray
    feasible_numbers: np.ndarray
    infeasible: np.ndarray
    infeasible_numbers: np.ndarray
    n_complete: int
    note: str


def pareto_data(study: Any, targets: Sequence[int] | None = None,
                max_points: int = MAX_POINTS) -> ParetoData:
    """The Pareto front of a multi-objective study, shown on two or three of its objectives
    (`targets`, default: all when there are two or three)."""
    table = trial_table(study)
    k = len(table.directions)
    if k < 2:
        raise PlotError(f"study {table.study_name!r} has one objective; a Pareto front needs "
                        "several (use the optimization history instead)")
    targets = list(range(min(k, 3)) if targets is None else targets)
    if not 2 <= len(targets) <= 3:
        raise PlotError(f"pareto front: targets={targets!r}; pick 2 or 3 objectives to show")
    targets = [objective_index(table, t) for t in targets]
    rows = np.flatnonzero(table.complete_mask)
    ok = table.violation[rows] <= 0
    pool = rows[ok] if ok.any() else rows  # as study.best_trials: feasible trials first
    front = pool[front_mask(table.values[pool], table.directions)]
    front = front[np.lexsort(table.values[front][:, targets].T[::-1])]
    others = np.setdiff1d(rows, front)
    feas, infeas = others[table.violation[others] <= 0], others[table.violation[others] > 0]
    budget = max(0, max_points - len(front))
    if len(others) > budget:  # share the budget between feasible and infeasible trials
        n_feas = round(budget * len(feas) / len(others))
        feas = feas[subsample(len(feas), n_feas)]
        infeas = infeas[subsample(len(infeas), budget - n_feas)]
    shown = len(front) + len(feas) + len(infeas)

    def pick(r: np.ndarray) -> np.ndarray:
        return table.values[r][:, targets]

    return ParetoData([table.objective_name(t) for t in targets],
                      [table.directions[t] for t in targets], pick(front), table.number[front],
                      pick(feas), table.number[feas], pick(infeas), table.number[infeas],
                      len(rows), shown_note(shown, len(rows), "completed trials",
                                            "random sample; the whole front kept"))


# -- timeline ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TimelineData:
    """Trials as bars from start to end, one lane per worker."""

    lanes: list[str]
    lane_source: str
    start: dict[str, np.ndarray] = field(default_factory=dict)  # by state name
    end: dict[str, np.ndarray] = field(default_factory=dict)
    lane: dict[str, np.ndarray] = field(default_factory=dict)
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    note: str = ""


def _overlap_lanes(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Lanes such that no two trials of a lane overlap, as few as possible (a trial takes the
    lane that has been free longest): as many lanes as trials ran at once."""
    lane = np.zeros(len(start), dtype=np.int64)
    free: list[tuple[float, int]] = []  # (end time, lane)
    n_lanes = 0
    for i in np.argsort(start, kind="stable"):
        if free and free[0][0] <= start[i]:
            _, lane[i] = heapq.heappop(free)
        else:
            lane[i] = n_lanes
            n_lanes += 1
        heapq.heappush(free, (end[i], int(lane[i])))
    return lane


def timeline_data(study: Any, worker_attr: str = "worker",
                  max_segments: int = MAX_SEGMENTS) -> TimelineData:
    """When each trial ran, and where: lanes are the values of the trial attribute
    `worker_attr` (system attributes first, then user attributes) when the trials carry it,
    otherwise as many lanes as trials ran at once (each trial on the first free one)."""
    table = trial_table(study)
    rows = np.flatnonzero(~np.isnan(table.start))
    now = time.time()
    end_all = np.where(np.isnan(table.complete), now, table.complete)
    workers = [table.trials[i].system_attrs.get(worker_attr,
                                                table.trials[i].user_attrs.get(worker_attr))
               for i in rows]
    if rows.size and all(w is not None for w in workers):
        names = sorted({str(w) for w in workers})
        index = {n: i for i, n in enumerate(names)}
        lane_of = np.asarray([index[str(w)] for w in workers], dtype=np.int64)
        source = f"trial attribute {worker_attr!r}"
        lanes = names
    else:
        lane_of = _overlap_lanes(table.start[rows], end_all[rows])
        source = "lanes by overlap (no worker attribute on the trials)"
        lanes = [f"lane {i}" for i in range(int(lane_of.max()) + 1 if rows.size else 0)]
    failed = np.flatnonzero(table.state[rows] == TrialState.FAILED)
    pick = subsample(len(rows), max_segments, keep=failed)
    data = TimelineData(lanes, source, note=shown_note(len(pick), len(rows), "trials",
                                                       "random sample; every failure kept"))
    for state in TrialState:
        sel = pick[table.state[rows[pick]] == state]
        if sel.size:
            r = rows[sel]
            data.start[state.name], data.end[state.name] = table.start[r], end_all[r]
            data.lane[state.name], data.numbers[state.name] = lane_of[sel], table.number[r]
    return data

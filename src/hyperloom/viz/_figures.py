"""The set of plots the report and the dashboard show for a study, drawn from one table read
once: which plots apply (a Pareto front needs several objectives, learning curves need
reports, the sweep view a grid, the chosen branches a graph's switch), and the contour of
the two parameters that matter most."""

from __future__ import annotations

from typing import Any

from . import _data, _plotly
from ._branches import branch_data, has_branches
from ._errors import PlotError
from ._groups import ParamGroups
from ._importance import ImportanceData, importance_data
from ._optional import MissingDependencyError
from ._sample import (
    PAGE_CONTOUR_POINTS,
    PAGE_LINES,
    PAGE_PANEL_POINTS,
    PAGE_POINTS,
    PAGE_SEGMENTS,
    PAGE_SLICE_POINTS,
)
from ._sweep_view import is_sweep, sweep_data
from ._table import TrialTable

TITLES = {"pareto": "Pareto front", "history": "Optimization history",
          "sweep": "Results by swept parameter", "branches": "Chosen branches",
          "importance": "Hyperparameter importance", "parallel": "Parallel coordinates",
          "slice": "Slice plot", "contour": "Contour", "edf": "Empirical distribution",
          "intermediate": "Intermediate values", "timeline": "Timeline"}


class StudyPlots:
    """The plots of one study's table, sampled for a page of a dozen figures (`PAGE_POINTS`)
    and light to draw (parallel coordinates as SVG lines); the importance is computed once,
    on first need."""

    def __init__(self, table: TrialTable, importance_method: str = "fanova") -> None:
        self.table = table
        self.importance_method = importance_method
        self._importance: ImportanceData | None = None
        self.importance_error: str | None = None
        self.sweep = is_sweep(table)
        self.branches = has_branches(table)

    def names(self) -> list[str]:
        """The plots that apply to this study, in the order a reader wants them."""
        t = self.table
        k = len(t.directions)
        n_complete = int(t.complete_mask.sum())
        names = ["pareto"] if k > 1 else []
        names += ["history"] + [f"history_{i}" for i in range(1, min(k, 3))]
        names += (["sweep"] if self.sweep and n_complete else [])
        names += (["branches"] if self.branches else [])
        if n_complete >= 2 and t.params:
            names.append("importance")
        if t.params:
            names += ["parallel", "slice"]
        if len(t.params) >= 2 and n_complete:
            names.append("contour")
        names.append("edf")
        if any(tr.intermediate_values for tr in t.trials):
            names.append("intermediate")
        names.append("timeline")
        return names

    def importance(self) -> ImportanceData | None:
        """The importance of objective 0 (None, with `importance_error`, when it cannot be
        had: scikit-learn missing, too few trials)."""
        if self._importance is None and self.importance_error is None:
            try:
                self._importance = importance_data(self.table, self.importance_method)
            except (MissingDependencyError, PlotError) as exc:
                self.importance_error = str(exc)
        return self._importance

    def groups(self) -> dict[str, list[ParamGroups]]:
        """The tables of a sweep (each swept parameter) and of a graph study (each choice
        between branches), by the title of their plot; empty for other studies."""
        out = {}
        if self.sweep:
            out[TITLES["sweep"]] = sweep_data(self.table).groups
        if self.branches:
            out[TITLES["branches"]] = branch_data(self.table).choices
        return out

    def _contour_params(self) -> list[str]:
        data = self.importance()
        if data is not None and len(data.names) >= 2:
            return list(data.names[:2])
        return list(self.table.params)[:2]

    def figure(self, name: str) -> Any:
        """The plotly figure `name` (one of `names()`)."""
        t = self.table
        if name == "pareto":
            return _plotly.pareto(_data.pareto_data(t, max_points=PAGE_POINTS))
        if name.startswith("history"):
            objective = int(name.partition("_")[2] or 0)
            return _plotly.history(_data.history_data(t, objective, PAGE_POINTS))
        if name == "sweep":
            return _plotly.sweep(sweep_data(t))
        if name == "branches":
            return _plotly.branches(branch_data(t))
        if name == "importance":
            data = self.importance()
            if data is None:
                raise PlotError(f"no importance for study {t.study_name!r}: "
                                f"{self.importance_error}")
            return _plotly.importance(data)
        if name == "parallel":
            return _plotly.parallel_svg(_data.parallel_data(t, max_lines=PAGE_LINES))
        if name == "slice":
            per_panel = max(PAGE_PANEL_POINTS, PAGE_SLICE_POINTS // max(1, len(t.params)))
            return _plotly.slice_plot(_data.slice_data(t, max_points=per_panel))
        if name == "contour":
            return _plotly.contour(_data.contour_data(t, self._contour_params(),
                                                      max_points=PAGE_CONTOUR_POINTS))
        if name == "edf":
            return _plotly.edf(_data.edf_data(t))
        if name == "intermediate":
            return _plotly.intermediate(_data.intermediate_data(t))
        if name == "timeline":
            return _plotly.timeline(_data.timeline_data(t, max_segments=PAGE_SEGMENTS))
        raise PlotError(f"no plot named {name!r}; the plots are {list(TITLES)}")

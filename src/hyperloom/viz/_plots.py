"""The plot functions users call: each reads a study's trials once (or takes a `TrialTable`
already read), computes its arrays in `_data` and draws them with plotly (interactive, the
default) or matplotlib (PNG/SVG). Each returns the backend's figure object:
`plotly.graph_objects.Figure` or `matplotlib.figure.Figure`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _data
from ._branches import branch_data
from ._importance import MAX_TRIALS, importance_data
from ._optional import check_backend
from ._sweep_view import sweep_data


def _draw(name: str, data: Any, backend: str) -> Any:
    if check_backend(backend) == "plotly":
        from . import _plotly as module
    else:
        from . import _matplotlib as module
    return getattr(module, name)(data)


def plot_optimization_history(study: Any, *, objective: int = 0,
                              backend: str = "plotly") -> Any:
    """Each completed trial's value in trial order, and the best value so far. `study` may be
    a list of studies, drawn over each other (a sampler against another, say)."""
    return _draw("history", _data.history_data(study, objective), backend)


def plot_parallel_coordinate(study: Any, params: Sequence[str] | None = None, *,
                             objective: int = 0, backend: str = "plotly") -> Any:
    """One line per completed trial through its value and each parameter (log parameters on
    a log axis, categories as ticks, absent conditional parameters below the range)."""
    return _draw("parallel", _data.parallel_data(study, params, objective), backend)


def plot_slice(study: Any, params: Sequence[str] | None = None, *, objective: int = 0,
               backend: str = "plotly") -> Any:
    """For each parameter, the value of every completed trial against that parameter,
    coloured by trial number (later trials darker)."""
    return _draw("slice_plot", _data.slice_data(study, params, objective), backend)


def plot_contour(study: Any, params: Sequence[str] | None = None, *, objective: int = 0,
                 grid: int = _data.GRID, backend: str = "plotly") -> Any:
    """The objective over two parameters (`params`, default the first two): the mean value
    in each cell of a grid, with the trials as dots."""
    return _draw("contour", _data.contour_data(study, params, objective, grid), backend)


def plot_edf(study: Any, *, objective: int = 0, backend: str = "plotly") -> Any:
    """The fraction of completed trials at or below each value, for one or several studies:
    the curve of a better search rises earlier (for minimization)."""
    return _draw("edf", _data.edf_data(study, objective), backend)


def plot_intermediate_values(study: Any, *, backend: str = "plotly") -> Any:
    """The learning curves trials reported (`trial.report`), by state; pruned trials end
    with a cross where they were stopped."""
    return _draw("intermediate", _data.intermediate_data(study), backend)


def plot_pareto_front(study: Any, *, targets: Sequence[int] | None = None,
                      backend: str = "plotly") -> Any:
    """Completed trials of a multi-objective study in objective space: the Pareto front,
    the other feasible trials and the infeasible ones (a constraint value > 0)."""
    return _draw("pareto", _data.pareto_data(study, targets), backend)


def plot_timeline(study: Any, *, worker_attr: str = "worker", backend: str = "plotly") -> Any:
    """When each trial ran, coloured by state, one lane per worker (the trial attribute
    `worker_attr` when trials carry it, otherwise lanes by overlap): parallelism and
    failures at a glance."""
    return _draw("timeline", _data.timeline_data(study, worker_attr), backend)


def plot_param_importances(study: Any, *, method: str = "fanova",
                           params: Sequence[str] | None = None, objective: int = 0,
                           max_trials: int = MAX_TRIALS, backend: str = "plotly") -> Any:
    """The share of the objective's variation each parameter explains (see `importances`)."""
    return _draw("importance",
                 importance_data(study, method, params, objective, max_trials), backend)


def plot_sweep(study: Any, params: Sequence[str] | None = None, *, objective: int = 0,
               statistic: str = "mean", backend: str = "plotly") -> Any:
    """The objective by swept parameter (a sweep run by `hyperloom run`, a grid): a heat map
    of the mean (`statistic="best"`: best) value over two swept parameters (`params`, default
    the two that explain most of its variance), the others averaged over; one parameter gives
    a bar per value."""
    return _draw("sweep", sweep_data(study, params, objective, statistic), backend)


def plot_branches(study: Any, *, objective: int = 0, backend: str = "plotly") -> Any:
    """For each choice between branches (a graph's switch), how many trials chose each branch,
    and the mean and best value of the completed ones."""
    return _draw("branches", branch_data(study, objective), backend)

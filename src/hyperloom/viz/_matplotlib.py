"""The matplotlib backend: static figures (PNG, SVG, PDF via `fig.savefig`) from the arrays of
`_data`. Figures are `matplotlib.figure.Figure`s made without pyplot, so no GUI backend is
started and nothing is kept in pyplot's global list of open figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._branches import BranchData
from ._data import (
    ContourData,
    EdfData,
    HistoryData,
    IntermediateData,
    ParallelData,
    ParetoData,
    SliceData,
    TimelineData,
)
from ._importance import ImportanceData
from ._optional import require
from ._parallel_lines import parallel_lines
from ._style import COLORS, STATE_COLORS
from ._sweep_view import SweepData

#: A heat map of at most this many cells writes each cell's value in it.
LABELLED_CELLS = 400


def _figure(title: str, notes: list[str], **kwargs: Any) -> tuple[Any, Any]:
    figure_module = require("matplotlib.figure", "matplotlib figures")
    fig = figure_module.Figure(figsize=kwargs.pop("figsize", (8, 5)), layout="constrained")
    ax = fig.add_subplot(111, **kwargs)
    _titles(fig, ax, title, notes)
    return fig, ax


def _titles(fig: Any, ax: Any, title: str, notes: list[str]) -> None:
    notes = [n for n in notes if n]
    if ax is not None:
        ax.set_title("\n".join([title, *notes]), fontsize=11)
    else:
        fig.suptitle("\n".join([title, *notes]), fontsize=11)


def _param_axis(ax: Any, which: str, kind: str, log: bool, labels: tuple[str, ...]) -> None:
    if kind == "categorical":
        getattr(ax, f"set_{which}ticks")(range(len(labels)), labels)
    elif log:
        getattr(ax, f"set_{which}scale")("log")


def history(data: HistoryData) -> Any:
    fig, ax = _figure("Optimization history", [s.note for s in data.series])
    several = len(data.series) > 1
    for i, s in enumerate(data.series):
        color = COLORS[i % len(COLORS)]
        prefix = f"{s.study_name}: " if several else ""
        ax.scatter(s.number, s.value, s=6, alpha=0.5, color=color,
                   label=f"{prefix}objective value")
        if len(s.best_number):
            last = max(s.number[-1] if len(s.number) else 0, s.best_number[-1])
            ax.step(np.r_[s.best_number, last], np.r_[s.best_value, s.best_value[-1]],
                    where="post", color=color, label=f"{prefix}best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(data.objective_name)
    ax.legend(loc="best")
    return fig


def edf(data: EdfData) -> Any:
    fig, ax = _figure("Empirical distribution of the objective", [s.note for s in data.series])
    for i, s in enumerate(data.series):
        ax.step(s.x, s.y, where="post", color=COLORS[i % len(COLORS)], label=s.study_name)
    ax.set_xlabel(data.objective_name)
    ax.set_ylabel("fraction of completed trials")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="best")
    return fig


def slice_plot(data: SliceData) -> Any:
    figure_module = require("matplotlib.figure", "matplotlib figures")
    n = max(1, len(data.panels))
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig = figure_module.Figure(figsize=(3.2 * cols + 1, 3 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    for ax, p in zip(axes, data.panels):
        dots = ax.scatter(p.x, p.y, c=p.number, cmap="Blues", s=6, alpha=0.7)
        ax.set_xlabel(p.name)
        _param_axis(ax, "x", p.kind, p.log, p.labels)
    for ax in axes[len(data.panels):]:
        ax.set_visible(False)
    axes[0].set_ylabel(data.objective_name)
    if data.panels:
        fig.colorbar(dots, ax=axes.tolist(), label="trial")
    _titles(fig, None, "Slice plot", [data.note])
    return fig


def parallel(data: ParallelData) -> Any:
    collections = require("matplotlib.collections", "matplotlib figures")
    lines = parallel_lines(data)
    fig, ax = _figure("Parallel coordinates", [data.note],
                      figsize=(max(6, 1.6 * len(lines.names)), 5))
    xs = np.arange(len(lines.names))
    cmap = "viridis_r" if data.direction.value == "minimize" else "viridis"
    drawn = collections.LineCollection([np.column_stack([xs, row]) for row in lines.scaled],
                                       array=data.objective, cmap=cmap, linewidths=0.6,
                                       alpha=0.6)
    ax.add_collection(drawn)
    ax.set_xlim(-0.2, len(xs) - 0.8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(xs, lines.names, rotation=20)
    ax.set_yticks([])
    for x, ticks in zip(xs, lines.ticks):
        ax.axvline(x, color="#888", lw=0.8)
        for y, text in ticks:
            ax.text(x + 0.03, y, text, fontsize=7, va="center")
    fig.colorbar(drawn, ax=ax, label=data.objective_name)
    return fig


def contour(data: ContourData) -> Any:
    fig, ax = _figure(f"Contour of {data.objective_name}", [data.note])
    x, y = data.x, data.y
    if data.z.size:
        cmap = "viridis_r" if data.direction.value == "minimize" else "viridis"
        if data.z.shape[0] > 1 and data.z.shape[1] > 1:
            filled = ax.contourf(x.centers, y.centers, data.z, levels=15, cmap=cmap)
        else:
            filled = ax.pcolormesh(x.centers, y.centers, data.z, cmap=cmap, shading="nearest")
        fig.colorbar(filled, ax=ax, label=data.objective_name)
        ax.scatter(x.points, y.points, s=3, color="black", alpha=0.5)
    ax.set_xlabel(x.name)
    ax.set_ylabel(y.name)
    _param_axis(ax, "x", x.kind, x.log, x.labels)
    _param_axis(ax, "y", y.kind, y.log, y.labels)
    return fig


def intermediate(data: IntermediateData) -> Any:
    fig, ax = _figure("Intermediate values", [data.note])
    for s in data.sets:
        color = STATE_COLORS.get(s.state, "#333")
        ax.plot(s.x, s.y, color=color, lw=0.8, alpha=0.6,
                label=f"{s.state.lower()} ({s.n_curves})")
        if s.state == "PRUNED":
            ax.scatter(s.last_x, s.last_y, marker="x", color=color, s=20, label="pruned here")
    ax.set_xlabel("step")
    ax.set_ylabel("reported value")
    if data.sets:
        ax.legend(loc="best")
    return fig


def pareto(data: ParetoData) -> Any:
    three = len(data.objective_names) == 3
    fig, ax = _figure("Pareto front", [data.note], **({"projection": "3d"} if three else {}))
    for name, points, style in (
            ("other trials", data.feasible, {"color": "#9ecae1", "s": 6}),
            ("infeasible", data.infeasible, {"color": "#fc9272", "s": 6, "marker": "x"}),
            ("Pareto front", data.front, {"color": "#d62728", "s": 18})):
        if len(points):
            ax.scatter(*points.T, label=f"{name} ({len(points)})", **style)
    ax.set_xlabel(data.objective_names[0])
    ax.set_ylabel(data.objective_names[1])
    if three:
        ax.set_zlabel(data.objective_names[2])
    ax.legend(loc="best")
    return fig


def timeline(data: TimelineData) -> Any:
    dates = require("matplotlib.dates", "matplotlib figures")
    collections = require("matplotlib.collections", "matplotlib figures")
    fig, ax = _figure("Timeline of trials", [data.lane_source, data.note],
                      figsize=(9, max(3, 1 + 0.3 * len(data.lanes))))
    for state, start in data.start.items():
        to_num = (lambda t: t / 86400.0)  # noqa: E731 - matplotlib dates: days since 1970
        x0, x1, lane = to_num(start), to_num(data.end[state]), data.lane[state]
        segments = np.stack([np.column_stack([x0, lane]), np.column_stack([x1, lane])], axis=1)
        ax.add_collection(collections.LineCollection(
            segments, colors=STATE_COLORS.get(state, "#333"), linewidths=6,
            label=f"{state.lower()} ({len(start)})"))
    ax.autoscale()
    locator = dates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    ax.set_yticks(range(len(data.lanes)), data.lanes)
    ax.invert_yaxis()
    ax.set_xlabel("time (UTC)")
    if data.start:
        ax.legend(loc="best")
    return fig


def importance(data: ImportanceData) -> Any:
    fig, ax = _figure(f"Hyperparameter importance ({data.method})", [data.note],
                      figsize=(7, max(2.5, 1 + 0.35 * len(data.names))))
    bars = ax.barh(data.names[::-1], data.importances[::-1], color=COLORS[0])
    ax.bar_label(bars, fmt="%.2f")
    ax.set_xlim(0, 1.1)
    ax.set_xlabel(f"share of {data.objective_name}'s variation")
    return fig


def _sweep_bars(ax: Any, data: SweepData) -> None:
    x = data.x
    at = np.arange(len(x.labels))
    ax.bar(at, data.z[0], color=COLORS[0], label=data.statistic)
    if data.statistic == "mean":
        ax.scatter(at, x.best, color=COLORS[3], marker="D", zorder=3, label="best")
    ax.set_xticks(at, x.labels)
    ax.set_xlabel(x.name)
    ax.set_ylabel(f"{data.statistic} {data.objective_name}")
    ax.legend(loc="best")


def sweep(data: SweepData) -> Any:
    x, y = data.x, data.y
    if y is None:
        fig, ax = _figure(f"{data.objective_name} by {x.name}", [data.note])
        _sweep_bars(ax, data)
        return fig
    fig, ax = _figure(f"{data.objective_name} by {x.name} and {y.name}", [data.note],
                      figsize=(max(8, 2 + 0.6 * len(x.labels)), max(4.5, 1.5 + 0.4 * len(y.labels))))
    cmap = "viridis_r" if data.direction.value == "minimize" else "viridis"
    cells = ax.imshow(data.z, cmap=cmap, aspect="auto", origin="lower")
    fig.colorbar(cells, ax=ax, label=f"{data.statistic} {data.objective_name}")
    if data.z.size <= LABELLED_CELLS:
        for (i, j), v in np.ndenumerate(data.z):
            if np.isfinite(v):  # dark text on the light end of the colour map
                r, g, b, _ = cells.cmap(cells.norm(v))
                ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=8,
                        color="black" if 0.3 * r + 0.6 * g + 0.1 * b > 0.5 else "white")
    ax.set_xticks(range(len(x.labels)), x.labels)
    ax.set_yticks(range(len(y.labels)), y.labels)
    ax.set_xlabel(x.name)
    ax.set_ylabel(y.name)
    return fig


def branches(data: BranchData) -> Any:
    figure_module = require("matplotlib.figure", "matplotlib figures")
    rows = max(1, len(data.choices))
    fig = figure_module.Figure(figsize=(9, 1 + sum(0.8 + 0.3 * len(c.labels)
                                                   for c in data.choices)),
                               layout="constrained")
    axes = fig.subplots(rows, 2, squeeze=False)
    for (left, right), c in zip(axes, data.choices):
        at = np.arange(len(c.labels))
        bars = left.barh(at, c.n_trials, color=COLORS[7])
        left.bar_label(bars)
        left.set_yticks(at, c.labels)
        left.invert_yaxis()
        left.set_title(f"{c.name}: times chosen", fontsize=10)
        right.barh(at, c.mean, color=COLORS[0], label="mean")
        right.scatter(c.best, at, color=COLORS[3], marker="D", zorder=3, label="best")
        right.set_yticks(at, c.labels)
        right.invert_yaxis()
        right.set_title(f"{c.name}: {data.objective_name}", fontsize=10)
    if data.choices:
        fig.legend(*axes[0][1].get_legend_handles_labels(), loc="outside right upper")
    _titles(fig, None, "Chosen branches", [])
    return fig

"""The plotly backend: interactive figures from the arrays of `_data`. Light by design: one
trace per series (never one per trial), WebGL (`Scattergl`) once a series has more points
than SVG draws quickly, and a figure's note says when it shows a sample of the study."""

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

#: Above this many points a series is drawn with WebGL.
WEBGL_FROM = 5_000
#: A heat map of at most this many cells writes each cell's value in it.
LABELLED_CELLS = 400
#: Parallel coordinates drawn as SVG lines colour the lines in this many bands of the
#: objective (a trace per band: SVG draws one colour per trace).
COLOR_BANDS = 12


def _go() -> Any:
    return require("plotly.graph_objects", "plotly figures")


def _scatter(n: int) -> Any:
    go = _go()
    return go.Scattergl if n > WEBGL_FROM else go.Scatter


def _figure(traces: list[Any], title: str, notes: list[str], **layout: Any) -> Any:
    """A figure with `title`, and under it the notes that say what part of the study shows."""
    notes = [n for n in notes if n]
    text = title + "".join(f"<br><sup>{n}</sup>" for n in notes)
    fig = _go().Figure(data=traces)
    fig.update_layout(title={"text": text, "x": 0.05}, margin={"t": 80 + 14 * len(notes)},
                      **layout)
    return fig


def _axis_of(kind: str, log: bool, labels: tuple[str, ...]) -> dict[str, Any]:
    """Axis settings for a parameter: log scale, or one tick per option."""
    if kind == "categorical":
        return {"tickvals": list(range(len(labels))), "ticktext": list(labels)}
    return {"type": "log"} if log else {}


def history(data: HistoryData) -> Any:
    traces = []
    several = len(data.series) > 1
    for i, s in enumerate(data.series):
        color = COLORS[i % len(COLORS)]
        prefix = f"{s.study_name}: " if several else ""
        traces.append(_scatter(len(s.number))(
            x=s.number, y=s.value, mode="markers", name=f"{prefix}objective value",
            marker={"color": color, "size": 5, "opacity": 0.6}))
        if len(s.best_number):
            last = s.number[-1] if len(s.number) else s.best_number[-1]
            x = np.r_[s.best_number, max(last, s.best_number[-1])]
            traces.append(_go().Scatter(
                x=x, y=np.r_[s.best_value, s.best_value[-1]], mode="lines", line_shape="hv",
                name=f"{prefix}best so far", line={"color": color, "width": 2}))
    return _figure(traces, "Optimization history", [s.note for s in data.series],
                   xaxis_title="trial", yaxis_title=data.objective_name)


def edf(data: EdfData) -> Any:
    traces = [_go().Scatter(x=s.x, y=s.y, mode="lines", line_shape="hv", name=s.study_name,
                            line={"color": COLORS[i % len(COLORS)]})
              for i, s in enumerate(data.series)]
    return _figure(traces, "Empirical distribution of the objective",
                   [s.note for s in data.series], xaxis_title=data.objective_name,
                   yaxis_title="fraction of completed trials", yaxis_range=[0, 1.02])


def slice_plot(data: SliceData) -> Any:
    subplots = require("plotly.subplots", "plotly figures")
    n = max(1, len(data.panels))
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig = subplots.make_subplots(rows=rows, cols=cols, shared_yaxes=True,
                                 subplot_titles=[p.name for p in data.panels] or None,
                                 horizontal_spacing=0.04, vertical_spacing=0.18 / rows)
    for i, p in enumerate(data.panels):
        r, c = divmod(i, cols)
        fig.add_trace(_scatter(len(p.x))(
            x=p.x, y=p.y, mode="markers", name=p.name, showlegend=False,
            hovertemplate="trial %{marker.color}<br>%{x}: %{y}<extra></extra>",
            marker={"size": 5, "opacity": 0.7, "color": p.number, "colorscale": "Blues",
                    "showscale": i == 0, "colorbar": {"title": {"text": "trial"}}}),
            row=r + 1, col=c + 1)
        fig.update_xaxes(row=r + 1, col=c + 1, **_axis_of(p.kind, p.log, p.labels))
    fig.update_yaxes(title_text=data.objective_name, row=1, col=1)
    notes = [data.note] if data.note else []
    fig.update_layout(title={"text": "Slice plot" + "".join(f"<br><sup>{t}</sup>"
                                                           for t in notes), "x": 0.05},
                      height=max(400, 320 * rows), margin={"t": 90})
    return fig


def parallel(data: ParallelData) -> Any:
    go = _go()
    dims = [{"label": data.objective_name, "values": data.objective}]
    for a in data.axes:
        dim: dict[str, Any] = {"label": a.name, "values": a.values}
        if a.tickvals is not None:
            dim["tickvals"], dim["ticktext"] = a.tickvals, list(a.ticktext or ())
        if a.range is not None:
            dim["range"] = list(a.range)
        dims.append(dim)
    trace = go.Parcoords(dimensions=dims, line={
        "color": data.objective, "colorscale": "Viridis", "showscale": True,
        "reversescale": data.direction.value == "minimize",
        "colorbar": {"title": {"text": data.objective_name}}})
    return _figure([trace], "Parallel coordinates", [data.note])


def _band_traces(data: ParallelData, scaled: np.ndarray) -> list[Any]:
    """One trace of lines per band of the objective's quantiles, the best band drawn last
    (on top), each line a run of points with a gap (NaN) after it."""
    go = _go()
    colors = require("plotly.colors", "plotly figures")
    sign = data.direction.sign
    edges = np.quantile(sign * data.objective, np.linspace(0, 1, COLOR_BANDS + 1)[1:-1])
    band = np.searchsorted(edges, sign * data.objective)
    lo, hi = float(data.objective.min()), float(data.objective.max())
    xs = np.r_[np.arange(scaled.shape[1], dtype=float), np.nan]
    traces = []
    for b in range(COLOR_BANDS - 1, -1, -1):
        rows = np.flatnonzero(band == b)
        if not len(rows):
            continue
        middle = float(np.median(data.objective[rows]))
        where = (middle - lo) / ((hi - lo) or 1.0)
        color = colors.sample_colorscale("Viridis", [1 - where if sign > 0 else where])[0]
        y = np.column_stack([scaled[rows], np.full(len(rows), np.nan)]).ravel()
        traces.append(go.Scatter(x=np.tile(xs, len(rows)), y=y, mode="lines", opacity=0.5,
                                 line={"color": color, "width": 0.8}, hoverinfo="skip",
                                 showlegend=False, connectgaps=False))
    return traces


def parallel_svg(data: ParallelData) -> Any:
    """Parallel coordinates as SVG lines, for pages that draw many figures: no brushing of
    axes as in `parallel`, but drawn in a tenth of the time where WebGL runs on the CPU."""
    go = _go()
    lines = parallel_lines(data)
    traces = _band_traces(data, lines.scaled) if len(data.objective) else []
    traces.append(go.Scatter(  # the colour bar: one invisible point per end of the scale
        x=[0, 0], y=[0, 0], mode="markers", hoverinfo="skip", showlegend=False,
        marker={"color": [float(data.objective.min(initial=0)),
                          float(data.objective.max(initial=1))],
                "colorscale": "Viridis", "reversescale": data.direction.value == "minimize",
                "showscale": True, "opacity": 0,
                "colorbar": {"title": {"text": data.objective_name}}}))
    m = len(lines.names)
    labels = [{"x": j, "y": y, "text": t, "showarrow": False, "xanchor": "left",
               "xshift": 3, "font": {"size": 10}} for j, ticks in enumerate(lines.ticks)
              for y, t in ticks]
    axes = [{"type": "line", "x0": j, "x1": j, "y0": 0, "y1": 1,
             "line": {"color": "#888", "width": 1}} for j in range(m)]
    return _figure(traces, "Parallel coordinates", [data.note], annotations=labels,
                   shapes=axes, xaxis={"tickvals": list(range(m)), "ticktext": lines.names,
                                       "range": [-0.1, m - 0.6], "showgrid": False,
                                       "zeroline": False},
                   yaxis={"visible": False, "range": [-0.05, 1.05]})


def contour(data: ContourData) -> Any:
    go = _go()
    x, y = data.x, data.y
    traces = []
    if data.z.size:
        traces.append(go.Contour(
            x=x.centers, y=y.centers, z=data.z, colorscale="Viridis",
            reversescale=data.direction.value == "minimize", connectgaps=True,
            colorbar={"title": {"text": data.objective_name}}, name=data.objective_name,
            contours={"coloring": "heatmap"}, line={"width": 0.5}))
        traces.append(_scatter(len(x.points))(
            x=x.points, y=y.points, mode="markers", name="trials", showlegend=False,
            marker={"color": "black", "size": 3, "opacity": 0.5}))
    return _figure(traces, f"Contour of {data.objective_name}", [
        data.note, "grid: mean value of the trials in each cell, empty cells filled from "
                   "their neighbours"],
        xaxis={"title": {"text": x.name}, **_axis_of(x.kind, x.log, x.labels)},
        yaxis={"title": {"text": y.name}, **_axis_of(y.kind, y.log, y.labels)})


def intermediate(data: IntermediateData) -> Any:
    traces = []
    for s in data.sets:
        color = STATE_COLORS.get(s.state, "#333")
        traces.append(_scatter(len(s.x))(
            x=s.x, y=s.y, mode="lines", name=f"{s.state.lower()} ({s.n_curves})",
            line={"color": color, "width": 1}, opacity=0.6, connectgaps=False))
        if s.state == "PRUNED":
            traces.append(_scatter(len(s.last_x))(
                x=s.last_x, y=s.last_y, mode="markers", name="pruned here",
                customdata=s.numbers, hovertemplate="trial %{customdata} pruned at step "
                "%{x}<extra></extra>", marker={"symbol": "x", "size": 7, "color": color}))
    return _figure(traces, "Intermediate values", [data.note], xaxis_title="step",
                   yaxis_title="reported value")


def pareto(data: ParetoData) -> Any:
    go = _go()
    three = len(data.objective_names) == 3
    groups = (("other trials", data.feasible, data.feasible_numbers,
               {"color": "#9ecae1", "size": 4}),
              ("infeasible", data.infeasible, data.infeasible_numbers,
               {"color": "#fc9272", "size": 4, "symbol": "x"}),
              ("Pareto front", data.front, data.front_numbers,
               {"color": "#d62728", "size": 7}))
    traces = []
    for name, points, numbers, marker in groups:
        if not len(points):
            continue
        common = {"mode": "markers", "name": f"{name} ({len(points)})", "marker": marker,
                  "customdata": numbers, "hovertemplate": "trial %{customdata}<extra></extra>"}
        if three:
            traces.append(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2],
                                       **common))
        else:
            kind = _scatter(len(points))
            traces.append(kind(x=points[:, 0], y=points[:, 1], **common))
    names = data.objective_names
    layout: dict[str, Any] = ({"scene": {"xaxis_title": names[0], "yaxis_title": names[1],
                                         "zaxis_title": names[2]}} if three else
                              {"xaxis_title": names[0], "yaxis_title": names[1]})
    return _figure(traces, "Pareto front", [data.note], **layout)


def timeline(data: TimelineData) -> Any:
    traces = []
    for state, start in data.start.items():
        end, lane, numbers = data.end[state], data.lane[state], data.numbers[state]
        n = len(start)
        x = np.empty(3 * n)
        x[0::3], x[1::3], x[2::3] = start * 1000, end * 1000, np.nan  # ms: a date axis
        y = np.empty(3 * n)
        y[0::3], y[1::3], y[2::3] = lane, lane, np.nan
        custom = np.repeat(numbers, 3)
        traces.append(_scatter(3 * n)(
            x=x, y=y, mode="lines", name=f"{state.lower()} ({n})", customdata=custom,
            hovertemplate="trial %{customdata}<extra></extra>", connectgaps=False,
            line={"color": STATE_COLORS.get(state, "#333"), "width": 8}))
    height = max(300, min(1200, 120 + 24 * len(data.lanes)))
    return _figure(traces, "Timeline of trials", [data.lane_source, data.note],
                   xaxis={"type": "date", "title": {"text": "time (UTC)"}},
                   yaxis={"tickvals": list(range(len(data.lanes))), "ticktext": data.lanes,
                          "autorange": "reversed"}, height=height)


def importance(data: ImportanceData) -> Any:
    go = _go()
    trace = go.Bar(x=data.importances[::-1], y=data.names[::-1], orientation="h",
                   marker={"color": COLORS[0]},
                   text=[f"{v:.2f}" for v in data.importances[::-1]], textposition="outside")
    return _figure([trace], f"Hyperparameter importance ({data.method})", [data.note],
                   xaxis={"title": {"text": f"share of {data.objective_name}'s variation"},
                          "range": [0, 1.1]},
                   height=max(300, 120 + 28 * len(data.names)))


def _sweep_bars(data: SweepData) -> list[Any]:
    go = _go()
    x = data.x
    traces = [go.Bar(x=list(x.labels), y=data.z[0], name=data.statistic,
                     marker={"color": COLORS[0]}, customdata=data.count[0],
                     hovertemplate=f"{x.name}=%{{x}}<br>{data.statistic}: %{{y}}<br>"
                                   "%{customdata} completed trials<extra></extra>")]
    if data.statistic == "mean":
        traces.append(go.Scatter(x=list(x.labels), y=x.best, mode="markers", name="best",
                                 marker={"color": COLORS[3], "symbol": "diamond", "size": 9}))
    return traces


def sweep(data: SweepData) -> Any:
    x, y = data.x, data.y
    name = data.objective_name
    if y is None:
        return _figure(_sweep_bars(data), f"{name} by {x.name}", [data.note],
                       xaxis={"title": {"text": x.name}, "type": "category"},
                       yaxis_title=f"{data.statistic} {name}")
    labelled = data.z.size <= LABELLED_CELLS
    trace = _go().Heatmap(
        x=list(x.labels), y=list(y.labels), z=data.z, customdata=data.count,
        colorscale="Viridis", reversescale=data.direction.value == "minimize",
        colorbar={"title": {"text": f"{data.statistic} {name}"}},
        texttemplate="%{z:.4g}" if labelled else None,
        hovertemplate=f"{x.name}=%{{x}}<br>{y.name}=%{{y}}<br>{data.statistic}: %{{z}}<br>"
                      "%{customdata} completed trials<extra></extra>")
    return _figure([trace], f"{name} by {x.name} and {y.name}", [data.note],
                   xaxis={"title": {"text": x.name}, "type": "category"},
                   yaxis={"title": {"text": y.name}, "type": "category"},
                   height=max(400, min(1000, 200 + 28 * len(y.labels))))


def branches(data: BranchData) -> Any:
    go = _go()
    subplots = require("plotly.subplots", "plotly figures")
    rows = max(1, len(data.choices))
    fig = subplots.make_subplots(
        rows=rows, cols=2, horizontal_spacing=0.12, vertical_spacing=0.3 / rows,
        subplot_titles=[t for c in data.choices for t in (f"{c.name}: times chosen",
                                                          f"{c.name}: {data.objective_name}")])
    for r, c in enumerate(data.choices, start=1):
        labels, first = list(c.labels), r == 1
        fig.add_trace(go.Bar(x=c.n_trials, y=labels, orientation="h", name="trials",
                             marker={"color": COLORS[7]}, showlegend=first, text=c.n_trials,
                             textposition="auto", legendgroup="trials"), row=r, col=1)
        fig.add_trace(go.Bar(x=c.mean, y=labels, orientation="h", name="mean",
                             marker={"color": COLORS[0]}, showlegend=first,
                             legendgroup="mean"), row=r, col=2)
        fig.add_trace(go.Scatter(x=c.best, y=labels, mode="markers", name="best",
                                 marker={"color": COLORS[3], "symbol": "diamond", "size": 10},
                                 showlegend=first, legendgroup="best"), row=r, col=2)
        fig.update_yaxes(type="category", autorange="reversed", row=r)
    fig.update_layout(title={"text": "Chosen branches", "x": 0.05}, barmode="overlay",
                      height=max(350, 120 + sum(90 + 26 * len(c.labels) for c in data.choices)))
    return fig

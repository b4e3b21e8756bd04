"""`report(study, path)`: one HTML file that anyone can open offline. plotly.js is inlined
once from the installed plotly package, the figures follow as compact JSON (rounded, sampled
past what can be seen), so a 100,000-trial study gives about 6 MB, most of it plotly.js."""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
from pathlib import Path
from typing import Any

from ._errors import PlotError
from ._figures import TITLES, StudyPlots
from ._groups import ParamGroups
from ._optional import require
from ._serialize import figure_dict, script_json, template_dict
from ._summary import best_rows, summary
from ._table import TrialTable, trial_table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em;
       color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; }
.meta { color: #666; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.counts span { display: inline-block; margin-right: 1.5em; }
.plot { width: 100%; min-height: 450px; margin-bottom: 1em; }
.note { color: #a33; }
code { font-size: 0.9em; }
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return value if isinstance(value, str) else json.dumps(value)


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())


def summary_html(info: dict[str, Any]) -> str:
    """The summary block: directions, counts by state, best value or front size."""
    counts = "".join(f"<span><b>{n:,}</b> {html.escape(s.lower())}</span>"
                     for s, n in info["counts"].items() if n)
    lines = [f"<p class='meta'>{info['n_trials']:,} trials; directions: "
             f"{html.escape(', '.join(info['directions']))}; started "
             f"{html.escape(str(info['started']))}, last finished "
             f"{html.escape(str(info['last_complete']))}</p>",
             f"<p class='counts'>{counts or 'no trials yet'}</p>"]
    best = info.get("best")
    if best:
        lines.append(f"<p>Best: <b>{_fmt(best['values'][0])}</b> (trial {best['number']}) "
                     f"with <code>{html.escape(_params_text(best['params']))}</code></p>")
    elif "pareto_front_size" in info:
        lines.append(f"<p>Pareto front: <b>{info['pareto_front_size']}</b> trials</p>")
    return "\n".join(lines)


def best_table_html(rows: list[dict[str, Any]], directions: list[str],
                    params: list[str]) -> str:
    """The best trials as an HTML table: number, value(s), duration, then each parameter."""
    if not rows:
        return "<p>No completed trial yet.</p>"
    heads = ["trial"] + (["value"] if len(directions) == 1 else
                         [f"objective {i} ({d})" for i, d in enumerate(directions)])
    heads += ["seconds"] + params
    out = ["<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads)
           + "</tr></thead><tbody>"]
    for r in rows:
        cells = [str(r["number"])] + [_fmt(v) for v in r["values"] or []]
        cells.append("" if r["duration"] is None else f"{r['duration']:.3g}")
        cells += [_fmt(r["params"][p]) if p in r["params"] else "" for p in params]
        out.append("<tr>" + "".join(f"<td class='num'>{html.escape(c)}</td>" for c in cells)
                   + "</tr>")
    return "\n".join(out) + "</tbody></table>"


def groups_table_html(groups: list[ParamGroups]) -> str:
    """Trials grouped by parameter as an HTML table: each value with its trials (any state),
    completed trials, and their mean and best value."""
    heads = ["parameter", "value", "trials", "completed", "mean", "best"]
    out = ["<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in heads)
           + "</tr></thead><tbody>"]
    for g in groups:
        for i, label in enumerate(g.labels):
            done = int(g.n_complete[i])
            cells = [f"{g.n_trials[i]:,}", f"{done:,}"] + [
                f"{v:.6g}" if done else "-" for v in (g.mean[i], g.best[i])]
            out.append(f"<tr><td>{html.escape(g.name) if i == 0 else ''}</td>"
                       f"<td>{html.escape(label)}</td>"
                       + "".join(f"<td class='num'>{c}</td>" for c in cells) + "</tr>")
    return "\n".join(out) + "</tbody></table>"


def groups_html(plots: StudyPlots) -> str:
    """The sweep's and the graph's tables (see `StudyPlots.groups`), each under its title."""
    return "".join(f"<h2>{html.escape(title)}</h2>\n{groups_table_html(groups)}\n"
                   for title, groups in plots.groups().items())


def _figures(plots: StudyPlots) -> tuple[dict[str, Any], dict[str, str]]:
    figures, problems = {}, {}
    for name in plots.names():
        try:
            figures[name] = figure_dict(plots.figure(name))
        except PlotError as exc:
            problems[name] = str(exc)
    return figures, problems


# Plots are drawn one after another as they come into view (a parallel-coordinates plot
# takes seconds where WebGL runs on the CPU, and a reader sees two plots at a time); "#all"
# at the end of the address, printing, or a browser without IntersectionObserver draws them
# all. Each plot's div says when it is drawn (data-state), the body when the first and the
# last are (data-first-drawn, data-drawn: milliseconds since the page started).
_DRAW = """
const CONFIG = {responsive: true, displaylogo: false};
const NAMES = Object.keys(FIGURES);
let queue = Promise.resolve(), drawn = 0;
function draw(name) {
  const div = document.getElementById("plot-" + name);
  if (div.dataset.state) return;
  div.dataset.state = "queued";
  queue = queue.then(() => {
    const fig = FIGURES[name];
    fig.layout.template = TEMPLATE;
    return Plotly.newPlot(div, fig.data, fig.layout, CONFIG);
  }).then(() => {
    div.dataset.state = "drawn";
    const now = String(Math.round(performance.now()));
    if (++drawn === 1) document.body.dataset.firstDrawn = now;
    if (drawn === NAMES.length) document.body.dataset.drawn = now;
  });
}
function drawAll() { NAMES.forEach(draw); }
if (location.hash === "#all" || !("IntersectionObserver" in window)) {
  drawAll();
} else {
  const seen = new IntersectionObserver(entries => entries.forEach(e => {
    if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target.id.slice(5)); }
  }), {rootMargin: "200px"});
  NAMES.forEach(name => seen.observe(document.getElementById("plot-" + name)));
}
window.addEventListener("beforeprint", drawAll);
if (!NAMES.length) document.body.dataset.drawn = "0";
"""


def _label(key: str) -> str:
    """The title of a plot key: "history_1" is the history of objective 1."""
    base, _, index = key.partition("_")
    return TITLES.get(base, key) + (f" (objective {index})" if index else "")


def report_html(study: Any, *, importance: str = "fanova", title: str | None = None) -> str:
    """The report of `study` (a `Study` or a `TrialTable`) as one HTML text."""
    offline = require("plotly.offline", "the HTML report")
    table: TrialTable = trial_table(study)
    plots = StudyPlots(table, importance)
    info = summary(table)
    figures, problems = _figures(plots)
    name = html.escape(table.study_name)
    made = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    links = " · ".join(f"<a href='#plot-{k}'>{html.escape(_label(k))}</a>" for k in figures)
    sections = [f"<h2>Plots</h2><p>{links}</p>"]
    sections += [f"<div class='plot' id='plot-{k}'></div>" for k in figures]
    sections += [f"<p class='note'>{html.escape(_label(k))}: {html.escape(msg)}</p>"
                 for k, msg in problems.items()]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title or f"hyperloom report: {table.study_name}")}</title>
<style>{STYLE}</style>
<script>{offline.get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(title) if title else f"Study {name}"}</h1>
<p class="meta">Report made {made} by hyperloom; it needs no network to open.</p>
{summary_html(info)}
<h2>Best trials</h2>
{best_table_html(best_rows(table), info["directions"], info["params"])}
{groups_html(plots)}{"".join(sections)}
<script>
const TEMPLATE = {script_json(template_dict())};
const FIGURES = {script_json(figures)};
{_DRAW}</script>
</body></html>
"""


def report(study: Any, path: str | os.PathLike, *, importance: str = "fanova",
           title: str | None = None) -> Path:
    """Write the report of `study` to `path`: one self-contained HTML file with the summary
    (counts by state, directions, best trial or Pareto front), the best trials and every
    plot that applies; returns the path. `importance`: "fanova" or "permutation"."""
    text = report_html(study, importance=importance, title=title)
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)  # a reader never sees half a report
    return out

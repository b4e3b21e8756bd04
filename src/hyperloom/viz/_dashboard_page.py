"""The dashboard's two pages: the list of studies and one study. Both are static HTML with a
small script that reads the JSON routes; plotly.js comes from the app itself (`/plotly.js`),
so nothing is fetched from outside the machine."""

from __future__ import annotations

import html

from ._report import STYLE
from ._serialize import script_json

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}
#status {{ color: #666; font-size: 0.85em; }} a {{ color: #1f5fa8; }}</style>
{extra}</head><body>"""

_INDEX_SCRIPT = """
const POLL = %(poll)s * 1000;
function cell(text, cls) {
  const td = document.createElement("td"); td.textContent = text;
  if (cls) td.className = cls; return td;
}
async function refresh() {
  try {
    const studies = await (await fetch("api/studies")).json();
    const body = document.getElementById("studies");
    body.replaceChildren(...studies.map(s => {
      const tr = document.createElement("tr"), td = document.createElement("td");
      const a = document.createElement("a");
      a.href = "study?name=" + encodeURIComponent(s.name); a.textContent = s.name;
      td.appendChild(a); tr.appendChild(td);
      tr.appendChild(cell(s.directions.join(", ")));
      tr.appendChild(cell(s.n_trials.toLocaleString("en"), "num"));
      tr.appendChild(cell(s.best_values ? s.best_values.map(v => v.toPrecision(6)).join(", ")
                                        : "-", "num"));
      return tr;
    }));
    document.getElementById("status").textContent = studies.length + " studies, read " +
      new Date().toLocaleTimeString();
    document.body.dataset.loaded = studies.length;
  } catch (err) {
    document.getElementById("status").textContent = "cannot reach the dashboard: " + err;
  }
}
refresh(); setInterval(refresh, POLL);
"""


def index_page(poll_seconds: float) -> str:
    """The list of studies, refreshed every `poll_seconds`."""
    return (_HEAD.format(title="hyperloom dashboard", style=STYLE, extra="")
            + "<h1>hyperloom dashboard</h1><p id='status'>loading...</p>"
            "<table><thead><tr><th>study</th><th>directions</th><th>trials</th><th>best</th>"
            "</tr></thead><tbody id='studies'></tbody></table>"
            f"<script>{_INDEX_SCRIPT % {'poll': poll_seconds}}</script></body></html>")


_STUDY_SCRIPT = """
const NAME = %(name)s, TEMPLATE = %(template)s, POLL = %(poll)s * 1000;
const CONFIG = {responsive: true, displaylogo: false};
const Q = "study=" + encodeURIComponent(NAME);
let shown = null, busy = false;
function status(text) { document.getElementById("status").textContent = text; }
async function draw(name) {
  const div = document.getElementById("plot-" + name);
  const answer = await fetch("api/plot?" + Q + "&plot=" + name);
  const body = await answer.json();
  if (!answer.ok) { div.textContent = body.error; div.className = "plot note"; return; }
  body.layout.template = TEMPLATE;
  await Plotly.react(div, body.data, body.layout, CONFIG);
  div.dataset.state = "drawn";
}
async function redraw() {
  const info = await (await fetch("api/study?" + Q)).json();
  document.getElementById("summary").innerHTML = info.summary_html;
  document.getElementById("best").innerHTML = info.best_html;
  document.getElementById("groups").innerHTML = info.groups_html;
  const plots = document.getElementById("plots");
  for (const name of info.plots) {
    if (!document.getElementById("plot-" + name)) {
      const div = document.createElement("div");
      div.id = "plot-" + name; div.className = "plot"; plots.appendChild(div);
    }
  }
  for (const name of info.plots) await draw(name);
  return info.version;
}
async function poll() {
  if (busy) return;
  busy = true;
  try {
    const v = await (await fetch("api/version?" + Q)).json();
    const key = v.n_trials + "/" + v.n_finished;
    if (key !== shown) {
      status("reading " + v.n_trials.toLocaleString("en") + " trials...");
      await redraw();
      shown = key;
      document.body.dataset.drawn = v.n_trials;
    }
    status(v.n_trials.toLocaleString("en") + " trials (" + v.n_finished.toLocaleString("en") +
           " finished), checked " + new Date().toLocaleTimeString());
  } catch (err) {
    status("cannot reach the dashboard: " + err);
  } finally { busy = false; }
}
poll(); setInterval(poll, POLL);
"""


def study_page(name: str, template_json: str, poll_seconds: float) -> str:
    """One study: summary, best trials and plots, redrawn when its trial counts change."""
    script = _STUDY_SCRIPT % {"name": script_json(name), "template": template_json,
                              "poll": poll_seconds}
    return (_HEAD.format(title=f"{html.escape(name)}: hyperloom dashboard", style=STYLE,
                         extra='<script src="plotly.js"></script>')
            + f"<p><a href='./'>all studies</a></p><h1>Study {html.escape(name)}</h1>"
            "<p id='status'>loading...</p><div id='summary'></div><h2>Best trials</h2>"
            "<div id='best'></div><div id='groups'></div><div id='plots'></div>"
            f"<script>{script}</script></body></html>")

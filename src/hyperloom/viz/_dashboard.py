"""`hyperloom dashboard`: a local web app (Starlette, served by uvicorn) that lists the studies
of a storage and shows each one's summary, best trials and plots, redrawn while it runs.

Read-only: the storage is opened through `open_read_only` and the app has GET routes only.
Fast on large studies: a study's trials are read into a `TrialTable` once per change of its
trial counts (SQL storages then fetch only new rows), and each figure is computed once per
change, on the first request for it. The page asks `/api/version` every few seconds (two
counts, no trial read) and redraws when the counts move."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..storage import BaseStorage, StudyNotFoundError, TrialState
from ..study import load_study
from ._dashboard_page import index_page, study_page
from ._errors import PlotError
from ._figures import StudyPlots
from ._optional import require
from ._readonly import ReadOnlyStorage, open_read_only
from ._report import best_table_html, groups_html, summary_html
from ._serialize import figure_dict, script_json, template_dict
from ._summary import best_rows, summary
from ._table import table_of_trials

POLL_SECONDS = 3.0
#: The tab's icon: a few woven threads (browsers ask for /favicon.ico whatever the page says).
ICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M2 4h12M2 8h12'
        b'M2 12h12M4 2v12M8 2v12M12 2v12" stroke="#1f77b4" stroke-width="2"/></svg>')
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)


@dataclass
class _Cached:
    """One study as last read: its plots and the figures asked for so far."""

    version: tuple[int, int]
    plots: StudyPlots
    figures: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] | None = None


class Studies:
    """The studies of a read-only storage, each read again only when its counts change."""

    def __init__(self, storage: ReadOnlyStorage) -> None:
        self.storage = storage
        self._cache: dict[str, _Cached] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def version(self, name: str) -> dict[str, Any]:
        """How many trials the study has, and how many are finished: two counts, no reading
        of trials (what the page polls)."""
        sid = self.storage.get_study_id(name)
        return {"n_trials": self.storage.n_trials(sid),
                "n_finished": self.storage.n_trials(sid, _FINISHED)}

    def get(self, name: str) -> _Cached:
        """The study's plots as of now (read again if its counts moved since last time)."""
        with self._lock(name):
            v = self.version(name)
            key = (v["n_trials"], v["n_finished"])
            cached = self._cache.get(name)
            if cached is None or cached.version != key:
                study = load_study(study_name=name, storage=self.storage)
                table = table_of_trials(name, study.directions, study.trials)
                cached = self._cache[name] = _Cached(key, StudyPlots(table))
            return cached

    def info(self, name: str) -> dict[str, Any]:
        cached = self.get(name)
        if cached.info is None:
            table = cached.plots.table
            data = summary(table)
            cached.info = {"summary": data, "version": list(cached.version),
                           "summary_html": summary_html(data),
                           "best_html": best_table_html(best_rows(table), data["directions"],
                                                        data["params"]),
                           "groups_html": groups_html(cached.plots),
                           "plots": cached.plots.names()}
        return cached.info

    def figure(self, name: str, plot: str) -> dict[str, Any]:
        cached = self.get(name)
        with self._lock(name):  # one computation of a figure, however many tabs ask
            if plot not in cached.figures:
                if plot not in cached.plots.names():
                    raise PlotError(f"study {name!r} has no plot {plot!r}; it has "
                                    f"{cached.plots.names()}")
                cached.figures[plot] = figure_dict(cached.plots.figure(plot))
            return cached.figures[plot]


def dashboard_app(storage: str | BaseStorage, poll_seconds: float = POLL_SECONDS) -> Any:
    """The dashboard's Starlette app over `storage` (a URL or a storage object), opened
    read-only. Serve it with uvicorn, or call it from Starlette's TestClient."""
    applications = require("starlette.applications", "the dashboard")
    responses = require("starlette.responses", "the dashboard")
    routing = require("starlette.routing", "the dashboard")
    offline = require("plotly.offline", "the dashboard")
    studies = Studies(open_read_only(storage))
    plotly_js = offline.get_plotlyjs().encode()
    template = script_json(template_dict())

    def json_response(value: Any, status: int = 200) -> Any:
        return responses.Response(script_json(value), status_code=status,
                                  media_type="application/json")

    def guarded(fn: Any) -> Any:
        """A route whose missing study or plot is a 404 with the reason, not a crash."""
        def route(request: Any) -> Any:
            try:
                return fn(request)
            except (StudyNotFoundError, PlotError) as exc:
                return json_response({"error": str(exc)}, 404)
        return route

    def page_index(request: Any) -> Any:
        return responses.HTMLResponse(index_page(poll_seconds))

    def page_study(request: Any) -> Any:
        name = request.query_params.get("name", "")
        studies.storage.get_study_id(name)  # 404 for an unknown name
        return responses.HTMLResponse(study_page(name, template, poll_seconds))

    def api_studies(request: Any) -> Any:
        return json_response([{"name": s.name, "directions": [str(d) for d in s.directions],
                               "n_trials": s.n_trials, "best_values": s.best_values}
                              for s in studies.storage.list_studies()])

    def api_version(request: Any) -> Any:
        return json_response(studies.version(request.query_params.get("study", "")))

    def api_study(request: Any) -> Any:
        return json_response(studies.info(request.query_params.get("study", "")))

    def api_plot(request: Any) -> Any:
        q = request.query_params
        return json_response(studies.figure(q.get("study", ""), q.get("plot", "")))

    def script(request: Any) -> Any:
        return responses.Response(plotly_js, media_type="text/javascript",
                                  headers={"Cache-Control": "max-age=86400"})

    def icon(request: Any) -> Any:
        return responses.Response(ICON, media_type="image/svg+xml",
                                  headers={"Cache-Control": "max-age=86400"})

    routes = [routing.Route(path, guarded(fn), methods=["GET"]) for path, fn in (
        ("/", page_index), ("/study", page_study), ("/api/studies", api_studies),
        ("/api/version", api_version), ("/api/study", api_study), ("/api/plot", api_plot),
        ("/plotly.js", script), ("/favicon.ico", icon))]
    app = applications.Starlette(routes=routes)
    app.state.studies = studies
    return app


def warm_up() -> None:
    """Import scikit-learn in the background: the first importance plot then waits for its
    fit only, not for 1.5 s of imports."""
    def load() -> None:
        try:
            require("sklearn.ensemble", "hyperparameter importance")
        except ImportError:
            pass
    threading.Thread(target=load, name="hyperloom-dashboard-warm-up", daemon=True).start()


def dashboard(storage: str | BaseStorage, host: str = "127.0.0.1", port: int = 8080,
              poll_seconds: float = POLL_SECONDS) -> None:
    """Serve the dashboard of `storage` at http://host:port until interrupted. Bound to this
    machine by default; it has no login, so bind to another address only on a trusted
    network."""
    uvicorn = require("uvicorn", "the dashboard")
    app = dashboard_app(storage, poll_seconds)
    warm_up()
    uvicorn.run(app, host=host, port=port, log_level="warning")

"""The dashboard app through Starlette's test client, and `hyperloom dashboard` as a real
server: what each route answers, that it never writes to the storage, that it follows a
running study, and how fast it answers on 10,000 trials."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

import hyperloom as hl
import hyperloom.viz as viz

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette 1.x asks for httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def stored(tmp_path, make_single):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    make_single(storage=url, n_trials=30, name="live")
    return url, tmp_path / "study.db"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_the_routes_answer_with_the_studys_data(stored):
    url, _ = stored
    client = TestClient(viz.dashboard_app(url))
    assert "hyperloom dashboard" in client.get("/").text
    assert client.get("/api/studies").json() == [
        {"name": "live", "directions": ["minimize"], "n_trials": 30,
         "best_values": [hl.load_study(study_name="live", storage=url).best_value]}]
    study = hl.load_study(study_name="live", storage=url)
    finished = sum(t.state.is_finished() for t in study.trials)
    assert client.get("/api/version", params={"study": "live"}).json() == {
        "n_trials": 30, "n_finished": finished}
    info = client.get("/api/study", params={"study": "live"}).json()
    assert info["summary"]["counts"]["COMPLETE"] == len(study.get_trials([hl.TrialState.COMPLETE]))
    assert info["plots"] == ["history", "importance", "parallel", "slice", "contour", "edf",
                             "intermediate", "timeline"]
    assert f"(trial {study.best_trial.number})" in info["summary_html"]
    history = client.get("/api/plot", params={"study": "live", "plot": "history"}).json()
    assert history["data"][0]["x"] == [t.number for t in study.get_trials(
        [hl.TrialState.COMPLETE])]
    page = client.get("/study", params={"name": "live"}).text
    assert '<script src="plotly.js"></script>' in page
    assert client.get("/plotly.js").headers["content-type"].startswith("text/javascript")


def test_unknown_studies_and_plots_are_404_with_the_reason(stored):
    client = TestClient(viz.dashboard_app(stored[0]))
    answer = client.get("/api/plot", params={"study": "live", "plot": "pareto"})
    assert answer.status_code == 404 and "no plot 'pareto'" in answer.json()["error"]
    answer = client.get("/api/study", params={"study": "other"})
    assert answer.status_code == 404 and "no study named 'other'" in answer.json()["error"]
    assert client.get("/study", params={"name": "other"}).status_code == 404


@pytest.mark.slow  # draws every plot, importance included
def test_the_dashboard_never_writes_to_the_storage(stored):
    url, path = stored
    before = digest(path)
    app = viz.dashboard_app(url)
    client = TestClient(app)
    routes = ["/", "/api/studies", "/api/version?study=live", "/api/study?study=live",
              "/study?name=live", "/plotly.js", "/favicon.ico"]
    routes += [f"/api/plot?study=live&plot={p}" for p in
               client.get("/api/study?study=live").json()["plots"]]
    for route in routes:
        assert client.get(route).status_code == 200, route
        for method in ("post", "put", "delete", "patch"):
            assert getattr(client, method)(route).status_code == 405, (method, route)
    assert digest(path) == before
    storage = app.state.studies.storage
    with pytest.raises(hl.exceptions.ReadOnlyStorageError, match="read-only"):
        storage.create_trial(storage.get_study_id("live"))
    with pytest.raises(hl.exceptions.ReadOnlyStorageError):  # and SQLite itself refuses
        storage.inner.create_study("sneaky", ["minimize"])
    assert digest(path) == before


def test_the_dashboard_follows_a_running_study(stored):
    url, _ = stored
    client = TestClient(viz.dashboard_app(url))
    first = client.get("/api/plot", params={"study": "live", "plot": "history"}).json()
    study = hl.load_study(study_name="live", storage=url)
    study.enqueue_trial({"x": 1.0, "lr": 0.00316, "layers": 1, "act": "tanh"})
    study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=1)
    assert client.get("/api/version", params={"study": "live"}).json()["n_trials"] == 31
    again = client.get("/api/plot", params={"study": "live", "plot": "history"}).json()
    assert again["data"][0]["x"] == first["data"][0]["x"] + [30]


def test_an_in_memory_storage_is_wrapped_read_only():
    study = hl.create_study(study_name="mem")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    app = viz.dashboard_app(study.storage)
    client = TestClient(app)
    assert client.get("/api/version", params={"study": "mem"}).json()["n_trials"] == 3
    with pytest.raises(hl.exceptions.ReadOnlyStorageError):
        app.state.studies.storage.delete_study(study.study_id)


@pytest.mark.timed
@pytest.mark.slow
def test_10000_trials_first_page_and_every_plot_under_2_seconds(tmp_path, make_synthetic):
    url = f"sqlite:///{tmp_path / 'big.db'}"
    make_synthetic(10_000, storage=url, name="big", failed_every=20)
    viz.importances(make_synthetic(50))  # scikit-learn imported (the server warms it up)
    started = time.perf_counter()
    client = TestClient(viz.dashboard_app(url))
    assert client.get("/").status_code == 200
    assert client.get("/api/studies").json()[0]["n_trials"] == 10_000
    assert time.perf_counter() - started < 2.0
    timings = {}
    for route in ["study"] + client.get("/api/study?study=big").json()["plots"]:
        begin = time.perf_counter()
        path = "/api/study?study=big" if route == "study" else f"/api/plot?study=big&plot={route}"
        assert client.get(path).status_code == 200
        timings[route] = time.perf_counter() - begin
    assert max(timings.values()) < 2.0, timings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_dashboard_command_serves_on_localhost(stored):
    url, _ = stored
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen([sys.executable, "-m", "hyperloom.cli", "dashboard", "--storage",
                               url, "--port", str(port)], env=env, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies") as answer:
                    assert b'"live"' in answer.read()
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the dashboard did not start in 60 s"
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert f"at http://127.0.0.1:{port}/" in server.stderr.read()


def test_the_dashboard_command_refuses_a_missing_database(tmp_path):
    from click.testing import CliRunner

    from hyperloom.cli import main

    result = CliRunner().invoke(main, ["dashboard", "--storage",
                                       f"sqlite:///{tmp_path / 'nothing.db'}"])
    assert result.exit_code != 0 and "no database at" in result.output
    assert not (tmp_path / "nothing.db").exists()

"""Plots, importance, the HTML report and the dashboard on large studies, against Optuna 5.0's
`optuna.visualization` on the same trials, in the same run.

For each size (1,000, 10,000 and 100,000 trials; --quick: 1,000 and 10,000) one synthetic
study is built: five parameters (uniform, log-uniform, integer, categorical, uniform), 10% of
trials pruned after reporting 5 intermediate values, 2% failed, the rest complete with 5
reports each; a trial attribute names one of 8 workers. A two-objective twin (same params)
serves the Pareto front. The same trials go into an Optuna in-memory study
(`optuna.trial.create_trial` + `study.add_trials`).

Measured per plot: the time to build the plotly figure from the study (trials read
included) and the size of the figure's JSON (`fig.to_json()`, what a page would carry);
the report's time and file size; the importance (fANOVA and permutation); optionally
(--browser) the time headless Chromium takes to draw the report; and (--dashboard) the
dashboard's start (`hyperloom dashboard` launched until its first page answers) and each
plot's answer over HTTP, on an SQLite copy of the study.

Optuna runs in a forked child per plot, with a time limit (--timeout, printed "> N s") and a
memory limit (4 GiB, printed "MemoryError"). Cases the issue measured as hopeless are not run
and are printed as skipped with the reason: Optuna's contour at 10,000 trials and more
(MemoryError at 11.5 GB) and its fANOVA importance at 10,000 and more (over 10 minutes).

--report-only measures the report alone (its build, size and, with --browser, its draw),
--repeat times per size, and writes results/viz-report.json (viz.json keeps the full run).

Usage: ./run bench viz [--quick] [--sizes 1000,10000] [--timeout 60] [--browser] [--dashboard]
       ./run bench viz --report-only --browser --sizes 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, reproduce_command, write_json  # noqa: E402

import hyperloom as hl  # noqa: E402
import hyperloom.viz as viz  # noqa: E402

OPTUNA_MEMORY = 4 * 2**30
#: (size from which Optuna is not run, reason), as the issue measured them.
OPTUNA_HOPELESS = {"contour": (10_000, "MemoryError at 11.5 GB at 10,000 trials (issue 14)"),
                   "importance (fanova)": (10_000, "over 10 minutes at 10,000 trials "
                                                   "(issue 14)"),
                   "importance (permutation)": (0, "Optuna 5.0 has no permutation importance")}
ACT = ["relu", "tanh", "gelu"]


# -- the trials -------------------------------------------------------------------------------
def trials_of(n: int, seed: int) -> list[dict[str, Any]]:
    """Plain descriptions of `n` trials, fed to both libraries."""
    rng = np.random.default_rng(seed)
    x0, x2 = rng.random(n), rng.integers(1, 9, n)
    x1 = 10 ** rng.uniform(-5, -1, n)
    x3, x4 = rng.integers(0, 3, n), rng.random(n)
    state = np.where(rng.random(n) < 0.02, "FAILED",
                     np.where(rng.random(n) < 0.1, "PRUNED", "COMPLETE"))
    out = []
    for i in range(n):
        params = {"x0": float(x0[i]), "lr": float(x1[i]), "layers": int(x2[i]),
                  "act": ACT[x3[i]], "x4": float(x4[i])}
        value = ((x0[i] - 0.3) ** 2 + abs(np.log10(x1[i]) + 3) / 4 + 0.05 * x2[i]
                 + 0.2 * x3[i] + 0.01 * x4[i])
        reports = {s: float(value * (1 + 3 / (s + 1))) for s in range(5)}
        out.append({"params": params, "state": state[i], "value": float(value),
                    "value2": float(1 - x0[i] + 0.1 * x4[i]), "reports": reports,
                    "worker": f"w{i % 8}"})
    return out


def _hl_dists() -> dict[str, hl.Distribution]:
    return {"x0": hl.Uniform(0, 1), "lr": hl.LogUniform(1e-5, 1e-1),
            "layers": hl.IntUniform(1, 8), "act": hl.Choice(ACT), "x4": hl.Uniform(0, 1)}


def hyperloom_study(trials: list[dict], storage: Any = None, multi: bool = False,
                    name: str = "bench") -> hl.Study:
    study = hl.create_study(study_name=name, storage=storage,
                            directions=["minimize", "minimize"] if multi else None)
    store, sid, dists = study.storage, study.study_id, _hl_dists()
    states = {"COMPLETE": hl.TrialState.COMPLETE, "PRUNED": hl.TrialState.PRUNED,
              "FAILED": hl.TrialState.FAILED}
    for t in trials:
        tid, _ = store.create_trial(sid, params=t["params"], distributions=dists,
                                    system_attrs={"worker": t["worker"]})
        if t["state"] != "FAILED":
            for step, v in t["reports"].items():
                store.set_trial_intermediate_value(tid, step, v)
        values = None
        if t["state"] == "COMPLETE":
            values = [t["value"], t["value2"]] if multi else [t["value"]]
        store.finish_trial(tid, states[t["state"]], values)
    return study


def optuna_study(trials: list[dict], multi: bool = False) -> Any:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    dists = {"x0": FloatDistribution(0, 1), "lr": FloatDistribution(1e-5, 1e-1, log=True),
             "layers": IntDistribution(1, 8), "act": CategoricalDistribution(ACT),
             "x4": FloatDistribution(0, 1)}
    states = {"COMPLETE": optuna.trial.TrialState.COMPLETE,
              "PRUNED": optuna.trial.TrialState.PRUNED, "FAILED": optuna.trial.TrialState.FAIL}
    made = []
    for t in trials:
        complete = t["state"] == "COMPLETE"
        values = ([t["value"], t["value2"]] if multi else [t["value"]]) if complete else None
        made.append(optuna.trial.create_trial(
            params=t["params"], distributions=dists, values=values, state=states[t["state"]],
            intermediate_values={} if t["state"] == "FAILED" else t["reports"],
            user_attrs={"worker": t["worker"]}))
    study = optuna.create_study(directions=["minimize", "minimize"] if multi else None)
    study.add_trials(made)
    return study


# -- what is timed ----------------------------------------------------------------------------
def hyperloom_plots() -> dict[str, Callable[[Any], Any]]:
    return {
        "history": viz.plot_optimization_history, "parallel": viz.plot_parallel_coordinate,
        "slice": viz.plot_slice, "contour": lambda s: viz.plot_contour(s, ["x0", "lr"]),
        "edf": viz.plot_edf, "intermediate": viz.plot_intermediate_values,
        "timeline": viz.plot_timeline, "pareto": viz.plot_pareto_front,
        "importance (fanova)": viz.plot_param_importances,
        "importance (permutation)": lambda s: viz.plot_param_importances(
            s, method="permutation")}


def optuna_plot(name: str, study: Any) -> Any:
    import optuna.visualization as ov

    return {"history": ov.plot_optimization_history, "parallel": ov.plot_parallel_coordinate,
            "slice": ov.plot_slice,
            "contour": lambda s: ov.plot_contour(s, params=["x0", "lr"]),
            "edf": ov.plot_edf, "intermediate": ov.plot_intermediate_values,
            "timeline": ov.plot_timeline, "pareto": ov.plot_pareto_front,
            "importance (fanova)": ov.plot_param_importances}[name](study)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def _child(conn: Any, name: str, study: Any) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (OPTUNA_MEMORY, OPTUNA_MEMORY))
    try:
        started = time.perf_counter()
        fig = optuna_plot(name, study)
        seconds = time.perf_counter() - started
        conn.send(("ok", seconds, len(fig.to_json())))
    except MemoryError:
        conn.send(("MemoryError", None, None))
    except Exception as exc:  # noqa: BLE001 - reported in the table
        conn.send((f"{type(exc).__name__}: {exc}"[:80], None, None))


def run_optuna(name: str, study: Any, timeout: float) -> tuple[str, float | None, int | None]:
    """(outcome, seconds, JSON bytes) of one Optuna plot in a forked child."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, name, study))
    proc.start()
    child.close()
    if parent.poll(timeout):
        outcome = parent.recv()
        proc.join()
        return outcome
    proc.kill()
    proc.join()
    return (f"> {timeout:.0f} s", None, None)


# -- report, browser, dashboard ---------------------------------------------------------------
def report_row(study: hl.Study, folder: Path, browser: bool) -> dict[str, Any]:
    path = folder / f"report-{len(study.trials)}.html"
    seconds, _ = timed(lambda: viz.report(study, path), 1)
    row = {"seconds": round(seconds, 3), "bytes": path.stat().st_size}
    if browser:
        row["draw_seconds"] = draw_seconds(path)
    return row


def draw_seconds(path: Path) -> dict[str, float] | None:
    """Seconds from navigation start until headless Chromium has drawn the report's first
    plot (what a reader first sees: plots further down draw as they come into view), and
    until it has drawn all of them (the page opened with "#all"). None without Chromium."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return None
    if not shutil.which("chromedriver"):
        return None
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1000",
                "--enable-unsafe-swiftshader"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    out = {}
    try:
        driver.set_page_load_timeout(300)
        for key, suffix, flag in (("first", "", "firstDrawn"), ("all", "#all", "drawn")):
            driver.get("about:blank")
            driver.get(path.as_uri() + suffix)
            script = f"return document.body.dataset.{flag}"
            WebDriverWait(driver, 300).until(lambda d, script=script: d.execute_script(script))
            out[key] = round(int(driver.execute_script(script)) / 1000, 2)
        return out
    finally:
        driver.quit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as answer:
        return answer.read()


def dashboard_rows(trials: list[dict], folder: Path) -> list[dict[str, Any]]:
    """Start of `hyperloom dashboard` on an SQLite copy of the study, its first useful page
    (study list, then the study's summary), and each plot's answer."""
    url = f"sqlite:///{folder / f'dash-{len(trials)}.db'}"
    hyperloom_study(trials, storage=url).storage.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "hyperloom.cli", "dashboard",
                               "--storage", url, "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    rows = []
    try:
        while True:
            try:
                _get(base)
                break
            except OSError:
                time.sleep(0.02)
        rows.append({"what": "start (until / answers)", "seconds": time.perf_counter()
                     - started})
        _get(base + "api/studies")
        rows.append({"what": "first useful page (start + list of studies)",
                     "seconds": time.perf_counter() - started})
        begin = time.perf_counter()
        info = json.loads(_get(base + "api/study?study=bench"))
        rows.append({"what": "study summary and best trials", "seconds": time.perf_counter()
                     - begin})
        for plot in info["plots"]:
            begin = time.perf_counter()
            size = len(_get(base + f"api/plot?study=bench&plot={plot}"))
            rows.append({"what": f"plot {plot}", "seconds": time.perf_counter() - begin,
                         "bytes": size})
    finally:
        server.terminate()
        server.wait(timeout=30)
    for r in rows:
        r["seconds"] = round(r["seconds"], 3)
    return rows


def warm_up(with_optuna: bool) -> None:
    """Draw every plot once on a small study, in this process, before anything is timed: the
    imports (plotly's figure classes, scikit-learn) are paid here, and Optuna's children are
    forked from a process that has them."""
    small = trials_of(60, 1)
    for name, fn in hyperloom_plots().items():
        fn(hyperloom_study(small, multi=name == "pareto", name="warm"))
    if with_optuna:
        for name in hyperloom_plots():
            if name != "importance (permutation)":
                optuna_plot(name, optuna_study(small, multi=name == "pareto"))


# -- the run ----------------------------------------------------------------------------------
def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e6:.2f}"


def measure_size(n: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    trials = trials_of(n, args.seed)
    study, multi = hyperloom_study(trials), hyperloom_study(trials, multi=True, name="multi")
    with_optuna = not args.no_optuna
    if with_optuna:
        op_study, op_multi = optuna_study(trials), optuna_study(trials, multi=True)
    rows = []
    for name, fn in hyperloom_plots().items():
        target = multi if name == "pareto" else study
        seconds, fig = timed(lambda fn=fn, target=target: fn(target), args.repeat)
        row: dict[str, Any] = {"trials": n, "plot": name, "hyperloom_s": round(seconds, 3),
                               "hyperloom_bytes": len(fig.to_json())}
        if with_optuna:
            floor, reason = OPTUNA_HOPELESS.get(name, (None, None))
            if floor is not None and n >= floor:
                row["optuna"] = f"skipped: {reason}"
            else:
                outcome, o_s, o_bytes = run_optuna(name, op_multi if name == "pareto"
                                                   else op_study, args.timeout)
                row["optuna"] = outcome
                row["optuna_s"] = None if o_s is None else round(o_s, 3)
                row["optuna_bytes"] = o_bytes
                if o_s is not None:
                    row["ratio"] = round(o_s / seconds, 1)
        rows.append(row)
        optuna_shown = row.get("optuna_s") or row.get("optuna", "-")
        print(f"  {n:>7,} {name:24} {seconds:8.3f} s  optuna: {optuna_shown}", flush=True)
    report = report_row(study, folder, args.browser)
    print(f"  {n:>7,} report {report}", flush=True)
    dashboard = dashboard_rows(trials, folder) if args.dashboard else []
    return {"trials": n, "plots": rows, "report": report, "dashboard": dashboard}


def measure_reports(sizes: list[int], args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The report alone, `args.repeat` times per size (each its own build and draw)."""
    results, table = [], []
    for n in sizes:
        study = hyperloom_study(trials_of(n, args.seed))
        rows = [report_row(study, folder, args.browser) for _ in range(args.repeat)]
        results.append({"trials": n, "reports": rows})
        for r in rows:
            drawn = r.get("draw_seconds") or {}
            table.append([f"{n:,}", _fmt_s(r["seconds"]), _mb(r["bytes"]),
                          _fmt_s(drawn.get("first")), _fmt_s(drawn.get("all"))])
            print(f"  {n:>7,} report {r}", flush=True)
    print()
    print_table(["trials", "report s", "MB", "drawn: first plot s", "all plots s"], table)
    return {"sizes": sizes, "seed": args.seed, "repeat": args.repeat, "results": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 trials only")
    parser.add_argument("--sizes", default=None, help="comma-separated trial counts")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds an Optuna plot may take before it is stopped")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for our plots")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--browser", action="store_true",
                        help="also time headless Chromium drawing the report")
    parser.add_argument("--dashboard", action="store_true",
                        help="also time `hyperloom dashboard` on an SQLite copy")
    parser.add_argument("--report-only", action="store_true",
                        help="only the report (--repeat times per size): viz-report.json")
    parser.add_argument("--out", default=None, help="folder for viz.json")
    args = parser.parse_args(argv)
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    if args.report_only:
        warm_up(False)
        folder = Path(tempfile.mkdtemp(prefix="hyperloom-viz-bench-"))
        try:
            data = measure_reports(sizes, args, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"\nwrote {write_json('viz-report', data, args.out)}")
        print(reproduce_command("viz", sys.argv[1:] if argv is None else argv))
        return
    if not args.no_optuna:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
    warm_up(not args.no_optuna)
    folder = Path(tempfile.mkdtemp(prefix="hyperloom-viz-bench-"))
    try:
        results = [measure_size(n, args, folder) for n in sizes]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    table = []
    for res in results:
        for r in res["plots"]:
            o_s = r.get("optuna_s")
            table.append([f"{r['trials']:,}", r["plot"], _fmt_s(r["hyperloom_s"]),
                          _mb(r["hyperloom_bytes"]),
                          _fmt_s(o_s) if o_s is not None else r.get("optuna", "-"),
                          _mb(r.get("optuna_bytes")),
                          f"{r['ratio']}x" if "ratio" in r else ""])
        rep = res["report"]
        table.append([f"{res['trials']:,}", "report", _fmt_s(rep["seconds"]), _mb(rep["bytes"]),
                      "-", "-", ""])
        for key, label in (("first", "first plot"), ("all", "all plots")):
            if rep.get("draw_seconds"):
                table.append([f"{res['trials']:,}", f"report drawn in Chromium: {label}",
                              _fmt_s(rep["draw_seconds"][key]), "", "-", "-", ""])
        for d in res["dashboard"]:
            table.append([f"{res['trials']:,}", f"dashboard: {d['what']}", _fmt_s(d["seconds"]),
                          _mb(d.get("bytes")), "-", "-", ""])
    print()
    print_table(["trials", "what", "hyperloom s", "MB", "optuna s", "optuna MB", "ratio"],
                table)
    path = write_json("viz", {"sizes": sizes, "timeout": args.timeout, "seed": args.seed,
                              "results": results}, args.out)
    print(f"\nwrote {path}")
    print(reproduce_command("viz", sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", os.pathsep.join(sys.path))
    main()

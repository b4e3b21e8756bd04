"""Parallel and distributed execution of hyperloom against Optuna 5.0, measured in the same run.

Parts (`--parts`, default all):

- `cpu`: a CPU-bound pure-Python objective (a loop summing integers, calibrated at start to
  about 0.3 s): throughput of `n_jobs=1` against `n_jobs=2` with worker processes (our
  default), a 2-worker Dask `LocalCluster`, `executor="threads"`, and Optuna's `n_jobs=2`
  (threads). Wall time runs from the `optimize` call to its return, so it includes starting the
  workers (and, on Dask, importing hyperloom there the first time); that start-up (from the call
  to the first objective call in the last worker to begin) is also printed on its own.
- `dask`: framework overhead per trivial trial (one `suggest_float`, return its square; random
  samplers) on the 2-worker cluster, after a warm-up run: ours with `DaskExecutor`, Optuna's
  ask/tell with one `client.submit` per trial, and Optuna's `DaskStorage` with `optimize` run on
  the workers. Then a 0.5 s objective (`time.sleep`: this measures orchestration) on 2 Dask
  workers against `n_jobs=1`, ours and Optuna's ask/tell over Dask.
- `channel`: what a define-by-run call costs in a worker process: the round trip of one
  `suggest_float` (random sampler: the coordinator decides it) and of one `report`, from the
  time per trial with 0 and with 20 such calls; worker processes and Dask.
- `postgres`: 4 worker processes on one PostgreSQL study, 500 trials each, in an ask/tell loop
  timed inside each process: trials/s and p50/p99 of ask, suggest and tell; SQL statements and
  commits per trial (SQLAlchemy events, one extra process). Ours and Optuna's `RDBStorage` on the
  same database, a study of a fresh name each, deleted afterwards. Skipped, with the reason
  printed, when the server is not reachable.
- `sim`: the coordinator's cost per trial with 64 simulated workers on a 100,000-trial study
  (4 parameters: a float, a log float, an int, a categorical): the study is filled through the
  storage API (ours) or `add_trials` (Optuna) with COMPLETE trials, 64 trials are asked, then
  each cycle tells the oldest running trial and asks a new one (64 RUNNING at all times); ms per
  cycle with TPE (each library's defaults) and with the random sampler (bookkeeping without the
  sampler). Each contender runs in a fresh process; cycles are bounded by count and seconds.

Start-up of the cluster itself is not counted (a user's cluster runs already); everything from
the `optimize` call on is. The machine has 2 cores: with other work on them, parallel speed-ups
are capped by what is left; the load average is printed and written with the results.

Usage: ./run bench parallel [--quick] [--parts cpu,dask,channel,postgres,sim] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
import traceback
import uuid
import warnings
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import library_versions, print_table, reproduce_command, write_json  # noqa: E402

PARTS = ("cpu", "dask", "channel", "postgres", "sim")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WAIT_S = 900  # the longest a spawned measurement may take before it is abandoned as hung


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


# -- objectives (module level: they travel to workers with cloudpickle) ----------------------
def burn(loops: int) -> int:
    """Pure-Python CPU work that holds the GIL throughout."""
    total = 0
    for i in range(loops):
        total += i
    return total


def cpu_objective(trial: Any, loops: int) -> float:
    start, cpu = time.time(), time.thread_time()
    x = trial.suggest_float("x", -10, 10)
    burn(loops)
    trial.set_user_attr("cpu", time.thread_time() - cpu)
    trial.set_user_attr("start", start)
    trial.set_user_attr("pid", os.getpid())
    return x * x


def trivial_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -10, 10)
    return x * x


def sleep_objective(trial: Any, seconds: float) -> float:
    x = trial.suggest_float("x", -10, 10)
    time.sleep(seconds)
    return x * x


def calls_objective(trial: Any, n_calls: int) -> float:
    """Times, in the worker, `n_calls` define-by-run suggestions (new names: the coordinator's
    random sampler decides each) and `n_calls` reports; ms per call into user attributes."""
    x = trial.suggest_float("x", -10, 10)
    t0 = time.perf_counter()
    for i in range(n_calls):
        trial.suggest_float(f"p{i}", 0, 1)
    t1 = time.perf_counter()
    for step in range(n_calls):
        trial.report(x, step)
    t2 = time.perf_counter()
    trial.set_user_attr("suggest_ms", (t1 - t0) * 1e3 / n_calls)
    trial.set_user_attr("report_ms", (t2 - t1) * 1e3 / n_calls)
    return x * x


def square_of(params: dict[str, float], seconds: float = 0.0) -> float:
    """What Optuna's ask/tell loop over Dask submits: a plain function of the asked params."""
    if seconds:
        time.sleep(seconds)
    return params["x"] ** 2


class Bound:
    """An objective with its settings bound: `fn(trial, **settings)`. A class of this script
    rather than `functools.partial`: when this was written, the process and Dask executors
    refused a partial (they sent its module, `functools`, by value, which cannot pickle)."""

    def __init__(self, fn: Callable[..., float], **settings: Any) -> None:
        self.fn, self.settings = fn, settings

    def __call__(self, trial: Any) -> float:
        return self.fn(trial, **self.settings)


def calibrate(target_s: float) -> tuple[int, float]:
    """Loops of `burn` that take `target_s` here (best of 3 runs of one million, so that
    other load on the machine inflates it as little as possible), and that run's time."""
    best = min(_timed(burn, 1_000_000) for _ in range(3))
    loops = max(1000, int(1_000_000 * target_s / best))
    return loops, min(_timed(burn, loops) for _ in range(2))


def _timed(fn: Callable[..., Any], *args: Any) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


# -- running one optimize ----------------------------------------------------------------------
def _hl_study(seed: int, **kw: Any) -> Any:
    import hyperloom as hl

    return hl.create_study(sampler=hl.samplers.RandomSampler(seed), **kw)


def _optuna_study(seed: int, **kw: Any) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(sampler=optuna.samplers.RandomSampler(seed), **kw)


def run_hl(objective: Callable, n: int, seed: int, keep_attrs: tuple[str, ...] = (),
           **optimize_kw: Any) -> dict[str, Any]:
    study = _hl_study(seed)
    with Timer() as timer:
        study.optimize(objective, n_trials=n, show_progress_bar=False, **optimize_kw)
    rec = _outcome(study.trials, n, timer)
    if keep_attrs:
        rec["attrs"] = {key: [t.user_attrs[key] for t in study.trials if key in t.user_attrs]
                        for key in keep_attrs}
    return rec


def run_optuna(objective: Callable, n: int, seed: int, n_jobs: int = 1) -> dict[str, Any]:
    study = _optuna_study(seed)
    with Timer() as timer:
        study.optimize(objective, n_trials=n, n_jobs=n_jobs)
    return _outcome(study.trials, n, timer)


def _stamp(when: Any) -> float:
    """A completion time as seconds since the epoch (ours: a float; Optuna's: a datetime)."""
    return when.timestamp() if hasattr(when, "timestamp") else float(when)


class Timer:
    """Wall time, and CPU time of this process (the coordinator; with a LocalCluster, its
    scheduler too), of a `with` block; `t0` is its start on the clock trials record."""

    def __enter__(self) -> Timer:
        self.t0, self._c0, self._p0 = time.time(), time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.t1 = time.time()
        self.wall = time.perf_counter() - self._c0
        self.cpu = time.process_time() - self._p0


def _outcome(trials: list, n: int, timer: Timer) -> dict[str, Any]:
    """What a run's trials and timer say: throughput, start-up (from the call to the first
    objective call of the last worker to begin), and the cores the objectives kept busy."""
    wall = timer.wall
    complete = sum(t.state.name == "COMPLETE" for t in trials)
    rec: dict[str, Any] = {"trials": n, "complete": complete, "wall_s": round(wall, 4),
                           "trials_per_s": round(n / wall, 3),
                           "ms_per_trial": round(wall / n * 1e3, 3),
                           "coordinator_cpu_ms_per_trial": round(timer.cpu / n * 1e3, 3)}
    firsts: dict[Any, float] = {}
    for t in trials:
        start, pid = t.user_attrs.get("start"), t.user_attrs.get("pid")
        if start is not None:
            firsts[pid] = min(firsts.get(pid, start), start)
    if firsts:
        rec["startup_s"] = round(max(firsts.values()) - timer.t0, 4)
        rec["worker_pids"] = len(firsts)
        ends = [_stamp(t.datetime_complete) for t in trials if t.datetime_complete is not None]
        if ends:  # from the last trial told to the return of optimize (workers stopping)
            rec["teardown_s"] = round(timer.t1 - max(ends), 4)
    cpu = [t.user_attrs["cpu"] for t in trials if "cpu" in t.user_attrs]
    if cpu:  # CPU seconds the objectives got per second of the run: cores kept busy
        rec["objective_cores"] = round(sum(cpu) / wall, 3)
        rec["objective_cpu_s"] = round(statistics.median(cpu), 4)
    if complete != n:
        rec["error"] = f"{complete} of {n} trials COMPLETE"
    return rec


# -- Dask -----------------------------------------------------------------------------------
class Cluster:
    """One 2-worker `LocalCluster` (processes, one thread each) shared by the parts that need
    it; started on first use, its start-up timed but not counted in any figure."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._cluster: Any = None
        self.client: Any = None
        self.start_s: float | None = None

    def get(self) -> Any:
        if self.client is None:
            import distributed

            t0 = time.perf_counter()
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                dashboard_address=None)
            self.client = distributed.Client(self._cluster)
            self.client.wait_for_workers(self.workers, timeout=120)
            self.start_s = round(time.perf_counter() - t0, 2)
            _log(f"  LocalCluster with {self.workers} workers started in {self.start_s} s "
                 "(not counted)")
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self._cluster.close()
            self.client = self._cluster = None


def run_hl_dask(client: Any, objective: Callable, n: int, seed: int) -> dict[str, Any]:
    from hyperloom.execution import DaskExecutor

    return run_hl(objective, n, seed, n_jobs=2, executor=DaskExecutor(client))


def run_optuna_ask_tell_dask(client: Any, n: int, seed: int, seconds: float = 0.0,
                             slots: int = 2) -> dict[str, Any]:
    """Optuna's ask/tell loop over Dask: params asked in this process, one `client.submit`
    of a plain function per trial, told as each returns; `slots` trials in flight."""
    import distributed
    from optuna.distributions import FloatDistribution

    study = _optuna_study(seed)
    space = {"x": FloatDistribution(-10, 10)}
    pending: dict[str, Any] = {}
    done = distributed.as_completed()

    def launch() -> None:
        trial = study.ask(space)
        future = client.submit(square_of, trial.params, seconds, pure=False)
        pending[future.key] = trial
        done.add(future)

    with Timer() as timer:
        asked = 0
        for _ in range(min(slots, n)):
            launch()
            asked += 1
        for future in done:
            study.tell(pending.pop(future.key), future.result())
            if asked < n:
                launch()
                asked += 1
    return _outcome(study.trials, n, timer)


def _optuna_optimize_on_worker(study: Any, n: int) -> int:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no INFO line per trial
    study.optimize(trivial_objective, n_trials=n)
    return n


def _quiet_experimental() -> None:
    from optuna.exceptions import ExperimentalWarning

    warnings.filterwarnings("ignore", category=ExperimentalWarning)


def run_optuna_dask_storage(client: Any, n: int, seed: int, slots: int = 2) -> dict[str, Any]:
    """Optuna's `DaskStorage` (an in-memory storage on the scheduler) with `optimize` run on
    each worker, as its documentation shows."""
    import distributed
    from optuna_integration import DaskStorage

    client.run(_quiet_experimental)  # each unpickling of DaskStorage warns that it is new
    _quiet_experimental()
    study = _optuna_study(seed, storage=DaskStorage(client=client))
    with Timer() as timer:
        per = [n // slots + (i < n % slots) for i in range(slots)]
        futures = [client.submit(_optuna_optimize_on_worker, study, k, pure=False)
                   for k in per]
        distributed.wait(futures)
        for f in futures:
            f.result()
    return _outcome(study.trials, n, timer)


def dask_storage_available() -> str | None:
    """None when Optuna's DaskStorage can be imported, else why not."""
    try:
        from optuna_integration import DaskStorage  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - said in the table
        return f"optuna_integration.DaskStorage: {type(exc).__name__}: {exc}"
    return None


# -- the table ------------------------------------------------------------------------------
class Report:
    """Rows of the printed table, and what each claims for the JSON."""

    HEADERS = ["part", "scenario", "hyperloom", "Optuna 5.0", "ratio", "target", "met?"]

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.claims: list[dict[str, Any]] = []

    def add(self, part: str, scenario: str, ours: str, peer: str = "-", ratio: str = "-",
            target: str = "-", met: bool | None | str = None, **data: Any) -> None:
        shown = met if isinstance(met, str) else {None: "-", True: "yes", False: "NO"}[met]
        self.rows.append([part, scenario, ours, peer, ratio, target, shown])
        self.claims.append({"part": part, "scenario": scenario, "hyperloom": ours,
                            "optuna": peer, "ratio": ratio, "target": target, "met": shown,
                            **data})


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """The median, with the range when there are several values."""
    if not values:
        return "-"
    mid = fmt.format(_median(values))
    if len(values) == 1:
        return mid
    return f"{mid} ({fmt.format(min(values))}-{fmt.format(max(values))})"


# -- part cpu -------------------------------------------------------------------------------
def part_cpu(args: argparse.Namespace, cluster: Cluster, rep: Report) -> dict[str, Any]:
    loops, took = calibrate(args.cpu_seconds)
    _log(f"  calibrated: {loops:,} loops take {took:.3f} s here")
    obj = Bound(cpu_objective, loops=loops)
    client = cluster.get() if "dask" in args.cpu_contenders else None
    runners: dict[str, Callable[[int, int], dict]] = {
        "hl-sequential": lambda n, s: run_hl(obj, n, s, n_jobs=1),
        "hl-processes": lambda n, s: run_hl(obj, n, s, n_jobs=2),
        "hl-dask": lambda n, s: run_hl_dask(client, obj, n, s),
        "hl-threads": lambda n, s: run_hl(obj, n, s, n_jobs=2, executor="threads"),
        "optuna-sequential": lambda n, s: run_optuna(obj, n, s, n_jobs=1),
        "optuna-threads": lambda n, s: run_optuna(obj, n, s, n_jobs=2),
    }
    names = [k for k in runners if k.split("-", 1)[1] in args.cpu_contenders
             or k.endswith("sequential")]
    if args.no_peer:
        names = [k for k in names if k.startswith("hl-")]
    runs: dict[str, list[dict]] = {k: [] for k in names}
    for r in range(args.repeats):
        order = names if r % 2 == 0 else names[::-1]  # drifting load hits both ends alike
        for name in order:
            rec = runners[name](args.cpu_trials, 100 * r + 1)
            rec["load"] = _load()
            runs[name].append(rec)
            _log(f"  {name:18s} repeat {r}: {rec['trials_per_s']:.2f} trials/s, start-up "
                 f"{rec.get('startup_s', float('nan')):.2f} s, {rec['complete']} complete, "
                 f"load {rec['load']}")
    _cpu_rows(args, runs, took, rep)
    return {"loops": loops, "objective_s": round(took, 4), "runs": runs}


def _speedups(runs: dict[str, list[dict]], name: str, *, steady: bool = False) -> list[float]:
    """Per repeat: this contender's throughput over its own library's sequential one."""
    base = runs.get(("hl" if name.startswith("hl-") else "optuna") + "-sequential", [])
    out = []
    for rec, seq in zip(runs.get(name, []), base):
        if steady:
            a = rec["trials"] / (rec["wall_s"] - rec.get("startup_s", 0.0))
            b = seq["trials"] / (seq["wall_s"] - seq.get("startup_s", 0.0))
        else:
            a, b = rec["trials_per_s"], seq["trials_per_s"]
        out.append(a / b)
    return out


def _cpu_rows(args: argparse.Namespace, runs: dict[str, list[dict]], took: float,
              rep: Report) -> None:
    what = f"{took:.2f} s CPU-bound objective x{args.cpu_trials}"

    def rates(name: str) -> str:
        return f"{_spread([r['trials_per_s'] for r in runs[name]])}/s" if name in runs else "-"

    def ups(name: str) -> str:
        return f"{_spread(_speedups(runs, name))}x" if name in runs else "-"

    def about_one(name: str) -> bool | None:
        return None if name not in runs else 0.8 <= _median(_speedups(runs, name)) <= 1.25

    rep.add("cpu", f"{what}: n_jobs=1, trials/s", rates("hl-sequential"),
            rates("optuna-sequential"))
    for name, label in (("hl-processes", "n_jobs=2, processes (our default)"),
                        ("hl-dask", "2 Dask workers")):
        if name not in runs:
            continue
        speedups = _speedups(runs, name)
        steady = _speedups(runs, name, steady=True)
        starts = [r.get("startup_s", 0.0) for r in runs[name]]
        rep.add("cpu", f"  {label}: speed-up", f"{_spread(speedups)}x", "-", "-", ">= 1.8x",
                _median(speedups) >= 1.8, contender=name, speedups=speedups,
                steady_speedups=steady, startup_s=starts)
        ends = [r.get("teardown_s", 0.0) for r in runs[name]]
        rep.add("cpu", "    start-up | stopping (both in the time above); speed-up without "
                "start-up", f"{_spread(starts)} s | {_spread(ends)} s; {_spread(steady)}x")
    def cores(names: tuple[str, ...]) -> str:
        return " | ".join(f"{_median([r.get('objective_cores', 0.0) for r in runs[k]]):.2f}"
                          if k in runs else "-" for k in names)

    rep.add("cpu", "  cores the objectives kept busy (CPU s per wall s): n_jobs=1 | processes "
            "| Dask | threads", cores(("hl-sequential", "hl-processes", "hl-dask", "hl-threads")),
            cores(("optuna-sequential", "-", "-", "optuna-threads")))
    if "hl-threads" in runs or "optuna-threads" in runs:
        met = [m for m in (about_one("hl-threads"), about_one("optuna-threads")) if m is not None]
        rep.add("cpu", "  n_jobs=2, threads: speed-up", ups("hl-threads"), ups("optuna-threads"),
                "-", "about 1.0x", all(met),
                speedups=_speedups(runs, "hl-threads") if "hl-threads" in runs else None,
                peer_speedups=(_speedups(runs, "optuna-threads") if "optuna-threads" in runs
                               else None))


# -- part dask ------------------------------------------------------------------------------
def part_dask(args: argparse.Namespace, cluster: Cluster, rep: Report) -> dict[str, Any]:
    client = cluster.get()
    out: dict[str, Any] = {}
    n, peer_n = args.dask_trials, args.dask_peer_trials
    no_storage = None if args.no_peer else dask_storage_available()
    contenders: dict[str, tuple[int, Callable[[int, int], dict]]] = {
        "hl-dask": (n, lambda k, s: run_hl_dask(client, trivial_objective, k, s))}
    if not args.no_peer:
        contenders["optuna-ask-tell-dask"] = (
            peer_n, lambda k, s: run_optuna_ask_tell_dask(client, k, s))
        if no_storage is None:
            contenders["optuna-dask-storage"] = (
                peer_n, lambda k, s: run_optuna_dask_storage(client, k, s))
    for k, fn in contenders.values():  # imports and first connections, not counted
        fn(min(20, k), 999)
    runs: dict[str, list[dict]] = {name: [] for name in contenders}
    for r in range(args.repeats):
        for name, (k, fn) in contenders.items():
            rec = fn(k, 100 * r + 2)
            rec["load"] = _load()
            runs[name].append(rec)
            _log(f"  {name:22s} repeat {r}: {rec['ms_per_trial']:.2f} ms per trial "
                 f"({k} trials, {rec['complete']} complete), load {rec['load']}")
    out["overhead"] = runs
    ours = [r["ms_per_trial"] for r in runs["hl-dask"]]
    what = f"trivial trial, 2 Dask workers, wall ms per trial (ours x{n}, Optuna x{peer_n})"
    rep.add("dask", what, _spread(ours), "-", "-", "<= 5 ms", _median(ours) <= 5.0,
            ms_per_trial=ours)
    def cpu(name: str) -> str:
        return _spread([r["coordinator_cpu_ms_per_trial"] for r in runs[name]]) \
            if name in runs else "-"
    rep.add("dask", "  coordinator process CPU ms per trial (its LocalCluster scheduler "
            "included; peer: ask/tell)", cpu("hl-dask"), cpu("optuna-ask-tell-dask"))
    for name, label in (("optuna-ask-tell-dask", "ask/tell, a client.submit per trial"),
                        ("optuna-dask-storage", "DaskStorage, optimize on the workers")):
        if name in runs:
            theirs = [r["ms_per_trial"] for r in runs[name]]
            rep.add("dask", f"  Optuna: {label}", "", _spread(theirs),
                    f"{_median(theirs) / _median(ours):.1f}x", contender=name,
                    ms_per_trial=theirs)
    if no_storage is not None and not args.no_peer:
        rep.add("dask", "Optuna DaskStorage", "-", "not run", "-", "-",
                f"skipped: {no_storage[:60]}")
        out["dask_storage_skipped"] = no_storage
    out["sleep"] = _sleep_speedup(args, client, rep)
    return out


def _sleep_speedup(args: argparse.Namespace, client: Any, rep: Report) -> dict[str, Any]:
    n, s = args.sleep_trials, args.sleep_seconds
    obj = Bound(sleep_objective, seconds=s)
    contenders: dict[str, Callable[[int], dict]] = {
        "hl-sequential": lambda seed: run_hl(obj, n, seed, n_jobs=1),
        "hl-dask": lambda seed: run_hl_dask(client, obj, n, seed)}
    if not args.no_peer:
        contenders["optuna-sequential"] = lambda seed: run_optuna(obj, n, seed)
        contenders["optuna-ask-tell-dask"] = lambda seed: run_optuna_ask_tell_dask(
            client, n, seed, seconds=s)
    runs: dict[str, list[dict]] = {k: [] for k in contenders}
    for r in range(args.sleep_repeats):
        for name, fn in contenders.items():
            rec = fn(100 * r + 3)
            rec["load"] = _load()
            runs[name].append(rec)
            _log(f"  sleep {name:20s} repeat {r}: {rec['wall_s']:.2f} s for {n} trials")

    def ups(par: str, seq: str) -> list[float]:
        return [a["trials_per_s"] / b["trials_per_s"] for a, b in zip(runs[par], runs[seq])]

    ours = ups("hl-dask", "hl-sequential")
    theirs = ups("optuna-ask-tell-dask", "optuna-sequential") if not args.no_peer else []
    rep.add("dask", f"{s} s objective (sleep) x{n}, 2 Dask workers: speed-up over n_jobs=1 "
            "(Optuna: ask/tell)", f"{_spread(ours)}x",
            f"{_spread(theirs)}x" if theirs else "-", "-", ">= 1.9x", _median(ours) >= 1.9,
            speedups=ours, peer_speedups=theirs)
    return runs


# -- part channel ---------------------------------------------------------------------------
def part_channel(args: argparse.Namespace, cluster: Cluster, rep: Report) -> dict[str, Any]:
    n, k = args.channel_trials, args.channel_calls
    where: dict[str, Callable[[], dict[str, Any]]] = {
        "in process": lambda: {"n_jobs": 1},
        "worker process": lambda: {"executor": "processes"}}
    if not args.no_dask_channel:
        from hyperloom.execution import DaskExecutor

        client = cluster.get()
        # A new executor for each optimize: one that has run an optimize is shut down.
        where["Dask worker"] = lambda: {"executor": DaskExecutor(client, max_workers=1)}
    out: dict[str, Any] = {}
    obj = Bound(calls_objective, n_calls=k)
    for place, options in where.items():
        ms: dict[str, list[float]] = {"suggest_ms": [], "report_ms": []}
        for r in range(args.repeats):
            rec = run_hl(obj, n, r + 5, keep_attrs=tuple(ms), **options())
            for key in ms:
                ms[key].append(_median(rec["attrs"][key]))
        out[place] = {key: [round(v, 4) for v in values] for key, values in ms.items()}
        _log(f"  channel {place}: suggest {_median(ms['suggest_ms']):.3f} ms, report "
             f"{_median(ms['report_ms']):.3f} ms per call")
        rep.add("channel", f"objective {place}: ms per call of suggest_float | report",
                f"{_spread(ms['suggest_ms'], '{:.3f}')} | "
                f"{_spread(ms['report_ms'], '{:.3f}')}")
    return out


# -- part postgres ----------------------------------------------------------------------------
def _pg_worker(job: dict[str, Any], barrier: Any, results: Any) -> None:
    out: dict[str, Any] = {"index": job["index"], "errors": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study, _engine = _open_pg(job["lib"], job["url"], job["study"], job["seed"])
            _pg_loop(study, 3)  # connections and caches warm
            barrier.wait(WAIT_S)
            c0 = time.process_time()
            out.update(_pg_loop(study, job["trials"]))
            out["cpu_s"] = time.process_time() - c0
            _close_pg(job["lib"], study)
    except BaseException:  # noqa: BLE001 - reported, never hidden
        try:
            barrier.abort()
        except Exception:  # noqa: BLE001
            pass
        out["errors"].append(traceback.format_exc(limit=6))
    finally:
        results.put(out)


def _open_pg(lib: str, url: str, name: str, seed: int) -> tuple[Any, Any]:
    """(study, its SQLAlchemy engine)."""
    if lib == "hyperloom":
        import hyperloom as hl

        study = hl.load_study(study_name=name, storage=url,
                              sampler=hl.samplers.RandomSampler(seed))
        return study, getattr(study.storage, "_engine", None)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url,
                              sampler=optuna.samplers.RandomSampler(seed))
    backend = getattr(study._storage, "_backend", study._storage)
    return study, getattr(backend, "engine", None)


def _close_pg(lib: str, study: Any) -> None:
    if lib == "hyperloom":
        study.storage.close()
    else:
        study._storage._backend.engine.dispose()


def _pg_loop(study: Any, n: int) -> dict[str, Any]:
    """n trials of ask, suggest, tell; each step timed (ms)."""
    asks, suggests, tells = [], [], []
    clock = time.perf_counter
    start = time.time()
    for _ in range(n):
        t0 = clock()
        trial = study.ask()
        t1 = clock()
        x = trial.suggest_float("x", -10, 10)
        t2 = clock()
        study.tell(trial, x * x)
        t3 = clock()
        asks.append((t1 - t0) * 1e3)
        suggests.append((t2 - t1) * 1e3)
        tells.append((t3 - t2) * 1e3)
    return {"start": start, "end": time.time(), "ask_ms": asks, "suggest_ms": suggests,
            "tell_ms": tells}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def part_postgres(args: argparse.Namespace, _cluster: Cluster, rep: Report) -> dict[str, Any]:
    why = _pg_unreachable(args.pg_url)
    if why is not None:
        _log(f"  PostgreSQL skipped: {why}")
        rep.add("postgres", "4 processes on one PostgreSQL study", "not run", "not run", "-",
                "-", f"skipped: {why[:70]}")
        return {"skipped": why}
    libs = ["hyperloom"] if args.no_peer else ["hyperloom", "optuna"]
    res = {lib: _pg_measure(lib, args) for lib in libs}
    ours, theirs = res["hyperloom"], res.get("optuna")
    total = args.pg_procs * args.pg_trials
    scen = f"{args.pg_procs} processes, {total:,} trivial trials, one study"

    def cell(rec: dict | None, key: str, fmt: str = "{:,.0f}") -> str:
        if rec is None or key not in rec:
            return "-" if rec is None else "error"
        return fmt.format(rec[key])

    def ratio(key: str, inverse: bool = False) -> str:
        if not theirs or key not in ours or key not in theirs:
            return "-"
        r = ours[key] / theirs[key] if not inverse else theirs[key] / ours[key]
        return f"{r:.1f}x"

    rep.add("postgres", f"{scen}: trials/s", cell(ours, "trials_per_s") + "/s",
            cell(theirs, "trials_per_s") + "/s", ratio("trials_per_s"), "-",
            "no (errors)" if ours.get("errors") else None)
    for step in ("ask", "suggest", "tell"):
        for q in ("p50", "p99"):
            key = f"{step}_{q}_ms"
            rep.add("postgres", f"  {step}, {q} ms",
                    cell(ours, key, "{:.2f}"), cell(theirs, key, "{:.2f}"),
                    ratio(key, inverse=True))
    for key, label in (("statements", "SQL statements per trial"),
                       ("commits", "commits per trial")):
        rep.add("postgres", f"  {label} (counted on {args.pg_count_trials} more)",
                cell(ours.get("per_trial"), key, "{:.1f}"),
                cell((theirs or {}).get("per_trial") if theirs else None, key, "{:.1f}"))
    return res


def _pg_unreachable(url: str) -> str | None:
    if url.lower() == "none":
        return "--pg-url none"
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - the reason is printed
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def _pg_measure(lib: str, args: argparse.Namespace) -> dict[str, Any]:
    name = f"bench-parallel-{lib}-{uuid.uuid4().hex[:10]}"
    url = args.pg_url
    rec: dict[str, Any] = {"lib": lib, "study": name, "procs": args.pg_procs,
                           "trials_per_proc": args.pg_trials}
    if lib == "hyperloom":
        import hyperloom as hl

        hl.create_study(storage=url, study_name=name).storage.close()
    else:
        _optuna_study(0, storage=url, study_name=name)._storage._backend.engine.dispose()
    try:
        outs = _spawn_pg(lib, url, name, args)
        errors = [e for o in outs for e in o.get("errors", [])]
        if not errors:
            rec.update(_pg_summary(outs, args.pg_procs * args.pg_trials))
        rec.update(per_trial=_pg_count(lib, url, name, args.pg_count_trials), load=_load())
        rec["states"] = _pg_states(lib, url, name)
        expected = args.pg_procs * (args.pg_trials + 3) + args.pg_count_trials + 2
        if not errors and rec["states"].get("COMPLETE") != expected:
            errors.append(f"{rec['states']} in the study, expected {expected} COMPLETE")
        rec["errors"] = [e[-1500:] for e in errors[:3]]
    finally:
        _pg_delete(lib, url, name)
    _log(f"  {lib:9s} PostgreSQL: "
         + (f"{rec['trials_per_s']:,.0f} trials/s, ask p50 {rec['ask_p50_ms']:.2f} ms, tell "
            f"p50 {rec['tell_p50_ms']:.2f} ms" if "trials_per_s" in rec else "no timing")
         + (f"  ERRORS: {rec['errors'][0][-300:]}" if rec["errors"] else ""))
    return rec


def _spawn_pg(lib: str, url: str, name: str, args: argparse.Namespace) -> list[dict]:
    import queue as queue_mod

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(args.pg_procs), ctx.Queue()
    procs = [ctx.Process(target=_pg_worker, args=(
        {"index": i, "lib": lib, "url": url, "study": name, "seed": 1000 * i + 7,
         "trials": args.pg_trials}, barrier, results)) for i in range(args.pg_procs)]
    for p in procs:
        p.start()
    outs: list[dict] = []
    deadline = time.monotonic() + WAIT_S
    while len(outs) < len(procs) and time.monotonic() < deadline:
        try:
            outs.append(results.get(timeout=1.0))
        except queue_mod.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                break
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
            p.join()
    if len(outs) < len(procs):
        outs.append({"errors": [f"{len(procs) - len(outs)} process(es) hung or died "
                                f"(exit codes {[p.exitcode for p in procs]})"]})
    return outs


def _pg_summary(outs: list[dict], total: int) -> dict[str, Any]:
    wall = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    rec: dict[str, Any] = {"wall_s": round(wall, 3), "trials_per_s": round(total / wall, 1),
                           "cpu_us_per_trial": round(sum(o["cpu_s"] for o in outs) / total
                                                     * 1e6, 1)}
    for step in ("ask", "suggest", "tell"):
        values = [v for o in outs for v in o[f"{step}_ms"]]
        rec[f"{step}_p50_ms"] = round(_pct(values, 0.5), 3)
        rec[f"{step}_p99_ms"] = round(_pct(values, 0.99), 3)
        rec[f"{step}_mean_ms"] = round(statistics.fmean(values), 3)
    return rec


def _pg_count(lib: str, url: str, name: str, n: int) -> dict[str, float] | None:
    """SQL statements and commits per trial, counted in this process on `n` more trials."""
    from overhead import SQLCounter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study, engine = _open_pg(lib, url, name, 99)
        if engine is None:
            return None
        _pg_loop(study, 2)
        counter = SQLCounter(engine)
        _pg_loop(study, n)
        counts = counter.detach()
        _close_pg(lib, study)
    return {k: round(v / n, 2) for k, v in sorted(counts.items())}


def _pg_states(lib: str, url: str, name: str) -> dict[str, int]:
    from collections import Counter

    if lib == "hyperloom":
        import hyperloom as hl

        study = hl.load_study(study_name=name, storage=url)
        states = Counter(t.state.name for t in study.trials)
        study.storage.close()
    else:
        import optuna

        study = optuna.load_study(study_name=name, storage=url)
        states = Counter(t.state.name for t in study.trials)
        study._storage._backend.engine.dispose()
    return dict(states)


def _pg_delete(lib: str, url: str, name: str) -> None:
    try:
        if lib == "hyperloom":
            import hyperloom as hl

            hl.delete_study(study_name=name, storage=url)
        else:
            import optuna

            optuna.delete_study(study_name=name, storage=url)
    except Exception as exc:  # noqa: BLE001 - said, not hidden
        _log(f"  could not delete study {name}: {exc}")


# -- part sim -------------------------------------------------------------------------------
SIM_CONTENDERS = ("hl-tpe", "optuna-tpe", "hl-random", "optuna-random", "hl-tpe-continuous")


def _sim_params(rng: random.Random, continuous: bool) -> dict[str, Any]:
    if continuous:
        return {"x": rng.uniform(-10, 10), "lr": 10 ** rng.uniform(-5, -1),
                "layers": rng.uniform(1, 8), "act": rng.uniform(0, 3)}
    return {"x": rng.uniform(-10, 10), "lr": 10 ** rng.uniform(-5, -1),
            "layers": rng.randint(1, 8), "act": rng.choice(["relu", "tanh", "gelu"])}


def _sim_value(p: dict[str, Any]) -> float:
    return p["x"] ** 2 + abs(float(p["layers"]) - 3)


def _sim_hl(name: str, n: int) -> tuple[Any, Any, Any, Callable]:
    import hyperloom as hl
    from hyperloom import TrialState

    continuous = name.endswith("continuous")
    space = {"x": hl.Uniform(-10, 10), "lr": hl.LogUniform(1e-5, 1e-1),
             "layers": hl.Uniform(1, 8) if continuous else hl.IntUniform(1, 8),
             "act": hl.Uniform(0, 3) if continuous else hl.Choice(["relu", "tanh", "gelu"])}
    sampler = (hl.samplers.TPESampler(seed=0) if "tpe" in name
               else hl.samplers.RandomSampler(0))
    study = hl.create_study(sampler=hl.samplers.RandomSampler(1))
    storage, sid, rng = study.storage, study.study_id, random.Random(0)
    for _ in range(n):
        p = _sim_params(rng, continuous)
        tid, _number = storage.create_trial(sid, params=p, distributions=space)
        storage.finish_trial(tid, TrialState.COMPLETE, [_sim_value(p)])

    def use_sampler() -> None:
        study.sampler = sampler
    return study, space, use_sampler, lambda s, t: s.tell(t, _sim_value(t.params))


def _sim_optuna(name: str, n: int) -> tuple[Any, Any, Any, Callable]:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {"x": FloatDistribution(-10, 10), "lr": FloatDistribution(1e-5, 1e-1, log=True),
             "layers": IntDistribution(1, 8),
             "act": CategoricalDistribution(["relu", "tanh", "gelu"])}
    sampler = (optuna.samplers.TPESampler(seed=0) if "tpe" in name
               else optuna.samplers.RandomSampler(0))
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(1))
    rng = random.Random(0)
    study.add_trials([optuna.trial.create_trial(params=p, distributions=space,
                                                value=_sim_value(p))
                      for p in (_sim_params(rng, False) for _ in range(n))])

    def use_sampler() -> None:
        study.sampler = sampler
    return study, space, use_sampler, lambda s, t: s.tell(t, _sim_value(t.params))


def _sim_worker(job: dict[str, Any], _barrier: Any, results: Any) -> None:
    out: dict[str, Any] = {"errors": []}
    try:
        name, n, workers = job["name"], job["n"], job["workers"]
        t0 = time.perf_counter()
        build = _sim_hl if name.startswith("hl-") else _sim_optuna
        study, space, use_sampler, tell = build(name, n)
        out["fill_s"] = time.perf_counter() - t0
        # The first `workers` trials are drawn at random (cheap), as if they had started
        # before the study grew this large; the cycles below use the sampler under test.
        running = deque(study.ask(space) for _ in range(workers))
        use_sampler()
        asks, tells = [], []
        deadline = time.perf_counter() + job["seconds"]
        while len(asks) < job["cycles"] and (len(asks) < 3 or time.perf_counter() < deadline):
            t1 = time.perf_counter()
            tell(study, running.popleft())
            t2 = time.perf_counter()
            running.append(study.ask(space))
            t3 = time.perf_counter()
            tells.append((t2 - t1) * 1e3)
            asks.append((t3 - t2) * 1e3)
        out.update(ask_ms=asks, tell_ms=tells, running=len(running))
    except BaseException:  # noqa: BLE001 - reported, never hidden
        out["errors"].append(traceback.format_exc(limit=6))
    finally:
        results.put(out)


def part_sim(args: argparse.Namespace, _cluster: Cluster, rep: Report) -> dict[str, Any]:
    import queue as queue_mod

    names = [c for c in args.sim_contenders if not (args.no_peer and c.startswith("optuna"))]
    ctx = mp.get_context("spawn")
    res: dict[str, Any] = {}
    for name in names:
        results = ctx.Queue()
        job = {"name": name, "n": args.sim_trials, "workers": args.sim_workers,
               "cycles": args.sim_cycles, "seconds": args.sim_seconds}
        proc = ctx.Process(target=_sim_worker, args=(job, None, results))
        proc.start()
        try:
            out = results.get(timeout=WAIT_S)
        except queue_mod.Empty:
            out = {"errors": ["no result (hung)"]}
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
        rec: dict[str, Any] = {"errors": [e[-1500:] for e in out["errors"]], "load": _load()}
        if not out["errors"]:
            cycle = [a + t for a, t in zip(out["ask_ms"], out["tell_ms"])]
            rec.update(fill_s=round(out["fill_s"], 2), cycles=len(cycle),
                       ms_per_trial=round(_median(cycle), 2),
                       ask_ms=round(_median(out["ask_ms"]), 2),
                       tell_ms=round(_median(out["tell_ms"]), 3),
                       cycle_ms=[round(c, 2) for c in cycle])
        res[name] = rec
        _log(f"  sim {name:18s}: " + (f"{rec['ms_per_trial']:.2f} ms per trial (ask "
                                       f"{rec['ask_ms']:.2f}, tell {rec['tell_ms']:.3f}; "
                                       f"{rec['cycles']} cycles, fill {rec['fill_s']} s)"
                                       if "ms_per_trial" in rec else f"ERROR {rec['errors']}"))
    scen = (f"{args.sim_trials:,} trials, {args.sim_workers} running: coordinator ms per "
            "trial")

    def cell(name: str) -> str:
        rec = res.get(name)
        if rec is None:
            return "-"
        if "ms_per_trial" not in rec:
            return "error"
        value = rec["ms_per_trial"]
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"

    def ratio(a: str, b: str) -> str:
        ra, rb = res.get(a, {}), res.get(b, {})
        if "ms_per_trial" in ra and "ms_per_trial" in rb:
            return f"{rb['ms_per_trial'] / ra['ms_per_trial']:.1f}x"
        return "-"
    rep.add("sim", f"{scen}, TPE", cell("hl-tpe"), cell("optuna-tpe"),
            ratio("hl-tpe", "optuna-tpe"))
    rep.add("sim", "  random sampler (the rest: storage, bookkeeping)", cell("hl-random"),
            cell("optuna-random"), ratio("hl-random", "optuna-random"))
    if "hl-tpe-continuous" in res:
        rep.add("sim", "  TPE, the 4 parameters continuous", cell("hl-tpe-continuous"))
    return res


# -- the plan -------------------------------------------------------------------------------
def _names(text: str, allowed: tuple[str, ...], p: argparse.ArgumentParser,
           flag: str) -> list[str]:
    got = [x.strip() for x in text.split(",") if x.strip()]
    unknown = sorted(set(got) - set(allowed))
    if unknown:
        p.error(f"{flag}: unknown {unknown}; choose from {','.join(allowed)}")
    return got


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="small sizes for a smoke test (about a minute per part)")
    p.add_argument("--parts", default=",".join(PARTS),
                   help=f"comma-separated parts (default all: {','.join(PARTS)})")
    p.add_argument("--repeats", type=int, help="repeats of each figure (default 3; quick 1)")
    p.add_argument("--cpu-seconds", type=float, help="objective time (default 0.3; quick 0.1)")
    p.add_argument("--cpu-trials", type=int, help="trials per run (default 30; quick 6)")
    p.add_argument("--cpu-contenders", default="processes,dask,threads",
                   help="parallel runs beside n_jobs=1 (default processes,dask,threads; Optuna's "
                        "threads run with threads)")
    p.add_argument("--dask-trials", type=int, help="trivial trials, ours (default 1000; quick 60)")
    p.add_argument("--dask-peer-trials", type=int,
                   help="trivial trials, Optuna on Dask (default 500; quick 30)")
    p.add_argument("--sleep-seconds", type=float, help="sleeping objective (default 0.5; quick "
                                                       "0.1)")
    p.add_argument("--sleep-trials", type=int, help="its trials (default 30; quick 6)")
    p.add_argument("--sleep-repeats", type=int, help="its repeats (default 2; quick 1)")
    p.add_argument("--channel-trials", type=int, help="trials per figure (default 200; quick 20)")
    p.add_argument("--channel-calls", type=int, default=20,
                   help="suggest or report calls per trial (default 20)")
    p.add_argument("--no-dask-channel", action="store_true",
                   help="part channel without Dask (when running it alone)")
    p.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL database ('none' skips)")
    p.add_argument("--pg-procs", type=int, default=4, help="worker processes (default 4)")
    p.add_argument("--pg-trials", type=int, help="trials per process (default 500; quick 30)")
    p.add_argument("--pg-count-trials", type=int,
                   help="trials whose SQL is counted (default 50; quick 10)")
    p.add_argument("--sim-trials", type=int, help="study size (default 100000; quick 10000)")
    p.add_argument("--sim-workers", type=int, default=64, help="RUNNING trials (default 64)")
    p.add_argument("--sim-cycles", type=int, help="tell+ask cycles at most (default 40; quick 5)")
    p.add_argument("--sim-seconds", type=float,
                   help="seconds of cycles at most, after 3 (default 30; quick 5)")
    p.add_argument("--sim-contenders", default=",".join(SIM_CONTENDERS),
                   help=f"default {','.join(SIM_CONTENDERS)}")
    p.add_argument("--no-peer", action="store_true", help="skip Optuna altogether")
    p.add_argument("--out", help="folder for parallel.json (default benchmarks/results)")
    a = p.parse_args(argv)
    q = a.quick

    def pick(value: Any, full: Any, quick: Any) -> Any:
        return value if value is not None else (quick if q else full)
    a.parts = _names(a.parts, PARTS, p, "--parts")
    a.cpu_contenders = _names(a.cpu_contenders, ("processes", "dask", "threads"), p,
                              "--cpu-contenders")
    a.sim_contenders = _names(a.sim_contenders, SIM_CONTENDERS, p, "--sim-contenders")
    a.repeats = pick(a.repeats, 3, 1)
    a.cpu_seconds = pick(a.cpu_seconds, 0.3, 0.1)
    a.cpu_trials = pick(a.cpu_trials, 30, 6)
    a.dask_trials = pick(a.dask_trials, 1000, 60)
    a.dask_peer_trials = pick(a.dask_peer_trials, 500, 30)
    a.sleep_seconds = pick(a.sleep_seconds, 0.5, 0.1)
    a.sleep_trials = pick(a.sleep_trials, 30, 6)
    a.sleep_repeats = pick(a.sleep_repeats, 2, 1)
    a.channel_trials = pick(a.channel_trials, 200, 20)
    a.pg_trials = pick(a.pg_trials, 500, 30)
    a.pg_count_trials = pick(a.pg_count_trials, 50, 10)
    a.sim_trials = pick(a.sim_trials, 100_000, 10_000)
    a.sim_cycles = pick(a.sim_cycles, 40, 5)
    a.sim_seconds = pick(a.sim_seconds, 30.0, 5.0)
    needs_dask = {"cpu", "dask"} & set(a.parts) or ("channel" in a.parts
                                                    and not a.no_dask_channel)
    if needs_dask and importlib.util.find_spec("distributed") is None:
        p.error("dask.distributed is not installed: pip install 'hyperloom[dask]', or choose "
                "--parts without cpu and dask")
    if not a.no_peer and importlib.util.find_spec("optuna") is None:
        p.error("Optuna is not installed: pip install 'hyperloom[bench]' (or ./run bench "
                "parallel), or pass --no-peer")
    return a


RUNNERS: dict[str, Callable[[argparse.Namespace, Cluster, Report], dict[str, Any]]] = {
    "cpu": part_cpu, "dask": part_dask, "channel": part_channel, "postgres": part_postgres,
    "sim": part_sim}


def run(args: argparse.Namespace) -> dict[str, Any]:
    rep, cluster = Report(), Cluster(2)
    parts: dict[str, Any] = {}
    try:
        for part in PARTS:
            if part in args.parts:
                _log(f"{part} (load average {_load()})")
                t0 = time.monotonic()
                parts[part] = RUNNERS[part](args, cluster, rep)
                parts[part]["elapsed_s"] = round(time.monotonic() - t0, 1)
    finally:
        cluster.close()
    return {"rows": rep.rows, "claims": rep.claims, "parts": parts,
            "cluster_start_s": cluster.start_s}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    versions = library_versions(not args.no_peer, "distributed", "optuna_integration")
    load_start = _load()
    t0 = time.monotonic()
    result = run(args)
    print()
    headers = list(Report.HEADERS)
    headers[3] = f"Optuna {versions.get('optuna', '')}".strip()
    print_table(headers, result["rows"])
    print()
    print(f"{os.cpu_count()} CPU cores; load average {load_start} at the start, {_load()} at "
          "the end. Median (min-max) over repeats. Random samplers except in sim (each\n"
          "library's TPESampler defaults; 4 parameters: float, log float, int, categorical). "
          "cpu: wall time from the optimize call, worker start-up included; dask: after a\n"
          "warm-up run; postgres: latencies timed inside each process, a trivial objective; "
          "ratio: Optuna's time over ours (above 1: we are faster).")
    config = {k: v for k, v in vars(args).items()}
    config["versions"] = versions
    path = write_json("parallel", {"config": config, "load_start": load_start,
                                   "elapsed_s": round(time.monotonic() - t0, 1), **result},
                      args.out)
    print(f"wrote {path}")
    print(reproduce_command("parallel", argv))
    problems = _problems(result["parts"])
    for where, text in problems:
        print(f"ERROR in {where}: {text.strip().splitlines()[-1] if text.strip() else '?'}")
    return 1 if problems else 0


def _problems(node: Any, where: str = "") -> list[tuple[str, str]]:
    """Every "error" (a text) and "errors" (a list of texts) in the results, with its place:
    a run that did not end with all its trials COMPLETE fails the benchmark."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("error"), str):
            found.append((where, node["error"]))
        found.extend((where, e) for e in node.get("errors") or [] if isinstance(e, str))
        for key, value in node.items():
            found.extend(_problems(value, f"{where}/{key}" if where else str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_problems(value, f"{where}[{i}]"))
    return found


if __name__ == "__main__":
    sys.exit(main())

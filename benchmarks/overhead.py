"""Per-trial overhead of hyperloom against Optuna 5.0, measured in the same run.

The objective is trivial (one `suggest_float`, return x**2) and the sampler is random, so what
is timed is the library: asking, storing and telling. Scenarios:

- in memory, at 1,000 and 10,000 trials (median of a few repeats, each a fresh study);
- SQLite, one process, at the same sizes, with SQL statements and commits counted per trial
  (SQLAlchemy events, and the statements SQLite itself ran, from its trace callback);
- 1, 2 and 4 processes sharing one SQLite file, and one PostgreSQL database (a fresh database per
  scenario); hyperloom also with 8 processes on SQLite, checked for "database is locked";
- the cold load of a 100,000-trial SQLite study (`hl.load_study(...).trials`) in fresh processes.

Each measurement runs in freshly spawned processes. With several processes, all of them import,
open the study and then wait on a barrier; the wall time runs from the barrier to the last
process done. The CPU time the processes spent in `optimize` is reported too (per trial, summed
over processes, database server excluded): on a shared, busy machine it is the steadier figure.
Optuna on SQL storages is slow, so it runs fewer trials there (the table says how many).
hyperloom runs with `show_progress_bar=False` (Optuna's default); everything else is default.

Usage: ./run bench overhead [--quick] [--out DIR] [--only memory,sqlite,procs,postgres,load]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import multiprocessing as mp
import os
import queue as queue_mod
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import library_versions, print_table, reproduce_command, write_json  # noqa: E402

PARTS = ("memory", "sqlite", "procs", "postgres", "load")
LIBS = ("hyperloom", "optuna")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WAIT_S = 900  # the longest any one scenario may take before it is abandoned as hung
LOCKED = "database is locked"


def objective(trial: Any) -> float:
    x = trial.suggest_float("x", -10, 10)
    return x ** 2


# -- counting SQL ----------------------------------------------------------------------------
class SQLCounter:
    """Counts what an engine sends: cursor executes, BEGINs it sends itself, commit and rollback
    events, and (SQLite) every statement SQLite ran, implicit BEGIN/COMMIT included."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.n: Counter[str] = Counter()
        self._engine = engine
        self._hooks = [("before_cursor_execute", self._on_execute), ("commit", self._on_commit),
                       ("rollback", self._on_rollback)]
        if engine.dialect.name == "sqlite":
            self._hooks.append(("checkout", self._on_checkout))
        for name, fn in self._hooks:
            event.listen(engine, name, fn)

    def _on_execute(self, conn, cursor, statement, params, context, executemany) -> None:
        self.n["statements"] += 1
        if statement.lstrip()[:5].upper() == "BEGIN":
            self.n["begin_statements"] += 1

    def _on_commit(self, conn) -> None:
        self.n["commits"] += 1

    def _on_rollback(self, conn) -> None:
        self.n["rollbacks"] += 1

    def _on_checkout(self, dbapi_conn, record, proxy) -> None:
        dbapi_conn.set_trace_callback(self._on_trace)

    def _on_trace(self, statement: str) -> None:
        self.n["sqlite_ran"] += 1
        if statement.lstrip()[:6].upper() == "COMMIT":
            self.n["sqlite_commits"] += 1

    def reset(self) -> None:
        self.n.clear()

    def detach(self) -> dict[str, int]:
        from sqlalchemy import event

        for name, fn in self._hooks:
            event.remove(self._engine, name, fn)
        return dict(self.n)


# -- one process's work ----------------------------------------------------------------------
def _open_study(lib: str, storage: str | None, name: str, seed: int) -> tuple[Any, Any, Any]:
    """(study, its SQLAlchemy engine or None, a function running n trials)."""
    if lib == "hyperloom":
        import hyperloom as hl

        study = hl.create_study(sampler=hl.samplers.RandomSampler(seed), storage=storage,
                                study_name=name, load_if_exists=True)
        engine = getattr(study.storage, "_engine", None)
        return study, engine, lambda n: study.optimize(objective, n_trials=n,
                                                       show_progress_bar=False)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed), storage=storage,
                                study_name=name, load_if_exists=True)
    backend = getattr(study._storage, "_backend", study._storage)  # _CachedStorage wraps it
    engine = getattr(backend, "engine", None)
    return study, engine, lambda n: study.optimize(objective, n_trials=n)


def _worker(job: dict[str, Any], barrier: Any, results: Any) -> None:
    out: dict[str, Any] = {"index": job["index"], "starts": [], "ends": [], "cpus": [],
                           "errors": [], "warnings": [], "counts": None}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for rep in range(job["repeats"]):
                name = job["study"] if job["repeats"] == 1 else f"{job['study']}-r{rep}"
                try:
                    _, engine, run = _open_study(job["lib"], job["storage"], name, job["seed"])
                except BaseException:
                    if barrier is not None:
                        barrier.abort()
                    raise
                counter = SQLCounter(engine) if job["count"] and engine is not None else None
                if barrier is not None and rep == 0:
                    barrier.wait(WAIT_S)
                if counter is not None:
                    counter.reset()
                cpu, start = time.process_time(), time.monotonic()
                try:
                    run(job["trials"])
                except Exception:  # noqa: BLE001 - reported, never hidden
                    out["errors"].append(traceback.format_exc(limit=4))
                end = time.monotonic()
                out["cpus"].append(time.process_time() - cpu)
                out["starts"].append(start)
                out["ends"].append(end)
                if counter is not None:
                    out["counts"] = counter.detach()
            out["warnings"] = [str(w.message)[:500] for w in caught][:20]
    except BaseException:  # noqa: BLE001
        out["errors"].append(traceback.format_exc(limit=6))
    finally:
        results.put(out)


def _spawn(target: Any, jobs: list[dict[str, Any]], barrier: Any, ctx: Any) -> list[dict]:
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(job, barrier, results)) for job in jobs]
    for p in procs:
        p.start()
    got: list[dict] = []
    deadline = time.monotonic() + WAIT_S
    while len(got) < len(procs) and time.monotonic() < deadline:
        try:
            got.append(results.get(timeout=1.0))
        except queue_mod.Empty:
            if not any(p.is_alive() for p in procs):
                try:
                    got.append(results.get(timeout=2.0))
                except queue_mod.Empty:
                    break
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
            p.join()
    if len(got) < len(procs):
        got.append({"index": -1, "starts": [], "ends": [], "cpus": [], "counts": None,
                    "warnings": [],
                    "errors": [f"{len(procs) - len(got)} process(es) hung or died without "
                               f"a result (exit codes {[p.exitcode for p in procs]})"]})
    return got


def _precreate(lib: str, storage: str, name: str) -> None:
    """Create the study (and the schema) once, so that workers only load it."""
    if lib == "hyperloom":
        import hyperloom as hl

        hl.create_study(storage=storage, study_name=name).storage.close()
    else:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(storage=storage, study_name=name)
        study._storage._backend.engine.dispose()


def _verify(lib: str, storage: str, name: str) -> dict[str, Any]:
    """Final trial states, and any failure that mentions a locked database."""
    if lib == "hyperloom":
        import hyperloom as hl

        study = hl.load_study(study_name=name, storage=storage)
        trials = study.trials
        states = Counter(t.state.name for t in trials)
        reasons = [str(t.system_attrs.get("fail_reason", "")) for t in trials]
        study.storage.close()
    else:
        import optuna

        study = optuna.load_study(study_name=name, storage=storage)
        trials = study.trials
        states = Counter(t.state.name for t in trials)
        reasons = [str(t.system_attrs.get("fail_reason", "")) for t in trials]
        study._storage._backend.engine.dispose()
    return {"states": dict(states), "locked_fail_reasons": sum(LOCKED in r for r in reasons)}


def measure(lib: str, backend: str, storage: str | None, name: str, total: int, procs: int,
            *, repeats: int = 1, count: bool = False) -> dict[str, Any]:
    """Run `total` trials split over `procs` processes; trials/s from the barrier to the end."""
    ctx = mp.get_context("spawn")
    per = total // procs
    if storage is not None:
        _precreate(lib, storage, name)
    barrier = ctx.Barrier(procs) if procs > 1 else None
    jobs = [{"index": i, "lib": lib, "storage": storage, "study": name, "seed": 1000 * i + 7,
             "trials": per, "repeats": repeats, "count": count} for i in range(procs)]
    outs = _spawn(_worker, jobs, barrier, ctx)
    errors = [e for o in outs for e in o["errors"]]
    warns = [w for o in outs for w in o["warnings"]]
    rec: dict[str, Any] = {"lib": lib, "backend": backend, "procs": procs, "trials": per * procs,
                           "trials_per_proc": per, "repeats": repeats}
    if all(o["starts"] for o in outs):
        if procs == 1:
            walls = [e - s for s, e in zip(outs[0]["starts"], outs[0]["ends"])]
            cpu = statistics.median(outs[0]["cpus"])
        else:
            walls = [max(o["ends"][0] for o in outs) - min(o["starts"][0] for o in outs)]
            cpu = sum(o["cpus"][0] for o in outs)
        wall = statistics.median(walls)
        rec.update(wall_s=round(wall, 4), walls_s=[round(w, 4) for w in walls],
                   trials_per_s=round(per * procs / wall, 1),
                   cpu_us_per_trial=round(cpu / (per * procs) * 1e6, 1))
    counts = outs[0]["counts"] if procs == 1 else None
    if counts:
        rec["per_trial"] = {k: round(v / per, 2) for k, v in sorted(counts.items())}
    if storage is not None:
        try:
            rec.update(_verify(lib, storage, name))
        except Exception:  # noqa: BLE001
            errors.append("verification failed: " + traceback.format_exc(limit=3))
        complete = rec.get("states", {}).get("COMPLETE", 0)
        if not errors and complete != per * procs:
            errors.append(f"{complete} COMPLETE trials in the study, expected {per * procs}: "
                          f"{rec.get('states')}")
    rec["database_locked"] = (sum(LOCKED in e for e in errors) + sum(LOCKED in w for w in warns)
                              + rec.get("locked_fail_reasons", 0))
    rec["errors"] = [e[-2000:] for e in errors[:5]]
    rec["n_errors"] = len(errors)
    rec["warnings"] = warns[:5]
    _log(f"  {lib:9s} {backend:10s} procs={procs} trials={per * procs:>6}: "
         + (f"{rec['trials_per_s']:>9,.1f} trials/s, {rec['cpu_us_per_trial']:>8,.0f} us CPU/trial"
            if "trials_per_s" in rec else "no timing")
         + (f"  ERRORS: {len(errors)}" if errors else ""))
    return rec


# -- PostgreSQL: a fresh database per scenario -----------------------------------------------
class PgDatabases:
    def __init__(self, admin_url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self._base = make_url(admin_url)
        conninfo = self._base.set(drivername="postgresql").render_as_string(hide_password=False)
        self._admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        self._made: list[str] = []

    def create(self) -> str:
        name = f"bench_{os.getpid()}_{len(self._made)}"
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.execute(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return self._base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self._made:
            try:
                self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001
                _log(f"could not drop database {name}: {exc}")
        self._made.clear()
        self._admin.close()


# -- the 100,000-trial study -----------------------------------------------------------------
def build_load_study(n: int, cache_dir: Path, work: Path) -> tuple[Path, str, dict[str, Any]]:
    """A SQLite file holding one study of `n` COMPLETE trials, cached under `cache_dir` by
    schema. A few trials are written through the API; the rest are copies of those rows with
    fresh x values and numbers (one bulk INSERT), so they are rows the API would write."""
    import hyperloom as hl

    name = "load"
    template = work / "template.db"
    study = hl.create_study(sampler=hl.samplers.RandomSampler(0), storage=f"sqlite:///{template}",
                            study_name=name)
    study.optimize(objective, n_trials=5, show_progress_bar=False)
    study.storage.close()
    con = sqlite3.connect(template)
    schema = [r[0] for r in con.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")]
    cur = con.execute("SELECT * FROM hyperloom_trials ORDER BY number")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    con.close()
    first = rows[0]
    params_text = json.dumps(json.loads(first["params"]), separators=(",", ":"))
    if params_text != first["params"] or set(json.loads(first["params"])) != {"x"}:
        raise RuntimeError(f"unexpected params encoding {first['params']!r}: update "
                           "build_load_study")
    shape = {k: v for k, v in first.items()
             if k not in ("trial_id", "number", "params", "values_json", "datetime_start",
                          "datetime_complete", "heartbeat")}
    key = hashlib.sha256(json.dumps([schema, shape], sort_keys=True, default=str)
                         .encode()).hexdigest()[:16]
    info = {"key": key, "built_by": "5 trials through the API, the rest bulk-copied rows"}
    path = cache_dir / f"load-{n}-{key}.db"
    if path.exists():
        info["cached"] = True
        return path, name, info
    cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    partial = cache_dir / f"{path.name}.partial-{os.getpid()}"
    shutil.copyfile(template, partial)
    rng = random.Random(12345)
    insert_cols = [c for c in cols if c != "trial_id"]
    t_base = time.time() - n * 0.01
    con = sqlite3.connect(partial)
    con.execute("PRAGMA journal_mode=WAL")

    def fresh() -> Any:
        for number in range(len(rows), n):
            x = rng.uniform(-10, 10)
            row = dict(first, number=number, params=json.dumps({"x": x}, separators=(",", ":")),
                       values_json=json.dumps([x * x], separators=(",", ":")),
                       datetime_start=t_base + number * 0.01,
                       datetime_complete=t_base + number * 0.01 + 0.005)
            yield tuple(row[c] for c in insert_cols)

    with con:
        con.executemany(f"INSERT INTO hyperloom_trials ({', '.join(insert_cols)}) "
                        f"VALUES ({', '.join('?' * len(insert_cols))})", fresh())
        con.execute("UPDATE hyperloom_studies SET next_number = ? WHERE name = ?", (n, name))
    got = con.execute("SELECT count(*) FROM hyperloom_trials").fetchone()[0]
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    if got != n:
        raise RuntimeError(f"built {got} trials, expected {n}")
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    os.replace(partial, path)
    info.update(cached=False, build_s=round(time.perf_counter() - t0, 2))
    return path, name, info


def _load_worker(job: dict[str, Any], _barrier: Any, results: Any) -> None:
    out: dict[str, Any] = {"errors": []}
    try:
        t0 = time.perf_counter()
        import hyperloom as hl

        t1, c1 = time.perf_counter(), time.process_time()
        study = hl.load_study(study_name=job["study"], storage=job["storage"])
        trials = study.trials
        t2, c2 = time.perf_counter(), time.process_time()
        again = study.trials
        t3 = time.perf_counter()
        last = trials[-1]
        ok = (len(trials) == job["n"] == len(again) and last.number == job["n"] - 1
              and last.state.name == "COMPLETE" and abs(last.value - last.params["x"] ** 2) < 1e-9)
        out.update(import_s=t1 - t0, load_s=t2 - t1, load_cpu_s=c2 - c1, warm_trials_s=t3 - t2,
                   n=len(trials), ok=ok)
        study.storage.close()
    except BaseException:  # noqa: BLE001
        out["errors"].append(traceback.format_exc(limit=6))
    finally:
        results.put(out)


def measure_load(n: int, cache_dir: Path, work: Path, runs: int) -> dict[str, Any]:
    path, name, info = build_load_study(n, cache_dir, work)
    ctx = mp.get_context("spawn")
    loads, cpus, errors, extra = [], [], [], []
    for _ in range(runs):
        out = _spawn(_load_worker, [{"storage": f"sqlite:///{path}", "study": name, "n": n}],
                     None, ctx)[0]
        if out.get("errors"):
            errors.extend(out["errors"])
            continue
        if not out["ok"]:
            errors.append(f"loaded {out['n']} trials, or the last one is wrong")
        loads.append(out["load_s"])
        cpus.append(out["load_cpu_s"])
        extra.append({k: round(out[k], 4)
                      for k in ("import_s", "load_s", "load_cpu_s", "warm_trials_s")})
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rec = {"trials": n, "file": str(path), "file_mb": round(path.stat().st_size / 2**20, 1),
           "build": info, "runs": extra, "errors": [e[-2000:] for e in errors[:3]],
           "n_errors": len(errors)}
    if loads:
        rec["load_s"] = round(statistics.median(loads), 3)
        rec["load_cpu_s"] = round(statistics.median(cpus), 3)
    _log(f"  hyperloom load {n:,} trials: "
         + (f"{rec['load_s']:.3f} s wall, {rec['load_cpu_s']:.3f} s CPU (median of {len(loads)})"
            if loads else "failed"))
    return rec


# -- the plan, the table ---------------------------------------------------------------------
def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="reduced form (~2-3 min): 1,000 trials, 1 and 2 processes, 20,000-trial "
                        "load")
    p.add_argument("--only", default=",".join(PARTS),
                   help=f"comma-separated parts to run (default all: {','.join(PARTS)})")
    p.add_argument("--sizes", help="in-memory sizes (default 1000,10000; quick 1000)")
    p.add_argument("--sqlite-sizes", help="single-process SQLite sizes (default: --sizes)")
    p.add_argument("--procs", help="process counts for shared SQLite / PostgreSQL "
                                   "(default 1,2,4; quick 1,2)")
    p.add_argument("--locked-procs", type=int, help="hyperloom-only SQLite run with this many "
                                                    "processes (default 8; quick 0 = none)")
    p.add_argument("--multi-trials", type=int, help="hyperloom trials in the shared-SQLite runs "
                                                    "(default 10000; quick 1000)")
    p.add_argument("--pg-trials", type=int, help="hyperloom trials in the PostgreSQL runs "
                                                 "(default 4000; quick 1000)")
    p.add_argument("--peer-sql-trials", type=int,
                   help="Optuna trials on SQL storages (default 300; quick 100; 0: Optuna in "
                        "memory only)")
    p.add_argument("--load-trials", type=int, help="size of the study to load "
                                                   "(default 100000; quick 20000)")
    p.add_argument("--repeats", type=int, help="in-memory repeats, median (default 5; quick 3)")
    p.add_argument("--pg-url", default=DEFAULT_PG,
                   help="PostgreSQL database to connect to for CREATE/DROP DATABASE "
                        "('none' skips PostgreSQL)")
    p.add_argument("--no-peer", action="store_true", help="skip Optuna altogether")
    p.add_argument("--out", help="folder for overhead.json (default benchmarks/results)")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(),
                                                       "hyperloom-bench-cache"),
                   help="where the built load-test study is kept between runs")
    a = p.parse_args(argv)
    q = a.quick
    a.sizes = _ints(a.sizes) if a.sizes else ([1000] if q else [1000, 10000])
    a.sqlite_sizes = _ints(a.sqlite_sizes) if a.sqlite_sizes else a.sizes
    a.procs = _ints(a.procs) if a.procs else ([1, 2] if q else [1, 2, 4])
    a.locked_procs = a.locked_procs if a.locked_procs is not None else (0 if q else 8)
    a.multi_trials = a.multi_trials or (1000 if q else 10000)
    a.pg_trials = a.pg_trials or (1000 if q else 4000)
    if a.peer_sql_trials is None:
        a.peer_sql_trials = 100 if q else 300
    a.load_trials = a.load_trials or (20000 if q else 100000)
    a.repeats = a.repeats or (3 if q else 5)
    a.parts = [x.strip() for x in a.only.split(",") if x.strip()]
    unknown = set(a.parts) - set(PARTS)
    if unknown:
        p.error(f"unknown part(s) {sorted(unknown)}; choose from {','.join(PARTS)}")
    if not a.no_peer and importlib.util.find_spec("optuna") is None:
        p.error("Optuna is not installed: pip install 'hyperloom[bench]' (or ./run bench "
                "overhead), or pass --no-peer")
    return a


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _rate(rec: dict[str, Any] | None) -> str:
    if rec is None:
        return "-"
    text = f"{rec['trials_per_s']:,.0f}/s" if "trials_per_s" in rec else "n/a"
    return text + (" ERR" if rec.get("n_errors") else "")


def _cpu(rec: dict[str, Any] | None) -> str:
    return f"{rec['cpu_us_per_trial']:,.0f}" if rec and "cpu_us_per_trial" in rec else "-"


def _ratio(ours: dict | None, peer: dict | None) -> float | None:
    if ours and peer and ours.get("trials_per_s") and peer.get("trials_per_s"):
        return ours["trials_per_s"] / peer["trials_per_s"]
    return None


def _met(ok: bool | None, ours: dict | None = None) -> str:
    if ours and ours.get("n_errors"):
        return "no (errors)"
    return "-" if ok is None else ("yes" if ok else "NO")


HEADERS = ["scenario", "hyperloom", "Optuna", "ratio", "target", "met?",
           "CPU us/trial hl | Optuna"]


class Report:
    """The table rows and, for the JSON, what each row claims."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.targets: list[dict[str, Any]] = []

    def rate_row(self, scenario: str, ours: dict | None, peer: dict | None, target: str,
                 ok: bool | None) -> None:
        ratio = _ratio(ours, peer)
        met = _met(ok, ours)
        self.rows.append([scenario, _rate(ours), _rate(peer),
                          f"{ratio:.1f}x" if ratio is not None else "-", target, met,
                          f"{_cpu(ours)} | {_cpu(peer)}"])
        self.targets.append({"scenario": scenario, "target": target, "met": met,
                             "hyperloom_trials_per_s": ours and ours.get("trials_per_s"),
                             "optuna_trials_per_s": peer and peer.get("trials_per_s"),
                             "ratio": ratio and round(ratio, 2)})

    def value_row(self, scenario: str, ours: Any, peer: Any, target: str, met: str) -> None:
        self.rows.append([scenario, ours, peer, "-", target, met, ""])
        self.targets.append({"scenario": scenario, "target": target, "met": met,
                             "hyperloom": ours, "optuna": peer})


def run(args: argparse.Namespace) -> dict[str, Any]:
    libs = ["hyperloom"] if args.no_peer else list(LIBS)
    sql_libs = libs if args.peer_sql_trials > 0 else ["hyperloom"]
    runs: list[dict[str, Any]] = []
    rep = Report()
    work = Path(tempfile.mkdtemp(prefix="hyperloom-overhead-"))
    pg: PgDatabases | None = None
    skipped: dict[str, str] = {}
    numbers = iter(range(10**6))
    peer_note = f"(Optuna: {args.peer_sql_trials})" if "optuna" in sql_libs else ""

    def sqlite_url() -> str:  # a fresh file for every scenario
        return f"sqlite:///{work / f'bench-{next(numbers)}.db'}"

    def measured(*a: Any, **kw: Any) -> dict[str, Any]:
        rec = measure(*a, **kw)
        runs.append(rec)
        return rec

    try:
        if "memory" in args.parts:
            _log("in memory")
            for n in args.sizes:
                res = {lib: measured(lib, "memory", None, f"mem-{n}", n, 1, repeats=args.repeats)
                       for lib in libs}
                ratio = _ratio(res["hyperloom"], res.get("optuna"))
                rep.rate_row(f"memory, {n:,} trials (median of {args.repeats})",
                             res["hyperloom"], res.get("optuna"), ">= 5x Optuna",
                             None if ratio is None else ratio >= 5)

        single: dict[int, dict[str, dict]] = {}
        if "sqlite" in args.parts or "procs" in args.parts:
            _log("SQLite, one process")
            peer1 = None
            if "optuna" in sql_libs:
                peer1 = measured("optuna", "sqlite", sqlite_url(), "s1", args.peer_sql_trials,
                                 1, count=True)
            sizes = list(args.sqlite_sizes) if "sqlite" in args.parts else []
            if "procs" in args.parts and 1 in args.procs and args.multi_trials not in sizes:
                sizes.append(args.multi_trials)
            for n in sizes:
                single[n] = {"hyperloom": measured("hyperloom", "sqlite", sqlite_url(), "s1", n,
                                                   1, count=True), "optuna": peer1}
            for n in (args.sqlite_sizes if "sqlite" in args.parts else []):
                ours = single[n]["hyperloom"]
                rep.rate_row(f"SQLite, 1 process, {n:,} trials {peer_note}", ours, peer1,
                             ">= 500/s", ours.get("trials_per_s", 0) >= 500)
            if "sqlite" in args.parts:
                ours = single[max(args.sqlite_sizes)]["hyperloom"]
                for key, label, limit in (
                        ("commits", "commits/trial (SQLAlchemy commit events)", 3),
                        ("sqlite_commits", "COMMITs SQLite ran/trial", 3),
                        ("statements", "SQL statements/trial (cursor executes)", None),
                        ("sqlite_ran", "statements SQLite ran/trial (incl. BEGIN/COMMIT)",
                         None)):
                    mine = ours.get("per_trial", {}).get(key)
                    theirs = (peer1 or {}).get("per_trial", {}).get(key)
                    ok = None if limit is None or mine is None else mine <= limit
                    rep.value_row(f"SQLite {label}", "-" if mine is None else f"{mine:.2f}",
                                  "-" if theirs is None else f"{theirs:.2f}",
                                  f"<= {limit}" if limit else "-", _met(ok, ours))

        if "procs" in args.parts:
            _log("SQLite, one file shared by several processes")
            n = args.multi_trials
            for k in args.procs:
                if k == 1:
                    res = single[n]
                    if "sqlite" in args.parts and n in args.sqlite_sizes:
                        continue  # the row is in the table already
                else:
                    res = {lib: measured(lib, "sqlite", sqlite_url(), "shared",
                                         n if lib == "hyperloom" else args.peer_sql_trials, k)
                           for lib in sql_libs}
                ours = res["hyperloom"]
                target, ok = ("-", None) if k != 2 else (">= 400/s",
                                                         ours.get("trials_per_s", 0) >= 400)
                rep.rate_row(f"SQLite, {k} process{'es' if k > 1 else ''}, {n:,} trials "
                             f"{peer_note}", ours, res.get("optuna"), target, ok)
            if args.locked_procs:
                k = args.locked_procs
                ours = measured("hyperloom", "sqlite", sqlite_url(), "shared", n, k)
                rep.rate_row(f"SQLite, {k} processes, {n:,} trials (hyperloom only)", ours, None,
                             f"no '{LOCKED}'", ours["database_locked"] == 0)

        if "postgres" in args.parts:
            _log("PostgreSQL, one database shared by several processes")
            try:
                if args.pg_url.lower() == "none":
                    raise RuntimeError("--pg-url none")
                pg = PgDatabases(args.pg_url)
            except Exception as exc:  # noqa: BLE001 - said in the table, not hidden
                skipped["postgres"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                rep.value_row("PostgreSQL", "not run", "not run", "-",
                              f"skipped: {skipped['postgres'][:70]}")
            if pg is not None:
                n = args.pg_trials
                prev = None
                for k in args.procs:
                    # A database per library and scenario: the libraries' index names collide.
                    res = {lib: measured(lib, "postgresql", pg.create(), "shared",
                                         n if lib == "hyperloom" else args.peer_sql_trials, k,
                                         count=(k == 1))
                           for lib in sql_libs}
                    ours = res["hyperloom"]
                    rate = ours.get("trials_per_s", 0)
                    target, ok = "-", None
                    if k == 2:
                        target, ok = ">= 200/s", rate >= 200
                    elif k > 2 and prev is not None:
                        target, ok = "grows with processes", rate > prev
                    prev = rate
                    rep.rate_row(f"PostgreSQL, {k} process{'es' if k > 1 else ''}, {n:,} trials "
                                 f"{peer_note}", ours, res.get("optuna"), target, ok)

        if "load" in args.parts:
            _log("cold load of a large SQLite study")
            rec = measure_load(args.load_trials, Path(args.cache_dir), work, runs=3)
            runs.append({"lib": "hyperloom", "backend": "sqlite", "kind": "load", **rec})
            ok = rec.get("load_s") is not None and rec["load_s"] < 2.0
            shown = (f"{rec['load_s']:.2f} s ({rec['load_cpu_s']:.2f} s CPU)"
                     if "load_s" in rec else "failed")
            rep.value_row(f"cold load of a {args.load_trials:,}-trial SQLite study (median of "
                          "3 processes)", shown, "not measured", "< 2 s", _met(ok, rec))
    finally:
        if pg is not None:
            pg.drop_all()
        shutil.rmtree(work, ignore_errors=True)
    return {"rows": rep.rows, "targets": rep.targets, "runs": runs, "skipped": skipped}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    versions = library_versions(not args.no_peer)
    t0 = time.monotonic()
    result = run(args)
    headers = list(HEADERS)
    headers[2] = f"Optuna {versions.get('optuna', '')}".strip()
    print()
    print_table(headers, result["rows"])
    print()
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the end. Random "
          "sampler; objective: x**2 of one suggest_float. Each figure from freshly spawned "
          "processes;\nseveral processes: wall time from a shared barrier to the last one done; "
          "CPU us/trial: CPU time in optimize, summed over processes (database server "
          "excluded).")
    problems = [r for r in result["runs"] if r.get("n_errors")]
    for rec in problems:
        where = f"{rec['lib']} {rec['backend']} procs={rec.get('procs', 1)}"
        first = (rec.get("errors") or ["?"])[0].strip().splitlines()
        print(f"ERRORS in {where} ({rec['n_errors']}): {first[-1] if first else '?'}")
    for lib in ("hyperloom", "optuna"):
        locked = [r for r in result["runs"] if r["lib"] == lib and r.get("database_locked")]
        if lib == "hyperloom" or locked:
            print(f"'{LOCKED}' errors that escaped {lib}: "
                  f"{sum(r['database_locked'] for r in locked)}")
    config = {k: v for k, v in vars(args).items() if k != "only"}
    config["versions"] = versions
    path = write_json("overhead", {"config": config, "elapsed_s": round(time.monotonic() - t0, 1),
                                   **result}, args.out)
    print(f"wrote {path}")
    print(reproduce_command("overhead", argv))
    return 1 if any(r["lib"] == "hyperloom" for r in problems) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Real studies for the plot tests: run with `optimize` (conditional and categorical
parameters, pruned and failed trials, two threads), a multi-objective one with constraints,
large ones written straight into the storage through its public interface, a sweep run by
`hyperloom run` (child processes) and a graph study with switches."""

from __future__ import annotations

import math
import sys
import textwrap
import warnings

import numpy as np
import pytest

import hyperloom as hl


def _objective(trial: hl.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    if act == "relu":
        trial.suggest_float("slope", 0.0, 0.3)
    if trial.number % 13 == 5:
        raise RuntimeError("diverged")
    loss = (x - 1) ** 2 + abs(math.log10(lr) + 2.5) + 0.1 * layers
    for step in range(8):
        trial.report(loss * (1 + 2 / (step + 1)), step)
        if trial.should_prune():
            raise hl.TrialPruned()
    return loss


def run_single(storage: str | None = None, n_trials: int = 60, name: str = "single",
               n_jobs: int = 1, seed: int = 0) -> hl.Study:
    study = hl.create_study(study_name=name, storage=storage,
                            sampler=hl.samplers.TPESampler(seed=seed),
                            pruner=hl.pruners.MedianPruner(n_startup_trials=5,
                                                           n_warmup_steps=2))
    with warnings.catch_warnings():  # "trial 5 failed with RuntimeError": meant to
        warnings.simplefilter("ignore", UserWarning)
        study.optimize(_objective, n_trials=n_trials, catch=(RuntimeError,), n_jobs=n_jobs,
                       executor="threads" if n_jobs > 1 else None)
    return study


def _two_objectives(trial: hl.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    trial.set_constraint([x - 0.8])  # feasible while x <= 0.8
    return x, (1 - x) ** 2 + y + (0.1 if kind == "b" else 0.0)


def run_multi(n_trials: int = 150, storage: str | None = None) -> hl.Study:
    study = hl.create_study(study_name="multi", directions=["minimize", "minimize"],
                            storage=storage, sampler=hl.samplers.RandomSampler(seed=1))
    study.optimize(_two_objectives, n_trials=n_trials)
    return study


def synthetic(n: int, seed: int = 0, value=lambda a, b, c: 4 * a + b,
              name: str = "synthetic", storage: str | None = None,
              failed_every: int = 0) -> hl.Study:
    """`n` finished trials of three uniform parameters written through the storage interface
    (fast: 100,000 trials in a few seconds), value(a, b, c) as the objective; every
    `failed_every`-th trial FAILED."""
    study = hl.create_study(study_name=name, storage=storage)
    store, sid = study.storage, study.study_id
    dists = {"a": hl.Uniform(0, 1), "b": hl.Uniform(0, 1), "c": hl.Uniform(0, 1)}
    for i, (a, b, c) in enumerate(np.random.default_rng(seed).random((n, 3))):
        tid, _ = store.create_trial(sid, params={"a": a, "b": b, "c": c}, distributions=dists)
        if failed_every and i % failed_every == 0:
            store.finish_trial(tid, hl.TrialState.FAILED, None)
        else:
            store.finish_trial(tid, hl.TrialState.COMPLETE, [float(value(a, b, c))])
    return study


@pytest.fixture(scope="session")
def single_study() -> hl.Study:
    return run_single()


@pytest.fixture(scope="session")
def multi_study() -> hl.Study:
    return run_multi()


@pytest.fixture(scope="session")
def big_study() -> hl.Study:
    return synthetic(100_000, failed_every=50)


@pytest.fixture(scope="session")
def make_single():
    """`run_single(storage=None, n_trials=60, name="single", n_jobs=1, seed=0)`."""
    return run_single


@pytest.fixture(scope="session")
def make_synthetic():
    """`synthetic(n, seed=0, value=..., name=..., storage=None, failed_every=0)`."""
    return synthetic


# A child of `hyperloom run`: reads its Gin file and prints its value (lr matters most, then
# layers, then act); lr=0.001 with two layers fails (exit 1), so one cell of the grid has no
# completed trial.
SWEEP_CHILD = textwrap.dedent("""
    import ast, math, sys
    lines = open(sys.argv[1]).read().splitlines()
    v = {k: ast.literal_eval(x) for k, x in (l.split(" = ", 1) for l in lines if " = " in l)}
    if v["lr"] == 0.001 and v["layers"] == 2:
        sys.exit(1)
    print(10 * abs(math.log10(v["lr"]) + 2) + v["layers"] + 0.3 * (v["act"] == "tanh"))
""")


@pytest.fixture(scope="session")
def sweep_study(tmp_path_factory) -> hl.Study:
    """`hyperloom run` of a 3 x 2 x 2 grid (lr, layers, act): 12 child processes, 10 complete
    and 2 failed, in SQLite."""
    from hyperloom.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweep")
    (folder / "child.py").write_text(SWEEP_CHILD)
    (folder / "grid.hyp").write_text("lr: [0.1, 0.01, 0.001]\nlayers: [1, 2]\n"
                                     "act: ['relu', 'tanh']\n")
    url = f"sqlite:///{folder / 'sweep.db'}"
    result = run_sweep(folder / "grid.hyp", [sys.executable, str(folder / "child.py"),
                                             "{config}"], storage=url, study_name="grid",
                       jobs=2, metric_from="stdout", workdir=folder / "runs", echo=None)
    assert (result.completed, result.failed) == (10, 2)
    return hl.load_study(study_name="grid", storage=url)


@pytest.fixture(scope="session")
def graph_study() -> hl.Study:
    """`graph.optimize` of a graph with a labelled switch (op: power or shift) and a list
    switch (post: as is, or shifted again), 40 random trials."""
    from hyperloom import graph

    @graph.tweaks(k=hl.IntUniform(1, 4))
    def power(x, k):
        return x ** k

    @graph.tweaks(c=hl.Uniform(0, 1))
    def shift(x, c):
        return x + c

    @graph.aggregator
    def shape():
        x = graph.input("x")
        y = graph.switch("op") << {"power": power(x=x), "shift": shift(x=x)}
        return graph.switch("post") << [y, shift(x=y)]

    _, study = graph.optimize(shape(), lambda out: -abs(out - 5), "random", n_trials=40,
                              inputs={"x": 2.0}, seed=0, return_study=True)
    return study

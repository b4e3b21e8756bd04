"""Vocabulary as types: directions are an enum that still reads as the strings users write,
every error the library raises on purpose is a HyperloomError, and "best so far", the Pareto
front and non-dominated sorting (written once in hyperloom.objectives) agree with their
definitions and with what studies report."""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperloom as hl
from hyperloom.exceptions import HyperloomError
from hyperloom.objectives import Direction, best_so_far, non_dominated_sort, pareto_front
from hyperloom.samplers import derived_seed, seeded_rng


# -- directions ------------------------------------------------------------------------------
@pytest.mark.parametrize("given_as", ["maximize", Direction.MAXIMIZE])
def test_directions_are_members_that_equal_the_strings(tmp_path, given_as):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    study = hl.create_study(storage=url, study_name="s", directions=["minimize", given_as])
    again = hl.load_study(storage=url, study_name="s")
    for directions in (study.directions, again.directions):
        assert directions == [Direction.MINIMIZE, Direction.MAXIMIZE]
        assert directions == ["minimize", "maximize"]
        assert all(isinstance(d, Direction) for d in directions)
    assert hl.create_study(direction=Direction.MAXIMIZE).direction == "maximize"


def test_directions_print_and_serialize_as_before():
    study = hl.create_study(direction="maximize")
    assert str(study.directions) == "['maximize']"
    assert f"{study.direction}" == str(study.direction) == "maximize"
    assert ",".join(study.directions) == "maximize"
    with pytest.raises(ValueError, match="'minimize' or 'maximize', got 'max'"):
        hl.create_study(direction="max")


def test_direction_picks_the_best():
    assert Direction.MINIMIZE.best([3, 1, 2]) == 1 and Direction.MAXIMIZE.best([3, 1, 2]) == 3
    assert Direction.MAXIMIZE.better(2, 1) and not Direction.MAXIMIZE.better(1, 1)
    assert Direction("minimize").sign == 1.0 and Direction("maximize").sign == -1.0


# -- errors ----------------------------------------------------------------------------------
PUBLIC_MODULES = ["hyperloom", "hyperloom.exceptions", "hyperloom.storage", "hyperloom.samplers",
                  "hyperloom.pruners", "hyperloom.study", "hyperloom.space", "hyperloom.sweep"]


def _public_error_classes() -> dict[str, type]:
    found = {}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            value = getattr(module, attr)
            if isinstance(value, type) and issubclass(value, Exception):
                found[f"{name}.{attr}"] = value
    return found


def test_every_public_error_class_is_a_hyperloom_error():
    classes = _public_error_classes()
    assert len({c for c in classes.values()}) >= 13  # the storage, sweep and study errors
    outside = [name for name, cls in classes.items() if not issubclass(cls, HyperloomError)]
    assert not outside


@pytest.mark.parametrize("error, builtin", [
    (hl.StudyNotFoundError, KeyError), (hl.TrialFinishedError, RuntimeError),
    (hl.storage.ReadOnlyStorageError, PermissionError), (hl.storage.StorageFullError, OSError),
    (hl.storage.StorageUnavailableError, ConnectionError), (hl.sweep.SweepError, ValueError),
    (hl.sweep.SweepSyntaxError, ValueError), (hl.TrialPruned, Exception),
])
def test_errors_keep_their_builtin_base(error, builtin):
    assert issubclass(error, builtin) and issubclass(error, HyperloomError)


def test_a_missing_study_is_caught_as_a_hyperloom_error():
    with pytest.raises(HyperloomError, match="nope"):
        hl.load_study(study_name="nope", storage="sqlite:///:memory:")


# -- best so far, Pareto front, non-dominated sorting -----------------------------------------
directions_st = st.sampled_from(["minimize", "maximize"])
points_st = st.integers(1, 3).flatmap(lambda m: st.tuples(
    st.lists(st.lists(st.integers(0, 4), min_size=m, max_size=m), max_size=14),
    st.lists(directions_st, min_size=m, max_size=m)))


def _dominates(a, b, directions, va=0.0, vb=0.0) -> bool:
    if va > 0 or vb > 0:  # constraint dominance
        return va <= 0 < vb or (0 < va < vb)
    pairs = [(x, y) if d == "minimize" else (-x, -y) for x, y, d in zip(a, b, directions)]
    return all(x <= y for x, y in pairs) and any(x < y for x, y in pairs)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), max_size=20),
       direction=directions_st)
@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_best_so_far_is_the_best_of_each_prefix(values, direction):
    curve = best_so_far(values, direction)
    for i, got in enumerate(curve):
        seen = [v for v in values[:i + 1] if not math.isnan(v)]
        if not seen:
            assert math.isnan(got)
        else:
            assert got == Direction(direction).best(seen)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@settings(max_examples=200, deadline=None)
@given(data=points_st, violations=st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.5]), min_size=14,
                                           max_size=14), constrained=st.booleans())
def test_non_dominated_sort_peels_fronts_by_definition(data, violations, constrained):
    points, directions = data
    viol = violations[:len(points)] if constrained else [0.0] * len(points)
    ranks = non_dominated_sort(points, directions, violation=viol if constrained else None)
    remaining, rank = set(range(len(points))), 0
    while remaining:
        front = {i for i in remaining if not any(
            _dominates(points[j], points[i], directions, viol[j], viol[i]) for j in remaining)}
        assert {i for i in range(len(points)) if ranks[i] == rank} == front
        remaining -= front
        rank += 1
    assert len(ranks) == len(points)


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
@settings(max_examples=200, deadline=None)
@given(data=points_st)
def test_pareto_front_is_the_points_nothing_dominates(data):
    points, directions = data
    front = pareto_front(points, directions).tolist()
    assert front == [i for i, p in enumerate(points)
                     if not any(_dominates(q, p, directions) for q in points)]


def test_study_best_views_agree_with_best_so_far(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    history = hl.HistoryRecorder()
    study = hl.create_study(storage=url, study_name="b", direction="maximize",
                            sampler=hl.samplers.RandomSampler(seed=3))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 3, n_trials=25,
                   callbacks=[history])
    curve = best_so_far([t.value for t in study.trials], "maximize")
    assert history.best_values == curve.tolist()
    assert study.best_value == curve[-1]
    [summary] = hl.get_all_study_summaries(url)
    assert summary.best_values == [curve[-1]]


def test_best_trials_of_a_two_objective_study_are_its_pareto_front():
    study = hl.create_study(directions=["minimize", "maximize"],
                            sampler=hl.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: (t.suggest_int("a", 0, 5), t.suggest_int("b", 0, 5)), n_trials=30)
    values = np.array([t.values for t in study.trials])
    expected = [study.trials[i].number for i in pareto_front(values, study.directions)]
    assert sorted(t.number for t in study.best_trials) == expected


# -- seeds -----------------------------------------------------------------------------------
def test_samplers_and_pruners_seed_only_through_the_seed_helper():
    root = Path(hl.__file__).parent
    sources = [*(root / "samplers").rglob("*.py"), *(root / "pruners").rglob("*.py")]
    direct = [str(p.relative_to(root)) for p in sources if p.name != "_seeding.py"
              and re.search(r"default_rng\(|SeedSequence\(|RandomState\(", p.read_text())]
    assert not direct


def test_seeded_streams_are_stable_and_distinct():
    assert derived_seed(0, 1) == 3964924996  # the streams of a seed are stable across releases
    assert seeded_rng(7, 3, 1).integers(1000) == seeded_rng(7, 3, 1).integers(1000)
    assert seeded_rng(7, 3, 1).random() != seeded_rng(7, 3, 2).random()
    generator = np.random.default_rng(0)
    assert seeded_rng(generator) is generator
    with pytest.raises(TypeError, match="seed_or_fresh"):
        seeded_rng(None, 1)

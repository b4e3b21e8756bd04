"""One log line per finished trial of `optimize` (logger "hyperloom", INFO), shown on stderr by
default, silenced by one call, seen once by a handler the user adds, never twice."""

from __future__ import annotations

import logging
import re

import pytest

import hyperloom as hl

SCRIPT = """
import logging, sys
import hyperloom as hl
{setup}
study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=4)
print("done", file=sys.stderr)
"""
LINE = re.compile(r"Trial (\d) finished with value: \S+ and parameters: \{'x': \S+\}\. "
                  r"Best is trial \d with value: \S+\.")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "finished with value" in line]


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_by_default_each_trial_prints_one_line_on_stderr(run_python):
    out = run_python(SCRIPT.format(setup=""))
    lines = _lines(out.stderr)
    assert [LINE.search(line).group(1) for line in lines] == ["0", "1", "2", "3"]
    assert out.stdout == ""


def test_one_call_silences_the_lines(run_python):
    out = run_python(SCRIPT.format(setup="hl.logging.set_verbosity(hl.logging.WARNING)"))
    assert _lines(out.stderr) == [] and out.stderr.strip() == "done"


def test_a_handler_the_user_adds_gets_each_line_once_and_stderr_none(run_python):
    setup = ("handler = logging.StreamHandler(sys.stdout)\n"
             "logging.getLogger('hyperloom').addHandler(handler)")
    out = run_python(SCRIPT.format(setup=setup))
    assert len(_lines(out.stdout)) == 4 and _lines(out.stderr) == []


def test_logging_set_up_by_the_application_shows_each_line_once(run_python):
    out = run_python(SCRIPT.format(setup="logging.basicConfig(format='app: %(message)s')"))
    lines = _lines(out.stderr)
    assert len(lines) == 4 and all(line.startswith("app: Trial") for line in lines)


def test_the_default_handler_can_be_turned_off_for_the_application_to_decide(run_python):
    out = run_python(SCRIPT.format(setup="hl.logging.disable_default_handler()"))
    assert _lines(out.stderr) == []


def test_the_best_named_in_each_line_is_the_best_so_far(caplog):
    bests = []
    study = hl.create_study(direction="maximize", sampler=hl.samplers.RandomSampler(seed=2))
    with caplog.at_level(logging.INFO, logger="hyperloom"):
        study.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=12,
                       callbacks=[lambda s, t: bests.append(s.best_trial.number)])
    named = [int(re.search(r"Best is trial (\d+)", r.getMessage()).group(1))
             for r in caplog.records if r.name == "hyperloom"]
    assert named == bests and len(set(bests)) > 1


def test_a_second_run_starts_from_the_stored_best(caplog):
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"x": 0.0})
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=1)
    study.tell(study.ask(), -5.0)  # told outside optimize: not logged, still the best
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="hyperloom"):
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=2)
    assert len(caplog.records) == 2 and all("Best is trial 1 with value: -5.0." in r.getMessage() for r in caplog.records)


def test_pruned_failed_and_multi_objective_trials_have_their_lines(caplog):
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["prune", "fail"])
        trial.report(1.5, 3)
        if kind == "prune":
            raise hl.TrialPruned()
        raise ValueError("bad input")

    study = hl.create_study(sampler=hl.samplers.GridSampler({"kind": ["prune", "fail"]}))
    with caplog.at_level(logging.INFO, logger="hyperloom"), pytest.warns(UserWarning):
        study.optimize(objective, catch=(ValueError,))
        multi = hl.create_study(directions=["minimize", "maximize"])
        multi.optimize(lambda t: (1.0, 2.0), n_trials=1)
    assert [r.getMessage() for r in caplog.records] == [
        "Trial 0 pruned at step 3.", "Trial 1 failed: ValueError: bad input",
        "Trial 0 finished with values: [1.0, 2.0] and parameters: {}."]


def test_silenced_runs_build_no_line():
    hl.logging.set_verbosity(hl.logging.WARNING)
    try:
        study = hl.create_study()
        study.optimize(lambda t: 0.0, n_trials=3)
        assert hl.logging.get_verbosity() == hl.logging.WARNING
    finally:
        hl.logging.set_verbosity(hl.logging.INFO)


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_lines_print_above_a_progress_bar_not_inside_it(run_python):
    pytest.importorskip("tqdm")
    out = run_python(SCRIPT.replace("n_trials=4)", "n_trials=4, show_progress_bar=True)")
                     .format(setup=""))
    pieces = [p for p in re.split(r"[\r\n]", out.stderr) if "finished with value" in p]
    assert len(pieces) == 4 and all(p.startswith("[I ") for p in pieces), pieces

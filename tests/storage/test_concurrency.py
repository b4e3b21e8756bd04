"""Several real processes optimizing one study: no lost, duplicated or locked-out trials."""

import subprocess
import sys
import textwrap

import pytest

import hyperloom as hl
from hyperloom.storage import TrialState

WORKER = textwrap.dedent("""
    import sys, hyperloom as hl
    url, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    study = hl.create_study(storage=url, study_name="shared", load_if_exists=True,
                            sampler=hl.samplers.RandomSampler(seed))
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        trial.set_user_attr("seed", seed)
        return x * x
    study.optimize(objective, n_trials=n)
""")


def _run_workers(url: str, n_procs: int, n_trials: int) -> None:
    hl.create_study(storage=url, study_name="shared", load_if_exists=True)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(n_trials), str(i)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(n_procs)]
    errors = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        if p.returncode != 0 or "locked" in err:
            errors.append(err)
    assert not errors, errors[0]


def _check(url: str, n_procs: int, n_trials: int) -> None:
    trials = hl.load_study(study_name="shared", storage=url).trials
    total = n_procs * n_trials
    assert [t.number for t in trials] == list(range(total))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    # Every result belongs to its own params: nothing lost, swapped or duplicated.
    assert all(t.values[0] == pytest.approx(t.params["x"] ** 2) for t in trials)
    per_worker = {}
    for t in trials:
        per_worker[t.user_attrs["seed"]] = per_worker.get(t.user_attrs["seed"], 0) + 1
    assert per_worker == {i: n_trials for i in range(n_procs)}


@pytest.mark.slow
def test_four_processes_share_one_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _run_workers(url, 4, 100)
    _check(url, 4, 100)


@pytest.mark.slow
@pytest.mark.postgres
def test_four_processes_share_one_postgresql_database(pg_url):
    _run_workers(pg_url, 4, 100)
    _check(pg_url, 4, 100)
    hl.delete_study(study_name="shared", storage=pg_url)


@pytest.mark.slow
def test_eight_processes_on_sqlite_never_see_database_locked(tmp_path):
    url = f"sqlite:///{tmp_path / 'eight.db'}"
    _run_workers(url, 8, 40)
    _check(url, 8, 40)


def test_trials_finished_out_of_order_by_another_handle_are_read_in_number_order(tmp_path):
    url = f"sqlite:///{tmp_path / 'order.db'}"
    study = hl.create_study(storage=url, study_name="s")
    other = hl.load_study(study_name="s", storage=url)  # another worker on the same file
    trials = [study.ask() for _ in range(4)]
    study.tell(trials[1], 1.0)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    for number in (0, 2, 3):
        other.tell(number, float(number))
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert [t.value for t in study.trials] == [0.0, 1.0, 2.0, 3.0]

"""Reading a study never imports or runs code named in it; user dicts come back as written.

Studies are real SQLite files (and the real PostgreSQL server), crafted the way a `.db` someone
sent could be: a stored option naming `mod:Thing`, where `mod.py` in the working folder writes
a marker file when imported.
"""

import collections
import json
import sqlite3
import subprocess
import sys

import pytest

import hyperloom as hl
from hyperloom.space import ImportRef, distribution_from_dict

SIDE_EFFECT_MODULE = """\
import pathlib
pathlib.Path(__file__).with_name("marker").write_text("imported")

class Thing:
    pass
"""


@pytest.fixture
def sent_study(tmp_path, monkeypatch):
    """A SQLite study whose one trial chose `mod:Thing`, with an importable, noisy mod.py."""
    (tmp_path / "mod.py").write_text(SIDE_EFFECT_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # so that an import would succeed
    monkeypatch.delitem(sys.modules, "mod", raising=False)
    url = _study_choosing(tmp_path, "mod:Thing")
    yield url
    assert not (tmp_path / "marker").exists(), "reading the study imported mod.py"
    assert "mod" not in sys.modules


def _study_choosing(tmp_path, path: str) -> str:
    """A finished trial that chose OrderedDict, then its stored path rewritten to `path`."""
    url = f"sqlite:///{tmp_path / 'sent.db'}"
    study = hl.create_study(storage=url, study_name="sent")
    trial = study.ask()
    trial.suggest("model", hl.Choice([collections.OrderedDict]))
    study.tell(trial, 1.0)
    _rewrite(tmp_path / "sent.db", '"collections:OrderedDict"', json.dumps(path))
    return url


def _rewrite(db, old: str, new: str) -> None:
    """Replace text in stored params and distributions, inline or in their own table."""
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        conn.execute("UPDATE hyperloom_trials SET params = replace(params, ?, ?), "
                     "distributions = replace(distributions, ?, ?)", (old, new, old, new))
        if "hyperloom_distributions" in tables:
            conn.execute("UPDATE hyperloom_distributions SET body = replace(body, ?, ?)",
                         (old, new))


def test_reading_a_sent_study_never_imports_a_module_named_in_it(sent_study):
    study = hl.load_study(study_name="sent", storage=sent_study)
    assert study.trials[0].params == {"model": {"$import": "mod:Thing"}}
    assert study.best_params == {"model": ImportRef("mod:Thing")}
    assert study.best_trial.distributions["model"] == hl.Choice([ImportRef("mod:Thing")])
    assert len(study.trials_dataframe()) == 1


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("command", ["trials", "best", "export"])
def test_the_cli_never_imports_a_module_named_in_the_database(sent_study, tmp_path, command):
    # `python -m` puts the working folder first on sys.path, as a user's shell would.
    proc = subprocess.run([sys.executable, "-m", "hyperloom.cli", command,
                           "--storage", sent_study], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "mod:Thing" in proc.stdout


def test_an_explicit_load_is_the_one_way_to_import_a_reference(sent_study, tmp_path):
    ref = hl.load_study(study_name="sent", storage=sent_study).best_params["model"]
    assert repr(ref) == "ImportRef('mod:Thing')"
    assert not (tmp_path / "marker").exists()
    assert ImportRef("collections:OrderedDict").load() is collections.OrderedDict


@pytest.mark.parametrize("path", ["no_such_module_h1:Nope", "collections:NoSuchName", ""])
def test_an_unresolvable_reference_does_not_break_reading_the_study(tmp_path, path):
    url = _study_choosing(tmp_path, path)
    study = hl.load_study(study_name="sent", storage=url)
    assert study.trials[0].params == {"model": {"$import": path}}
    assert study.best_params == {"model": ImportRef(path)}
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)  # the study goes on
    assert len(hl.load_study(study_name="sent", storage=url).trials) == 3


MARKER_LOOKALIKES = [{"$import": "os:getcwd"}, {"$literal": "x"},
                     {"type": "space", "params": {"x": {"type": "uniform", "low": 0, "high": 1}}}]


def test_a_users_dict_holding_import_key_comes_back_as_the_same_dict(storage_url):
    received = []

    def objective(trial):
        received.append(trial.suggest_categorical("opt", MARKER_LOOKALIKES))
        trial.suggest("fixed", hl.Constant({"$import": "os:getcwd"}))
        return float(len(received))

    study = hl.create_study(storage=storage_url, study_name="lookalike", load_if_exists=True)
    study.optimize(objective, n_trials=9)
    assert all(r in MARKER_LOOKALIKES for r in received)
    reread = study if storage_url is None else hl.load_study(study_name="lookalike",
                                                             storage=storage_url)
    for t in reread.trials:
        assert t.external_params["opt"] in MARKER_LOOKALIKES
        assert t.external_params["fixed"] == {"$import": "os:getcwd"}
    assert reread.best_params["opt"] == received[0]
    if storage_url is not None:
        hl.delete_study(study_name="lookalike", storage=storage_url)


def test_a_choice_of_marker_lookalikes_survives_its_json_form():
    choice = hl.Choice(MARKER_LOOKALIKES + [collections.OrderedDict])
    again = distribution_from_dict(json.loads(json.dumps(choice.to_dict())))
    assert again == choice
    assert list(again.options) == MARKER_LOOKALIKES + [ImportRef("collections:OrderedDict")]


def test_a_stored_reference_equals_the_live_option_of_the_same_path():
    live = hl.Choice([collections.OrderedDict, "plain"])
    stored = hl.Choice([ImportRef("collections:OrderedDict"), "plain"])
    assert stored == live and hash(stored) == hash(live)
    assert stored.values() == live.values()


RESUME = """
import collections, sys
import hyperloom as hl

url = sys.argv[1]
first = hl.load_study(study_name="live", storage=url)
assert first.best_params["model"] in (hl.space.ImportRef("collections:OrderedDict"),
                                      hl.space.ImportRef("collections:Counter")), first.best_params

def objective(trial):
    model = trial.suggest_categorical("model", [collections.OrderedDict, collections.Counter])
    assert model in (collections.OrderedDict, collections.Counter), model
    return trial.suggest_float("x", 0, 1) + (model is collections.Counter)

study = hl.load_study(study_name="live", storage=url,
                      sampler=hl.samplers.TPESampler(seed=0, n_startup_trials=3))
study.optimize(objective, n_trials=6)
assert study.best_params["model"] in (collections.OrderedDict, collections.Counter)
assert hl.load_study(study_name="live", storage=url).best_params["model"] \\
    is study.best_params["model"]
"""

CREATE = """
import collections, sys
import hyperloom as hl

space = hl.SearchSpace({"model": hl.Choice([collections.OrderedDict, collections.Counter]),
                        "x": hl.Uniform(0, 1)})
study = hl.create_study(study_name="live", storage=sys.argv[1])
study.optimize(lambda t: t.params["x"], n_trials=5, space=space)
assert study.best_params["model"] in (collections.OrderedDict, collections.Counter)
"""


@pytest.mark.slow
def test_a_live_objective_gets_its_classes_back_from_a_stored_study(tmp_path, run_python):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    run_python(CREATE, url)
    run_python(RESUME, url)

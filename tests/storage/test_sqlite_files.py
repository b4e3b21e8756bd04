"""SQLite specifics: user files are never damaged, schema versions, reload from a new process."""

import hashlib
import sqlite3

import pytest

import hyperloom as hl
from hyperloom.storage import SQLStorage, StorageError


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_corrupt_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 50)
    before = _digest(path)
    with pytest.raises(StorageError, match="not a readable SQLite database.*left untouched"):
        hl.create_study(storage=f"sqlite:///{path}")
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'ada')")
    con.commit()
    con.close()
    before = _digest(path)
    with pytest.raises(StorageError, match="another program.*users"):
        hl.create_study(storage=f"sqlite:///{path}")
    assert _digest(path) == before


def test_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    SQLStorage(url).close()
    con = sqlite3.connect(tmp_path / "new.db")
    con.execute("UPDATE hyperloom_meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="newer hyperloom.*upgrade"):
        SQLStorage(url)


def test_bad_urls_say_what_is_expected(tmp_path):
    with pytest.raises(StorageError, match="expected sqlite:///"):
        hl.create_study(storage="mysql://nobody@host/db")
    with pytest.raises(StorageError, match="does not exist"):
        hl.create_study(storage=f"sqlite:///{tmp_path}/missing/dir/x.db")


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_200_trials_reload_identically_in_a_second_process(tmp_path, run_python):
    url = f"sqlite:///{tmp_path / 'reload.db'}"
    study = hl.create_study(storage=url, study_name="r", sampler=hl.samplers.RandomSampler(1))

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        k = trial.suggest_categorical("k", ["a", "b", "c"])
        n = trial.suggest_int("n", 1, 64, log=True)
        trial.report(x, 0)
        trial.set_user_attr("label", f"{k}{n}")
        if n > 60:
            raise hl.TrialPruned()
        return x * x + n

    study.optimize(objective, n_trials=200)
    expected = [(t.number, t.state.name, t.values, t.params, t.intermediate_values,
                 t.user_attrs, t.datetime_start, t.datetime_complete) for t in study.trials]
    out = run_python("""
        import json, sys, hyperloom as hl
        s = hl.load_study(study_name="r", storage=sys.argv[1])
        print(json.dumps([(t.number, t.state.name, t.values, t.params,
                           {str(k): v for k, v in t.intermediate_values.items()},
                           t.user_attrs, t.datetime_start, t.datetime_complete)
                          for t in s.trials]))
    """, url)
    import json

    got = json.loads(out.stdout)
    assert len(got) == 200
    for e, g in zip(expected, got):
        assert g[:4] == [e[0], e[1], e[2], e[3]]
        assert {int(k): v for k, v in g[4].items()} == e[4]
        assert g[5:] == [e[5], e[6], e[7]]

"""Storages store and read only what they must: each distinct distribution once per study, an
older database upgraded in place, and `hyperloom trials --limit N` reading N rows."""

import sqlite3
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import hyperloom as hl
from hyperloom.cli import main
from hyperloom.storage import SQLStorage, TrialState

BIG_OPTION = "w" * 1_000_000  # a 1 MB option, e.g. a vocabulary or a serialized config


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'f.db'}"
    return request.getfixturevalue("pg_url")


def _count(url: str, sql: str, **params) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql), params).scalar_one()
    engine.dispose()
    return int(value)


def _stored_bytes(url: str, study_id: int) -> int:
    """Bytes of distribution JSON stored for a study, wherever it is kept."""
    return sum(_count(url, f"SELECT coalesce(sum(length({col})), 0) FROM {table} "
                      "WHERE study_id = :s", s=study_id)
               for table, col in [("hyperloom_trials", "distributions"),
                                  ("hyperloom_distributions", "body")])


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_1mb_choice_option_is_stored_once_per_study_not_once_per_trial(sql_url):
    study = hl.create_study(storage=sql_url, study_name="big-choice",
                            sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: len(t.suggest_categorical("vocab", [BIG_OPTION, "small"]))
                   + t.suggest_float("x", 0, 1), n_trials=20)
    sid = study.storage.get_study_id("big-choice")
    assert _stored_bytes(sql_url, sid) < 1.1e6  # was 20 MB: one copy per trial
    reread = hl.load_study(study_name="big-choice", storage=sql_url).trials
    assert len(reread) == 20
    assert all(t.distributions["vocab"] == hl.Choice([BIG_OPTION, "small"]) for t in reread)
    assert [t.params for t in reread] == [t.params for t in study.trials]
    hl.delete_study(study_name="big-choice", storage=sql_url)
    assert _stored_bytes(sql_url, sid) == 0  # the study's distributions go with it


SCHEMA_1 = """
CREATE TABLE hyperloom_meta ("key" VARCHAR(64) NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY ("key"));
CREATE TABLE hyperloom_studies (study_id INTEGER NOT NULL, name VARCHAR(512) NOT NULL,
    directions TEXT NOT NULL, next_number INTEGER NOT NULL, user_attrs TEXT NOT NULL,
    system_attrs TEXT NOT NULL, created_at FLOAT NOT NULL, PRIMARY KEY (study_id), UNIQUE (name));
CREATE TABLE hyperloom_trials (trial_id INTEGER NOT NULL, study_id INTEGER NOT NULL,
    number INTEGER NOT NULL, state SMALLINT NOT NULL, values_json TEXT, params TEXT NOT NULL,
    distributions TEXT NOT NULL, intermediate TEXT NOT NULL, user_attrs TEXT NOT NULL,
    system_attrs TEXT NOT NULL, datetime_start FLOAT, datetime_complete FLOAT, heartbeat FLOAT,
    PRIMARY KEY (trial_id), CONSTRAINT uq_hyperloom_trial_number UNIQUE (study_id, number),
    FOREIGN KEY(study_id) REFERENCES hyperloom_studies (study_id));
CREATE INDEX ix_hyperloom_trials_study_id ON hyperloom_trials (study_id, trial_id);
CREATE INDEX ix_hyperloom_trials_study_state ON hyperloom_trials (study_id, state);
CREATE TABLE hyperloom_claims (study_id INTEGER NOT NULL, "key" VARCHAR(255) NOT NULL,
    PRIMARY KEY (study_id, "key"), FOREIGN KEY(study_id) REFERENCES hyperloom_studies (study_id));
INSERT INTO hyperloom_meta VALUES ('schema_version', '1');
INSERT INTO hyperloom_studies VALUES (1, 'old', '["minimize"]', 2, '{}', '{}', 1.0);
INSERT INTO hyperloom_trials VALUES (1, 1, 0, 1, '[0.25]', '{"x":0.5,"act":"relu"}',
    '{"x":{"type":"uniform","low":0,"high":1},"act":{"type":"choice","options":["relu","tanh"]}}',
    '{"0":0.7}', '{"note":"kept"}', '{}', 1.0, 2.0, NULL);
INSERT INTO hyperloom_trials VALUES (2, 1, 1, 0, NULL, '{"x":0.1}',
    '{"x":{"type":"uniform","low":0,"high":1}}', '{}', '{}', '{}', 3.0, NULL, NULL);
"""


def _schema_1_file(tmp_path) -> str:
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as conn:  # the layout hyperloom wrote before version 2
        conn.executescript(SCHEMA_1)
    conn.close()
    return str(path)


def test_a_schema_1_database_is_upgraded_in_place_and_keeps_reading_its_trials(tmp_path):
    path = _schema_1_file(tmp_path)
    storage = SQLStorage(f"sqlite:///{path}")
    sid = storage.get_study_id("old")
    old, running = storage.get_trials(sid)
    assert old.values == [0.25] and old.params == {"x": 0.5, "act": "relu"}
    assert old.distributions == {"x": hl.Uniform(0, 1), "act": hl.Choice(["relu", "tanh"])}
    assert old.intermediate_values == {0: 0.7} and old.user_attrs == {"note": "kept"}
    # the running trial of the old layout goes on: its new parameter is stored the new way
    storage.set_trial_params(running.trial_id, {"n": 3}, {"n": hl.IntUniform(1, 4)})
    storage.finish_trial(running.trial_id, TrialState.COMPLETE, [0.5])
    study = hl.load_study(study_name="old", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    storage.close()
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM hyperloom_meta").fetchone()[0]
        n_stored = conn.execute("SELECT count(*) FROM hyperloom_distributions").fetchone()[0]
    conn.close()
    assert version == "2" and n_stored == 2  # x and n, each once
    reopened = SQLStorage(f"sqlite:///{path}").get_trials(sid)
    assert reopened[0] == old
    assert reopened[1].distributions == {"x": hl.Uniform(0, 1), "n": hl.IntUniform(1, 4)}
    assert [t.params["x"] for t in reopened] == [t.params["x"] for t in study.trials]


def test_a_schema_1_database_opened_read_only_is_read_without_upgrading(tmp_path):
    path = _schema_1_file(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")  # as hyperloom leaves its files
    conn.close()

    def read_only():
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    storage = SQLStorage(f"sqlite:///{path}", engine_kwargs={"creator": read_only})
    trials = storage.get_trials(storage.get_study_id("old"))
    assert [t.params["x"] for t in trials] == [0.5, 0.1]
    assert trials[0].distributions["act"] == hl.Choice(["relu", "tanh"])
    storage.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM hyperloom_meta").fetchone()[0] == "1"
    conn.close()


def _study_of_100k_trials(path) -> str:
    """A 100,000-trial study, written by the storage once and copied by bulk insert."""
    url = f"sqlite:///{path}"
    storage = SQLStorage(url)
    sid = storage.create_study("big", ["minimize"])
    tid, _ = storage.create_trial(sid, params={"x": 0.0}, distributions={"x": hl.Uniform(0, 1)})
    storage.finish_trial(tid, TrialState.COMPLETE, [0.0])
    storage.close()
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT distributions, datetime_start FROM hyperloom_trials").fetchone()
        conn.executemany(
            "INSERT INTO hyperloom_trials (study_id, number, state, values_json, params, "
            "distributions, intermediate, user_attrs, system_attrs, datetime_start, "
            "datetime_complete) VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', '{}', ?, ?)",
            ((sid, n, 1 if n % 10 else 3, f"[{n}]" if n % 10 else None, f'{{"x":{n}}}',
              row[0], row[1], row[1]) for n in range(1, 100_000)))
        conn.execute("UPDATE hyperloom_studies SET next_number = 100000")
    conn.close()
    return url


@pytest.mark.timed
@pytest.mark.slow
def test_trials_limit_on_a_100k_trial_study_reads_only_the_rows_it_shows(tmp_path):
    url = _study_of_100k_trials(tmp_path / "big.db")
    runner = CliRunner()
    started = time.perf_counter()
    shown = runner.invoke(main, ["trials", "--storage", url, "--limit", "5"])
    elapsed = time.perf_counter() - started
    assert shown.exit_code == 0, shown.output
    assert [line.split()[0] for line in shown.stdout.splitlines()] == \
        ["99995", "99996", "99997", "99998", "99999"]
    assert "the last 5 of 100000 trials" in shown.stderr
    assert elapsed < 0.5, f"--limit 5 took {elapsed:.2f} s (reading all trials takes seconds)"
    failed = runner.invoke(main, ["trials", "--storage", url, "--state", "failed", "--limit", "2"])
    assert [line.split()[:2] for line in failed.stdout.splitlines()] == \
        [["99980", "FAILED"], ["99990", "FAILED"]]


def test_writers_racing_to_store_the_same_new_distribution_store_it_once(sql_url):
    import threading

    storages = [SQLStorage(sql_url) for _ in range(6)]  # each with its own connections, cache
    sid = storages[0].create_study("race", ["minimize"])
    dist = {"opt": hl.Choice(["adam", "sgd", "rmsprop"])}
    start, errors = threading.Barrier(len(storages)), []

    def write(storage):
        start.wait()
        try:
            tid, _ = storage.create_trial(sid, params={"opt": "sgd"}, distributions=dist)
            storage.finish_trial(tid, TrialState.COMPLETE, [1.0])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=write, args=(s,)) for s in storages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    trials = SQLStorage(sql_url).get_trials(sid)
    assert len(trials) == 6 and all(t.distributions == dist for t in trials)
    assert _count(sql_url, "SELECT count(*) FROM hyperloom_distributions WHERE study_id = :s",
                  s=sid) == 1
    for s in storages:
        s.close()


def test_an_altered_distribution_row_is_one_clear_error_and_the_file_is_untouched(tmp_path):
    path = tmp_path / "sent.db"
    study = hl.create_study(storage=f"sqlite:///{path}", study_name="s")
    study.optimize(lambda t: t.suggest_categorical("c", ["a", "b"]) == "a", n_trials=2)
    del study
    with sqlite3.connect(path) as db:  # options that no Choice can have: duplicates
        db.execute("UPDATE hyperloom_distributions SET body = "
                   "'{\"type\":\"choice\",\"options\":[1,1]}'")
    before = path.read_bytes()
    with pytest.raises(hl.storage.CorruptStorageError, match="distribution .* cannot be read"):
        _ = hl.load_study(study_name="s", storage=f"sqlite:///{path}").trials
    assert path.read_bytes() == before

"""Trial records cannot be changed by accident, and attributes are stored, refused and read
back the same way on every storage (memory, an SQLite file, PostgreSQL)."""

import copy
import json
import pickle

import pytest

import hyperloom as hl
from hyperloom.storage import InMemoryStorage, SQLStorage, TrialState


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    if request.param == "memory":
        yield InMemoryStorage()
        return
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_url")
    s = SQLStorage(url)
    yield s
    for summary in s.list_studies():
        s.delete_study(summary.study_id)
    s.close()


def _finished_study(storage, name="records"):
    study = hl.create_study(storage=storage, study_name=name,
                            sampler=hl.samplers.RandomSampler(seed=0))

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        trial.suggest_categorical("act", ["relu", "tanh"])
        trial.report(x, 0)
        trial.set_user_attr("history", [1, 2])
        return x ** 2
    study.optimize(objective, n_trials=3)
    return study


def test_changing_a_read_record_is_refused_and_best_value_stays_as_stored(storage):
    study = _finished_study(storage)
    best, record = study.best_value, study.trials[0]
    changes = [
        lambda: record.values.__setitem__(0, -1e9),
        lambda: record.values.append(-1e9),
        lambda: record.params.__setitem__("x", 5.0),
        lambda: record.params.update(x=5.0),
        lambda: record.distributions.pop("x"),
        lambda: record.intermediate_values.__setitem__(1, 0.0),
        lambda: record.user_attrs.__setitem__("k", 1),
        lambda: record.user_attrs["history"].append(3),  # nested values too
        lambda: record.system_attrs.clear(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match="read-only"):
            change()
    for name, value in [("values", [-1e9]), ("state", TrialState.FAILED), ("params", {})]:
        with pytest.raises(AttributeError, match="read-only"):
            setattr(record, name, value)
    assert study.best_value == best
    assert study.trials[0] == record and study.trials[0].user_attrs["history"] == [1, 2]


def test_a_running_trials_record_is_read_only_too(storage):
    sid = storage.create_study("running", ["minimize"])
    tid, _ = storage.create_trial(sid, params={"x": 0.5}, distributions={"x": hl.Uniform(0, 1)})
    running = storage.get_trial(tid)
    with pytest.raises(TypeError, match="read-only"):
        running.params["x"] = 0.9
    storage.set_trial_params(tid, {"y": 1.0}, {"y": hl.Uniform(0, 2)})
    assert storage.get_trial(tid).params == {"x": 0.5, "y": 1.0}
    assert running.params == {"x": 0.5}  # a snapshot: later writes do not reach it


def test_records_compare_encode_copy_and_pickle_like_plain_lists_and_dicts(storage):
    record = _finished_study(storage).trials[0]
    assert record.values == [record.value] and isinstance(record.params, dict)
    assert json.loads(json.dumps(record.params)) == record.params
    mutable = dict(record.params)
    mutable["x"] = 2.0  # a copy is an ordinary dict
    assert record.params["x"] != 2.0
    for clone in (pickle.loads(pickle.dumps(record)), copy.deepcopy(record)):
        assert clone == record
        with pytest.raises(TypeError, match="read-only"):
            clone.values[0] = 0.0


@pytest.mark.parametrize("bad, needle", [
    (object(), "object"),
    ({"a": {1, 2}}, "dict"),
    (float, "type"),
])
def test_a_non_json_attribute_is_refused_with_one_line_before_anything_is_stored(
        storage, bad, needle):
    study = hl.create_study(storage=storage, study_name="attrs")
    trial = study.ask()
    for set_attr in (study.set_user_attr, trial.set_user_attr):
        with pytest.raises(TypeError) as info:
            set_attr("model", bad)
        message = str(info.value)
        assert "'model'" in message and needle in message and "JSON" in message
        assert "\n" not in message
    sid = storage.get_study_id("attrs")
    with pytest.raises(TypeError, match="attribute 'model'"):
        storage.set_trial_attr(trial.trial_id, "model", bad, system=True)
    assert storage.get_study_attrs(sid) == {}
    assert storage.get_trial(trial.trial_id).user_attrs == {}
    assert storage.get_trial(trial.trial_id).system_attrs == {}


def test_an_attribute_key_that_is_not_a_string_is_refused_on_every_storage(storage):
    study = hl.create_study(storage=storage, study_name="keys")
    with pytest.raises(TypeError, match="attribute key 3 is a int; attribute keys must be"):
        study.set_user_attr(3, "x")
    assert study.user_attrs == {}


ATTRS = {"pair": (1, 2), "nested": {"t": (3, (4, 5))}, "by_int": {1: "a"}, "nan": None,
         "text": "é", "big": 2 ** 62}
READ_BACK = {"pair": [1, 2], "nested": {"t": [3, [4, 5]]}, "by_int": {"1": "a"}, "nan": None,
             "text": "é", "big": 2 ** 62}


def test_attributes_read_back_identically_on_every_storage_tuples_as_lists(storage):
    sid = storage.create_study("same", ["minimize"])
    tid, _ = storage.create_trial(sid, system_attrs={"fixed_params": {"p": (1, 2)}})
    for key, value in ATTRS.items():
        storage.set_study_attr(sid, key, value)
        storage.set_trial_attr(tid, key, value)
    storage.finish_trial(tid, TrialState.COMPLETE, [0.0])
    assert storage.get_study_attrs(sid) == READ_BACK
    record = storage.get_trials(sid)[0]
    assert record.user_attrs == READ_BACK
    assert record.system_attrs == {"fixed_params": {"p": [1, 2]}}
    assert type(record.user_attrs["pair"]) is not tuple

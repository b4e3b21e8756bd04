"""`hyperloom run` on an error of its own (the storage failing mid-run): the error goes up at
once, and the configs still running are stopped and FAILED instead of running to their end."""

from __future__ import annotations

import sys
import time

import pytest

import hyperloom as hl
from hyperloom.storage import StorageError
from hyperloom.sweep import run_sweep

# x = 2 sleeps a minute; x = 1 reports once x = 2 has started.
CHILD = """
import os, sys, time
x = float(open(sys.argv[1]).read().split("x = ")[1].split()[0])
if x > 1:
    print("sleeping", flush=True)
    open("asleep", "w").close()
    time.sleep(60)
while not os.path.exists("asleep"):
    time.sleep(0.02)
print(x)
"""


def test_an_error_telling_a_result_stops_the_other_children_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.py").write_text(CHILD)
    (tmp_path / "s.hyp").write_text("x: [1, 2]\n")
    real_tell, calls = hl.Study.tell, []

    def tell_fails_once(self, trial, values=None, **kwargs):
        calls.append(values)
        if len(calls) == 1:
            raise StorageError("the database went away")
        return real_tell(self, trial, values, **kwargs)

    monkeypatch.setattr(hl.Study, "tell", tell_fails_once)
    db = f"sqlite:///{tmp_path / 'h.db'}"
    started = time.monotonic()
    with pytest.raises(StorageError, match="went away"):
        run_sweep("s.hyp", [sys.executable, "child.py", "{config}"], storage=db, jobs=2,
                  metric_from="stdout", echo=None)
    assert time.monotonic() - started < 30  # the sleeping config did not run its 60 s
    trials = {t.params["x"]: t for t in hl.load_study(study_name="s", storage=db).trials}
    assert trials[1].state == hl.TrialState.RUNNING  # the tell that failed
    assert trials[2].state == hl.TrialState.FAILED
    assert trials[2].user_attrs["fail_reason"] == "the runner stopped on an error"
    assert "sleeping" in trials[2].user_attrs["log_tail"]

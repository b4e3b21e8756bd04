"""The overhead benchmark's smallest parts run, count our commits, and write their JSON."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "overhead.py"


@pytest.mark.slow
def test_overhead_quick_parts_write_json_and_commit_at_most_three_times(tmp_path: Path) -> None:
    # Optuna comes with the `bench` extra; without it the benchmark measures hyperloom alone.
    peer = importlib.util.find_spec("optuna") is not None
    cmd = [sys.executable, str(SCRIPT), "--quick", "--only", "memory,sqlite", "--sizes", "1000",
           "--sqlite-sizes", "300", "--repeats", "1", "--peer-sql-trials", "20",
           "--out", str(tmp_path)]
    if not peer:
        cmd.append("--no-peer")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr

    assert "reproduce: ./run bench overhead" in done.stdout
    assert "memory, 1,000 trials" in done.stdout and "SQLite, 1 process, 300 trials" in done.stdout
    data = json.loads((tmp_path / "overhead.json").read_text())
    assert data["benchmark"] == "overhead" and data["machine"]["cpu_count"] >= 1

    runs = {(r["lib"], r["backend"]): r for r in data["runs"]}
    ours = runs[("hyperloom", "sqlite")]
    assert ours["n_errors"] == 0 and ours["database_locked"] == 0
    assert ours["states"] == {"COMPLETE": 300}
    assert ours["trials_per_s"] > 0
    # Counted through SQLAlchemy events and SQLite's own trace: both must agree on <= 3.
    assert 1 <= ours["per_trial"]["commits"] <= 3
    assert 1 <= ours["per_trial"]["sqlite_commits"] <= 3
    assert runs[("hyperloom", "memory")]["trials"] == 1000
    if peer:
        theirs = runs[("optuna", "sqlite")]
        assert theirs["n_errors"] == 0 and theirs["per_trial"]["commits"] >= 1
        assert runs[("optuna", "memory")]["trials_per_s"] > 0
        assert any(t["ratio"] for t in data["targets"] if t["scenario"].startswith("memory"))

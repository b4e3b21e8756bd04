"""The parallel benchmark's cheapest part runs (define-by-run calls timed in a worker process
and in-process), prints its table and writes its JSON; a part it does not know is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "parallel.py"


@pytest.mark.slow
def test_parallel_quick_channel_part_times_calls_in_a_worker_process(tmp_path: Path) -> None:
    cmd = [sys.executable, str(SCRIPT), "--quick", "--parts", "channel", "--no-dask-channel",
           "--no-peer", "--channel-calls", "5", "--out", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr

    assert "reproduce: ./run bench parallel --quick --parts channel" in done.stdout
    assert "objective worker process: ms per call of suggest_float | report" in done.stdout
    data = json.loads((tmp_path / "parallel.json").read_text())
    assert data["benchmark"] == "parallel" and data["machine"]["cpu_count"] >= 1
    channel = data["parts"]["channel"]
    assert set(channel) >= {"in process", "worker process"}
    remote, local = channel["worker process"], channel["in process"]
    # Every call from a worker process is a round trip to the coordinator: it costs more than
    # the same call answered in the coordinator's own process, and it is measured (not 0).
    assert min(remote["suggest_ms"]) > 0 and min(remote["report_ms"]) > 0
    assert min(remote["suggest_ms"]) > max(local["suggest_ms"])


@pytest.mark.slow
def test_parallel_refuses_an_unknown_part(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--parts", "cpu,gpu", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown ['gpu']" in done.stderr and "cpu,dask,channel,postgres,sim" in done.stderr
    assert not (tmp_path / "parallel.json").exists()

"""docs/scale.md, run as written: each step's commands, the multi-machine ones on localhost
(a real `dask scheduler` and `dask worker`s, real `hyperloom worker`s on PostgreSQL)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import hyperloom as hl
from hyperloom import TrialState

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale.md"
_BLOCK = re.compile(r"(?:<!-- file: (\S+) -->\n)?```(python|bash)\n(.*?)```", re.S)
BIN = str(Path(sys.executable).parent)

pytestmark = pytest.mark.slow  # worker processes, clusters and databases take seconds


def _steps(text: str) -> dict[str, list[tuple[str, str, str | None]]]:
    """The (kind, code, file name) blocks of each "## " section, keyed by its title."""
    sections = {}
    for part in ("\n" + text).split("\n## ")[1:]:
        title, _, body = part.partition("\n")
        sections[title] = [(kind, code, name) for name, kind, code in _BLOCK.findall(body)]
    return sections


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def doc(tmp_path):
    """The doc's sections, with the objective file written into a fresh folder."""
    def load(replacements: dict[str, str] | None = None):
        text = DOC.read_text()
        for old, new in (replacements or {}).items():
            text = text.replace(old, new)
        top = _BLOCK.search(text)
        assert top and top.group(1) == "tune_objective.py"
        (tmp_path / "tune_objective.py").write_text(top.group(3))
        return _steps(text)
    return load


def _env() -> dict[str, str]:
    return dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])


def _run_python(tmp_path, code: str, name: str) -> str:
    script = tmp_path / name
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_env(),
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _best_line(stdout: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith("best"))
    return eval(line.removeprefix("best"), {})  # a dict literal printed by the example


def test_step_1_worker_processes(doc, tmp_path):
    [(kind, code, _)] = doc()["Step 1: several processes on one machine"]
    assert kind == "python" and "n_jobs=2" in code
    best = _best_line(_run_python(tmp_path, code, "step1.py"))
    assert set(best) == {"n", "c"}


def test_step_2_a_dask_local_cluster(doc, tmp_path):
    [(kind, code, _)] = doc()["Step 2: a Dask cluster on this machine"]
    assert kind == "python" and "DaskExecutor(client)" in code
    assert set(_best_line(_run_python(tmp_path, code, "step2.py"))) == {"n", "c"}


def test_step_3_a_dask_scheduler_and_workers_started_from_the_shell(doc, tmp_path):
    port = str(_free_port())
    blocks = doc({"8786": port})["Step 3: a Dask scheduler and workers on several machines"]
    (shell, start, _), (python, code, _) = blocks
    assert (shell, python) == ("bash", "python")
    cluster = subprocess.Popen(["bash", "-c", start], cwd=tmp_path, env=_env(),
                               start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        assert set(_best_line(_run_python(tmp_path, code, "step3.py"))) == {"n", "c"}
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        time.sleep(0.5)
        try:
            os.killpg(cluster.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.postgres
def test_step_4_hyperloom_workers_on_postgresql(doc, tmp_path, pg_url):
    name = f"cluster-demo-{uuid.uuid4().hex[:8]}"
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    blocks = doc({"cluster-demo": name, url: pg_url})["Step 4: `hyperloom worker`s sharing a PostgreSQL study"]
    (python, create, _), (shell, start, _) = blocks
    assert (python, shell) == ("python", "bash")
    _run_python(tmp_path, create, "create.py")
    out = subprocess.run(["bash", "-c", start], cwd=tmp_path, env=_env(), capture_output=True,
                         text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stderr.count("worker done:") == 2
    study = hl.load_study(study_name=name, storage=pg_url)
    try:
        states = [t.state for t in study.trials]
        assert states.count(TrialState.COMPLETE) == 20 and TrialState.RUNNING not in states
        assert study.heartbeat_interval == 5 and study.retry_failed == 2
    finally:
        hl.delete_study(study_name=name, storage=pg_url)

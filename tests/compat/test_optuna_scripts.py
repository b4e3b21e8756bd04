"""Optuna scripts of our own, one per kind of script Optuna users write (the 17 kinds issue 14
lists), each run in a fresh process with only `import hyperloom.compat.optuna as optuna` at
the top. Each script asserts its own results and prints "ok"; the same file run with
`import optuna` instead shows it is a real Optuna 5 script."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).parent / "optuna_scripts").glob("*.py"))
COMPAT_IMPORT = "import hyperloom.compat.optuna as optuna"
NEEDS_VIZ = {"importance"}  # computed by hyperloom.viz


def _run(source: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, env=env)


def test_there_is_a_script_for_each_of_the_17_kinds():
    assert len(SCRIPTS) == 17
    assert all(p.read_text().splitlines()[0] == COMPAT_IMPORT for p in SCRIPTS)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_an_optuna_script_runs_unchanged_on_hyperloom(script, tmp_path):
    if script.stem in NEEDS_VIZ and importlib.util.find_spec("hyperloom.viz") is None:
        pytest.skip("optuna.importance needs hyperloom.viz, which is not in this tree yet")
    done = _run(script.read_text(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("ok")


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_the_script_is_a_real_optuna_script(script, tmp_path):
    pytest.importorskip("optuna")
    source = script.read_text().replace(COMPAT_IMPORT, "import optuna", 1)
    done = _run(source, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("ok")

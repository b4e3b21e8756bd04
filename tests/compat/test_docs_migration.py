"""docs/migration.md's code runs as written, and does what its text says."""

import logging
from pathlib import Path

import pytest

from docs import python_blocks

pytestmark = pytest.mark.slow  # docs run as written: in ./run test, not the fast tier

DOC = Path(__file__).resolve().parents[2] / "docs" / "migration.md"


@pytest.fixture
def logger_restored():
    """The blocks add a handler to the "hyperloom" logger and change its level: undo it."""
    logger = logging.getLogger("hyperloom")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_every_python_block_runs_in_order_and_says_what_the_text_says(logger_restored):
    pytest.importorskip("optuna")
    pytest.importorskip("hyperopt")
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 4
    namespaces = []
    for block in blocks:
        namespace: dict = {"__name__": "migration_doc"}
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
        namespaces.append(namespace)
    compat, logged, imported, hyperopt = namespaces
    assert len(compat["study"].trials) == 30
    assert logged["lines"].getvalue().splitlines()[-1].startswith("Trial 2 finished with value")
    assert imported["ours"].best_trial.distributions["n"].log
    study, space = hyperopt["study"], hyperopt["space"]
    assert study.best_params["model"] in (0, 1)  # hyperopt's vals: the option's index
    best = hyperopt["space_eval"](space, study.best_params)
    assert best["model"]["kind"] == ["svm", "forest"][study.best_params["model"]]
    assert study.best_value < 1.0

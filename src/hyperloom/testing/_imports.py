"""hypothesis and pytest are test tools, not dependencies of hyperloom: imported on first use."""

from __future__ import annotations

import importlib
from typing import Any


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"hyperloom.testing needs {module.split('.')[0]}: "
                          "pip install 'hyperloom[dev]'") from exc


def hypothesis_strategies() -> Any:
    return _require("hypothesis.strategies")


def hypothesis() -> Any:
    return _require("hypothesis")


def pytest() -> Any:
    return _require("pytest")

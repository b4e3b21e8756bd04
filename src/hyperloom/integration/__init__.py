"""Integrations with other libraries: scikit-learn (`SearchCV`), PyTorch (`TrialReporter`) and
Keras (`KerasPruningCallback`); each loads its library only when its name is first used."""

import importlib
from typing import Any

# Public name -> private module that defines it (imported on first access).
_LAZY_NAMES = {
    "SearchCV": "._sklearn",
    "TrialReporter": "._torch",
    "KerasPruningCallback": "._keras",
}

__all__ = sorted(_LAZY_NAMES)


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name], __name__), name)
    raise AttributeError(f"module 'hyperloom.integration' has no attribute {name!r}")

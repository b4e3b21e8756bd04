"""Optional dependencies of the plots, imported where first used: `import hyperloom.viz` costs
no plotly, matplotlib or scikit-learn, and a missing one names the command that installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..exceptions import HyperloomError

_INSTALL = "pip install 'hyperloom[viz]'"


class MissingDependencyError(HyperloomError, ImportError):
    """An optional package that a plot, the importance or the dashboard needs is missing."""


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` or raise an error that says what needed it and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(f"{purpose} needs {top}, which is not installed ({exc}): "
                                     f"{_INSTALL}") from None


def check_backend(backend: str) -> str:
    """`backend` if it is one this package draws with; a ValueError naming both otherwise."""
    if backend not in ("plotly", "matplotlib"):
        raise ValueError(f"backend must be 'plotly' (interactive) or 'matplotlib' (PNG/SVG), "
                         f"got {backend!r}")
    return backend

"""What hypergradients raise or warn about when an answer would be wrong."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from hyperloom.exceptions import HyperloomError


class HypergradientError(HyperloomError, ValueError):
    """A hypergradient cannot be trusted or used (NaN from a diverged run, an unsupported layer)."""


class NotAMinimumWarning(UserWarning):
    """``Implicit`` was asked for the hypergradient at params that do not minimize the inner loss:
    the implicit-function formula then gives a different (often useless) number."""


class DefaultUsedWarning(UserWarning):
    """``hypergradient()`` filled in a method or inner optimizer the caller did not choose."""


def warn(message: str, category: type[Warning]) -> None:
    """Warn at the first caller outside this package, so the warning names the user's line."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ) == here:
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


@contextmanager
def transformed(what: str, fix: str) -> Iterator[None]:
    """Turn torch.func's error about in-place changes inside a transformed function
    (BatchNorm's running statistics in training mode) into one that names the cause and
    ``fix``, the way around it."""
    try:
        yield
    except RuntimeError as exc:
        if "in-place operation" not in str(exc) and "mutate a captured" not in str(exc):
            raise
        raise HypergradientError(
            f"{what} runs the inner step inside torch.func (vmap/vjp/jvp), which cannot run a "
            "loss that changes a tensor in place, such as BatchNorm's running statistics in "
            f"training mode; {fix}, or build the layer with track_running_stats=False, or put "
            "it in eval mode"
        ) from exc

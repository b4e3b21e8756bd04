"""Small helpers shared by storages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..objectives import Direction
from ._codec import dumps
from ._frozen import FrozenTrial, TrialState


def best_values_of(trials: Sequence[FrozenTrial], directions: list[str]) -> list[float] | None:
    """Best value of a single-objective study (as a one-element list), else None."""
    if len(directions) != 1:
        return None
    done = [t.values[0] for t in trials if t.state == TrialState.COMPLETE and t.values]
    if not done:
        return None
    return [Direction(directions[0]).best(done)]


def attr_json(key: Any, value: Any) -> str:
    """The JSON text of an attribute, checked before anything is stored so that every storage
    refuses the same keys and values with the same message (tuples read back as lists)."""
    if not isinstance(key, str):
        raise TypeError(f"attribute key {key!r} is a {type(key).__name__}; attribute keys "
                        "must be strings")
    try:
        return dumps(value)
    except (TypeError, ValueError):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise TypeError(f"attribute {key!r}: {shown} ({type(value).__name__}) is not "
                        "JSON-serializable; store numbers, strings, lists or dicts of them "
                        "(e.g. str(value), or value.tolist() for arrays)") from None


def attrs_json(attrs: dict[str, Any] | None) -> str:
    """The JSON text of a dict of attributes, each checked as by `attr_json`."""
    for key, value in (attrs or {}).items():
        attr_json(key, value)
    return dumps(attrs or {})

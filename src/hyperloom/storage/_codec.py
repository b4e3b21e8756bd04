"""JSON encoding of trial fields for the SQL storage, decoding whole columns at once so that
loading 100,000 trials stays fast (distributions: see _distribution_table.py)."""

from __future__ import annotations

import json
from typing import Any

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


def dumps(value: Any) -> str:
    return _dumps(value)


def loads(text: str | None) -> Any:
    return None if text is None else _loads(text)


def loads_column(texts: list[str | None]) -> list[Any]:
    """Decode many JSON texts with one parser call (several times faster than one call each)."""
    return _loads("[" + ",".join("null" if t is None else t for t in texts) + "]")


def decode_intermediate(text: str) -> dict[int, float]:
    if text == "{}":
        return {}
    return {int(k): v for k, v in _loads(text).items()}

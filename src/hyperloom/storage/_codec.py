"""JSON encoding of trial fields for the SQL storage, with memoization of the parts that
repeat from trial to trial (distributions), so that loading 100,000 trials stays fast."""

from __future__ import annotations

import json
from typing import Any

from ..space import Distribution, distribution_from_dict

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


def dumps(value: Any) -> str:
    return _dumps(value)


def loads(text: str | None) -> Any:
    return None if text is None else _loads(text)


def loads_column(texts: list[str | None]) -> list[Any]:
    """Decode many JSON texts with one parser call (several times faster than one call each)."""
    return _loads("[" + ",".join("null" if t is None else t for t in texts) + "]")


class DistributionCodec:
    """Encodes {name: Distribution} to JSON text and back, remembering recent texts."""

    def __init__(self, limit: int = 4096) -> None:
        self._decoded: dict[str, dict[str, Distribution]] = {}
        self._encoded: dict[tuple, str] = {}
        self._limit = limit

    def encode(self, dists: dict[str, Distribution]) -> str:
        key = tuple(dists.items())
        try:
            return self._encoded[key]
        except (KeyError, TypeError):
            pass
        text = _dumps({n: d.to_dict() for n, d in dists.items()})
        if len(self._encoded) < self._limit:
            try:
                self._encoded[key] = text
            except TypeError:
                pass
        return text

    def decode(self, text: str) -> dict[str, Distribution]:
        return dict(self.decode_shared(text))

    def decode_shared(self, text: str) -> dict[str, Distribution]:
        """Like `decode`, but trials with the same distributions share one (read-only) dict."""
        cached = self._decoded.get(text)
        if cached is None:
            cached = {n: distribution_from_dict(d) for n, d in _loads(text).items()}
            if len(self._decoded) < self._limit:
                self._decoded[text] = cached
        return cached


def decode_intermediate(text: str) -> dict[int, float]:
    if text == "{}":
        return {}
    return {int(k): v for k, v in _loads(text).items()}

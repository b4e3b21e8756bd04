"""Reading tweaks out of a graph: a table of ids, and JSON files bound to the structure."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ._errors import GraphError, SignatureMismatchError
from ._graph import Graph

_MISSING = object()


def _describe(dist: Any) -> str:
    if dist.kind == "choice":
        return f"choices={dist.values()}"
    fields = dist.to_dict()
    return ", ".join(f"{k}={v}" for k, v in fields.items() if k != "type")


_STDOUT: Any = type("Stdout", (), {"__repr__": lambda self: "sys.stdout"})()


def dump_tweaks(graph: Graph, file: TextIO | None = _STDOUT) -> list[dict[str, Any]]:
    """Print (to `file`, standard output as it is at the call, unless None) and return one row
    per tweak: id, type, bounds or choices, and the default if any."""
    if file is _STDOUT:
        file = sys.stdout
    space = graph.search_space()
    rows = [{"id": tid, "type": space[tid].kind, "range": _describe(space[tid]),
             "default": graph.defaults.get(tid)} for tid in space.names]
    if file is not None:
        width = max((len(r["id"]) for r in rows), default=2)
        for r in rows:
            default = "" if r["id"] not in graph.defaults else f"  default={r['default']!r}"
            print(f"{r['id']:<{width}}  {r['type']:<11} {r['range']}{default}", file=file)
    return rows


def save_tweaks(graph: Graph, tweaks: dict[str, Any], path: str | Path) -> None:
    """Write tweaks (stored values, e.g. a study's best_params) as JSON with the graph's
    structure signature."""
    data = {"graph": graph.name, "signature": graph.signature(), "tweaks": dict(tweaks)}
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def load_tweaks(graph: Graph, path: str | Path) -> dict[str, Any]:
    """Tweaks saved by `save_tweaks`; fails if they were saved from a different structure."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "signature" not in data or "tweaks" not in data:
        raise GraphError(f"{path}: not a tweaks file (expected the JSON save_tweaks writes)")
    if data["signature"] != graph.signature():
        raise SignatureMismatchError(
            f"{path}: tweaks saved from graph {data.get('graph')!r} of another structure "
            f"cannot be loaded into {graph.name!r}; rebuild the graph they were saved from, "
            "or optimize this one again")
    return data["tweaks"]

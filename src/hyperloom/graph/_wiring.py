"""Nodes for code not written as calls: named tweaks, inputs, marks and ordering."""

from __future__ import annotations

from typing import Any

from hyperloom.space import Distribution

from ._building import require
from ._errors import GraphError
from ._nodes import Deps, Input, Mark, Tweak

_NO_DEFAULT = Input._MISSING


def tweak(dist: Distribution, name: str | None = None, default: Any = _NO_DEFAULT) -> Tweak:
    """A node whose value is a tweak with id `<graph>.<name>` (`tweak`, `tweak_1` unnamed)."""
    ctx = require("graph.tweak")
    if not isinstance(dist, Distribution):
        raise GraphError(f"graph.tweak({name or ''}): expected a Distribution, got {dist!r}")
    if default is _NO_DEFAULT and dist.has_default:
        default = dist.default
    node = Tweak(ctx.site(name or "tweak"), dist)
    ctx.add_tweak(node.id, dist, default, default is not _NO_DEFAULT)
    return node


def input(name: str, default: Any = _NO_DEFAULT) -> Input:  # noqa: A001 - the issue's name
    """A placeholder whose value is given at run time: `graph.run(g, name=value)`."""
    return Input(require("graph.input").site(name), name, default)


def mark(name: str) -> Mark:
    """A named identity node: `graph.mark("features") << node`."""
    return Mark(require("graph.mark").site(name))


def deps(before: list[Any]) -> Deps:
    """Ordering without data: `graph.deps([a, b]) << value` runs a and b, then gives value."""
    return Deps(require("graph.deps").site("deps"), before)

"""The build context of an aggregator: the id prefix, per-site counters and what was built.

Counters live in the context of one build, so ids depend only on the body of the aggregator
(never on what the process built before) and are the same on every rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hyperloom.space import Distribution

from ._errors import GraphError

_STACK: list[BuildContext] = []


@dataclass
class BuildContext:
    """Everything one aggregator build collects; nested aggregators share their outer one."""

    prefixes: list[str]
    counters: dict[str, int] = field(default_factory=dict)
    nodes: list[Any] = field(default_factory=list)
    distributions: dict[str, Distribution] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    on_enter: list[Callable[[], Any]] = field(default_factory=list)
    on_exit: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return ".".join(self.prefixes)

    def site(self, name: str, share: bool = False) -> str:
        """The qualified id of the next call site of `name`: `name`, then `name_1`, ...
        (always `name` when shared)."""
        scoped = f"{self.prefix}.{name}"
        if share:
            return scoped
        count = self.counters.get(scoped, 0)
        self.counters[scoped] = count + 1
        return scoped if count == 0 else f"{scoped}_{count}"

    def add_tweak(self, tweak_id: str, dist: Distribution, default: Any = None,
                  has_default: bool = False) -> None:
        known = self.distributions.get(tweak_id)
        if known is not None and known != dist:
            raise GraphError(f"tweak {tweak_id!r} is shared with two distributions ({known!r} "
                             f"and {dist!r}); give both the same one, or drop share=True")
        self.distributions[tweak_id] = dist
        if has_default:
            self.defaults[tweak_id] = default

    def add_node(self, node: Any) -> None:
        node.order = len(self.nodes)
        self.nodes.append(node)


def current() -> BuildContext | None:
    return _STACK[-1] if _STACK else None


def require(what: str) -> BuildContext:
    """The active build context, or a clear error for `what` used outside an aggregator."""
    if not _STACK:
        raise GraphError(f"{what} builds a graph node and works only inside an "
                         "@graph.aggregator function; call it from one")
    return _STACK[-1]


@contextmanager
def building(name: str) -> Iterator[BuildContext]:
    """A fresh build context for a top-level aggregator named `name`."""
    ctx = BuildContext(prefixes=[name])
    _STACK.append(ctx)
    try:
        yield ctx
    finally:
        _STACK.pop()


@contextmanager
def nested(ctx: BuildContext, name: str) -> Iterator[None]:
    """Build a nested aggregator inside `ctx`: its ids get `name` (per site) as a prefix."""
    site = ctx.site(name).rsplit(".", 1)[1]
    ctx.prefixes.append(site)
    try:
        yield
    finally:
        ctx.prefixes.pop()

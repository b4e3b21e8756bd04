"""`@aggregator`: a function whose body wires nodes; calling it builds a Graph (or, inside
another aggregator, embeds its nodes under the outer prefix)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._building import building, current, nested
from ._graph import Graph

Hook = Callable[[], Any]


class Aggregator:
    """A graph factory; keyword arguments of a call are build-time values."""

    def __init__(self, fn: Callable[..., Any], name: str | None, on_enter: Hook | None,
                 on_exit: Hook | None) -> None:
        self.fn, self.name = fn, name or fn.__name__
        self.on_enter, self.on_exit = on_enter, on_exit
        functools.update_wrapper(self, fn)

    def _body(self, ctx: Any, args: tuple, kwargs: dict) -> Any:
        # Once per graph, however many times the aggregator is embedded in it.
        if self.on_enter is not None and self.on_enter not in ctx.on_enter:
            ctx.on_enter.append(self.on_enter)
        if self.on_exit is not None and self.on_exit not in ctx.on_exit:
            ctx.on_exit.append(self.on_exit)
        return self.fn(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outer = current()
        if outer is not None:
            with nested(outer, self.name):
                return self._body(outer, args, kwargs)
        with building(self.name) as ctx:
            output = self._body(ctx, args, kwargs)
        return Graph(self.name, output, ctx)


def aggregator(fn: Callable[..., Any] | None = None, *, name: str | None = None,
               on_enter: Hook | None = None, on_exit: Hook | None = None) -> Any:
    """Turn a function into a graph factory, with or without parentheses. `on_enter` and
    `on_exit` are called once at the start and end of every run of the graph."""
    def decorate(f: Callable[..., Any]) -> Aggregator:
        return Aggregator(f, name, on_enter, on_exit)

    return decorate(fn) if fn is not None else decorate

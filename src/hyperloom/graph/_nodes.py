"""Lazy node types. A node knows its id, the nodes it reads, and how to compute its value from
a run (`evaluate`); nothing runs while the graph is built.

A run passes itself as `run`: `run.value(structure)` pulls the value of a node or of a
list/tuple/dict holding nodes, `run.tweak(id)` gives a tweak's value, `run.state(node)` a dict
that persists for the node across runs of one execution context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hyperloom.space import Distribution

from ._building import require
from ._errors import GraphError


def nodes_in(structure: Any) -> Iterator[Node]:
    """The nodes held by a value structure (a node, or lists, tuples and dicts of them)."""
    if isinstance(structure, Node):
        yield structure
    elif isinstance(structure, (list, tuple)):
        for item in structure:
            yield from nodes_in(item)
    elif isinstance(structure, dict):
        for item in structure.values():
            yield from nodes_in(item)


class Node:
    """Base class: registered with the aggregator being built, under a qualified id."""

    kind = "node"
    order = 0

    def __init__(self, node_id: str) -> None:
        self.id = node_id
        require(f"graph.{self.kind}").add_node(self)

    def __repr__(self) -> str:
        return f"<{self.kind} {self.id}>"

    def __getitem__(self, key: Any) -> Node:
        return Item(self, key)

    def inputs(self) -> list[Node]:
        """Nodes whose values this node reads (data edges)."""
        return []

    def after(self) -> list[Node]:
        """Nodes that run before this one without handing it data (dependency edges)."""
        return []

    def branches(self) -> list[Any]:
        """Value structures of which only one runs (a switch's options)."""
        return []

    def own_tweaks(self) -> dict[str, Distribution]:
        """Tweaks this node reads directly, by id."""
        return {}

    def evaluate(self, run: Any) -> Any:
        raise NotImplementedError


class Call(Node):
    """A call of a function; `kwargs`/`args` hold constants and nodes, `tweaked` the names of
    arguments whose value is the tweak `<id>.<argument>`."""

    kind = "call"

    def __init__(self, node_id: str, fn: Callable[..., Any], args: list[Any],
                 kwargs: dict[str, Any], tweaked: dict[str, str],
                 distributions: dict[str, Distribution]) -> None:
        super().__init__(node_id)
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.tweaked = tweaked  # argument -> tweak id
        self._distributions = distributions  # tweak id -> distribution

    def inputs(self) -> list[Node]:
        return [*nodes_in(self.args), *nodes_in(self.kwargs)]

    def own_tweaks(self) -> dict[str, Distribution]:
        return {tid: self._distributions[tid] for tid in self.tweaked.values()}

    def evaluate(self, run: Any) -> Any:
        args = run.value(self.args)
        kwargs = run.value(self.kwargs)
        kwargs.update({arg: run.tweak(tid) for arg, tid in self.tweaked.items()})
        return self.fn(*args, **kwargs)


class Tweak(Node):
    """A node whose value is one tweak (`graph.tweak(dist, name=...)`)."""

    kind = "tweak"

    def __init__(self, node_id: str, dist: Distribution) -> None:
        super().__init__(node_id)
        self.dist = dist

    def own_tweaks(self) -> dict[str, Distribution]:
        return {self.id: self.dist}

    def evaluate(self, run: Any) -> Any:
        return run.tweak(self.id)


class Input(Node):
    """A placeholder filled by `run(g, name=value)`."""

    kind = "input"
    _MISSING = object()

    def __init__(self, node_id: str, name: str, default: Any = _MISSING) -> None:
        super().__init__(node_id)
        self.name, self.default = name, default

    def evaluate(self, run: Any) -> Any:
        if self.name in run.inputs:
            return run.inputs[self.name]
        if self.default is not Input._MISSING:
            return self.default
        raise GraphError(f"input {self.name!r} ({self.id}) has no value; pass it as "
                         f"graph.run(g, {self.name}=...)")


class Item(Node):
    """`node[key]`: one item of another node's value."""

    kind = "item"

    def __init__(self, source: Node, key: Any) -> None:
        super().__init__(require("node[key]").site(f"{source.id.rsplit('.', 1)[-1]}[{key}]"))
        self.source, self.key = source, key

    def inputs(self) -> list[Node]:
        return [self.source]

    def evaluate(self, run: Any) -> Any:
        return run.value(self.source)[self.key]


class Mark(Node):
    """A named identity: the value of what it is fed, under a name of the user's."""

    kind = "mark"

    def __init__(self, node_id: str) -> None:
        super().__init__(node_id)
        self.source: Any = None

    def __lshift__(self, source: Any) -> Mark:
        self.source = source
        return self

    def inputs(self) -> list[Node]:
        return list(nodes_in(self.source))

    def evaluate(self, run: Any) -> Any:
        return run.value(self.source)


class Deps(Mark):
    """`graph.deps([a, b]) << value`: runs a and b first, then gives `value`."""

    kind = "deps"

    def __init__(self, node_id: str, before: list[Any]) -> None:
        super().__init__(node_id)
        self.before = list(before)

    def after(self) -> list[Node]:
        return list(nodes_in(self.before))

    def evaluate(self, run: Any) -> Any:
        run.value(self.before)
        return run.value(self.source)

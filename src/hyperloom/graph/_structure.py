"""Structural tweaks: a switch runs one of its branches, a permutation an ordered subset of
its items. Only what is chosen runs."""

from __future__ import annotations

from typing import Any

from hyperloom.space import Distribution, IntUniform

from ._building import require
from ._errors import GraphError
from ._nodes import Node, nodes_in


class Switch(Node):
    """One branch of several, chosen by the tweak of the switch's own id. The tweak's value is
    the branch's key for a dict of branches and its index for a list."""

    kind = "switch"

    def __init__(self, node_id: str) -> None:
        super().__init__(node_id)
        self.options: dict[Any, Any] = {}
        self.labelled = False

    def __lshift__(self, branches: dict[str, Any] | list[Any]) -> Switch:
        if isinstance(branches, dict):
            self.options, self.labelled = {str(k): v for k, v in branches.items()}, True
        elif isinstance(branches, (list, tuple)):
            self.options = dict(enumerate(branches))
        else:
            raise GraphError(f"switch {self.id!r}: feed it a dict or a list of branches "
                             f"(switch << {{'a': x, 'b': y}}), got {type(branches).__name__}")
        if not self.options:
            raise GraphError(f"switch {self.id!r}: needs at least one branch")
        return self

    def branches(self) -> list[Any]:
        return list(self.options.values())

    def evaluate(self, run: Any) -> Any:
        key = run.tweak(self.id)
        if not self.labelled:
            key = int(key)
        if key not in self.options:
            raise GraphError(f"switch {self.id!r}: {key!r} is not one of its branches "
                             f"{list(self.options)}")
        return run.value(self.options[key])


class Permutation(Node):
    """An ordered pick of k of n items. Its genes `<id>.0` .. `<id>.{k-1}` form a Lehmer code
    (gene j is an index into the items not yet picked, in [0, n-1-j]), so every point of the
    space is a valid pick and no repair is needed. Tweaks inside the items are always in the
    space (only the picked items run)."""

    kind = "permutation"

    def __init__(self, node_id: str, k: int) -> None:
        super().__init__(node_id)
        if not isinstance(k, int) or k < 1:
            raise GraphError(f"permutation {node_id!r}: k must be an integer >= 1, got {k!r}")
        self.k = k
        self.items: list[Any] = []

    def __lshift__(self, items: list[Any]) -> Permutation:
        if not isinstance(items, (list, tuple)) or len(items) < self.k:
            raise GraphError(f"permutation {self.id!r}: feed it a list of at least k={self.k} "
                             f"items, got {items!r}")
        self.items = list(items)
        return self

    def genes(self) -> list[str]:
        return [f"{self.id}.{j}" for j in range(self.k)]

    def inputs(self) -> list[Node]:
        return list(nodes_in(self.items))

    def own_tweaks(self) -> dict[str, Distribution]:
        n = len(self.items)
        return {gene: IntUniform(0, n - 1 - j) for j, gene in enumerate(self.genes())}

    def picked(self, run: Any) -> list[int]:
        """Indices of the picked items, in order, decoded from the genes."""
        remaining = list(range(len(self.items)))
        return [remaining.pop(int(run.tweak(gene))) for gene in self.genes()]

    def evaluate(self, run: Any) -> Any:
        return [run.value(self.items[i]) for i in self.picked(run)]


def switch(name: str | None = None, default: Any = None) -> Switch:
    """A switch node; `switch(name) << {"a": x, "b": y}` (or a list) sets its branches."""
    ctx = require("graph.switch")
    node = Switch(ctx.site(name or "switch"))
    if default is not None:
        ctx.defaults[node.id] = default
    return node


def permutation(k: int, name: str | None = None) -> Permutation:
    """An ordered pick of k items; `permutation(2, "steps") << [a, b, c]` sets the items."""
    ctx = require("graph.permutation")
    return Permutation(ctx.site(name or "permutation"), k)

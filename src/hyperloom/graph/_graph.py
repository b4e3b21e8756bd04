"""Graph: what an aggregator returns; its output structure, nodes, tweaks and hooks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

from hyperloom.space import SearchSpace

from ._building import BuildContext
from ._networkx import structure_graph
from ._nodes import Node
from ._space import compile_space, reachable


class Graph:
    """A built graph of lazy nodes. Run it with `graph.run(g, tweaks=..., **inputs)`."""

    def __init__(self, name: str, output: Any, built: BuildContext) -> None:
        self.name, self.output = name, output
        self.nodes: list[Node] = list(built.nodes)
        self.defaults: dict[str, Any] = dict(built.defaults)
        self.on_enter: list[Callable[[], Any]] = list(built.on_enter)
        self.on_exit: list[Callable[[], Any]] = list(built.on_exit)

    def __repr__(self) -> str:
        return f"Graph({self.name!r}, {len(self.nodes)} nodes, {len(self.tweak_ids)} tweaks)"

    @cached_property
    def _space(self) -> SearchSpace:
        return compile_space(self.output)

    def search_space(self) -> SearchSpace:
        """The conditional SearchSpace of the graph's tweaks, named by tweak id."""
        return self._space

    @property
    def tweak_ids(self) -> list[str]:
        """Every tweak id of the space (in any branch), parents first."""
        return list(self._space.names)

    def signature(self) -> str:
        """A hash of the structure (node ids and kinds, and the space): equal graphs agree."""
        shape = {"nodes": [[n.id, n.kind] for n in reachable(self.output)],
                 "space": self._space.to_dict()}
        return hashlib.sha256(json.dumps(shape, sort_keys=True, default=repr).encode()).hexdigest()

    def to_networkx(self) -> Any:
        """A networkx.DiGraph of the nodes, with data, dependency and branch edges."""
        return structure_graph(self)

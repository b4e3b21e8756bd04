"""Pull-based execution: a run computes only what the output needs, on the chosen branches,
each node at most once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hyperloom.space import Distribution, IntUniform

from ._errors import GraphError, MissingTweakError
from ._graph import Graph
from ._nodes import Node


class ExecutionContext:
    """State that persists across runs given the same context (delay buffers, variables);
    a new context starts from scratch."""

    def __init__(self) -> None:
        self.node_state: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, Any] = {}

    @contextmanager
    def as_default(self) -> Iterator[ExecutionContext]:
        """Within the block, runs given no `context=` use this one."""
        _DEFAULTS.append(self)
        try:
            yield self
        finally:
            _DEFAULTS.pop()


_DEFAULTS: list[ExecutionContext] = []


def _external(tweak_id: str, dist: Distribution, value: Any) -> Any:
    """A study's stored value (or an already live option) -> the value user code gets."""
    if isinstance(dist, IntUniform) and dist.contains(value):
        return int(value)  # 3.0 is a value of IntUniform, but user code wants the int 3
    if dist.contains(value):
        return dist.to_external(value)
    if not dist.numeric and any(dist.to_external(v) == value for v in dist.values()):
        return value
    raise GraphError(f"tweak {tweak_id!r}: {value!r} is not a value of {dist!r}; "
                     "give one inside its bounds or options")


class _Run:
    """One execution of a graph: node values, tweaks, inputs and end-of-run work."""

    def __init__(self, graph: Graph, tweaks: Mapping[str, Any], inputs: dict[str, Any],
                 context: ExecutionContext) -> None:
        self.graph, self.inputs, self.context = graph, inputs, context
        self.variables = context.variables
        space = graph.search_space()
        # Names outside the graph's prefix are another part's (a define-by-run objective may
        # suggest more); a name inside it that the space lacks is a typo or a stale id.
        unknown = [t for t in tweaks if t not in space and t.startswith(f"{graph.name}.")]
        if unknown:
            raise GraphError(f"tweak {unknown[0]!r} is not in graph {graph.name!r}; "
                             f"known ids: {graph.tweak_ids}")
        self.tweaks = {t: _external(t, space[t], v) for t, v in tweaks.items() if t in space}
        self._values: dict[int, Any] = {}
        self._active: set[int] = set()
        self._at_end: list[Callable[[], Any]] = []

    def value(self, structure: Any) -> Any:
        if isinstance(structure, Node):
            return self._node_value(structure)
        if isinstance(structure, list):
            return [self.value(item) for item in structure]
        if isinstance(structure, tuple):
            return tuple(self.value(item) for item in structure)
        if isinstance(structure, dict):
            return {key: self.value(item) for key, item in structure.items()}
        return structure

    def _node_value(self, node: Node) -> Any:
        key = id(node)
        if key in self._values:
            return self._values[key]
        if key in self._active:
            raise GraphError(f"node {node.id!r} depends on itself; break the loop with "
                             "graph.delay(k) << ...")
        self._active.add(key)
        try:
            value = self._values[key] = node.evaluate(self)
        finally:
            self._active.discard(key)
        return value

    def tweak(self, tweak_id: str) -> Any:
        if tweak_id in self.tweaks:
            return self.tweaks[tweak_id]
        if tweak_id in self.graph.defaults:
            return self.graph.defaults[tweak_id]
        raise MissingTweakError(f"tweak {tweak_id!r} has no value and no default; pass it in "
                                f"tweaks={{{tweak_id!r}: ...}} or give it a default")

    def state(self, node: Node) -> dict[str, Any]:
        return self.context.node_state.setdefault(node.id, {})

    def at_end(self, work: Callable[[], Any]) -> None:
        self._at_end.append(work)

    def finish(self) -> None:
        while self._at_end:
            self._at_end.pop(0)()


def run(graph: Graph, tweaks: Mapping[str, Any] | None = None, *,
        context: ExecutionContext | None = None, **inputs: Any) -> Any:
    """Run `graph` with tweak values (a study's `trial.params` as they are) and inputs;
    returns the output structure's value. `context` (or `ExecutionContext.as_default()`)
    keeps state across runs; without one, each run starts fresh."""
    if not isinstance(graph, Graph):
        raise TypeError(f"graph.run: expected a Graph (what an @graph.aggregator returns), got "
                        f"{type(graph).__name__}; call the aggregator first")
    context = context or (_DEFAULTS[-1] if _DEFAULTS else ExecutionContext())
    execution = _Run(graph, tweaks or {}, inputs, context)
    for hook in graph.on_enter:
        hook()
    try:
        output = execution.value(graph.output)
        execution.finish()
    finally:
        for hook in graph.on_exit:
            hook()
    return output

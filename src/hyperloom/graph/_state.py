"""State nodes: values that persist across runs of one execution context (and reset in a new
one). `delay(k) << x` gives x as it was k runs ago; `var`/`set_var` name a stored value."""

from __future__ import annotations

from collections import deque
from typing import Any

from ._building import require
from ._errors import GraphError
from ._nodes import Node, nodes_in


class Delay(Node):
    """x of k runs ago (`init` before that). x is computed at the end of the run, so a delay
    can feed a loop back into its own input."""

    kind = "delay"

    def __init__(self, node_id: str, k: int, init: Any) -> None:
        super().__init__(node_id)
        if not isinstance(k, int) or k < 1:
            raise GraphError(f"delay {node_id!r}: k must be an integer >= 1, got {k!r}")
        self.k, self.init, self.source = k, init, None

    def __lshift__(self, source: Any) -> Delay:
        self.source = source
        return self

    def inputs(self) -> list[Node]:
        return list(nodes_in(self.source))

    def evaluate(self, run: Any) -> Any:
        state = run.state(self)
        buffer = state.setdefault("buffer", deque([self.init] * self.k, maxlen=self.k))
        run.at_end(lambda: buffer.append(run.value(self.source)))
        return buffer[0]


class Var(Node):
    """The value stored under `name` by `set_var(name)` (in this context), else `init`."""

    kind = "var"

    def __init__(self, node_id: str, name: str, init: Any) -> None:
        super().__init__(node_id)
        self.name, self.init = name, init

    def evaluate(self, run: Any) -> Any:
        return run.variables.get(self.name, self.init)


class SetVar(Node):
    """Stores the value it is fed under `name` and passes it on."""

    kind = "set_var"

    def __init__(self, node_id: str, name: str) -> None:
        super().__init__(node_id)
        self.name, self.source = name, None

    def __lshift__(self, source: Any) -> SetVar:
        self.source = source
        return self

    def inputs(self) -> list[Node]:
        return list(nodes_in(self.source))

    def evaluate(self, run: Any) -> Any:
        value = run.variables[self.name] = run.value(self.source)
        return value


def delay(k: int = 1, init: Any = None) -> Delay:
    """`graph.delay(k, init) << x`: x of k runs ago in this execution context."""
    return Delay(require("graph.delay").site("delay"), k, init)


def var(name: str, init: Any = None) -> Var:
    """Read the variable `name` of the execution context (`init` until set)."""
    return Var(require("graph.var").site(f"var_{name}"), name, init)


def set_var(name: str) -> SetVar:
    """`graph.set_var(name) << x`: store x as variable `name` of the execution context."""
    return SetVar(require("graph.set_var").site(f"set_var_{name}"), name)

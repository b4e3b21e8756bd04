"""The nodes of sweep values: literals, Gin references and macros, calls, and expressions.

Node equality ignores positions, so a config parsed back from its rendering compares equal; a
node's repr is its sweep-language text. Walkers over nodes subclass `NodeVisitor`.
"""

from __future__ import annotations

import math
from typing import Any

from ._errors import NodeError
from ._limits import MAX_DEPTH
from ._text import node_text

Pos = tuple[int, int] | None


class Node:
    """A value in a sweep file. Subclasses define `_key()` for position-free equality."""

    __slots__ = ("pos",)

    def _key(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self._key())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({node_text(self)!r})"

    @property
    def known(self) -> bool:
        return False


def _typed(value: Any) -> Any:
    """A comparison key that tells 1, 1.0 and True (and lists from tuples) apart."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_typed(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((_typed(k), _typed(v)) for k, v in value.items()))
    if isinstance(value, float):
        return ("float", value, math.copysign(1.0, value))
    return (type(value).__name__, value)


def nesting(pos: Pos, *children: Any) -> int:
    """The depth of a node over `children`; deeper than MAX_DEPTH is an error naming `pos`
    (deeper trees would overflow the stack of every recursive walk over them)."""
    depth = 1 + max((getattr(c, "depth", 0) for c in children), default=0)
    if depth > MAX_DEPTH:
        raise NodeError(f"this expression nests more than {MAX_DEPTH} levels deep; split it "
                        "into macros of a few levels each", pos)
    return depth


class Lit(Node):
    """A known value: int, float, str, bytes, bool, None, or a list/tuple/dict of them."""

    __slots__ = ("value", "text")

    def __init__(self, value: Any, pos: Pos = None) -> None:
        self.value = value
        self.pos = pos
        self.text: str | None = None  # Gin literal text, cached by the renderer

    def _key(self) -> tuple:
        return (_typed(self.value),)

    @property
    def known(self) -> bool:
        return True


class ListNode(Node):
    __slots__ = ("items", "depth")

    def __init__(self, items: tuple[Node, ...], pos: Pos = None) -> None:
        self.items = tuple(items)
        self.pos = pos
        self.depth = nesting(pos, *self.items)

    def _key(self) -> tuple:
        return self.items


class TupleNode(ListNode):
    __slots__ = ()


class DictNode(Node):
    __slots__ = ("pairs", "depth")

    def __init__(self, pairs: tuple[tuple[Node, Node], ...], pos: Pos = None) -> None:
        self.pairs = tuple(pairs)
        self.pos = pos
        self.depth = nesting(pos, *(n for pair in self.pairs for n in pair))

    def _key(self) -> tuple:
        return self.pairs


class _Named(Node):
    """A node that is just a name (equal to another of the same class and name)."""

    __slots__ = ("name",)

    def __init__(self, name: str, pos: Pos = None) -> None:
        self.name = name
        self.pos = pos

    def _key(self) -> tuple:
        return (self.name,)


class Macro(_Named):
    """`%name`: replaced by the config's own macro when it defines one, else left to Gin."""

    __slots__ = ()


class Ref(_Named):
    """`@name`: a Gin reference to a configurable (not called)."""

    __slots__ = ()


class Call(Node):
    """`@name()` (Gin's evaluated reference) or `@name(k=v, ...)` (call with keyword arguments,
    written to Gin as bindings in a helper scope)."""

    __slots__ = ("name", "kwargs", "depth")

    def __init__(self, name: str, kwargs: tuple[tuple[str, Node], ...] = (), pos: Pos = None) -> None:
        self.name = name
        self.kwargs = tuple(kwargs)
        self.pos = pos
        self.depth = nesting(pos, *(v for _, v in self.kwargs))

    def _key(self) -> tuple:
        return (self.name, self.kwargs)


class Func(Node):
    """A bare call (`range(...)`, `linspace(...)`, `uniform(...)`): only valid as a whole sweep
    value; the expander turns it into values or a distribution."""

    __slots__ = ("name", "args", "kwargs", "depth")

    def __init__(self, name: str, args: tuple[Node, ...], kwargs: tuple[tuple[str, Node], ...],
                 pos: Pos = None) -> None:
        self.name = name
        self.args = tuple(args)
        self.kwargs = tuple(kwargs)
        self.pos = pos
        self.depth = nesting(pos, *self.args, *(v for _, v in self.kwargs))

    def _key(self) -> tuple:
        return (self.name, self.args, self.kwargs)


class Dist(Node):
    """A distribution as a value: the config is sampled, not enumerated. `options` keeps the
    nodes of a choice's options, so that a sampled stored value maps back to the value."""

    __slots__ = ("distribution", "options", "source")

    def __init__(self, distribution: Any, options: tuple[Node, ...] | None, source: Func,
                 pos: Pos = None) -> None:
        self.distribution = distribution
        self.options = options
        self.source = source
        self.pos = pos

    def _key(self) -> tuple:
        return (self.source,)


class Unary(Node):
    __slots__ = ("op", "operand", "depth")

    def __init__(self, op: str, operand: Node, pos: Pos = None) -> None:
        self.op = op
        self.operand = operand
        self.pos = pos
        self.depth = nesting(pos, operand)

    def _key(self) -> tuple:
        return (self.op, self.operand)


class Binary(Node):
    __slots__ = ("op", "left", "right", "depth")

    def __init__(self, op: str, left: Node, right: Node, pos: Pos = None) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.pos = pos
        self.depth = nesting(pos, left, right)

    def _key(self) -> tuple:
        return (self.op, self.left, self.right)


class BoolOp(Node):
    __slots__ = ("op", "values", "depth")

    def __init__(self, op: str, values: tuple[Node, ...], pos: Pos = None) -> None:
        self.op = op
        self.values = tuple(values)
        self.pos = pos
        self.depth = nesting(pos, *self.values)

    def _key(self) -> tuple:
        return (self.op, self.values)


class Compare(Node):
    """A comparison chain `a < b <= c`, evaluated as in Python (each operand once)."""

    __slots__ = ("first", "rest", "depth")

    def __init__(self, first: Node, rest: tuple[tuple[str, Node], ...], pos: Pos = None) -> None:
        self.first = first
        self.rest = tuple(rest)
        self.pos = pos
        self.depth = nesting(pos, first, *(v for _, v in self.rest))

    def _key(self) -> tuple:
        return (self.first, self.rest)

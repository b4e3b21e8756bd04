"""Values of sweep files: literals, Gin references and macros, calls, and Python expressions.

Every value is a tree of nodes. Sub-trees whose value is known are folded into a `Lit` as soon as
they are built (`-2**2` is `Lit(-4)`); an expression that mentions a macro is kept as a tree and
evaluated per config, once the config's macros are known (`evaluate`); what only Gin can know
(`@f()`, macros from an included file) stays symbolic and is handed to Gin.
Node equality ignores positions, so a config parsed back from its rendering compares equal.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import NodeError
from ._limits import (
    MAX_DEPTH,
    MAX_TEXT,
    check_add,
    check_format,
    check_lshift,
    check_mul,
    check_pow,
    check_text,
    text_size,
)

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
        from ._render import node_text

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


# ---- operators ---------------------------------------------------------------------------------

def _sized(fn: Callable[[Any, Any], Any],
           check: Callable[[Any, Any], None]) -> Callable[[Any, Any], Any]:
    """`fn` that first estimates the size of its result from the operands (`check` raises
    TooLarge), so that no operator can hang the generator or exhaust memory."""
    def guarded(a: Any, b: Any) -> Any:
        check(a, b)
        return fn(a, b)
    return guarded


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "**": _sized(operator.pow, check_pow), "*": _sized(operator.mul, check_mul),
    "/": operator.truediv, "//": operator.floordiv, "%": _sized(operator.mod, check_format),
    "+": _sized(operator.add, check_add), "-": operator.sub,
    "<<": _sized(operator.lshift, check_lshift), ">>": operator.rshift, "&": operator.and_,
    "^": operator.xor, "|": operator.or_,
}
UNARY: dict[str, Callable[[Any], Any]] = {
    "-": operator.neg, "+": operator.pos, "~": operator.invert, "not": operator.not_,
}
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "==": operator.eq, ">=": operator.ge, "<=": operator.le,
    "!=": operator.ne, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not,
}


class _ValueError(NodeError, ValueError):
    """A folded value Gin cannot read (inf, nan, complex)."""


def _check_number(value: Any, pos: Pos, what: str) -> Any:
    if isinstance(value, complex):
        raise _ValueError(f"{what} is the complex number {value!r}, which Gin cannot read; "
                        "use real numbers", pos)
    if isinstance(value, float) and not math.isfinite(value):
        raise _ValueError(f"{what} is {value!r}, which Gin cannot read; "
                        "keep values finite", pos)
    return value


def _apply(fn: Callable[..., Any], args: tuple[Any, ...], pos: Pos, text: Callable[[], str],
           strict: bool = True) -> Lit | None:
    """The folded value, or (when not `strict`) None if evaluating fails: while parsing, an
    error is kept for when the value is really needed, so that `False and 1 / 0` is False."""
    try:
        value = fn(*args)
        if isinstance(value, (float, complex)) and not (isinstance(value, float)
                                                        and math.isfinite(value)):
            _check_number(value, pos, f"`{text()}`")
        return Lit(value, pos)
    except (ArithmeticError, TypeError, ValueError) as exc:
        if not strict:
            return None
        if isinstance(exc, NodeError):
            raise
        raise NodeError(f"cannot evaluate `{_short(text())}`: {exc}", pos) from None


def _short(text: str, width: int = 80) -> str:
    """An expression as an error message quotes it: long ones cut in the middle."""
    return text if len(text) <= width else f"{text[:width // 2]} ... {text[-width // 4:]}"


# ---- constructors that fold what is known ------------------------------------------------------

def make_unary(op: str, operand: Node, pos: Pos, strict: bool = True) -> Node:
    if isinstance(operand, Lit):
        from ._render import node_text

        folded = _apply(UNARY[op], (operand.value,), pos,
                        lambda: node_text(Unary(op, operand)), strict)
        if folded is not None:
            return folded
    return Unary(op, operand, pos)


def make_binary(op: str, left: Node, right: Node, pos: Pos, strict: bool = True) -> Node:
    if isinstance(left, Lit) and isinstance(right, Lit):
        from ._render import node_text

        folded = _apply(BINARY[op], (left.value, right.value), pos,
                        lambda: node_text(Binary(op, left, right)), strict)
        if folded is not None:
            return folded
    return Binary(op, left, right, pos)


def make_boolop(op: str, values: list[Node], evaluate_one: Callable[[Node], Node],
                pos: Pos) -> Node:
    """`a and b`/`a or b` with Python's short-circuit: operands after a deciding known value
    are never evaluated (so `False and 1 / 0` is False)."""
    out: list[Node] = []
    for i, raw in enumerate(values):
        value = evaluate_one(raw)
        if isinstance(value, Lit):
            deciding = (not value.value) if op == "and" else bool(value.value)
            if deciding or i == len(values) - 1:
                if not out:
                    return value
                out.append(value)
                break
            continue  # a known non-deciding operand before the end changes nothing
        out.append(value)
    return out[0] if len(out) == 1 else BoolOp(op, tuple(out), pos)


def make_compare(first: Node, rest: list[tuple[str, Node]], evaluate_one: Callable[[Node], Node],
                 pos: Pos, strict: bool = True) -> Node:
    """A chain as in Python: `a < b < c` is `a < b and b < c` with b evaluated once, stopping at
    the first known false link; known true links before the first unknown one are dropped."""
    from ._render import node_text

    left = evaluate_one(first)
    kept: list[tuple[str, Node]] = []
    head = left
    symbolic = False
    for op, raw in rest:
        right = evaluate_one(raw)
        if not symbolic and isinstance(left, Lit) and isinstance(right, Lit):
            link = _apply(COMPARE[op], (left.value, right.value), pos,
                          lambda op=op, left=left, right=right:
                          node_text(Compare(left, ((op, right),))), strict)
            if link is None:  # cannot be decided now; keep the chain from here
                symbolic = True
                kept.append((op, right))
            elif not link.value:
                return Lit(False, pos)
            else:
                head = right  # a known true link: the chain goes on from its right side
        else:
            symbolic = True
            kept.append((op, right))
        left = right
    if not symbolic:
        return Lit(True, pos)
    return Compare(head, tuple(kept), pos)


def make_list(items: list[Node], pos: Pos, tuple_: bool = False) -> Node:
    if all(isinstance(i, Lit) for i in items):
        values = [i.value for i in items]  # type: ignore[attr-defined]
        _check_size(values, pos)
        return Lit(tuple(values) if tuple_ else values, pos)
    return (TupleNode if tuple_ else ListNode)(tuple(items), pos)


def make_dict(pairs: list[tuple[Node, Node]], pos: Pos) -> Node:
    if all(isinstance(k, Lit) and isinstance(v, Lit) for k, v in pairs):
        out: dict[Any, Any] = {}
        for k, v in pairs:
            try:
                out[k.value] = v.value  # type: ignore[attr-defined]
            except TypeError:
                raise NodeError(f"{k.value!r} cannot be a dict key (it is not hashable)",  # type: ignore[attr-defined]
                                k.pos) from None
        _check_size(out, pos)
        return Lit(out, pos)
    return DictNode(tuple(pairs), pos)


def _check_size(value: Any, pos: Pos) -> None:
    """A list or dict of known values (macros may repeat a long value many times)."""
    try:
        check_text(text_size(value, MAX_TEXT))
    except OverflowError as exc:
        raise NodeError(str(exc), pos) from None


# ---- per-config evaluation ---------------------------------------------------------------------

def evaluate(node: Node, env: Mapping[str, Node], _active: tuple[str, ...] = (),
             _depth: int = 0, _done: dict[str, Node] | None = None) -> Node:
    """`node` with the config's macros (`env`) substituted and what became known folded.
    Each macro is evaluated once per call (`_done`), so macros that use other macros several
    times (`a = %b + %b`, `b = %c + %c`, ...) cost linear, not exponential, time."""
    if isinstance(node, Lit | Ref):
        return node
    done: dict[str, Node] = {} if _done is None else _done
    if _depth > 2 * MAX_DEPTH:
        raise NodeError(f"macros and expressions nest more than {2 * MAX_DEPTH} levels deep "
                        f"here (through {' -> '.join(_active[-3:])} ...); shorten the chain of "
                        "macros that refer to macros", node.pos)
    ev: Callable[[Node], Node] = lambda n: evaluate(n, env, _active, _depth + 1, done)  # noqa: E731
    if isinstance(node, Macro):
        if node.name not in env:
            return node
        if node.name in _active:
            cycle = " -> ".join((*_active[_active.index(node.name):], node.name))
            raise NodeError(f"macros refer to each other in a cycle: {cycle}", node.pos)
        if node.name not in done:
            done[node.name] = evaluate(env[node.name], env, (*_active, node.name), _depth + 1,
                                       done)
        return done[node.name]
    if isinstance(node, TupleNode):
        return make_list([ev(i) for i in node.items], node.pos, tuple_=True)
    if isinstance(node, ListNode):
        return make_list([ev(i) for i in node.items], node.pos)
    if isinstance(node, DictNode):
        return make_dict([(ev(k), ev(v)) for k, v in node.pairs], node.pos)
    if isinstance(node, Call):
        return Call(node.name, tuple((k, ev(v)) for k, v in node.kwargs), node.pos)
    if isinstance(node, Unary):
        return make_unary(node.op, ev(node.operand), node.pos)
    if isinstance(node, Binary):
        return make_binary(node.op, ev(node.left), ev(node.right), node.pos)
    if isinstance(node, BoolOp):
        return make_boolop(node.op, list(node.values), ev, node.pos)
    if isinstance(node, Compare):
        return make_compare(node.first, list(node.rest), ev, node.pos)
    if isinstance(node, Func):
        raise NodeError(f"`{node.name}(...)` can only be the whole value of a sweep "
                        f"(`key: {node.name}(...)`)", node.pos)
    if isinstance(node, Dist):
        raise NodeError("this value is a distribution: the sweep must be sampled "
                        "(to_search_space, or `hyperloom run --sampler ...`), not enumerated",
                        node.pos)
    raise TypeError(f"unknown node {node!r}")  # pragma: no cover


def python_value(node: Node) -> Any:
    """The Python value of a known node; symbolic nodes are returned as they are."""
    return node.value if isinstance(node, Lit) else node


def walk(node: Node):
    """Every node of a tree, depth first (used to find macros and distributions)."""
    yield node
    if isinstance(node, ListNode):
        for i in node.items:
            yield from walk(i)
    elif isinstance(node, DictNode):
        for k, v in node.pairs:
            yield from walk(k)
            yield from walk(v)
    elif isinstance(node, Call):
        for _, v in node.kwargs:
            yield from walk(v)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, BoolOp):
        for v in node.values:
            yield from walk(v)
    elif isinstance(node, Compare):
        yield from walk(node.first)
        for _, v in node.rest:
            yield from walk(v)
    elif isinstance(node, Func):
        for a in node.args:
            yield from walk(a)
        for _, v in node.kwargs:
            yield from walk(v)

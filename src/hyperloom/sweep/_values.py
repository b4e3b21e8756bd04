"""Values of sweep files: literals, Gin references and macros, calls, and Python expressions.

Every value is a tree of nodes. Sub-trees whose value is known are folded into a `Lit` as soon as
they are built (`-2**2` is `Lit(-4)`); an expression that mentions a macro is kept as a tree and
evaluated per config, once the config's macros are known (`evaluate`); what only Gin can know
(`@f()`, macros from an included file) stays symbolic and is handed to Gin.
The node classes are in `_nodes`; this module builds, folds and evaluates them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping
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
from ._nodes import (
    Binary,
    BoolOp,
    Call,
    Compare,
    DictNode,
    Dist,
    Func,
    ListNode,
    Lit,
    Macro,
    Node,
    Pos,
    Ref,
    TupleNode,
    Unary,
)
from ._text import node_text
from ._visitor import NodeVisitor

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
        folded = _apply(UNARY[op], (operand.value,), pos,
                        lambda: node_text(Unary(op, operand)), strict)
        if folded is not None:
            return folded
    return Unary(op, operand, pos)


def make_binary(op: str, left: Node, right: Node, pos: Pos, strict: bool = True) -> Node:
    if isinstance(left, Lit) and isinstance(right, Lit):
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

def evaluate(node: Node, env: Mapping[str, Node], _active: tuple[str, ...] = ()) -> Node:
    """`node` with the config's macros (`env`) substituted and what became known folded.
    Each macro is evaluated once per call, so macros that use other macros several times
    (`a = %b + %b`, `b = %c + %c`, ...) cost linear, not exponential, time."""
    if isinstance(node, Lit):  # the common case, without building an evaluator
        return node
    return _Evaluator(env).visit(node, _active, 0)


class _Evaluator(NodeVisitor):
    """One evaluation: `env` gives the macros, `done` keeps each macro's value once computed.
    Every visit takes the chain of macros being expanded (`active`) and the depth so far."""

    def __init__(self, env: Mapping[str, Node]) -> None:
        self.env = env
        self.done: dict[str, Node] = {}

    def visit(self, node: Node, active: tuple[str, ...], depth: int) -> Node:
        if depth > 2 * MAX_DEPTH and not isinstance(node, Lit | Ref):
            raise NodeError(f"macros and expressions nest more than {2 * MAX_DEPTH} levels deep "
                            f"here (through {' -> '.join(active[-3:])} ...); shorten the chain "
                            "of macros that refer to macros", node.pos)
        return super().visit(node, active, depth)

    def _inner(self, active: tuple[str, ...], depth: int) -> Callable[[Node], Node]:
        """How the children of a node at `depth` are evaluated."""
        return lambda n: self.visit(n, active, depth + 1)

    def _same(self, node: Node, active: tuple[str, ...], depth: int) -> Node:
        return node

    visit_Lit = visit_Ref = _same

    def visit_Macro(self, node: Macro, active: tuple[str, ...], depth: int) -> Node:
        name = node.name
        if name not in self.env:
            return node
        if name in active:
            cycle = " -> ".join((*active[active.index(name):], name))
            raise NodeError(f"macros refer to each other in a cycle: {cycle}", node.pos)
        if name not in self.done:
            self.done[name] = self.visit(self.env[name], (*active, name), depth + 1)
        return self.done[name]

    def visit_TupleNode(self, node: TupleNode, active: tuple[str, ...], depth: int) -> Node:
        ev = self._inner(active, depth)
        return make_list([ev(i) for i in node.items], node.pos, tuple_=True)

    def visit_ListNode(self, node: ListNode, active: tuple[str, ...], depth: int) -> Node:
        ev = self._inner(active, depth)
        return make_list([ev(i) for i in node.items], node.pos)

    def visit_DictNode(self, node: DictNode, active: tuple[str, ...], depth: int) -> Node:
        ev = self._inner(active, depth)
        return make_dict([(ev(k), ev(v)) for k, v in node.pairs], node.pos)

    def visit_Call(self, node: Call, active: tuple[str, ...], depth: int) -> Node:
        ev = self._inner(active, depth)
        return Call(node.name, tuple((k, ev(v)) for k, v in node.kwargs), node.pos)

    def visit_Unary(self, node: Unary, active: tuple[str, ...], depth: int) -> Node:
        return make_unary(node.op, self._inner(active, depth)(node.operand), node.pos)

    def visit_Binary(self, node: Binary, active: tuple[str, ...], depth: int) -> Node:
        ev = self._inner(active, depth)
        return make_binary(node.op, ev(node.left), ev(node.right), node.pos)

    def visit_BoolOp(self, node: BoolOp, active: tuple[str, ...], depth: int) -> Node:
        return make_boolop(node.op, list(node.values), self._inner(active, depth), node.pos)

    def visit_Compare(self, node: Compare, active: tuple[str, ...], depth: int) -> Node:
        return make_compare(node.first, list(node.rest), self._inner(active, depth), node.pos)

    def visit_Func(self, node: Func, active: tuple[str, ...], depth: int) -> Node:
        raise NodeError(f"`{node.name}(...)` can only be the whole value of a sweep "
                        f"(`key: {node.name}(...)`)", node.pos)

    def visit_Dist(self, node: Dist, active: tuple[str, ...], depth: int) -> Node:
        raise NodeError("this value is a distribution: the sweep must be sampled "
                        "(to_search_space, or `hyperloom run --sampler ...`), not enumerated",
                        node.pos)


def python_value(node: Node) -> Any:
    """The Python value of a known node; symbolic nodes are returned as they are."""
    return node.value if isinstance(node, Lit) else node


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first (used to find macros and distributions)."""
    yield node
    for child in _CHILDREN.visit(node):
        yield from walk(child)


class _Children(NodeVisitor):
    """The sub-values of a node, in source order (a distribution's source call is not one)."""

    def _none(self, node: Node) -> tuple[Node, ...]:
        return ()

    visit_Lit = visit__Named = visit_Dist = _none

    def visit_ListNode(self, node: ListNode) -> tuple[Node, ...]:
        return node.items

    def visit_DictNode(self, node: DictNode) -> tuple[Node, ...]:
        return tuple(n for pair in node.pairs for n in pair)

    def visit_Call(self, node: Call) -> tuple[Node, ...]:
        return tuple(v for _, v in node.kwargs)

    def visit_Unary(self, node: Unary) -> tuple[Node, ...]:
        return (node.operand,)

    def visit_Binary(self, node: Binary) -> tuple[Node, ...]:
        return (node.left, node.right)

    def visit_BoolOp(self, node: BoolOp) -> tuple[Node, ...]:
        return node.values

    def visit_Compare(self, node: Compare) -> tuple[Node, ...]:
        return (node.first, *(v for _, v in node.rest))

    def visit_Func(self, node: Func) -> tuple[Node, ...]:
        return (*node.args, *(v for _, v in node.kwargs))


_CHILDREN = _Children()

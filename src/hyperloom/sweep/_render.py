"""Writing values as text: Gin literals (Python `repr` style), sweep-language expressions with the
fewest parentheses Python's precedence needs, and plain Gin for what Gin cannot parse itself
(calls with arguments and expressions over macros become bindings in helper scopes)."""

from __future__ import annotations

import math
from typing import Any

from ._errors import NodeError
from ._values import (
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
    Ref,
    TupleNode,
    Unary,
)

# Python's precedence, low to high.
_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8,
         "+": 9, "-": 9, "*": 10, "/": 10, "//": 10, "%": 10, "unary": 11, "**": 12}
_ATOM = 13

#: Gin name of the function that evaluates expressions Gin alone cannot (see `_ginops`).
GIN_EXPR = "hyperloom.sweep.expr"
GIN_OPS_MODULE = "hyperloom.sweep._ginops"


def literal_text(value: Any, pos: tuple[int, int] | None = None) -> str:
    """A known value as Gin literal text; values Gin cannot read are an error naming `pos`."""
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NodeError(f"the value {value!r} cannot be written to Gin; keep values finite", pos)
        return repr(value)
    if isinstance(value, complex):
        raise NodeError(f"the complex number {value!r} cannot be written to Gin", pos)
    if isinstance(value, list):
        return "[" + ", ".join(literal_text(v, pos) for v in value) + "]"
    if isinstance(value, tuple):
        if len(value) == 1:
            return f"({literal_text(value[0], pos)},)"
        return "(" + ", ".join(literal_text(v, pos) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal_text(k, pos)}: {literal_text(v, pos)}"
                               for k, v in value.items()) + "}"
    raise NodeError(f"{value!r} ({type(value).__name__}) cannot be written to Gin", pos)


def _prec(node: Node) -> int:
    if isinstance(node, Lit):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (
                v < 0 or (isinstance(v, float) and math.copysign(1.0, v) < 0)):
            return _PREC["unary"]  # `-4` is written with a unary minus
        return _ATOM
    if isinstance(node, Unary):
        return _PREC["not"] if node.op == "not" else _PREC["unary"]
    if isinstance(node, Binary):
        return _PREC[node.op]
    if isinstance(node, BoolOp):
        return _PREC[node.op]
    if isinstance(node, Compare):
        return _PREC["cmp"]
    return _ATOM


class _Writer:
    """Shared walk of value trees; subclasses decide how calls and operators are written."""

    def text(self, node: Node) -> str:
        if isinstance(node, Lit):
            text = node.text
            if text is None:
                text = node.text = literal_text(node.value, node.pos)
            return text
        if isinstance(node, Macro):
            return f"%{node.name}"
        if isinstance(node, Ref):
            return f"@{node.name}"
        if isinstance(node, TupleNode):
            items = [self.text(i) for i in node.items]
            return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
        if isinstance(node, ListNode):
            return "[" + ", ".join(self.text(i) for i in node.items) + "]"
        if isinstance(node, DictNode):
            return "{" + ", ".join(f"{self.text(k)}: {self.text(v)}" for k, v in node.pairs) + "}"
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Dist):
            return self.text(node.source)
        if isinstance(node, Func):
            return self.func(node)
        return self.operator(node)

    def call(self, node: Call) -> str:
        args = ", ".join(f"{k}={self.text(v)}" for k, v in node.kwargs)
        return f"@{node.name}({args})"

    def func(self, node: Func) -> str:
        args = [self.text(a) for a in node.args]
        args += [f"{k}={self.text(v)}" for k, v in node.kwargs]
        return f"{node.name}({', '.join(args)})"

    def operator(self, node: Node) -> str:
        raise NotImplementedError


class TextWriter(_Writer):
    """The sweep language: what `resolved()` shows and what parses back to the same value."""

    def _wrap(self, node: Node, parens: bool) -> str:
        t = self.text(node)
        return f"({t})" if parens else t

    def operator(self, node: Node) -> str:
        if isinstance(node, Unary):
            if node.op == "not":
                return "not " + self._wrap(node.operand, _prec(node.operand) < _PREC["not"])
            return node.op + self._wrap(node.operand, _prec(node.operand) < _PREC["unary"])
        if isinstance(node, Binary):
            p = _PREC[node.op]
            if node.op == "**":  # right-associative; the exponent may be unary (2 ** -1)
                left = self._wrap(node.left, _prec(node.left) <= p)
                right = self._wrap(node.right, _prec(node.right) < _PREC["unary"])
            else:
                left = self._wrap(node.left, _prec(node.left) < p)
                right = self._wrap(node.right, _prec(node.right) <= p)
            return f"{left} {node.op} {right}"
        if isinstance(node, BoolOp):
            p = _PREC[node.op]
            return f" {node.op} ".join(self._wrap(v, _prec(v) <= p) for v in node.values)
        if isinstance(node, Compare):
            p = _PREC["cmp"]
            out = self._wrap(node.first, _prec(node.first) <= p)
            for op, v in node.rest:
                out += f" {op} " + self._wrap(v, _prec(v) <= p)
            return out
        raise TypeError(f"unknown node {node!r}")  # pragma: no cover


_TEXT = TextWriter()


def node_text(node: Node) -> str:
    return _TEXT.text(node)


class GinWriter(_Writer):
    """Plain Gin. `@f(k=v)` becomes `@<scope>/f()` plus the binding `<scope>/f.k = v`; an
    expression over macros or values only Gin knows becomes a call of `hyperloom.sweep.expr`
    the same way.
    Scopes are named from `tag` (a hash of the file and the config index), so helper bindings
    of different files and configs never collide."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.helpers: list[str] = []
        self.needs_ops = False
        self._count = 0

    def _scope(self) -> str:
        scope = f"hl{self.tag}_{self._count}"
        self._count += 1
        return scope

    def call(self, node: Call) -> str:
        if not node.kwargs:
            return f"@{node.name}()"
        outer, _, name = node.name.rpartition("/")
        full = f"{outer}/{self._scope()}/{name}" if outer else f"{self._scope()}/{name}"
        for k, v in node.kwargs:
            self.helpers.append(f"{full}.{k} = {self.text(v)}")
        return f"@{full}()"

    def func(self, node: Func) -> str:
        raise NodeError(f"`{node.name}(...)` cannot be written to Gin; it is only valid as the "
                        "whole value of a sweep", node.pos)

    def operator(self, node: Node) -> str:
        full = f"{self._scope()}/{GIN_EXPR}"
        if isinstance(node, Unary):
            op, args, ops = node.op, [node.operand], None
        elif isinstance(node, Binary):
            op, args, ops = node.op, [node.left, node.right], None
        elif isinstance(node, BoolOp):
            op, args, ops = node.op, list(node.values), None
        elif isinstance(node, Compare):
            op, args, ops = "compare", [node.first, *(v for _, v in node.rest)], \
                [o for o, _ in node.rest]
        else:  # pragma: no cover
            raise TypeError(f"unknown node {node!r}")
        self.needs_ops = True
        texts = [self.text(a) for a in args]
        lazy = _lazy_operands(op, args)
        for i, a in enumerate(args):
            if i and op in ("and", "or") and i not in lazy and _computes(a):
                # Gin computes what a list, tuple or dict holds when it reads it: a helper that
                # returns the container is called only when Python would read the operand.
                texts[i] = self._value_helper(texts[i])
                lazy[i] = None
        for i, macro in lazy.items():
            # A macro's name, or an uncalled reference: `expr` computes them when it needs them.
            texts[i] = repr(macro) if macro else texts[i].removesuffix("()")
        self.helpers.append(f"{full}.op = {op!r}")
        self.helpers.append(f"{full}.args = [{', '.join(texts)}]")
        if ops is not None:
            self.helpers.append(f"{full}.ops = {ops!r}")
        if lazy:
            self.helpers.append(f"{full}.lazy = {lazy!r}")
        return f"@{full}()"


    def _value_helper(self, text: str) -> str:
        """A call of `expr` that returns `text`'s value, for an operand computed only on demand."""
        full = f"{self._scope()}/{GIN_EXPR}"
        self.helpers.append(f"{full}.op = 'value'")
        self.helpers.append(f"{full}.args = [{text}]")
        return f"@{full}()"


def _computes(node: Node) -> bool:
    """Whether Gin runs something to read `node`: a call, an operation or a macro, at any depth."""
    if isinstance(node, (Call, Unary, Binary, BoolOp, Compare, Macro)):
        return True
    if isinstance(node, (ListNode, TupleNode)):
        return any(_computes(i) for i in node.items)
    if isinstance(node, DictNode):
        return any(_computes(k) or _computes(v) for k, v in node.pairs)
    return False


def _lazy_operands(op: str, args: list[Node]) -> dict[int, str | None]:
    """Operands that `hyperloom.sweep.expr` computes itself, by index: macros (passed by name),
    computed once per evaluation however often they are used (`m0 = %m1 + %m1`, `m1 = %m2 + %m2`, ...
    would otherwise take exponential time in Gin); and operations and calls after the first
    operand of `and`/`or` (None), skipped as Python skips them."""
    lazy: dict[int, str | None] = {}
    for i, a in enumerate(args):
        if isinstance(a, Macro):
            lazy[i] = a.name
        elif op in ("and", "or") and i and isinstance(a, (Call, Unary, Binary, BoolOp, Compare)):
            lazy[i] = None
    return lazy


def json_form(node: Node) -> Any:
    """How a value is stored in a study (params are JSON): known values as JSON (tuples become
    lists), anything else (references, symbolic expressions) as its text."""
    if isinstance(node, Lit):
        try:
            return _json(node.value)
        except (TypeError, ValueError):
            pass
    return node_text(node)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return value
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json(v) for k, v in value.items()}
    raise TypeError(type(value).__name__)

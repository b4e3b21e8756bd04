"""Values as sweep-language text: Gin literals (Python `repr` style) and expressions with the
fewest parentheses Python's precedence needs. This is also a node's repr, so the module knows
nodes only by the names of their classes (the node module imports it, not the other way)."""

from __future__ import annotations

import math
from typing import Any

from ._errors import NodeError
from ._visitor import NodeVisitor

# Python's precedence, low to high.
_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8,
         "+": 9, "-": 9, "*": 10, "/": 10, "//": 10, "%": 10, "unary": 11, "**": 12}
_ATOM = 13


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


class Precedence(NodeVisitor):
    """How tightly a node binds when written as text (atoms bind tightest)."""

    def visit_Lit(self, node: Any) -> int:
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (
                v < 0 or (isinstance(v, float) and math.copysign(1.0, v) < 0)):
            return _PREC["unary"]  # `-4` is written with a unary minus
        return _ATOM

    def visit_Unary(self, node: Any) -> int:
        return _PREC["not"] if node.op == "not" else _PREC["unary"]

    def visit_Binary(self, node: Any) -> int:
        return _PREC[node.op]

    def visit_BoolOp(self, node: Any) -> int:
        return _PREC[node.op]

    def visit_Compare(self, node: Any) -> int:
        return _PREC["cmp"]

    def _atom(self, node: Any) -> int:
        return _ATOM

    visit_ListNode = visit_DictNode = visit__Named = visit_Call = visit_Func = visit_Dist = _atom


_prec = Precedence().visit


class Writer(NodeVisitor):
    """Shared writing of value trees; subclasses decide how calls and operators are written."""

    def text(self, node: Any) -> str:
        return self.visit(node)

    def visit_Lit(self, node: Any) -> str:
        text = node.text
        if text is None:
            text = node.text = literal_text(node.value, node.pos)
        return text

    def visit_Macro(self, node: Any) -> str:
        return f"%{node.name}"

    def visit_Ref(self, node: Any) -> str:
        return f"@{node.name}"

    def visit_TupleNode(self, node: Any) -> str:
        items = [self.visit(i) for i in node.items]
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"

    def visit_ListNode(self, node: Any) -> str:
        return "[" + ", ".join(self.visit(i) for i in node.items) + "]"

    def visit_DictNode(self, node: Any) -> str:
        return "{" + ", ".join(f"{self.visit(k)}: {self.visit(v)}" for k, v in node.pairs) + "}"

    def visit_Call(self, node: Any) -> str:
        args = ", ".join(f"{k}={self.visit(v)}" for k, v in node.kwargs)
        return f"@{node.name}({args})"

    def visit_Dist(self, node: Any) -> str:
        return self.visit(node.source)

    def visit_Func(self, node: Any) -> str:
        args = [self.visit(a) for a in node.args]
        args += [f"{k}={self.visit(v)}" for k, v in node.kwargs]
        return f"{node.name}({', '.join(args)})"


class TextWriter(Writer):
    """The sweep language: what `resolved()` shows and what parses back to the same value."""

    def _wrap(self, node: Any, parens: bool) -> str:
        t = self.visit(node)
        return f"({t})" if parens else t

    def visit_Unary(self, node: Any) -> str:
        if node.op == "not":
            return "not " + self._wrap(node.operand, _prec(node.operand) < _PREC["not"])
        return node.op + self._wrap(node.operand, _prec(node.operand) < _PREC["unary"])

    def visit_Binary(self, node: Any) -> str:
        p = _PREC[node.op]
        if node.op == "**":  # right-associative; the exponent may be unary (2 ** -1)
            left = self._wrap(node.left, _prec(node.left) <= p)
            right = self._wrap(node.right, _prec(node.right) < _PREC["unary"])
        else:
            left = self._wrap(node.left, _prec(node.left) < p)
            right = self._wrap(node.right, _prec(node.right) <= p)
        return f"{left} {node.op} {right}"

    def visit_BoolOp(self, node: Any) -> str:
        p = _PREC[node.op]
        return f" {node.op} ".join(self._wrap(v, _prec(v) <= p) for v in node.values)

    def visit_Compare(self, node: Any) -> str:
        p = _PREC["cmp"]
        out = self._wrap(node.first, _prec(node.first) <= p)
        for op, v in node.rest:
            out += f" {op} " + self._wrap(v, _prec(v) <= p)
        return out


_TEXT = TextWriter()


def node_text(node: Any) -> str:
    """A value as the sweep language writes it (also each node's repr)."""
    return _TEXT.visit(node)

"""Python's operator precedence over the flat chains the grammar produces.

The grammar reads an expression as `operand (binop operand)*` (a deep grammar with one level
per precedence made LALR parsing of long tables several times slower); `Chain` builds the tree
by recursive descent, folding what is known as it goes.
"""

from __future__ import annotations

from typing import Any

from ._errors import NodeError
from ._nodes import Node
from ._values import make_binary, make_boolop, make_compare, make_unary


def _pos(x: Any) -> tuple[int, int] | None:
    return x.pos if isinstance(x, Node) else None


def _same(node: Node) -> Node:
    return node


_COMPARISONS = frozenset(("<", ">", "==", ">=", "<=", "!=", "in", "not in", "is", "is not"))
_ARITH_PREC = {"|": 5, "^": 6, "&": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10,
               "//": 10, "%": 10}


class Chain:
    """Python's precedence over a flat `operand (binop operand)*` chain, by recursive descent:
    or < and < not < comparisons (chained) < | < ^ < & < shifts < + - < * / // %."""

    def __init__(self, items: list[Any]) -> None:
        self.operands = [list(o) if isinstance(o, tuple) else [0, o, _pos(o)]
                         for o in items[0::2]]
        self.ops = list(items[1::2])  # (text, pos)
        self.i = 0  # index of the next operand; the next operator is ops[i - 1]

    def parse(self) -> Node:
        node = self.or_test()
        if self.i != len(self.operands):  # pragma: no cover - the grammar prevents this
            raise NodeError("unexpected operator", self.ops[self.i - 1][1])
        return node

    def _peek(self) -> str | None:
        return self.ops[self.i - 1][0] if 0 < self.i <= len(self.ops) else None

    def _boolean(self, op: str, inner) -> Node:
        first = self.operands[self.i][2]
        values = [inner()]
        while self._peek() == op:
            values.append(inner())
        return values[0] if len(values) == 1 else make_boolop(op, values, _same, first)

    def or_test(self) -> Node:
        return self._boolean("or", self.and_test)

    def and_test(self) -> Node:
        return self._boolean("and", self.not_test)

    def not_test(self) -> Node:
        operand = self.operands[self.i]
        nots, pos = operand[0], operand[2]
        operand[0] = 0
        node = self.comparison()
        for _ in range(nots):  # a loop, not recursion: `not not ... x` may be long
            node = make_unary("not", node, pos, strict=False)
        return node

    def comparison(self) -> Node:
        first = self.arith(5)
        rest = []
        while self._peek() in _COMPARISONS:
            op = self._peek()
            if op == "is" and self.operands[self.i][0]:  # `a is not b`
                self.operands[self.i][0] -= 1
                op = "is not"
            rest.append((op, self.arith(5)))
        return make_compare(first, rest, _same, _pos(first), strict=False) if rest else first

    def arith(self, min_prec: int) -> Node:
        left = self._take()
        while True:
            op = self._peek()
            prec = _ARITH_PREC.get(op or "")
            if prec is None or prec < min_prec:
                return left
            right = self.arith(prec + 1)
            left = make_binary(op, left, right, _pos(left), strict=False)  # type: ignore[arg-type]

    def _take(self) -> Node:
        nots, node, pos = self.operands[self.i]
        if nots:
            raise NodeError("`not` here needs parentheses: write `(not x)`", pos)
        self.i += 1
        return node

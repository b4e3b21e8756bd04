"""Writing values as plain Gin, for what Gin cannot parse itself (calls with arguments and
expressions over macros become bindings in helper scopes), and as the JSON a study stores.
The sweep-language text of a value is `_text.node_text`."""

from __future__ import annotations

import math
from typing import Any

from ._errors import NodeError
from ._nodes import Binary, BoolOp, Call, Compare, DictNode, Func, ListNode, Lit, Macro, Node, Unary
from ._text import Writer, node_text
from ._visitor import NodeVisitor

#: Gin name of the function that evaluates expressions Gin alone cannot (see `_ginops`).
GIN_EXPR = "hyperloom.sweep.expr"
GIN_OPS_MODULE = "hyperloom.sweep._ginops"


class GinWriter(Writer):
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

    def visit_Call(self, node: Call) -> str:
        if not node.kwargs:
            return f"@{node.name}()"
        outer, _, name = node.name.rpartition("/")
        full = f"{outer}/{self._scope()}/{name}" if outer else f"{self._scope()}/{name}"
        for k, v in node.kwargs:
            self.helpers.append(f"{full}.{k} = {self.visit(v)}")
        return f"@{full}()"

    def visit_Func(self, node: Func) -> str:
        raise NodeError(f"`{node.name}(...)` cannot be written to Gin; it is only valid as the "
                        "whole value of a sweep", node.pos)

    def visit_Unary(self, node: Unary) -> str:
        return self._expr(node.op, [node.operand])

    def visit_Binary(self, node: Binary) -> str:
        return self._expr(node.op, [node.left, node.right])

    def visit_BoolOp(self, node: BoolOp) -> str:
        return self._expr(node.op, list(node.values))

    def visit_Compare(self, node: Compare) -> str:
        return self._expr("compare", [node.first, *(v for _, v in node.rest)],
                          [o for o, _ in node.rest])

    def _expr(self, op: str, args: list[Node], ops: list[str] | None = None) -> str:
        """A call of `expr` that computes `op` over `args` when Gin reads it."""
        full = f"{self._scope()}/{GIN_EXPR}"
        self.needs_ops = True
        texts = [self.visit(a) for a in args]
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


class _Computes(NodeVisitor):
    """Whether Gin runs something to read a node: a call, an operation or a macro, at any depth."""

    def _yes(self, node: Node) -> bool:
        return True

    def _no(self, node: Node) -> bool:
        return False

    visit_Call = visit_Unary = visit_Binary = visit_BoolOp = visit_Compare = visit_Macro = _yes
    visit_Lit = visit_Ref = visit_Func = visit_Dist = _no

    def visit_ListNode(self, node: ListNode) -> bool:
        return any(self.visit(i) for i in node.items)

    def visit_DictNode(self, node: DictNode) -> bool:
        return any(self.visit(k) or self.visit(v) for k, v in node.pairs)


_computes = _Computes().visit


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

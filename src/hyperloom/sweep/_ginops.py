"""The one Gin configurable generated configs may need: it evaluates an expression whose operands
only Gin knows (`%d_model * 2` with `d_model` from an included file).

Generated Gin text imports this module (`import hyperloom.sweep._ginops`) only when it needs it,
so importing `hyperloom.sweep` registers nothing in Gin. Gin evaluates every operand before the
call, so `and`/`or` here return Python's result but cannot skip evaluating an operand.
"""

from __future__ import annotations

from typing import Any

import gin

from ._values import BINARY, COMPARE, UNARY


def expr(op: str, args: list[Any], ops: list[str] | None = None) -> Any:
    if op == "compare":
        assert ops is not None and len(ops) == len(args) - 1
        return all(COMPARE[o](a, b) for o, a, b in zip(ops, args, args[1:]))
    if op == "and":
        result = args[0]
        for a in args:
            result = a
            if not a:
                break
        return result
    if op == "or":
        result = args[0]
        for a in args:
            result = a
            if a:
                break
        return result
    if len(args) == 1:
        return UNARY[op](args[0])
    left, right = args
    return BINARY[op](left, right)


expr = gin.configurable("expr", module="hyperloom.sweep")(expr)

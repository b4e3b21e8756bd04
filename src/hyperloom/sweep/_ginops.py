"""The one Gin configurable generated configs may need: it evaluates an expression whose operands
only Gin knows (`%d_model * 2` with `d_model` from an included file).

Generated Gin text imports this module (`import hyperloom.sweep._ginops`) only when it needs it,
so importing `hyperloom.sweep` registers nothing in Gin. Gin evaluates every plain operand before
the call; `and`/`or` receive their computed operands as uncalled references and call them only
when Python would, so they short-circuit as in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gin

from ._values import BINARY, COMPARE, UNARY


def expr(op: str, args: list[Any], ops: list[str] | None = None,
         lazy: list[int] | None = None) -> Any:
    if op == "compare":
        assert ops is not None and len(ops) == len(args) - 1
        return all(COMPARE[o](a, b) for o, a, b in zip(ops, args, args[1:]))
    if op in ("and", "or"):
        return _short_circuit(op, args, lazy or ())
    if len(args) == 1:
        return UNARY[op](args[0])
    left, right = args
    return BINARY[op](left, right)


def _short_circuit(op: str, args: list[Any], lazy: Sequence[int]) -> Any:
    """Python's `and`/`or`: the operands at `lazy` indices are Gin references, called only when
    reached, so `%n > 0 and 1 / %n` with n = 0 is False instead of an error."""
    result = None
    for i, arg in enumerate(args):
        result = arg() if i in lazy else arg
        if (not result) if op == "and" else result:
            break
    return result


expr = gin.configurable("expr", module="hyperloom.sweep")(expr)

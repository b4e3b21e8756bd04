"""The one Gin configurable generated configs may need: it evaluates an expression over macros
or values only Gin knows (`%d_model * 2`) when the configurable that uses it is called, so that
a later binding of the macro changes the value, as in Hyperion.

Generated Gin text imports this module (`import hyperloom.sweep._ginops`) only when it needs it,
so importing `hyperloom.sweep` registers nothing in Gin. Macro operands arrive by name and are
computed once per evaluation; the computed operands of `and`/`or` arrive as uncalled references,
called only when Python would call them, so they short-circuit as in Python.
"""

from __future__ import annotations

import threading
from typing import Any

import gin

from ._values import BINARY, COMPARE, UNARY


def expr(op: str, args: list[Any], ops: list[str] | None = None,
         lazy: dict[int, str | None] | None = None) -> Any:
    """`op` over `args`. At `lazy` indices: a macro's name where a name is given (computed
    here, once per evaluation), else an uncalled Gin reference (see `_render`)."""
    outermost = getattr(_MACROS, "values", None) is None
    if outermost:
        _MACROS.values = {}
    try:
        return _evaluate(op, _Operands(args, lazy or {}), ops)
    finally:
        if outermost:
            _MACROS.values = None


def _evaluate(op: str, operands: _Operands, ops: list[str] | None) -> Any:
    if op in ("and", "or"):
        result = None
        for i in range(len(operands)):
            result = operands[i]
            if (not result) if op == "and" else result:
                break
        return result
    args = [operands[i] for i in range(len(operands))]
    if op == "value":
        return args[0]
    if op == "compare":
        assert ops is not None and len(ops) == len(args) - 1
        return all(COMPARE[o](a, b) for o, a, b in zip(ops, args, args[1:]))
    if len(args) == 1:
        return UNARY[op](args[0])
    left, right = args
    return BINARY[op](left, right)


#: Macro values computed during the outermost `expr` call of this thread (the config cannot
#: change during one evaluation, and a later binding of a macro is seen by the next one).
_MACROS = threading.local()


class _Operands:
    """The operands of one call, calling an uncalled reference when it is first read."""

    def __init__(self, args: list[Any], lazy: dict[int, str | None]) -> None:
        self.args = args
        self.lazy = lazy

    def __len__(self) -> int:
        return len(self.args)

    def __getitem__(self, i: int) -> Any:
        if i not in self.lazy:
            return self.args[i]
        macro = self.lazy[i]
        if macro is None:
            return self.args[i]()
        if macro not in _MACROS.values:
            # What `%name` does: Gin's macro configurable, called in the macro's own scope
            # (a list replaces the active scopes, as for any Gin reference).
            with gin.config_scope(macro.split("/")):
                _MACROS.values[macro] = gin.get_configurable("gin.macro")()
        return _MACROS.values[macro]


expr = gin.configurable("expr", module="hyperloom.sweep")(expr)

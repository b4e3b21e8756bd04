"""A decoded program as formulas, and a safe evaluator of such formulas (a parser over the
operator set, never `eval`): each output prints as nested operator calls, with `+ - *`
between arguments where the operator has that infix (it still clips like the operator)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._decode import decode
from ._genome import Genome
from ._operators import OperatorSet

_INPUT = re.compile(r"x(\d+)")
_INFIX = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}


def to_expression(genome: Genome, params: Mapping[str, Any]) -> list[str]:
    """One formula per output of the program of `params`, over inputs x0, x1, ..."""
    program = decode(genome, params)
    cells = {cell.source: cell for cell in program.cells}

    def render(source: int, reader: int | None) -> str:
        if source < genome.inputs:
            return f"x{source}"
        if reader is not None and source >= reader:
            raise ValueError(f"to_expression: cell {source - genome.inputs} is read through a "
                             "feedback link, which a formula cannot show; decode the params "
                             "and call the program instead")
        cell = cells[source]
        args = [render(s, source) for s in cell.reads]
        op = cell.operator
        if op.infix is not None and len(args) == 2 and not op.uses_constant:
            return f"({args[0]} {op.infix} {args[1]})"
        if op.uses_constant:
            args.append(f"c={cell.constant!r}")
        return f"{op.name}({', '.join(args)})"

    return [render(s, None) for s in program.outputs]


class Formula:
    """A formula of `to_expression`, parsed once: call it with the input values. Each `delay`
    keeps its own state across calls, as in the program."""

    def __init__(self, text: str, operators: OperatorSet) -> None:
        self.text = text
        self._operators = operators
        try:
            tree = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise ValueError(f"Formula: cannot parse {text!r}: {exc.msg}") from None
        self._evaluate = self._compile(tree)

    def __call__(self, inputs: Sequence[Any]) -> Any:
        return self._evaluate(inputs)

    def _compile(self, node: ast.AST) -> Callable[[Sequence[Any]], Any]:
        if isinstance(node, ast.Name) and _INPUT.fullmatch(node.id):
            index = int(node.id[1:])
            return lambda inputs: inputs[index]
        if isinstance(node, ast.BinOp) and type(node.op) in _INFIX:
            return self._call(self._infix(_INFIX[type(node.op)]), [node.left, node.right], 0.0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in self._operators:
            return self._call(self._operators[node.func.id], node.args, _constant(node))
        raise ValueError(f"Formula: {ast.unparse(node)!r} is not an input (x0, x1, ...), an "
                         f"operator call or + - * ; operators: {self._operators.names}")

    def _infix(self, symbol: str) -> Any:
        for op in self._operators:
            if op.infix == symbol:
                return op
        raise ValueError(f"Formula: no operator of the set prints as {symbol!r}")

    def _call(self, op: Any, args: list[ast.AST], constant: float) -> Callable:
        if len(args) != op.arity:
            raise ValueError(f"Formula: {op.name} takes {op.arity} arguments, got {len(args)}")
        parts = [self._compile(a) for a in args]
        if op.stateful:
            state = [0.0]

            def delayed(inputs: Sequence[Any]) -> Any:
                out, state[0] = state[0], op(*(p(inputs) for p in parts))
                return out
            return delayed
        return lambda inputs: op(*(p(inputs) for p in parts), c=constant)


def _constant(call: ast.Call) -> float:
    """The `c=` keyword of an operator call (0 when absent)."""
    for keyword in call.keywords:
        if keyword.arg == "c":
            return float(ast.literal_eval(keyword.value))
        raise ValueError(f"Formula: unknown keyword {keyword.arg!r}; only c=<number> is allowed")
    return 0.0

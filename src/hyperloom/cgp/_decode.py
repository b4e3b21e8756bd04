"""Decoding genes into a program that evaluates only the cells reachable from the outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._genome import Genome
from ._operators import Operator


@dataclass(frozen=True)
class Cell:
    """One active cell: its source number, operator, constant and the sources it reads."""

    source: int
    operator: Operator
    constant: float
    reads: tuple[int, ...]


class Program:
    """A decoded genome: call it with the input values to get the output values. Delay
    operators and feedback links keep one step of state; `reset()` clears it."""

    def __init__(self, genome: Genome, cells: list[Cell], outputs: list[int]) -> None:
        self.genome = genome
        self.cells = cells
        self.outputs = outputs
        self.reset()

    @property
    def active_sources(self) -> list[int]:
        """The sources of the cells that run, in evaluation order."""
        return [cell.source for cell in self.cells]

    def reset(self) -> None:
        self._previous: dict[int, Any] = {}  # a cell's last value (for feedback links)
        self._delayed: dict[int, Any] = {}  # a delay cell's last input

    def __call__(self, inputs: Sequence[Any]) -> list[Any]:
        if len(inputs) != self.genome.inputs:
            raise ValueError(f"Program: expected {self.genome.inputs} inputs, got {len(inputs)}")
        values: dict[int, Any] = dict(enumerate(inputs))
        for cell in self.cells:
            args = [self._read(values, s) for s in cell.reads]
            values[cell.source] = self._apply(cell, args)
        self._previous = {cell.source: values[cell.source] for cell in self.cells}
        return [self._read(values, s) for s in self.outputs]

    def _read(self, values: dict[int, Any], source: int) -> Any:
        return values[source] if source in values else self._previous.get(source, 0.0)

    def _apply(self, cell: Cell, args: list[Any]) -> Any:
        if cell.operator.stateful:
            out = self._delayed.get(cell.source, 0.0)
            self._delayed[cell.source] = cell.operator(*args)
            return out
        return cell.operator(*args, c=cell.constant)


def decode(genome: Genome, params: Mapping[str, Any]) -> Program:
    """The program of `params` (a trial's params over `genome.search_space()`)."""
    outputs = [int(_gene(params, f"out{j}")) for j in range(genome.outputs)]
    active = _reachable(genome, params, outputs)
    cells = [_cell(genome, params, s) for s in sorted(active)]
    return Program(genome, cells, outputs)


def _reachable(genome: Genome, params: Mapping[str, Any], outputs: list[int]) -> set[int]:
    """The cells the outputs depend on, following only the inputs each operator uses."""
    seen: set[int] = set()
    stack = [s for s in outputs if s >= genome.inputs]
    while stack:
        source = stack.pop()
        if source in seen:
            continue
        seen.add(source)
        stack.extend(s for s in _reads(genome, params, source) if s >= genome.inputs)
    return seen


def _reads(genome: Genome, params: Mapping[str, Any], source: int) -> tuple[int, ...]:
    k = source - genome.inputs
    op = genome.operators[_gene(params, f"cell{k}.op")]
    return tuple(int(_gene(params, f"cell{k}.in{i}")) for i in range(op.arity))


def _cell(genome: Genome, params: Mapping[str, Any], source: int) -> Cell:
    k = source - genome.inputs
    op = genome.operators[_gene(params, f"cell{k}.op")]
    constant = float(_gene(params, f"cell{k}.const")) if op.uses_constant else 0.0
    return Cell(source, op, constant, _reads(genome, params, source))


def _gene(params: Mapping[str, Any], name: str) -> Any:
    try:
        return params[name]
    except KeyError:
        raise KeyError(f"CGP params: gene {name!r} is missing; pass the params of a trial over "
                       "this genome's search_space()") from None

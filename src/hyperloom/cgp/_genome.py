"""The genome of a CGP program as a `SearchSpace`: per cell an operator gene, a constant gene
and input genes; per output an output gene. Sources are numbered: the program inputs first
(0 .. inputs-1), then the cells column by column (cell k is source inputs + k)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..space import Choice, SearchSpace, Uniform
from ._operators import NUMERIC, OperatorSet


@dataclass(frozen=True)
class Genome:
    """A `rows x columns` grid of cells over `inputs` program inputs and `outputs` outputs.

    levels_back: a cell reads the program inputs or cells of the previous `levels_back`
        columns (None: all earlier columns).
    feedback: a cell may also read any cell; a link to itself or a later cell gives that
        cell's value from the previous call of the program (0 on the first).
    """

    inputs: int
    outputs: int
    rows: int = 1
    columns: int = 10
    levels_back: int | None = None
    operators: OperatorSet = NUMERIC
    feedback: bool = False

    def __post_init__(self) -> None:
        for field in ("inputs", "outputs", "rows", "columns"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Genome: `{field}` must be an int >= 1, got {value!r}")
        if self.levels_back is not None and (not isinstance(self.levels_back, int)
                                             or self.levels_back < 1):
            raise ValueError(f"Genome: `levels_back` must be an int >= 1 or None, got "
                             f"{self.levels_back!r}")
        if not isinstance(self.operators, OperatorSet):
            raise TypeError("Genome: `operators` must be an OperatorSet, e.g. "
                            "hyperloom.cgp.NUMERIC.select(include=[...])")

    @property
    def n_cells(self) -> int:
        return self.rows * self.columns

    @property
    def arity(self) -> int:
        """Input genes per cell: the largest arity of the operator set."""
        return self.operators.max_arity

    def column_of(self, source: int) -> int:
        """The column of a source (-1 for a program input)."""
        return -1 if source < self.inputs else (source - self.inputs) // self.rows

    def sources_for(self, column: int) -> list[int]:
        """The sources a cell of `column` may read."""
        if self.feedback:
            return list(range(self.inputs + self.n_cells))
        first = 0 if self.levels_back is None else max(0, column - self.levels_back)
        cells = range(self.inputs + first * self.rows, self.inputs + column * self.rows)
        return [*range(self.inputs), *cells]

    @property
    def has_constants(self) -> bool:
        """Whether cells carry a constant gene: only when some operator reads it."""
        return any(op.uses_constant for op in self.operators)

    def search_space(self) -> SearchSpace:
        """Every gene as a distribution: operators and sources are choices, constants uniform."""
        genes: dict[str, Any] = {}
        for k in range(self.n_cells):
            sources = self.sources_for(k // self.rows)
            genes[f"cell{k}.op"] = Choice(self.operators.names)
            if self.has_constants:
                genes[f"cell{k}.const"] = Uniform(-1.0, 1.0)
            for i in range(self.arity):
                genes[f"cell{k}.in{i}"] = Choice(sources)
        outputs = list(range(self.inputs + self.n_cells))
        for j in range(self.outputs):
            genes[f"out{j}"] = Choice(outputs)
        return SearchSpace(genes)

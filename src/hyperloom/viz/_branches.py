"""The chosen-branches view of a graph study: for each choice point (a parameter whose options
are nested search spaces, which is what a graph's switch compiles to), how often the study
chose each branch and the mean and best value of the completed trials that did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..objectives import Direction
from ._data import objective_index
from ._errors import PlotError
from ._groups import ParamGroups, column_groups
from ._table import TrialTable, trial_table


@dataclass(frozen=True, eq=False)
class BranchData:
    """One `ParamGroups` per choice point, in the study's order; a branch never chosen has
    zero trials."""

    choices: list[ParamGroups]
    objective_name: str
    direction: Direction


def has_branches(table: TrialTable) -> bool:
    """Whether some parameter chooses between branches (nested search spaces)."""
    return any(col.branches for col in table.params.values())


def branch_data(study: Any, objective: int = 0) -> BranchData:
    """Each choice point's branches: how many trials chose each (any state), and the mean and
    best value of the completed ones."""
    table = trial_table(study)
    k = objective_index(table, objective)
    cols = [col for col in table.params.values() if col.branches]
    if not cols:
        raise PlotError(f"branches: study {table.study_name!r} has no choice between branches "
                        "(a graph's switch, or a Choice of nested search spaces); "
                        "plot_slice shows its parameters")
    return BranchData([column_groups(table, col, k) for col in cols], table.objective_name(k),
                      table.directions[k])

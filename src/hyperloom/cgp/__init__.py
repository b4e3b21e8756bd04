"""Cartesian genetic programming as a front end: a `Genome` compiles to a `SearchSpace` of genes,
`decode` turns a trial's params into a program that runs only the cells its outputs reach, and
`to_expression` prints it as formulas. Any `Study` (any sampler, storage, n_jobs) evolves it.

`GymTask` (needs gymnasium) maps an environment's observations and actions to program inputs
and outputs and scores a program by its mean return over seeded episodes.
"""

from ._decode import Cell, Program, decode
from ._expression import Formula, to_expression
from ._genome import Genome
from ._gym import GymTask
from ._operators import INTEGER, NUMERIC, Operator, OperatorSet, operator

__all__ = ["INTEGER", "NUMERIC", "Cell", "Formula", "Genome", "GymTask", "Operator", "OperatorSet",
           "Program", "decode", "operator", "to_expression"]


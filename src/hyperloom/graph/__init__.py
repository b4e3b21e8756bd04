"""Graphs of tunable nodes: plain functions whose arguments carry tweaks, wired by an
aggregator. A graph compiles to a conditional `SearchSpace` (`Graph.search_space()`) and is
run with a study's params (`run(g, tweaks=trial.params, **inputs)`)."""

from ._aggregator import aggregator
from ._callbacks import Checkpoint, ConsoleLog, GenerationRecord, History
from ._errors import GraphError, MissingTweakError, SignatureMismatchError
from ._export import dump_tweaks, load_tweaks, save_tweaks
from ._graph import Graph
from ._optimize import optimize
from ._run import ExecutionContext, run
from ._state import delay, set_var, var
from ._structure import permutation, switch
from ._tweaks import call, node, tweaks
from ._wiring import deps, input, mark, tweak

__all__ = [
    "Checkpoint", "ConsoleLog", "GenerationRecord", "History", "optimize",
    "ExecutionContext", "Graph", "GraphError", "MissingTweakError", "SignatureMismatchError",
    "aggregator", "call", "delay", "deps", "dump_tweaks", "input", "load_tweaks", "mark", "node",
    "permutation", "run", "save_tweaks", "set_var", "switch", "tweak", "tweaks", "var",
]

"""Where objective calls run, and the coordinator loop that asks, executes and tells.

This package sits below `study/`: it knows outcomes, executors and scheduling policies, not
studies. `Study.optimize` and `hyperloom run` both drive `Greedy`/`Batched` with a job source
of their own (`hyperloom run` with the `SubprocessExecutor`, whose jobs are `Command`s); a new
executor implements the `Executor` protocol (submit, collect, shutdown).
"""

from ._coordinator import Batched, BatchSource, Greedy, JobSource
from ._executor import Executor
from ._inline import InlineExecutor
from ._outcome import Outcome
from ._subprocess import Command, ProcessOutcome, SubprocessExecutor
from ._threads import ThreadExecutor

__all__ = ["BatchSource", "Batched", "Command", "Executor", "Greedy", "InlineExecutor",
           "JobSource", "Outcome", "ProcessOutcome", "SubprocessExecutor", "ThreadExecutor"]

"""Where objective calls run, and the coordinator loop that asks, executes and tells.

This package sits below `study/`: it knows outcomes, executors and scheduling policies, not
studies. `Study.optimize` and `hyperloom run` both drive `Greedy`/`Batched` with a job source
of their own (`hyperloom run` with the `SubprocessExecutor`, whose jobs are `Command`s); a new
executor implements the `Executor` protocol (submit, collect, shutdown).

Executors whose jobs run in other processes (`ProcessExecutor`, `DaskExecutor`, a
`concurrent.futures` process pool through `FuturesExecutor`) get picklable jobs; an objective
running there reaches its coordinator over a `ChannelServer` (see `_channel.py`).
"""

from ._channel import ChannelClient, ChannelServer, connect
from ._choose import EXECUTOR_NAMES, Chosen, choose_executor
from ._coordinator import Batched, BatchSource, Greedy, JobSource
from ._dask import DaskExecutor
from ._executor import Executor
from ._futures import FuturesExecutor
from ._inline import InlineExecutor
from ._outcome import Outcome
from ._processes import ProcessExecutor
from ._threads import ThreadExecutor

__all__ = ["EXECUTOR_NAMES", "BatchSource", "Batched", "ChannelClient", "ChannelServer",
           "Chosen", "Command", "DaskExecutor", "Executor", "FuturesExecutor", "Greedy",
           "InlineExecutor", "JobSource", "Outcome", "ProcessExecutor", "ProcessOutcome",
           "SubprocessExecutor", "ThreadExecutor", "choose_executor", "connect"]

_SUBPROCESS_NAMES = ("Command", "ProcessOutcome", "RemoteCommand", "SubprocessExecutor",
                     "stop_remote_commands")


def __getattr__(name: str):
    # The subprocess machinery (ctypes, the watchdog) is for `hyperloom run`: loading it only
    # when asked for keeps it off the first `optimize` call (about 3.5 ms).
    if name in _SUBPROCESS_NAMES:
        from . import _subprocess

        return getattr(_subprocess, name)
    raise AttributeError(f"module 'hyperloom.execution' has no attribute {name!r}")

"""How one evaluation ended: a plain value that crosses threads, processes and machines."""

from __future__ import annotations

import pickle
import traceback
from dataclasses import dataclass, field
from typing import Any

from ..storage import TrialState


@dataclass
class Outcome:
    """The state, values and system attributes to tell, plus what went wrong as text.

    It pickles: an error travels as its type name, message and traceback text. The live
    exception is kept (unpickled) only where the objective ran in the coordinator's process,
    so that `optimize` can raise the user's own exception again.
    """

    state: TrialState
    values: list[float] | None = None
    system: dict[str, Any] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    error_traceback: str | None = None
    warning: str | None = None
    worker_lost: bool = False  # the worker died or vanished: not the objective's fault
    error: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def failed(cls, exc: BaseException, reason: str | None = None,
               warning: str | None = None) -> Outcome:
        """A FAILED outcome for `exc`; `reason` (default: its traceback) is the fail_reason."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(TrialState.FAILED, system={"fail_reason": reason or text},
                   error_type=type(exc).__name__, error_message=str(exc),
                   error_traceback=text, warning=warning, error=exc)

    @classmethod
    def lost(cls, reason: str) -> Outcome:
        """A FAILED outcome for a trial whose worker died under it (killed, out of memory,
        its machine gone): `optimize` goes on, and `retry_failed` may run the trial again."""
        return cls(TrialState.FAILED, system={"fail_reason": reason, "worker_lost": True},
                   warning=reason, worker_lost=True)

    def __getstate__(self) -> dict[str, Any]:
        # The exception travels when it pickles (its frames never do), so that `optimize`
        # raises the objective's own exception type whichever process ran it.
        state = dict(self.__dict__)
        if state["error"] is not None and not pickles(state["error"]):
            state["error"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def pickles(exc: BaseException) -> bool:
    """True when `exc` survives a trip to another process as itself."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - anything that does not survive the trip
        return False
    return True

"""How one evaluation ended: a plain value that crosses threads, processes and machines."""

from __future__ import annotations

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
    error: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def failed(cls, exc: BaseException, reason: str | None = None,
               warning: str | None = None) -> Outcome:
        """A FAILED outcome for `exc`; `reason` (default: its traceback) is the fail_reason."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(TrialState.FAILED, system={"fail_reason": reason or text},
                   error_type=type(exc).__name__, error_message=str(exc),
                   error_traceback=text, warning=warning, error=exc)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["error"] = None  # a live exception (and its frames) stays in its process
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

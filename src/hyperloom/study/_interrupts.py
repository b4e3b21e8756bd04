"""What stops `optimize` from outside (Ctrl-C, SIGTERM), and how its trials are told so."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Terminated(SystemExit):
    """SIGTERM arrived while `optimize` ran (what Slurm, Kubernetes and Docker send before they
    kill): the running trials are marked FAILED, then the process exits with status 143
    (128 + SIGTERM), as it would have without hyperloom, unless this is caught."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


#: What stops `optimize` from outside: the running trials are failed, then it goes up.
INTERRUPTS = (KeyboardInterrupt, Terminated)


def interrupt_reason(exc: BaseException) -> str:
    """The fail_reason of trials that an interruption stopped."""
    if isinstance(exc, Terminated):
        return "terminated (SIGTERM)"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (KeyboardInterrupt)"
    return f"optimize stopped by {type(exc).__name__}"


@contextlib.contextmanager
def sigterm_raises_terminated() -> Iterator[None]:
    """While `optimize` runs, SIGTERM raises `Terminated` in the main thread, so that it stops
    like Ctrl-C instead of leaving trials RUNNING. Only where SIGTERM has its default action:
    a program that installed its own handler (or ignores SIGTERM) keeps it."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    raised = False

    def handler(signum: int, frame: object) -> None:
        nonlocal raised
        if not raised:  # a second SIGTERM must not cut the cleanup of the first short
            raised = True
            raise Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

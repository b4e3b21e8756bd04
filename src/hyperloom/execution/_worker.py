"""The main loop of a worker process of the `ProcessExecutor` (run as `python -m`).

It starts as a fresh interpreter, not a fork and not a `multiprocessing` spawn: the user's
`__main__` is never imported again (a script without an `if __name__ == "__main__"` guard
does not start a second study), and no lock held by a coordinator thread is inherited. Jobs
arrive cloudpickled on a socket inherited from the coordinator; each answer is the pickled
`(key, Outcome)`. It dies with the coordinator: end of file on the socket, the parent-death
signal (Linux), or a parent that is no longer its parent.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

from ._outcome import Outcome

_PARENT_POLL_S = 1.0


def _exit_when_orphaned(parent: int) -> None:
    while True:
        time.sleep(_PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(1)


def serve(conn: Connection) -> None:
    """Run jobs until the coordinator sends an empty message or goes away."""
    import cloudpickle

    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not payload:
            return
        key = None
        try:
            key, job = cloudpickle.loads(payload)
            outcome = job()
        except BaseException as exc:  # noqa: BLE001 - the coordinator decides what it means
            outcome = Outcome.failed(exc)
        try:
            answer = pickle.dumps((key, outcome))
        except Exception as exc:  # noqa: BLE001 - an outcome that does not pickle
            answer = pickle.dumps((key, Outcome.failed(exc)))
        conn.send_bytes(answer)


def main() -> None:
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    conn = Connection(fd)
    setup = pickle.loads(conn.recv_bytes())
    sys.path[:] = setup["sys_path"]  # import the user's modules as the coordinator does
    os.chdir(setup["cwd"])
    serve(conn)


if __name__ == "__main__":
    main()

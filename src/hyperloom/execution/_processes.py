"""Jobs run in a pool of worker processes: true parallelism for objectives that hold the GIL.

Each worker runs one job at a time, so when one dies (SIGKILL, the OOM killer, a crash in a C
extension) exactly its job is lost: its outcome is `Outcome.lost` and a new worker takes its
place. A pool from `concurrent.futures` would break as a whole and lose every running job.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Hashable
from multiprocessing.connection import Connection, wait

from ._outcome import Outcome

_STOP_GRACE_S = 2.0


def _worker_env() -> dict[str, str]:
    """This environment, with the folder hyperloom is imported from first on PYTHONPATH (the
    worker imports hyperloom before it learns the coordinator's sys.path)."""
    import hyperloom

    root = os.path.dirname(os.path.dirname(os.path.abspath(hyperloom.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


class _Worker:
    """One worker process and the coordinator's end of its socket."""

    def __init__(self) -> None:
        from ._process import _parent_death_hook  # ctypes: loaded when a worker first starts

        ours, theirs = socket.socketpair()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hyperloom.execution._worker", str(theirs.fileno()),
                 str(os.getpid())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=_worker_env(),
                preexec_fn=_parent_death_hook())
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send_bytes(pickle.dumps({"sys_path": list(sys.path), "cwd": os.getcwd()}))
        self.key: Hashable | None = None  # the job it runs, if any

    def death(self) -> str:
        """How the process ended, in words, once it has."""
        try:
            code = self.proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.wait()
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def stop(self) -> None:
        """Ask the worker to finish (an empty message), kill it if it does not."""
        try:
            self.conn.send_bytes(b"")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
        self.conn.close()


class ProcessExecutor:
    """`max_workers` worker processes, started on the first job; a job is a picklable
    callable returning an `Outcome` (the study layer sends its trials this way)."""

    runs_elsewhere = True

    def __init__(self, max_workers: int) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers!r}")
        self.max_workers = max_workers
        self._idle: list[_Worker] = []
        self._busy: dict[Connection, _Worker] = {}
        self._done: list[tuple[Hashable, Outcome]] = []
        self._started = 0

    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        import cloudpickle

        payload = cloudpickle.dumps((key, job))
        worker = self._idle.pop() if self._idle else _Worker()
        worker.key = key
        try:
            worker.conn.send_bytes(payload)
        except OSError:  # the idle worker died meanwhile: its job is lost, nothing ran
            self._done.append((key, Outcome.lost(f"worker process {worker.proc.pid} "
                                                 f"{worker.death()} before the trial started")))
            return
        self._busy[worker.conn] = worker

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        done, self._done = self._done, []
        if done or not self._busy:
            return done
        for conn in wait(list(self._busy), timeout):
            worker = self._busy.pop(conn)  # type: ignore[arg-type]
            try:
                key, outcome = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                reason = (f"worker process {worker.proc.pid} {worker.death()} while running "
                          "the trial")
                done.append((worker.key, Outcome.lost(reason)))
                conn.close()
                continue
            worker.key = None
            self._idle.append(worker)
            done.append((key, outcome))
        return done

    def shutdown(self) -> None:
        """Stop every worker; a job still running is killed with its process."""
        for worker in self._busy.values():
            worker.kill()
        for worker in [*self._idle, *self._busy.values()]:
            worker.stop()
        self._idle.clear()
        self._busy.clear()

"""PostgreSQL going away: a restart is ridden out, a lost commit is not redone, a server gone
for longer than the retry budget is one clear error.

The restart test restarts the real server; the others put a real TCP relay between the
storage and the server and cut it, as a network or a failover would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from hyperloom.storage import SQLStorage, StorageUnavailableError, TrialState

pytestmark = pytest.mark.postgres
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class _Relay:
    """A TCP relay in front of the server. `stop()` is, to a client, the server going away;
    `cut_after(marker)` closes the next connection that sends `marker` right after the server
    received it, before its answer gets back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.cuts = 0
        self._marker: bytes | None = None
        self._sockets: list[socket.socket] = []
        self.start()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        _close(self._listener)  # shutdown first: a bare close leaves accept() listening
        for s in self._sockets:
            _close(s)
        self._sockets.clear()

    def cut_after(self, marker: bytes) -> None:
        self._marker = marker

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            cut = threading.Event()
            threading.Thread(target=self._to_server, args=(client, server, cut),
                             daemon=True).start()
            threading.Thread(target=self._to_client, args=(server, client, cut),
                             daemon=True).start()

    def _to_server(self, client: socket.socket, server: socket.socket,
                   cut: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                if self._marker is not None and self._marker in data:
                    self._marker = None
                    # Counted first: once the cut is set, the client can lose the answer,
                    # retry and return before this thread runs again.
                    self.cuts += 1
                    cut.set()  # the server's answer is not relayed
                    server.sendall(data)
                    server.shutdown(socket.SHUT_WR)  # it reads the message, then the end
                    break
                server.sendall(data)
        except OSError:
            pass
        _close(client)

    def _to_client(self, server: socket.socket, client: socket.socket,
                   cut: threading.Event) -> None:
        try:
            while (data := server.recv(65536)) and not cut.is_set():
                client.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(server)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


@pytest.fixture
def relay(pg_url):
    url = make_url(pg_url)
    r = _Relay((url.host or "127.0.0.1", url.port or 5432))
    yield r, url.set(host="127.0.0.1", port=r.port).render_as_string(hide_password=False)
    r.stop()


def test_a_commit_whose_answer_is_lost_is_looked_up_not_written_twice(relay):
    proxy, url = relay
    storage = SQLStorage(url, retry_seconds=10)
    sid = storage.create_study("lost-commit", ["minimize"])
    proxy.cut_after(b"COMMIT\x00")  # the COMMIT message itself
    with pytest.warns(RuntimeWarning, match="retrying for up to 10 s"):
        trial_id, number = storage.create_trial(sid)
    assert proxy.cuts == 1
    assert [(t.trial_id, t.number, t.state) for t in storage.get_trials(sid)] == \
        [(trial_id, 0, TrialState.RUNNING)]
    proxy.cut_after(b"COMMIT\x00")  # the COMMIT message itself
    with pytest.warns(RuntimeWarning):
        done = storage.finish_trial(trial_id, TrialState.COMPLETE, [1.5])
    assert proxy.cuts == 2
    assert (done.state, done.values) == (TrialState.COMPLETE, [1.5])
    storage.delete_study(sid)
    storage.close()


@pytest.mark.timed
@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
def test_a_server_away_for_a_second_is_ridden_out(relay):
    proxy, url = relay
    storage = SQLStorage(url, retry_seconds=30)
    sid = storage.create_study("away", ["minimize"])
    proxy.stop()
    threading.Timer(1.0, proxy.start).start()
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match="retrying"):
        trial_id, _ = storage.create_trial(sid)
    assert 0.9 < time.monotonic() - started < 10
    storage.finish_trial(trial_id, TrialState.COMPLETE, [0.0])
    assert [t.state for t in storage.get_trials(sid)] == [TrialState.COMPLETE]
    storage.delete_study(sid)
    storage.close()


@pytest.mark.timed
@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
def test_a_server_gone_longer_than_the_retry_budget_is_one_clear_error(relay):
    proxy, url = relay
    storage = SQLStorage(url, retry_seconds=1)
    sid = storage.create_study("gone", ["minimize"])
    proxy.stop()
    started = time.monotonic()
    with pytest.warns(RuntimeWarning), pytest.raises(
            StorageUnavailableError,
            match=r"127\.0\.0\.1.* stayed unavailable for 1 s .*server is running.*retry_seconds"
    ) as caught:
        storage.create_trial(sid)
    assert 0.9 < time.monotonic() - started < 5
    assert "\n" not in str(caught.value)
    proxy.start()
    storage.delete_study(sid)
    storage.close()


_WORKER = """
    import sys, time, hyperloom as hl
    study = hl.create_study(storage=sys.argv[1], study_name="restart",
                            sampler=hl.samplers.RandomSampler(0))
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        trial.report(x, 0)
        time.sleep(0.05)
        return x * x
    def say_running(study, frozen):
        if frozen.number == 4:
            print("running", flush=True)
    study.optimize(objective, n_trials=int(sys.argv[2]), callbacks=[say_running])
    print("done", flush=True)
"""


def _restart_server() -> None:
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        (pytest.fail if IN_CI else pytest.skip)("pg_ctlcluster is needed to restart the server")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=60)


def _wait_until_ready(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            return
        time.sleep(0.2)


@pytest.mark.slow
def test_optimize_rides_out_a_server_restart_and_leaves_no_trial_running(pg_url):
    n_trials = 100
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_WORKER), pg_url,
                               str(n_trials)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        assert worker.stdout.readline().strip() == "running"
        _restart_server()
        out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
        _wait_until_ready()
    assert worker.returncode == 0, err
    assert out.strip() == "done"
    assert "retrying for up to 60 s" in err  # the restart did reach the worker
    storage = SQLStorage(pg_url)
    sid = storage.get_study_id("restart")
    trials = storage.get_trials(sid)
    assert [t.number for t in trials] == list(range(n_trials))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    storage.delete_study(sid)
    storage.close()


_STOPPED_IN_A_TRANSACTION = """
    import os, signal, sys
    from hyperloom.storage import SQLStorage
    storage = SQLStorage(sys.argv[1])
    trial_id = int(sys.argv[2])
    stopped = []

    def beat_then_stop(conn):  # the trial row is locked until this transaction ends
        conn.exec_driver_sql(f"UPDATE hyperloom_trials SET heartbeat = 1 WHERE trial_id = {trial_id}")
        if not stopped:
            stopped.append(True)
            print("locked", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)

    storage._write(beat_then_stop)
    print("done", flush=True)
"""


@pytest.mark.slow  # the server ends the stalled session after IDLE_IN_TRANSACTION_SECONDS
def test_a_worker_stopped_inside_a_transaction_does_not_stall_the_others(pg_url):
    from hyperloom.storage._url import IDLE_IN_TRANSACTION_SECONDS

    storage = SQLStorage(pg_url)
    sid = storage.create_study("stopped", ["minimize"])
    trial_id, _ = storage.create_trial(sid)
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_STOPPED_IN_A_TRANSACTION),
                               pg_url, str(trial_id)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        storage.finish_trial(trial_id, TrialState.FAILED, None)  # waits for the row lock
        assert time.monotonic() - started < IDLE_IN_TRANSACTION_SECONDS + 5
        worker.send_signal(signal.SIGCONT)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert out.strip() == "done"  # the woken worker retried its unit on a new connection
    assert storage.get_trial(trial_id).state == TrialState.FAILED
    storage.delete_study(sid)
    storage.close()

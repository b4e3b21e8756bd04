"""The channel between objectives running elsewhere and the coordinator that owns their trials.

An objective in a worker process or on a Dask worker calls `trial.suggest_*`, `report` or
`should_prune`; the sampler, pruner and storage that answer live in the coordinator. The
coordinator runs a `ChannelServer` (one authenticated TCP listener, a thread per connected
worker process) and hands its address and key to each job; a worker process keeps one
`ChannelClient` per coordinator and sends requests over it, one at a time.

A request is `(op, args)`; the server's handler (given also a dict it may keep per
connection) answers with a value, or raises, and the exception travels back to be raised again in the worker (as a `RemoteError` carrying the
type name and message when it does not pickle). Connections are authenticated with a random
key (HMAC challenge of `multiprocessing.connection`), so only jobs of this run can talk to it.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from ..exceptions import CoordinatorUnreachable, RemoteError
from ._outcome import pickles

Handler = Callable[[str, tuple, dict], Any]  # (op, args, the connection's session dict)
OnClose = Callable[[dict, bool], None]  # (session, whether the last answer was delivered)
Address = tuple[str, int]


class ChannelServer:
    """Answers requests from workers with `handler(op, args)`, on `address` with `authkey`.

    `bind` is the interface to listen on ("127.0.0.1" for workers on this machine, "0.0.0.0"
    for workers on others) and `advertise` the host name workers connect to.
    """

    def __init__(self, handler: Handler, bind: str = "127.0.0.1",
                 advertise: str | None = None, on_close: OnClose | None = None) -> None:
        self._handler = handler
        self._on_close = on_close
        self.authkey = secrets.token_bytes(32)
        self._listener = Listener((bind, 0), authkey=self.authkey)
        port = self._listener.address[1]
        self.address: Address = (advertise or bind, port)
        self._closed = False
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="hyperloom-channel").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except Exception:  # noqa: BLE001 - closed, or a client that failed authentication
                if self._closed:
                    return
                continue
            with self._lock:
                if self._closed:
                    conn.close()
                    return
                self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="hyperloom-channel-worker").start()

    def _serve(self, conn: Connection) -> None:
        session: dict = {}
        delivered = True
        try:
            while True:
                op, args = conn.recv()
                try:
                    reply = ("ok", self._handler(op, args, session))
                except Exception as exc:  # noqa: BLE001 - raised again in the worker
                    reply = ("error", _portable(exc))
                delivered = False
                conn.send(reply)
                delivered = True
        except (EOFError, OSError):  # the worker process ended, or close() woke us
            pass
        finally:
            with self._lock:  # close() wakes only connections still listed
                if conn in self._connections:
                    self._connections.remove(conn)
                conn.close()
            if self._on_close is not None and not self._closed:
                self._on_close(session, delivered)

    def close(self) -> None:
        """Stop listening, and end every connection (their threads see end of file)."""
        self._closed = True
        try:  # closing a listening socket does not wake a thread in accept(): a connection does
            socket.create_connection(self._listener.address, timeout=1).close()
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for conn in self._connections:
                _wake(conn)


def _wake(conn: Connection) -> None:
    """Shut the connection's socket down so that a thread blocked reading it returns; the
    thread closes it (closing it here too could close a descriptor reused meanwhile)."""
    try:
        sock = socket.fromfd(conn.fileno(), socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


def _portable(exc: BaseException) -> BaseException:
    """`exc` itself when it pickles and unpickles, else a RemoteError naming it."""
    if not pickles(exc):
        return RemoteError(f"{type(exc).__name__}: {exc}")
    exc.__traceback__ = None
    return exc


class ChannelClient:
    """One connection to a coordinator, shared by the threads of a worker process."""

    def __init__(self, address: Address, authkey: bytes) -> None:
        try:
            self._conn = Client(tuple(address), authkey=authkey)
        except OSError as exc:
            raise CoordinatorUnreachable(f"cannot reach the coordinator at {address[0]}:{address[1]} "
                                f"({exc}); is it running, and is that address reachable from "
                                "this worker?") from exc
        self._lock = threading.Lock()

    def call(self, op: str, *args: Any) -> Any:
        with self._lock:
            try:
                self._conn.send((op, args))
                status, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise CoordinatorUnreachable("the coordinator closed the connection (it stopped or "
                                    "finished the trial)") from exc
        if status == "error":
            raise value
        return value


_CLIENTS: dict[tuple[Address, bytes], ChannelClient] = {}
_CLIENTS_LOCK = threading.Lock()


def connect(address: Address, authkey: bytes) -> ChannelClient:
    """This process's connection to the coordinator at `address` (made once, then reused)."""
    key = (tuple(address), authkey)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = ChannelClient(address, authkey)
        return client


def forget(address: Address, authkey: bytes) -> None:
    """Drop a broken connection so that the next `connect` makes a new one."""
    with _CLIENTS_LOCK:
        _CLIENTS.pop((tuple(address), authkey), None)


def host_facing(address: str) -> str:
    """This machine's IP address on the route to `address` (a Dask scheduler's host), which
    workers there can reach back; "127.0.0.1" for a local address."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if host in ("", "localhost", "127.0.0.1", "::1"):
        return "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((host, 9))  # no packet is sent: this only picks the route
            return probe.getsockname()[0]
    except OSError:
        return socket.gethostbyname(socket.gethostname())

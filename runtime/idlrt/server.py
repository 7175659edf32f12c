"""``Server``: registers managers, listens on bindings, stops gracefully. Layer 5 (server),
its top: it makes a ``dispatch.ServerConnection`` per client and is their ``ConnectionHost``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import inspect
import logging
import os
import socket
import ssl as _ssl
import stat
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from .binding import TCP, Binding
from .dceserver import Accounts, DceServerConnection
from .dispatch import ServerConnection
from .errors import RpcError
from .model import Interface
from .registry import Op, Registration, SecurityCallback, routines
from .session import ServerSession
from .status import (
    RPC_S_ALREADY_REGISTERED,
    RPC_S_CANT_CREATE_ENDPOINT,
    RPC_S_DUPLICATE_ENDPOINT,
    RPC_S_INVALID_NET_ADDR,
    RPC_S_NOT_LISTENING,
)
from .wire.msgpack import DEFAULT_MAX_REQUEST

log = logging.getLogger("idlrt")

_CLOSE_WAIT = 1.0  # seconds stop() waits for closed connections to finish writing


def _check_unix_path_free(path: str) -> None:
    """asyncio replaces an existing socket file: refuse if a server still answers on it."""
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            return  # absent, or not a socket (then binding fails with a clear error)
    except OSError:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return  # a stale socket file: asyncio removes it
    raise RpcError(RPC_S_DUPLICATE_ENDPOINT, f"ncalrpc:[{path}]: a server is listening there")


@dataclass(frozen=True, slots=True)
class ServerStats:
    """A snapshot of a server's activity."""

    calls_in_progress: int  # dispatched and not yet finished, parked [async] calls included
    connections: int  # open client connections
    calls_total: int  # calls dispatched since the server was made
    context_handles: int = 0  # context handles open on all connections


@dataclass(frozen=True, slots=True)
class ConnectionStats:
    """A snapshot of one client connection of a server."""

    protseq: str
    peer: object  # as CallContext.peer
    calls_in_progress: int  # calls the client is still owed a reply for
    context_handles: int  # context handles open on this connection


class FirstOctet(asyncio.Protocol):
    """A connection whose wire is not known yet: its first octet tells (5, the DCE/RPC version,
    cannot start a msgpack array), and the protocol of that wire takes the transport over."""

    def __init__(self, server: Server, protseq: str) -> None:
        self.server = server
        self.protseq = protseq
        self.transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None  # a client that never says a word

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        server = self.server
        if server.stopping or server.connection_count() >= server.max_connections:
            transport.close()  # over max_connections: its client sees 1722
            return
        server._sniffing.add(self)
        if server.idle_timeout is not None:
            self._timer = server.loop.call_later(server.idle_timeout, self.close)

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        assert transport is not None
        self._stop_timer()
        self.server._sniffing.discard(self)
        proto: ServerSession
        if data[:1] == b"\x05":
            proto = DceServerConnection(self.server, self.protseq)
        else:
            proto = ServerConnection(self.server, self.protseq)
        transport.set_protocol(proto)
        proto.connection_made(transport)
        proto.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self.server._sniffing.discard(self)

    def close(self) -> None:
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Server:
    """An RPC server: ``register`` managers, ``await listen(binding)``, ``await stop()``.

    Each listening endpoint speaks both wires: idlrt's msgpack framing and DCE/RPC (NDR20),
    told apart by a connection's first octet.

    Plain ``def`` routines of non-``[async]`` procedures run in a thread pool (``executor``,
    default: a ``ThreadPoolExecutor`` the server owns); ``async def`` routines and the routines
    of ``[async]`` procedures run on the event loop of the first ``listen()``.
    """

    # interface UUID -> a factory of the manager that serves it unless the application does:
    # the endpoint mapper (set by the ``idlrt`` package, which sits above this module)
    builtin_managers: dict[str, Callable[[Server], object]] = {}

    def __init__(
        self,
        *,
        max_calls: int = 10000,
        max_request: int = DEFAULT_MAX_REQUEST,
        executor: Executor | None = None,
        accounts: Accounts | None = None,
        min_auth_level: int = 0,
        max_connections: int = 4096,
        max_calls_per_connection: int | None = None,
        idle_timeout: float | None = 600.0,
        message_timeout: float | None = 30.0,
        max_queued_reply: int = 64 * 1024 * 1024,
        debug: bool = False,
    ) -> None:
        """``accounts`` (an ``idlrt.Accounts``): the users that may authenticate with NTLM on
        the DCE/RPC wire; None refuses authenticated binds. ``min_auth_level``: calls on an
        association authenticated below this DCE level (2 connect, 5 integrity, 6 privacy;
        0 for none) are refused with 5; over 0, the msgpack wire, which does not
        authenticate, is refused at BIND with 5.

        Limits on what one client may hold (docs/reliability.md): ``max_connections`` open
        at once (more are closed as they arrive, 1722 to their clients);
        ``max_calls_per_connection`` in progress on one connection (default ``max_calls``;
        more are refused with 1723); ``idle_timeout`` seconds without input, calls or context
        handles before a connection is closed; ``message_timeout`` seconds in which a message
        begun must be finished, or the connection is dropped (slow senders); and
        ``max_queued_reply`` octets of replies queued for a client that does not read them,
        past which it is dropped (it is not read from once its replies back up). None turns
        a timeout off.

        ``debug=True`` sends the type and message of an exception raised by a manager routine
        with its 1726 fault, on the msgpack wire (docs/runtime.md, "Debug mode"). Unsafe in
        production: it shows the server's internals to every client.
        """
        if max_calls < 1 or max_request < 1 or max_connections < 1 or max_queued_reply < 1:
            raise ValueError("max_calls, max_request, max_connections, max_queued_reply: >= 1")
        self.max_calls = max_calls
        self.max_request = max_request
        self.accounts = accounts
        self.min_auth_level = min_auth_level
        self.max_connections = max_connections
        self.max_calls_per_connection = max_calls_per_connection or max_calls
        self.idle_timeout = idle_timeout
        self.message_timeout = message_timeout
        self.max_queued_reply = max_queued_reply
        self.debug = debug
        self.in_progress = 0
        self.calls_total = 0
        self.context_handles = 0
        self.stopping = False
        self._executor = executor
        self._own_executor = executor is None
        self._registry: dict[tuple[str, int], Registration] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[asyncio.Server] = []
        self._unix_paths: list[str] = []
        self._connections: set[ServerSession] = set()
        self._sniffing: set[FirstOctet] = set()  # accepted, wire not yet known
        self.endpoints: list[tuple[str, int]] = []  # (host, port) of each TCP listener
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None  # set when in_progress drops to 0 (in stop())
        self._no_connections: asyncio.Event | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None

    # -- registration -------------------------------------------------------------------------

    def register(
        self, manager: object, *, security_callback: SecurityCallback | None = None
    ) -> None:
        """Serve the interface of ``manager`` (an instance of a generated ``XManager`` subclass).

        ``security_callback(ctx)`` is asked before each call; a false result refuses the
        call with 5 RPC_S_ACCESS_DENIED (as does an exception, which is logged).

        The routines are checked here, not at their first call: a routine that is missing,
        misnamed (a method of nearly its name, left beside the generated default) or cannot
        take the arguments of its procedure raises ``TypeError`` (``registry.routines``).
        """
        iface = getattr(type(manager), "_idl_interface_", None)
        if not isinstance(iface, Interface):
            raise TypeError(f"{type(manager).__name__} is not a generated manager class")
        key = (iface.uuid, iface.version[0])
        if key in self._registry:
            raise RpcError(RPC_S_ALREADY_REGISTERED, f"{iface.name} {iface.uuid} v{key[1]}")
        reg = Registration(iface, manager, security_callback, self.debug)
        fns = routines(manager, iface)  # TypeError for a misnamed or mis-sized routine
        reg.ops = tuple(
            Op(proc, fn, inspect.iscoroutinefunction(fn), reg)
            for proc, fn in zip(iface.procedures, fns, strict=True)
        )
        self._registry[key] = reg

    def connection_count(self) -> int:
        """Client connections open, those whose wire is not known yet included."""
        return len(self._connections) + len(self._sniffing)

    def registrations(self) -> list[Registration]:
        """What the server serves, in the order it was registered."""
        return list(self._registry.values())

    def lookup(self, uuid: str, major: int, minor: int) -> Registration | None:
        """The registration that serves ``uuid`` ``major.minor`` (SEMANTICS rule 15), or None.

        The endpoint mapper's interface is served on demand (``builtin_managers``)."""
        reg = self._registry.get((uuid, major))
        if reg is None and uuid in self.builtin_managers:
            self.register(self.builtin_managers[uuid](self))
            reg = self._registry.get((uuid, major))
        if reg is None or reg.interface.version[1] < minor:
            return None
        return reg

    # -- listening ----------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the server runs on (that of its first ``listen()``)."""
        if self._loop is None:
            raise RuntimeError("the server is not listening")
        return self._loop

    async def listen(self, binding: str, *, ssl: _ssl.SSLContext | None = None) -> str:
        """Listen on ``binding``; returns the binding actually used (with the chosen port).

        ``ssl`` (TCP only): serve TLS with this server-side context; a client certificate it
        verifies reaches the manager as ``CallContext.peer_certificate``.
        """
        b = Binding.parse(binding)
        if ssl is not None and b.protseq != TCP:
            raise ValueError(f"{b}: TLS is for ncacn_ip_tcp only")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("a Server runs on one event loop")
        if self.stopping:
            raise RpcError(RPC_S_NOT_LISTENING, "the server is stopped")

        def factory() -> FirstOctet:
            return FirstOctet(self, b.protseq)

        try:
            if b.protseq == TCP:
                servers, port = await self._listen_tcp(loop, factory, b, ssl)
                self._listeners.extend(servers)
                for listener in servers:
                    for sock in listener.sockets:
                        self.endpoints.append((str(sock.getsockname()[0]), port))
                return str(b.with_port(port))
            _check_unix_path_free(b.path)
            listener = await loop.create_unix_server(factory, b.path)
        except socket.gaierror as exc:
            raise RpcError(RPC_S_INVALID_NET_ADDR, f"{b}: {exc}") from None
        except OSError as exc:
            code = (
                RPC_S_DUPLICATE_ENDPOINT
                if exc.errno == errno.EADDRINUSE
                else RPC_S_CANT_CREATE_ENDPOINT
            )
            raise RpcError(code, f"{b}: {exc.strerror or exc}") from None
        self._listeners.append(listener)
        self._unix_paths.append(b.path)
        return str(b)

    async def _listen_tcp(
        self,
        loop: asyncio.AbstractEventLoop,
        factory: Any,
        b: Binding,
        ssl: _ssl.SSLContext | None,
    ) -> tuple[list[asyncio.Server], int]:
        host = b.host or None
        if b.port:
            server = await loop.create_server(factory, host, b.port, ssl=ssl)
            return [server], b.port
        # Port 0 on a name with several addresses: take the port the first socket got for all.
        infos = await loop.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        addrs = list(dict.fromkeys(str(info[4][0]) for info in infos))
        first = await loop.create_server(factory, addrs[0], 0, ssl=ssl)
        port = int(first.sockets[0].getsockname()[1])
        servers = [first]
        for addr in addrs[1:]:
            try:
                servers.append(await loop.create_server(factory, addr, port, ssl=ssl))
            except OSError as exc:  # e.g. IPv6 disabled: the first address still works
                log.debug("idlrt: not listening on %s[%d]: %s", addr, port, exc)
        return servers, port

    async def serve_forever(self) -> None:
        """Wait until ``stop()`` has finished. Cancelled, it stops the server."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        try:
            await asyncio.shield(self._stopped_future())
        except asyncio.CancelledError:
            await self.stop()
            raise

    def _stopped_future(self) -> asyncio.Future[None]:
        if self._stopped is None:
            self._stopped = self.loop.create_future()
        return self._stopped

    # -- stopping -----------------------------------------------------------------------------

    async def stop(self, grace: float | None = None) -> None:
        """Stop listening (new calls on open connections fail with 1722); with ``grace``, let
        calls in progress finish for up to ``grace`` seconds; then close every connection,
        which cancels the calls left (their clients get 1726, rule 12) and runs the rundown
        of every open context handle once (rule 11). Idempotent; concurrent calls share one
        stop."""
        if self._loop is None:
            self.stopping = True
            return
        if self._stop_task is None:
            self._stop_task = self._loop.create_task(self._stop(grace))
        await asyncio.shield(self._stop_task)

    async def _stop(self, grace: float | None) -> None:
        self.stopping = True
        for listener in self._listeners:
            listener.close()
        for path in self._unix_paths:
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.stat(path).st_mode):
                    os.unlink(path)
        if grace and self.in_progress:
            self._idle = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
        for sniffer in list(self._sniffing):
            sniffer.close()
        if self._connections:
            self._no_connections = asyncio.Event()
            for conn in list(self._connections):
                conn.close()
        for task in list(self._tasks):
            task.cancel()
        if self._no_connections is not None and self._connections:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._no_connections.wait(), _CLOSE_WAIT)
            for conn in list(self._connections):  # peers that do not read what we still owe
                conn.abort()
            if self._connections:  # abort() reports connection_lost on the next loop pass
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._no_connections.wait(), _CLOSE_WAIT)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=_CLOSE_WAIT)
        if self._executor is not None and self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._stopped_future().set_result(None)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- bookkeeping (used by the connections, on the loop thread) ----------------------------

    @property
    def executor(self) -> Executor:
        """The pool that runs plain ``def`` routines."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(thread_name_prefix="idlrt-server")
        return self._executor

    def call_started(self) -> None:
        self.in_progress += 1
        self.calls_total += 1

    def call_ended(self) -> None:
        self.in_progress -= 1
        if not self.in_progress and self._idle is not None:
            self._idle.set()

    def connection_opened(self, conn: ServerSession) -> None:
        self._connections.add(conn)
        if self.stopping:
            conn.close()

    def connection_closed(self, conn: ServerSession) -> None:
        self._connections.discard(conn)
        if not self._connections and self._no_connections is not None:
            self._no_connections.set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as a task the server keeps (and cancels when it stops)."""
        loop = self.loop
        if sys.version_info >= (3, 12):
            task = asyncio.Task(coro, loop=loop, eager_start=True)
            if task.done():
                return
        else:
            task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stats(self) -> ServerStats:
        """Counts of calls in progress, connections and open context handles."""
        return ServerStats(
            self.in_progress, len(self._connections), self.calls_total, self.context_handles
        )

    def connection_stats(self) -> list[ConnectionStats]:
        """One snapshot per open client connection."""
        return [
            ConnectionStats(c.protseq, c.peer, c.calls_in_progress(), c.context_handles())
            for c in self._connections
        ]

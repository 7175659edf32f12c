"""``Client``: the base of generated blocking clients, usable from any thread.

All blocking clients of a process share one event loop running in a daemon thread (started on
first use, restarted in a forked child): a call hands its request to that loop and parks the
calling thread on a lock until the reply arrives; the reply is decoded in the calling thread.

Layer 5 (client), above ``client``, whose connection it shares: imports layers 1-4 and ``client``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl as _ssl
import threading
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar, cast

from . import pipecalls
from .asyncclient import open_connection
from .binding import Binding
from .call import AsyncCall, decode_reply, failure_outcome
from .callbacks import Callbacks, attach, checked
from .client import ClientConnection
from .errors import RpcError
from .model import Interface, Procedure
from .status import RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED_DNE

R = TypeVar("R")

_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def shared_loop() -> asyncio.AbstractEventLoop:
    """The event loop of the blocking clients (started on first use)."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=_run_loop, args=(loop, ready), name="idlrt-client", daemon=True
            )
            thread.start()
            ready.wait()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


class BlockingCall:
    """A call whose caller waits on a lock; the reply is decoded in the caller's thread."""

    __slots__ = ("code", "detail", "fault", "lock", "payload", "proc")

    def __init__(self, proc: Procedure[Any]) -> None:
        self.proc = proc
        self.lock = threading.Lock()
        self.lock.acquire()
        self.code = -1  # -1: pending; 0: payload arrived; else the failure code
        self.payload = b""
        self.detail: str | None = None
        self.fault = False  # the failure came from the server

    def is_pending(self) -> bool:
        return self.code == -1

    def resolve(self, payload: bytes) -> None:
        if self.code == -1:
            self.payload = payload
            self.code = 0
            self.lock.release()

    def fail(self, code: int, detail: str | None, fault: bool = False) -> None:
        if self.code == -1:
            self.detail = detail
            self.fault = fault
            self.code = code
            self.lock.release()


class Client:
    """Base of the generated blocking clients (``XClient``).

    ``call_timeout``: as on ``AsyncClient``, the default limit of every call, in seconds.
    """

    _idl_interface_: ClassVar[Interface]

    def __init__(
        self, conn: ClientConnection, ctx_id: int, call_timeout: float | None = None
    ) -> None:
        self._conn = conn
        self._ctx = ctx_id
        self.call_timeout = call_timeout

    @classmethod
    def connect(
        cls,
        binding: str,
        *,
        timeout: float | None = None,
        ssl: _ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        call_timeout: float | None = None,
        wire: str | None = None,
        auth: Any = None,
        object_uuid: str | None = None,
        callbacks: Callbacks | None = None,
    ) -> Self:
        """Connect to ``binding`` and bind the class's interface (blocks); the keywords are
        those of ``AsyncClient.connect``. ``callbacks``: an ``async def`` callback runs on
        the blocking clients' shared loop (it must not block), a plain one in a worker thread."""
        _not_on(_loop, f"{cls.__name__}.connect")
        served = None if callbacks is None else checked(callbacks, cls._idl_interface_)
        b = Binding.parse(binding)
        loop = shared_loop()
        obj = None if object_uuid is None else uuid.UUID(object_uuid)
        fut = asyncio.run_coroutine_threadsafe(
            open_connection(b, cls._idl_interface_, timeout, ssl, server_hostname, wire, auth, obj),
            loop,
        )
        conn, ctx_id = fut.result()
        if served is not None:
            attach(conn, ctx_id, served)
        return cls(conn, ctx_id, call_timeout)

    @property
    def binding(self) -> str:
        """The binding this client is connected to."""
        return str(self._conn.binding)

    def close(self) -> None:
        """Close the connection; calls still in progress fail with 1726."""
        conn = self._conn
        if threading.get_ident() == conn.thread_id:
            conn.close()
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed (interpreter shutdown)
            asyncio.run_coroutine_threadsafe(conn.aclose(), conn.loop).result()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(
        self,
        proc: Procedure[R],
        args: tuple[object, ...],
        timeout: float | None = None,
        pipes: Sequence[object] = (),
    ) -> R:
        """One call; blocks the calling thread until the reply, or until ``timeout`` seconds
        (default: ``call_timeout``) have passed: then the call is cancelled abortively and
        fails with 1818. ``pipes``: a source or sink per pipe of ``proc``, in index order;
        this thread pumps the sources and calls the sinks (docs/pipes.md)."""
        conn = self._conn
        _not_on(conn.loop, f"{type(self).__name__}.{proc.method}")
        if pipes or proc.pipes:
            timeout = self.call_timeout if timeout is None else timeout
            return pipecalls.call_blocking(conn, self._ctx, proc, args, timeout, pipes)
        data = conn.encode_args(proc, args)
        call = BlockingCall(proc)
        call_id = next(conn.ids)
        try:
            conn.loop.call_soon_threadsafe(conn.request, self._ctx, proc, data, call, call_id)
        except RuntimeError:
            raise RpcError(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed") from None
        if timeout is None:
            timeout = self.call_timeout
        try:
            if timeout is None:
                call.lock.acquire()
            elif not call.lock.acquire(timeout=max(timeout, 0.0)):
                conn.cancel_call(call_id, True)
                raise RpcError(
                    RPC_S_CALL_CANCELLED, f"no reply within the call timeout of {timeout} s"
                )
        except RpcError:
            raise
        except BaseException:  # KeyboardInterrupt: cancel the call, abortively
            conn.cancel_call(call_id, True)
            raise
        if call.code:
            code, value, detail = failure_outcome(proc, call.code, call.detail, call.fault)
        else:
            code, value, detail = decode_reply(proc, call.payload, conn.ndr)
        if code:
            raise RpcError(code, detail)
        return cast(R, value)

    def _start(
        self,
        proc: Procedure[R],
        args: tuple[object, ...],
        timeout: float | None = None,
        pipes: Sequence[object] = (),
    ) -> AsyncCall[R]:
        """Start an ``[async]`` call; returns at once (``timeout`` as on ``AsyncClient``).
        With ``pipes``, a task of the shared client loop drives them: sources and sinks run
        on that loop and must not block it (docs/pipes.md)."""
        conn = self._conn
        if timeout is None:
            timeout = self.call_timeout
        if pipes or proc.pipes:
            return pipecalls.start(conn, self._ctx, proc, args, timeout, pipes)
        data = conn.encode_args(proc, args)
        call = AsyncCall(conn, next(conn.ids), proc)
        try:
            conn.loop.call_soon_threadsafe(conn.start, self._ctx, proc, data, call, timeout)
        except RuntimeError:
            call.fail(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed")
        return call


def _not_on(loop: asyncio.AbstractEventLoop | None, what: str) -> None:
    """RuntimeError at once where a blocking call cannot work: on a thread whose asyncio loop
    is running, the call would stop that loop until its reply (forever, if the server or
    anything the reply needs runs on it). ``loop`` is the blocking clients' own loop."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if running is loop:
        raise RuntimeError(f"blocking {what} on the idlrt client loop would deadlock")
    raise RuntimeError(
        f"blocking {what} on a thread where an asyncio event loop is running: it would block "
        "the loop until the reply; use the generated XAsyncClient (await it), or run the "
        "blocking client in a thread (asyncio.to_thread)"
    )

"""``AsyncClient``, the base of generated asyncio clients, and how any client connects:
choosing the wire, asking the endpoint mapper for a port, connecting and binding.
Layer 5 (client), above ``client`` (the connection protocol) and beside ``dceclient``.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar, cast

from . import pipecalls
from .binding import TCP, WIRES, Binding
from .call import AsyncCall, decode_result, failure_outcome
from .callbacks import Callbacks, attach, checked
from .client import CallFailed, ClientConnection
from .errors import RpcError
from .model import Interface, Procedure
from .status import (
    RPC_S_CALL_FAILED_DNE,
    RPC_S_SEC_PKG_ERROR,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_X_BAD_STUB_DATA,
)

R = TypeVar("R")


# Connections of the DCE/RPC wire, and the endpoint mapper's port lookup for a binding
# without port: set by the ``idlrt`` package (``dceclient`` and ``epm`` sit beside or above).
DceFactory = Callable[[asyncio.AbstractEventLoop, Binding, Any, Any], ClientConnection]
dce_connection: DceFactory | None = None
EndpointResolver = Callable[[Binding, Interface], Awaitable[int]]
resolve_endpoint: EndpointResolver | None = None


def choose_wire(binding: Binding, wire: str | None, auth: object) -> str:
    """The wire a client speaks: ``wire``, else the binding's option, else DCE/RPC when it
    authenticates or asks the endpoint mapper, else msgpack."""
    chosen = wire or binding.wire
    if chosen is None:
        chosen = "dcerpc" if auth is not None or not binding.has_port else "msgpack"
    if chosen not in WIRES:
        raise ValueError(f"wire must be one of {', '.join(WIRES)}, not {chosen!r}")
    if chosen == "msgpack" and auth is not None:
        raise ValueError("auth= is for the DCE/RPC wire (wire='dcerpc')")
    return chosen


async def open_connection(
    binding: Binding,
    iface: Interface,
    timeout: float | None,
    ssl: _ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    wire: str | None = None,
    auth: Any = None,
    object_uuid: Any = None,
) -> tuple[ClientConnection, int]:
    """Connect to ``binding`` and bind ``iface``: RpcError 1722 if unreachable, 1717 if refused,
    1825 RPC_S_SEC_PKG_ERROR if the TLS handshake fails. ``wire``, ``auth`` and
    ``object_uuid``: as ``AsyncClient.connect`` says."""
    loop = asyncio.get_running_loop()
    if ssl is not None and binding.protseq != TCP:
        raise ValueError(f"{binding}: TLS is for ncacn_ip_tcp only")
    chosen = choose_wire(binding, wire, auth)

    def factory() -> ClientConnection:
        if chosen == "dcerpc":
            assert dce_connection is not None
            return dce_connection(loop, binding, auth, object_uuid)
        return ClientConnection(loop, binding)

    conn: ClientConnection | None = None
    try:
        async with asyncio.timeout(timeout):
            if binding.protseq == TCP and not binding.has_port:
                assert resolve_endpoint is not None
                binding = binding.with_port(await resolve_endpoint(binding, iface))
            if binding.protseq == TCP:
                host = binding.connect_host
                tls: dict[str, Any] = {}
                if ssl is not None:
                    tls = {"ssl": ssl, "server_hostname": server_hostname or host}
                _, proto = await loop.create_connection(factory, host, binding.port, **tls)
            else:
                _, proto = await loop.create_unix_connection(factory, binding.path)
            conn = proto
            return conn, await conn.bind(iface)
    except _ssl.SSLError as exc:
        if conn is not None:
            conn.abort()
        raise RpcError(RPC_S_SEC_PKG_ERROR, f"{binding}: TLS: {exc.reason or exc}") from None
    except OSError as exc:  # TimeoutError included
        if conn is not None:
            conn.abort()
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"{binding}: {reason}") from None
    except BaseException:
        if conn is not None:
            conn.abort()
        raise


class AsyncClient:
    """Base of the generated asyncio clients (``XAsyncClient``). Bound to one event loop.

    ``call_timeout``: seconds every call may take unless its own ``timeout`` says otherwise
    (None: no limit); a call that runs out is cancelled abortively and fails with 1818.
    """

    _idl_interface_: ClassVar[Interface]

    def __init__(
        self, conn: ClientConnection, ctx_id: int, call_timeout: float | None = None
    ) -> None:
        self._conn = conn
        self._ctx = ctx_id
        self.call_timeout = call_timeout

    @classmethod
    async def connect(
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
        """Connect to ``binding`` and bind the class's interface.

        ``timeout`` bounds connecting and binding (1722 when it runs out). ``ssl``: speak TLS
        (TCP only) with this client-side context, checking the server's name against
        ``server_hostname`` (default: the binding's host). ``wire``: "msgpack" (the default)
        or "dcerpc" (also the binding option ``[PORT,wire=dcerpc]``). ``auth``: an
        ``idlrt.NtlmAuth``, which implies DCE/RPC. A TCP binding without port asks the
        endpoint mapper at the host's port 135, over DCE/RPC. ``object_uuid``: the object
        every DCE/RPC request names. ``callbacks``: an instance of the interface's generated
        ``Callbacks`` subclass, which serves the server's ``[callback]`` calls.
        """
        served = None if callbacks is None else checked(callbacks, cls._idl_interface_)
        b = Binding.parse(binding)
        obj = None if object_uuid is None else uuid.UUID(object_uuid)
        conn, ctx_id = await open_connection(
            b, cls._idl_interface_, timeout, ssl, server_hostname, wire, auth, obj
        )
        if served is not None:
            attach(conn, ctx_id, served)
        return cls(conn, ctx_id, call_timeout)

    @property
    def binding(self) -> str:
        """The binding this client is connected to."""
        return str(self._conn.binding)

    async def close(self) -> None:
        """Close the connection; calls still in progress fail with 1726."""
        await self._conn.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _call(
        self,
        proc: Procedure[R],
        args: tuple[object, ...],
        timeout: float | None = None,
        pipes: Sequence[object] = (),
    ) -> R:
        """One call: send the request, await the reply. Cancelling the awaiting task cancels
        the call abortively (the server is told), as does running out of ``timeout`` seconds
        (default: ``call_timeout``), which fails the call with 1818. ``pipes``: a source or
        sink per pipe of ``proc``, in index order (docs/pipes.md).

        The connection hands the reply's payload (or a ``CallFailed``) to a bare future; it is
        decoded here, in the caller's task, so a call costs one frame, one future, no record.
        """
        conn = self._conn
        if timeout is None:
            timeout = self.call_timeout
        if threading.get_ident() != conn.thread_id:  # awaited on another loop: hop over
            coro = self._call(proc, args, timeout, pipes)
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, conn.loop))
        if pipes or proc.pipes:
            return await pipecalls.call(conn, self._ctx, proc, args, timeout, pipes)
        data = conn.encode_args(proc, args)
        fut: asyncio.Future[bytes] = conn.loop.create_future()
        call_id = next(conn.ids)
        conn.request(self._ctx, proc, data, fut, call_id)
        timer = None
        if timeout is not None and not fut.done():
            timer = conn.loop.call_later(timeout, conn.expire, call_id, fut, timeout)
        try:
            payload = await fut
        except CallFailed as exc:
            code, value, detail = failure_outcome(proc, exc.code, exc.detail, exc.fault)
            if code:
                raise RpcError(code, detail) from None
            return cast(R, value)
        except asyncio.CancelledError:
            if call_id in conn._calls:
                conn._cancel(call_id, True)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        try:
            return decode_result(proc, payload, conn.ndr)
        except RpcError as exc:
            raise RpcError(exc.code, exc.detail) from None
        except Exception as exc:  # a decoder that did not expect this data
            detail = f"{proc.name}: {type(exc).__name__}: {exc}"
            raise RpcError(RPC_X_BAD_STUB_DATA, detail) from None

    def _start(
        self,
        proc: Procedure[R],
        args: tuple[object, ...],
        timeout: float | None = None,
        pipes: Sequence[object] = (),
    ) -> AsyncCall[R]:
        """Start an ``[async]`` call; returns at once. After ``timeout`` seconds (default:
        ``call_timeout``) without an outcome the call is cancelled abortively (1818).
        ``pipes``: as for ``_call``; a task of the connection's loop drives them (the sources
        and sinks run there)."""
        conn = self._conn
        if timeout is None:
            timeout = self.call_timeout
        if pipes or proc.pipes:
            return pipecalls.start(conn, self._ctx, proc, args, timeout, pipes)
        data = conn.encode_args(proc, args)
        call = AsyncCall(conn, next(conn.ids), proc)
        if threading.get_ident() == conn.thread_id:
            conn.start(self._ctx, proc, data, call, timeout)
        else:
            try:
                conn.loop.call_soon_threadsafe(conn.start, self._ctx, proc, data, call, timeout)
            except RuntimeError:
                call.fail(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed")
        return call

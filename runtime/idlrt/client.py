"""The client's connection protocol and ``AsyncClient``, the base of generated asyncio clients.
Layer 5 (client): imports layers 1-4; ``ClientConnection`` is the ``call.CallChannel`` of the
``AsyncCall`` objects it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl as _ssl
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self, TypeVar, cast

from .binding import TCP, WIRES, Binding
from .call import AsyncCall, decode_reply, decode_result, failure_outcome
from .connection import FramedProtocol, ProtocolError
from .errors import RpcError, caller_error
from .model import Interface, Procedure
from .pipes import BAD, OVER, ClientPipes
from .status import (
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_CALL_FAILED_DNE,
    RPC_S_CANNOT_SUPPORT,
    RPC_S_SEC_PKG_ERROR,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_X_BAD_STUB_DATA,
)
from .untrusted import safe_repr
from .wire.msgpack import (
    BIND,
    BIND_ACK,
    BIND_NAK,
    CANCEL,
    DEFAULT_MAX_RESPONSE,
    FAULT,
    KIND_NAMES,
    MAX_CODE,
    MAX_ID,
    PIPE,
    PIPE_ACK,
    PROTOCOL_VERSION,
    REQUEST,
    RESPONSE,
    is_uint,
)

R = TypeVar("R")


class PendingCall(Protocol):
    """What the connection's table of calls holds: something to finish."""

    def is_pending(self) -> bool: ...
    def resolve(self, payload: bytes) -> None: ...
    def fail(self, code: int, detail: str | None, fault: bool = False) -> None: ...


class CallFailed(Exception):
    """What the future of an ``AsyncClient`` call is failed with: the code, its detail, and
    whether the server sent it; ``AsyncClient._call`` turns it into the call's outcome."""

    __slots__ = ("code", "detail", "fault")

    def __init__(self, code: int, detail: str | None, fault: bool) -> None:
        self.code = code
        self.detail = detail
        self.fault = fault


_Future = asyncio.Future


def _fail(
    call: PendingCall | asyncio.Future[Any], code: int, detail: str | None, fault: bool
) -> None:
    """End a call of the connection's table with a failure."""
    if isinstance(call, _Future):
        if not call.done():
            call.set_exception(CallFailed(code, detail, fault))
    else:
        call.fail(code, detail, fault)


class PipedCall(AsyncCall[R]):
    """The ``AsyncCall`` of an ``[async]`` procedure with pipes: its pipes are driven by a
    task of the connection's loop, and what a source or sink raised is its outcome."""

    __slots__ = ("_error",)

    def __init__(self, conn: Any, call_id: int, proc: Procedure[R]) -> None:
        super().__init__(conn, call_id, proc)
        self._error: BaseException | None = None

    def result(self) -> R:
        if self._error is not None and self.done():
            raise self._error
        return super().result()


def pipes_outcome(proc: Procedure[R], pipes: ClientPipes, ndr: bool) -> R:
    """The result of a call with pipes from its ``outcome`` (raises its failure)."""
    outcome = pipes.outcome
    if type(outcome) is tuple:
        code, value, detail = failure_outcome(proc, *outcome)
        if code:
            raise RpcError(code, detail)
        return cast(R, value)
    assert isinstance(outcome, bytes)
    code, value, detail = decode_reply(proc, outcome, ndr)
    if code:
        raise RpcError(code, detail)
    return cast(R, value)


def check_pipes(conn: ClientConnection, proc: Procedure[Any], pipes: Sequence[object]) -> None:
    """TypeError unless ``pipes`` has one source or sink per pipe of ``proc``; 1764 where the
    connection's wire has no pipes yet."""
    if len(pipes) != len(proc.pipes):
        raise TypeError(f"{proc.name} takes {len(proc.pipes)} pipes, got {len(pipes)}")
    if conn.ndr:
        raise RpcError(RPC_S_CANNOT_SUPPORT, f"{proc.name}: pipes on DCE/RPC are not supported yet")


def start_piped(
    conn: ClientConnection,
    ctx_id: int,
    proc: Procedure[R],
    args: tuple[object, ...],
    timeout: float | None,
    pipes: Sequence[object],
) -> AsyncCall[R]:
    """Start an ``[async]`` call with pipes from any thread (both clients' ``_start``)."""
    check_pipes(conn, proc, pipes)
    data = conn.encode_args(proc, args)
    call: PipedCall[R] = PipedCall(conn, next(conn.ids), proc)
    piped = ClientPipes(conn, call._call_id, proc, pipes)
    if threading.get_ident() == conn.thread_id:
        conn.start_piped(ctx_id, proc, data, call, piped, timeout)
    else:
        try:
            conn.loop.call_soon_threadsafe(
                conn.start_piped, ctx_id, proc, data, call, piped, timeout
            )
        except RuntimeError:
            call.fail(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed")
    return call


class ClientConnection(FramedProtocol):
    """One connection to a server; calls on it are multiplexed by call id."""

    ndr = False  # the msgpack wire (``dceclient.DceClientConnection``: DCE/RPC and NDR20)

    def __init__(
        self, loop: asyncio.AbstractEventLoop, binding: Binding, framed: bool = True
    ) -> None:
        super().__init__(loop, DEFAULT_MAX_RESPONSE, framed)
        self.binding = binding
        self.ids = itertools.count(1)  # next() is atomic: call ids may be taken in any thread
        # call id -> the future an AsyncClient call awaits (it gets the reply's payload), or
        # another PendingCall (AsyncCall, the blocking client's calls)
        self._calls: dict[int, PendingCall | asyncio.Future[Any]] = {}
        self._binds: dict[int, asyncio.Future[int]] = {}
        self._next_ctx = 0
        self._lost: asyncio.Future[None] = loop.create_future()
        self._tasks: set[asyncio.Task[None]] = set()  # the pipe drivers of [async] calls

    # -- binding ------------------------------------------------------------------------------

    async def bind(self, iface: Interface) -> int:
        """Bind ``iface`` as a new presentation context; its id. RpcError(1717) if refused."""
        ctx_id = self._next_ctx
        self._next_ctx += 1
        fut: asyncio.Future[int] = self.loop.create_future()
        if self.closed:
            raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"{self.binding}: connection closed")
        self._binds[ctx_id] = fut
        major, minor = iface.version
        self.send(self.packer.pack((BIND, ctx_id, iface.uuid, major, minor, PROTOCOL_VERSION)))
        code = await fut
        if code:
            raise RpcError(code, f"{self.binding}: {iface.name} {iface.uuid} v{major}.{minor}")
        return ctx_id

    # -- calls --------------------------------------------------------------------------------

    def encode_args(self, proc: Procedure[Any], args: tuple[object, ...]) -> list[object]:
        """A call's arguments as the wire carries them (any thread): checked, not yet packed.
        A bad argument raises the caller's ``TypeError`` or ``ValueError`` here, at the call
        site (docs/runtime.md, "Bad arguments"), not the ``RpcError`` of bad data from a peer.
        """
        try:
            return proc.encode_in(*args)
        except RpcError as exc:
            raise caller_error(exc) from None

    def request(
        self,
        ctx_id: int,
        proc: Procedure[Any],
        args: list[object],
        call: PendingCall | asyncio.Future[Any],
        call_id: int,
    ) -> None:
        """Send a REQUEST (loop thread); ``call`` is finished when the reply comes."""
        if call.done() if isinstance(call, _Future) else not call.is_pending():
            return  # cancelled (abortively) before it could be sent
        transport = self.transport
        if self.closed or transport is None:
            _fail(call, RPC_S_CALL_FAILED_DNE, f"{self.binding}: not connected", False)
            return
        packer = self.packer
        try:
            payload = packer.pack(args)
        except (TypeError, ValueError, OverflowError) as exc:
            detail = f"{proc.name}: cannot encode the arguments: {exc}"
            _fail(call, RPC_X_BAD_STUB_DATA, detail, False)
            return
        calls = self._calls
        header = packer.pack((REQUEST, call_id, ctx_id, proc.opnum, len(payload)))
        # A lone call (nothing else in flight, and the last input finished at most one call)
        # goes out at once (write_now, inline), saving an event-loop pass; requests made
        # while others are in flight, or after a burst of replies woke many callers, are
        # coalesced into one write per pass.
        if not calls and self._batch <= 1 and not self._wbuf and not self._receiving:
            calls[call_id] = call
            transport.write(header + payload)
            return
        calls[call_id] = call
        self._unflushed.append(call_id)
        self.send2(header, payload)

    def cancel_call(self, call_id: int, abortive: bool) -> None:
        """Tell the server to cancel a call (any thread)."""
        if threading.get_ident() == self.thread_id:
            self._cancel(call_id, abortive)
            return
        with contextlib.suppress(
            RuntimeError
        ):  # the loop is closed: the connection is gone with it
            self.loop.call_soon_threadsafe(self._cancel, call_id, abortive)

    def _cancel(self, call_id: int, abortive: bool) -> None:
        if abortive:
            call = self._calls.pop(call_id, None)
            if type(call) is ClientPipes:
                call.fail(RPC_S_CALL_CANCELLED, "cancelled by the client")
        else:
            call = self._calls.get(call_id)
            if type(call) is ClientPipes:
                call.stop_pumping()
        self.send(self.packer.pack((CANCEL, call_id, abortive)))

    def start(
        self,
        ctx_id: int,
        proc: Procedure[Any],
        args: Any,
        call: AsyncCall[Any],
        timeout: float | None,
    ) -> None:
        """Send the REQUEST of an ``[async]`` call and arm its timeout, if any (loop thread)."""
        call_id = call._call_id
        self.request(ctx_id, proc, args, call, call_id)
        if timeout is not None and call.is_pending():
            timer = self.loop.call_later(timeout, self.expire, call_id, call, timeout)
            call.add_done_callback(lambda _call: self._disarm(timer))

    def start_piped(
        self,
        ctx_id: int,
        proc: Procedure[Any],
        args: Any,
        call: PipedCall[Any],
        pipes: ClientPipes,
        timeout: float | None,
    ) -> None:
        """``start`` for a procedure with pipes: the pipes are the call's entry in the table,
        and a task of this loop drives them, then finishes ``call`` (loop thread)."""
        call_id = call._call_id
        if not call.is_pending():
            return  # cancelled (abortively) before it could be sent
        self.request(ctx_id, proc, args, pipes, call_id)
        if timeout is not None and pipes.is_pending():
            timer = self.loop.call_later(timeout, self.expire, call_id, call, timeout)
            call.add_done_callback(lambda _call: self._disarm(timer))
        call.add_done_callback(lambda _call: self._drop_piped(call_id, pipes))
        task = self.loop.create_task(self._drive(call, pipes))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _drop_piped(self, call_id: int, pipes: ClientPipes) -> None:
        """The ``AsyncCall`` ended first (cancel, timeout): so do its pipes (any thread)."""
        if pipes.is_pending():
            self.cancel_call(call_id, True)

    async def _drive(self, call: PipedCall[Any], pipes: ClientPipes) -> None:
        try:
            await pipes.run()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            call._error = exc
            call.fail(RPC_S_CALL_CANCELLED, str(exc))
            return
        outcome = pipes.outcome
        if type(outcome) is tuple:
            call.fail(*outcome)
        else:
            assert isinstance(outcome, bytes)
            call.resolve(outcome)

    def _disarm(self, timer: asyncio.TimerHandle) -> None:
        if threading.get_ident() == self.thread_id:
            timer.cancel()
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                self.loop.call_soon_threadsafe(timer.cancel)

    def expire(self, call_id: int, call: PendingCall | asyncio.Future[Any], timeout: float) -> None:
        """A call's timeout ran out: cancel it abortively, 1818 (loop thread)."""
        if call.done() if isinstance(call, _Future) else not call.is_pending():
            return
        detail = f"no reply within the call timeout of {timeout} s"
        _fail(call, RPC_S_CALL_CANCELLED, detail, False)
        self._cancel(call_id, True)

    # -- incoming -----------------------------------------------------------------------------

    def on_message(self, header: list[Any]) -> None:
        kind = header[0]
        if kind == FAULT:
            call = self._calls.pop(header[1], None)
            code = header[2]
            if not is_uint(code, MAX_CODE) or code == 0:
                raise ProtocolError(f"bad FAULT code {code!r}")
            if call is not None:
                self._batch += 1
                detail = header[3] if len(header) > 3 and type(header[3]) is str else None
                _fail(call, code, detail, True)
        elif kind == PIPE_ACK:
            self._on_pipe_ack(header)
        elif kind in (BIND_ACK, BIND_NAK):
            fut = self._binds.pop(header[1], None)
            if fut is None:
                raise ProtocolError(f"unexpected {KIND_NAMES[kind]}")
            code = header[2] if kind == BIND_NAK else 0
            if kind == BIND_NAK and (not is_uint(code, MAX_CODE) or code == 0):
                raise ProtocolError(f"bad BIND_NAK code {code!r}")
            if not fut.done():
                fut.set_result(code)
        else:
            raise ProtocolError(f"unexpected {KIND_NAMES[kind]} from a server")

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        if header[0] != RESPONSE:
            if header[0] == PIPE:
                self._on_pipe(header, payload)
                return
            raise ProtocolError("unexpected REQUEST from a server")
        call = self._calls.pop(header[1], None)
        if call is not None:
            self._batch += 1
            if isinstance(call, _Future):  # AsyncClient._call decodes it
                if not call.done():
                    call.set_result(payload)
            else:
                call.resolve(payload)

    def on_oversize(self, header: list[Any], size: int) -> None:
        if header[0] == PIPE:
            self._bad_pipe(header[1], f"a pipe chunk of {size} bytes is over the client's limit")
            return
        if header[0] != RESPONSE:
            raise ProtocolError("unexpected REQUEST from a server")
        call = self._calls.pop(header[1], None)
        if call is not None:
            detail = f"a reply of {size} bytes is over the client's limit"
            _fail(call, RPC_X_BAD_STUB_DATA, detail, False)

    def _on_pipe(self, h: list[Any], payload: bytes) -> None:
        """A chunk of an [out] pipe: to its call's sinks; dropped if the call is over."""
        call = self._calls.get(h[1])
        if type(call) is not ClientPipes:
            if call is not None:
                self._bad_pipe(h[1], "a PIPE for a call without [out] pipes")
            return
        fed = call.on_chunk(h[3], payload)
        if fed == BAD:
            self._bad_pipe(h[1], f"PIPE {safe_repr(h[3])}: not an [out] pipe, or past its end")
        elif fed == OVER:
            raise ProtocolError(f"PIPE of call {h[1]} past its window")

    def _on_pipe_ack(self, h: list[Any]) -> None:
        call_id, index, octets = h[1], h[2], h[3]
        if not is_uint(call_id, MAX_ID) or not is_uint(octets, MAX_ID):
            raise ProtocolError(f"bad PIPE_ACK {safe_repr(h[:4])}")
        call = self._calls.get(call_id)
        if type(call) is not ClientPipes:
            if call is not None:
                self._bad_pipe(call_id, "a PIPE_ACK for a call without [in] pipes")
            return
        acked = call.on_ack(index, octets)
        if acked == BAD:
            self._bad_pipe(call_id, f"PIPE_ACK {safe_repr(index)}: not an [in] pipe")
        elif acked == OVER:
            raise ProtocolError(f"PIPE_ACK of call {call_id} for more than was sent")

    def _bad_pipe(self, call_id: int, detail: str) -> None:
        """The server broke a pipe rule on call ``call_id``: it fails with 1783 (if it is in
        progress) and is cancelled abortively."""
        call = self._calls.get(call_id)
        if call is not None:
            _fail(call, RPC_X_BAD_STUB_DATA, detail, False)
            self._cancel(call_id, True)

    def connection_lost(self, exc: Exception | None) -> None:
        unsent = set(self._unflushed)
        super().connection_lost(exc)
        calls, self._calls = self._calls, {}
        reason = f"{self.binding}: connection lost" + (f" ({exc})" if exc else "")
        for call_id, call in calls.items():
            _fail(
                call,
                RPC_S_CALL_FAILED_DNE if call_id in unsent else RPC_S_CALL_FAILED,
                reason,
                False,
            )
        binds, self._binds = self._binds, {}
        for fut in binds.values():
            if not fut.done():
                fut.set_result(RPC_S_SERVER_UNAVAILABLE)
        if not self._lost.done():
            self._lost.set_result(None)

    async def aclose(self) -> None:
        """Close and wait until the connection is gone (loop thread)."""
        if self.transport is not None:
            self.close()
        await asyncio.shield(self._lost)


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
    ) -> Self:
        """Connect to ``binding`` and bind the class's interface.

        ``timeout`` bounds connecting and binding (1722 when it runs out). ``ssl``: speak TLS
        (TCP only) with this client-side context, checking the server's name against
        ``server_hostname`` (default: the binding's host). ``wire``: "msgpack" (the default)
        or "dcerpc" (also the binding option ``[PORT,wire=dcerpc]``). ``auth``: an
        ``idlrt.NtlmAuth``, which implies DCE/RPC. A TCP binding without port asks the
        endpoint mapper at the host's port 135, over DCE/RPC. ``object_uuid``: the object
        every DCE/RPC request names.
        """
        b = Binding.parse(binding)
        obj = None if object_uuid is None else uuid.UUID(object_uuid)
        conn, ctx_id = await open_connection(
            b, cls._idl_interface_, timeout, ssl, server_hostname, wire, auth, obj
        )
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
            return await self._call_piped(proc, args, timeout, pipes)
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

    async def _call_piped(
        self,
        proc: Procedure[R],
        args: tuple[object, ...],
        timeout: float | None,
        pipes: Sequence[object],
    ) -> R:
        """``_call`` for a procedure with pipes: the caller's task feeds the sinks, a task of
        its own pumps the sources; the result comes after the last chunk reached its sink."""
        conn = self._conn
        check_pipes(conn, proc, pipes)
        data = conn.encode_args(proc, args)
        call_id = next(conn.ids)
        piped = ClientPipes(conn, call_id, proc, pipes)
        conn.request(self._ctx, proc, data, piped, call_id)
        timer = None
        if timeout is not None and piped.is_pending():
            timer = conn.loop.call_later(timeout, conn.expire, call_id, piped, timeout)
        try:
            await piped.run()
        except asyncio.CancelledError:
            if call_id in conn._calls:
                conn._cancel(call_id, True)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return pipes_outcome(proc, piped, conn.ndr)

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
            return start_piped(conn, self._ctx, proc, args, timeout, pipes)
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

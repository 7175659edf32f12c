"""The client's connection protocol: ``ClientConnection``, one connection to a server with the
calls in progress on it (``asyncclient`` connects and holds it for the generated clients).
Layer 5 (client): imports layers 1-4; ``ClientConnection`` is the ``call.CallChannel`` of the
``AsyncCall`` objects it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from typing import Any, Protocol, TypeVar

from . import pipecalls
from .binding import Binding
from .call import AsyncCall
from .callbacks import ServedCallbacks, refuse_oversize, serve_request
from .clientpipes import ClientPipes
from .connection import FramedProtocol, ProtocolError
from .errors import RpcError, caller_error
from .model import Interface, Procedure
from .pipestate import PipeChannel
from .status import (
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_CALL_FAILED_DNE,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_X_BAD_STUB_DATA,
)
from .wire.msgpack import (
    BIND,
    BIND_ACK,
    BIND_NAK,
    CANCEL,
    DEFAULT_MAX_RESPONSE,
    FAULT,
    KIND_NAMES,
    MAX_CODE,
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
        self.callbacks: ServedCallbacks | None = None  # what connect(callbacks=...) serves

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
        self._cancelled(call_id, abortive)
        self.send(self.packer.pack((CANCEL, call_id, abortive)))

    def _cancelled(self, call_id: int, abortive: bool) -> None:
        """The client cancels call ``call_id``: abortively, it is forgotten (its pipes fail
        with 1818); else its [in] pipes stop (its sinks still get what comes)."""
        if abortive:
            call = self._calls.pop(call_id, None)
            if type(call) is ClientPipes:
                call.fail(RPC_S_CALL_CANCELLED, "cancelled by the client")
        else:
            call = self._calls.get(call_id)
            if type(call) is ClientPipes:
                call.stop_pumping()

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
            pipecalls.on_pipe_ack(self, header)
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
                pipecalls.on_pipe(self, header, payload)
                return
            if header[0] != REQUEST:
                raise ProtocolError(f"unexpected {KIND_NAMES[header[0]]} from a server")
            serve_request(self, header, payload)  # a [callback] (idlrt.callbacks)
            return
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
            self.bad_pipe(header[1], f"a pipe chunk of {size} bytes is over the client's limit")
            return
        if header[0] != RESPONSE:
            if header[0] != REQUEST:
                raise ProtocolError(f"unexpected {KIND_NAMES[header[0]]} from a server")
            refuse_oversize(self, header, size)  # a [callback]'s request
            return
        call = self._calls.pop(header[1], None)
        if call is not None:
            detail = f"a reply of {size} bytes is over the client's limit"
            _fail(call, RPC_X_BAD_STUB_DATA, detail, False)

    def pipe_channel(
        self, call_id: int, proc: Procedure[Any], ctx_id: int, args: Any
    ) -> PipeChannel:
        """What the pipes of call ``call_id`` talk to: on this wire the connection itself
        (any thread; ``args`` are the call's encoded arguments)."""
        return self

    def pending(self, call_id: int) -> object | None:
        """The entry of call ``call_id`` in the table of calls in progress, if any."""
        return self._calls.get(call_id)

    def bad_pipe(self, call_id: int, detail: str) -> None:
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
        self.callbacks = None  # no callback comes any more; its object may refer back to us
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

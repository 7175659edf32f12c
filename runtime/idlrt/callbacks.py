"""``[callback]`` procedures: the server calls the client during a call (the msgpack wire).

A callback is declared in the interface but served by the client: it passes a generated
``<I>Callbacks`` object to ``connect(callbacks=...)``, and a manager routine calls it through
``<I>CallbackClient(ctx)`` while its call is in progress. On the wire (docs/protocol.md) the
server sends ``[REQUEST, cb_id, ctx_id, opnum, size, call_id]`` + the arguments (the
procedure's ``encode_in``), where ``cb_id`` is the server connection's own counter and
``call_id`` the call it serves; the client runs the callback (``decode_in``, the method,
``encode_result``) and answers ``[RESPONSE, cb_id, size]`` + the result or
``[FAULT, cb_id, code(, detail)]``, which the server decodes with ``decode_out``.

Server side: ``CallbackClient`` and ``PendingCallbacks`` (a server connection's callbacks
awaiting their reply). Client side: ``ServedCallbacks`` (a client connection's callbacks
objects, by context id) and ``serve_request``, which runs one. ``current_call()`` gives a
routine its ``CallContext``.

Layer 5, the lowest module of both ends: imports layers 1-4 only. ``client`` and
``session``/``dispatch`` call in here from small hooks; the connections are reached through
the ``CallbackHost`` (server) and ``CallbackPeer`` (client) Protocols.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Protocol, TypeVar, cast

import msgpack  # type: ignore[import-untyped]

from .call import decode_result, failure_outcome
from .callcontext import CallContext
from .connection import ProtocolError
from .errors import RpcError, caller_error
from .handle import _DONE, CallRecord
from .handle import current_call as _current_call
from .model import Interface, Procedure
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_CANNOT_SUPPORT,
    RPC_S_NO_CALL_ACTIVE,
    RPC_S_PROCNUM_OUT_OF_RANGE,
    RPC_X_BAD_STUB_DATA,
)
from .untrusted import safe_repr
from .wire.msgpack import (
    FAULT,
    MAX_CODE,
    MAX_ID,
    REQUEST,
    RESPONSE,
    is_uint,
    pack_payload,
    unpack_payload,
)

R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger("idlrt")


def current_call() -> CallContext:
    """The ``CallContext`` of the call this thread or task serves: in a plain routine (its
    worker thread) and an ``async def`` routine (its task). In an ``[async]`` routine the
    handle's ``context`` is the way, anywhere; for an interface with callbacks this works too
    in the routine's body and the tasks it starts there. ``RpcError(1725)`` outside a call."""
    rec = _current_call.get()
    if rec is None:
        raise RpcError(RPC_S_NO_CALL_ACTIVE, "not inside a manager routine")
    return rec.context


class Callbacks:
    """Base of the generated ``<I>Callbacks`` classes: the client subclasses one, overrides the
    callbacks it serves and passes an instance to ``connect(callbacks=...)``. An ``async def``
    method runs on the client's event loop; a plain one in a worker thread (the loop's
    default executor), and may block, or call the server again."""

    _idl_interface_: ClassVar[Interface]


class CallbackFailed(Exception):
    """What a pending callback's future is failed with: the code, its detail, and whether the
    client sent it (a FAULT)."""

    __slots__ = ("code", "detail", "fault")

    def __init__(self, code: int, detail: str | None, fault: bool) -> None:
        self.code = code
        self.detail = detail
        self.fault = fault


# -- the server's side -------------------------------------------------------------------------


class CallbackHost(Protocol):
    """What a callback needs of the server connection its call came on
    (``dispatch.ServerConnection``)."""

    loop: asyncio.AbstractEventLoop
    thread_id: int
    closed: bool
    ndr: bool
    packer: msgpack.Packer
    callbacks: PendingCallbacks | None
    _calls: dict[int, Any]  # call id -> its CallRecord, or a weak reference to its AsyncHandle
    _contexts: dict[int, Any]  # context id -> its Registration

    def send2(self, header: bytes, payload: bytes) -> None: ...


class PendingCallbacks:
    """The callbacks a server connection sent and awaits the reply of (loop thread only).

    Callback ids count from 1 on each connection. A RESPONSE or FAULT for an id never sent is
    a protocol error; one for an id no longer pending (its timeout ran out) is dropped."""

    __slots__ = ("issued", "pending")

    def __init__(self) -> None:
        self.issued = 0
        self.pending: dict[int, asyncio.Future[bytes]] = {}

    def open(self, loop: asyncio.AbstractEventLoop) -> tuple[int, asyncio.Future[bytes]]:
        """A new callback id and the future its reply's payload will be given to."""
        self.issued += 1
        fut: asyncio.Future[bytes] = loop.create_future()
        self.pending[self.issued] = fut
        return self.issued, fut

    def _take(self, cb_id: object, kind: str) -> asyncio.Future[bytes] | None:
        if not is_uint(cb_id, MAX_ID) or cast(int, cb_id) > self.issued or cb_id == 0:
            raise ProtocolError(f"{kind} for callback {safe_repr(cb_id)}, never sent")
        return self.pending.pop(cast(int, cb_id), None)

    def response(self, header: list[Any], payload: bytes) -> None:
        """The client's RESPONSE to a callback."""
        fut = self._take(header[1], "RESPONSE")
        if fut is not None and not fut.done():
            fut.set_result(payload)

    def fault(self, header: list[Any]) -> None:
        """The client's FAULT for a callback."""
        fut = self._take(header[1], "FAULT")
        code = header[2]
        if not is_uint(code, MAX_CODE) or code == 0:
            raise ProtocolError(f"bad FAULT code {safe_repr(code)}")
        detail = header[3] if len(header) > 3 and type(header[3]) is str else None
        if fut is not None and not fut.done():
            fut.set_exception(CallbackFailed(code, detail, True))

    def oversize(self, header: list[Any], size: int) -> None:
        """The client's RESPONSE to a callback is over the server's ``max_request``."""
        fut = self._take(header[1], "RESPONSE")
        if fut is not None and not fut.done():
            detail = f"a callback's reply of {size} bytes is over the server's limit"
            fut.set_exception(CallbackFailed(RPC_X_BAD_STUB_DATA, detail, False))

    def lost(self, reason: str) -> None:
        """The connection is gone: every pending callback fails with 1726."""
        pending, self.pending = self.pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(CallbackFailed(RPC_S_CALL_FAILED, reason, False))


class CallbackClient:
    """Base of the generated ``<I>CallbackClient`` classes: calls the client's callbacks
    during the call of ``ctx`` (from ``handle.context``, a ``handle_t`` parameter or
    ``idlrt.current_call()``).

    Its methods are coroutines of the server's event loop (awaited on another loop, they hop
    over); a plain routine, in its worker thread, runs one with ``wait``. A callback fails with
    ``RpcError(1725)`` at once, sending nothing, when the call is no longer in progress; with
    1726 when the client's connection is gone or goes while it waits; with 1818 when its
    ``timeout`` runs out (a late reply is dropped); and with whatever the client's callback
    raised. On the DCE/RPC wire callbacks are not supported yet: 1764.
    """

    _idl_interface_: ClassVar[Interface]

    __slots__ = ("_ctx", "_host", "_rec")

    def __init__(self, ctx: CallContext) -> None:
        rec = ctx._record
        if not isinstance(rec, CallRecord):
            raise RpcError(RPC_S_NO_CALL_ACTIVE, "this CallContext is not that of a call served")
        iface: Interface | None = getattr(type(self), "_idl_interface_", None)
        if iface is not None and iface.uuid != ctx.uuid:
            raise TypeError(
                f"{type(self).__name__} calls back interface {iface.name}; "
                f"the call is of {ctx.interface}"
            )
        self._ctx = ctx
        self._rec = rec
        self._host = cast(CallbackHost, rec._conn)

    @property
    def context(self) -> CallContext:
        """The context of the call whose client is called back."""
        return self._ctx

    def wait(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` (a callback: ``cb.wait(cb.Progress(1, 2))``) on the server's event
        loop and block this thread until it is done; its result, or its exception. For plain
        routines, in their worker thread; ``RuntimeError`` on a thread running an event loop
        (there, ``await`` it)."""
        host = self._host
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            _close(awaitable)
            raise RuntimeError(
                "CallbackClient.wait() on a thread running an event loop would block it; await "
                "the callback instead"
            )
        try:
            fut = asyncio.run_coroutine_threadsafe(_awaited(awaitable), host.loop)
        except RuntimeError:  # the server's loop is closed
            _close(awaitable)
            raise RpcError(RPC_S_CALL_FAILED, "the server's event loop is closed") from None
        return fut.result()

    async def _call(
        self, proc: Procedure[R], args: tuple[object, ...], timeout: float | None = None
    ) -> R:
        """Call back ``proc`` with ``args`` (generated methods' entry); after ``timeout``
        seconds without a reply the callback fails with 1818."""
        host = self._host
        if threading.get_ident() != host.thread_id:  # awaited on another loop: hop over
            coro = self._call(proc, args, timeout)
            try:
                hop = asyncio.run_coroutine_threadsafe(coro, host.loop)
            except RuntimeError:  # the server's loop is closed
                coro.close()
                raise RpcError(RPC_S_CALL_FAILED, "the server's event loop is closed") from None
            return await asyncio.wrap_future(hop)
        if host.ndr:
            raise RpcError(
                RPC_S_CANNOT_SUPPORT,
                f"{proc.name}: callbacks are not supported on the DCE/RPC wire yet",
            )
        rec = self._rec
        if host.closed:
            raise RpcError(RPC_S_CALL_FAILED, f"{proc.name}: the client's connection is gone")
        entry = host._calls.get(rec._call_id)
        served = entry is rec or (isinstance(entry, weakref.ref) and entry() is rec)
        if not served or rec._state & _DONE:
            raise RpcError(
                RPC_S_NO_CALL_ACTIVE,
                f"{proc.name}: call {rec._call_id} ({rec.procedure}) is not in progress",
            )
        ctx_id = _context_id(host, rec)
        try:
            data = proc.encode_in(*args)
        except RpcError as exc:
            raise caller_error(exc) from None
        payload = pack_payload(data, host.packer)
        table = host.callbacks
        if table is None:
            table = host.callbacks = PendingCallbacks()
        cb_id, fut = table.open(host.loop)
        header = host.packer.pack((REQUEST, cb_id, ctx_id, proc.opnum, len(payload), rec._call_id))
        host.send2(header, payload)
        timer = None
        if timeout is not None:
            timer = host.loop.call_later(timeout, _expire, table, cb_id, timeout)
        try:
            reply = await fut
        except CallbackFailed as exc:
            code, value, detail = failure_outcome(proc, exc.code, exc.detail, exc.fault)
            if code:
                raise RpcError(code, detail) from None
            return cast(R, value)
        except asyncio.CancelledError:
            table.pending.pop(cb_id, None)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        try:
            return decode_result(proc, reply, False)
        except RpcError as exc:
            raise RpcError(exc.code, exc.detail) from None
        except Exception as exc:  # a decoder that did not expect this data
            detail = f"{proc.name}: {type(exc).__name__}: {exc}"
            raise RpcError(RPC_X_BAD_STUB_DATA, detail) from None


def _context_id(host: CallbackHost, rec: CallRecord) -> int:
    """The context id the client bound the call's interface as (its callbacks' key)."""
    reg = getattr(rec._op, "reg", None)
    for ctx_id, bound in host._contexts.items():
        if bound is reg:
            return ctx_id
    raise RpcError(RPC_S_NO_CALL_ACTIVE, f"{rec.procedure}: its interface is no longer bound")


def _expire(table: PendingCallbacks, cb_id: int, timeout: float) -> None:
    fut = table.pending.pop(cb_id, None)
    if fut is not None and not fut.done():
        detail = f"no reply to the callback within its timeout of {timeout} s"
        fut.set_exception(CallbackFailed(RPC_S_CALL_CANCELLED, detail, False))


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _close(awaitable: object) -> None:
    """Close a coroutine that will never run (no 'never awaited' warning)."""
    if inspect.iscoroutine(awaitable):
        awaitable.close()


# -- the client's side -------------------------------------------------------------------------


class CallbackPeer(Protocol):
    """What serving a callback needs of the client connection it came on
    (``client.ClientConnection``)."""

    loop: asyncio.AbstractEventLoop
    closed: bool
    packer: msgpack.Packer
    callbacks: ServedCallbacks | None

    def send(self, data: bytes) -> None: ...

    def send2(self, header: bytes, payload: bytes) -> None: ...


class ServedCallbacks:
    """A client connection's callbacks objects, by the context id of their interface, and the
    ``async def`` callbacks running (the loop keeps only weak references to tasks)."""

    __slots__ = ("objects", "tasks")

    def __init__(self) -> None:
        self.objects: dict[int, Callbacks] = {}
        self.tasks: set[asyncio.Task[None]] = set()


def checked(callbacks: object, iface: Interface) -> Callbacks:
    """``callbacks`` if it serves the callbacks of ``iface`` (``connect(callbacks=...)``),
    else ``TypeError``."""
    if not isinstance(callbacks, Callbacks):
        raise TypeError(
            f"callbacks= takes an instance of a generated Callbacks class, "
            f"not {type(callbacks).__name__}"
        )
    served: Interface | None = getattr(type(callbacks), "_idl_interface_", None)
    if served is None or served.uuid != iface.uuid:
        name = served.name if served is not None else "no interface"
        raise TypeError(f"{type(callbacks).__name__} serves {name}, not {iface.name}")
    return callbacks


def attach(peer: CallbackPeer, ctx_id: int, callbacks: Callbacks) -> None:
    """Serve ``callbacks`` for the interface bound as ``ctx_id`` on ``peer``."""
    served = peer.callbacks
    if served is None:
        served = peer.callbacks = ServedCallbacks()
    served.objects[ctx_id] = callbacks


def serve_request(peer: CallbackPeer, header: list[Any], payload: bytes) -> None:
    """A callback REQUEST from the server (loop thread): check it, decode its arguments and
    start its method; the reply follows when the method is done."""
    cb_id, ctx_id, opnum = header[1], header[2], header[3]  # cb_id: checked by the framing
    served = peer.callbacks
    obj = served.objects.get(ctx_id) if served is not None and type(ctx_id) is int else None
    if obj is None:
        _fault(peer, cb_id, RPC_S_CANNOT_SUPPORT, "the client serves no callbacks")
        return
    assert served is not None
    iface = obj._idl_interface_
    procs = iface.procedures
    if type(opnum) is not int or not 0 <= opnum < len(procs) or not procs[opnum].is_callback:
        detail = f"{iface.name}: opnum {safe_repr(opnum)} is not a callback"
        _fault(peer, cb_id, RPC_S_PROCNUM_OUT_OF_RANGE, detail)
        return
    proc = procs[opnum]
    try:
        args = proc.decode_in(unpack_payload(payload))
    except RpcError as exc:
        _fault(peer, cb_id, exc.code, exc.detail)
        return
    except Exception as exc:  # a decoder surprised by the data
        log.debug("idlrt: decoding the arguments of callback %s failed", proc.name, exc_info=exc)
        _fault(peer, cb_id, RPC_X_BAD_STUB_DATA, f"{proc.name}: undecodable arguments")
        return
    fn: Callable[..., Any] = getattr(obj, proc.method)
    if inspect.iscoroutinefunction(fn):
        try:
            coro = fn(*args)
        except Exception as exc:  # not even a coroutine: the method cannot take the arguments
            _fault(peer, cb_id, *_failure(proc, exc))
            return
        _await_on_loop(peer, cb_id, proc, coro)
        return
    try:
        peer.loop.run_in_executor(None, _run_plain, peer, cb_id, proc, fn, args)
    except RuntimeError:  # the loop's executor is shut down: the loop is closing
        _fault(peer, cb_id, RPC_S_CALL_FAILED, "the client is shutting down")


def refuse_oversize(peer: CallbackPeer, header: list[Any], size: int) -> None:
    """A callback REQUEST over the client's limit of a payload: refused with 5, as a server
    refuses an oversized request."""
    _fault(peer, header[1], RPC_S_ACCESS_DENIED, f"callback request of {size} bytes")


async def _run_coroutine(
    peer: CallbackPeer, cb_id: int, proc: Procedure[Any], coro: Coroutine[Any, Any, Any]
) -> None:
    """An ``async def`` callback, as a task of the client's loop, and its reply."""
    try:
        result = await coro
        data = pack_payload(proc.encode_result(result), peer.packer)
    except Exception as exc:
        _fault(peer, cb_id, *_failure(proc, exc))
        return
    _respond(peer, cb_id, data)


def _run_plain(
    peer: CallbackPeer,
    cb_id: int,
    proc: Procedure[Any],
    fn: Callable[..., Any],
    args: tuple[object, ...],
) -> None:
    """A plain callback, in a worker thread: run it, encode its result here, reply on the loop
    (a result that is awaitable is awaited there)."""
    reply: tuple[Any, ...]
    try:
        result = fn(*args)
        if inspect.isawaitable(result):
            coro = _awaited(result)
            reply = (_await_on_loop, peer, cb_id, proc, coro)
        else:
            reply = (_respond, peer, cb_id, pack_payload(proc.encode_result(result)))
    except Exception as exc:
        reply = (_fault, peer, cb_id, *_failure(proc, exc))
    try:
        peer.loop.call_soon_threadsafe(*reply)
    except RuntimeError:  # the client's loop is closed: nobody is left to reply to
        if len(reply) == 5:
            _close(reply[4])


def _await_on_loop(
    peer: CallbackPeer, cb_id: int, proc: Procedure[Any], coro: Coroutine[Any, Any, Any]
) -> None:
    """Run a callback's coroutine as a task of the client's loop that replies when done."""
    served = peer.callbacks
    task = peer.loop.create_task(_run_coroutine(peer, cb_id, proc, coro))
    if served is not None:
        served.tasks.add(task)
        task.add_done_callback(served.tasks.discard)


def _failure(proc: Procedure[Any], exc: Exception) -> tuple[int, str | None]:
    """The FAULT for a callback's exception: its RpcError code, else 1726 (logged)."""
    if isinstance(exc, RpcError) and type(exc.code) is int and 0 < exc.code <= MAX_CODE:
        return exc.code, exc.detail
    log.error("idlrt: callback %s raised", proc.name, exc_info=exc)
    return RPC_S_CALL_FAILED, None


def _respond(peer: CallbackPeer, cb_id: int, data: bytes) -> None:
    if not peer.closed:
        peer.send2(peer.packer.pack((RESPONSE, cb_id, len(data))), data)


def _fault(peer: CallbackPeer, cb_id: int, code: int, detail: str | None) -> None:
    if not peer.closed:
        msg = (FAULT, cb_id, code) if detail is None else (FAULT, cb_id, code, detail)
        peer.send(peer.packer.pack(msg))

"""The server's record of a call in progress: ``CallRecord``, and ``AsyncHandle``, the record
of an ``[async]`` call that the manager finishes later.

Layer 4 (call and handle objects): imports layers 1-2 and ``callcontext``. The procedure a
record serves and the connection it replies on belong to the server, above; a record reaches
them through the ``CallSite`` and ``CallOwner`` Protocols (static types, free at run time).

A parked call is one small slotted object and nothing else: the connection's table of calls
holds an ``AsyncHandle`` by weak reference, so a handle that the manager drops is
garbage-collected, and the collection fails the call with 1726 (see ``session``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol, Self, cast

from .callcontext import CallContext
from .ctxhandle import Changes, HandleOwner, scope
from .errors import RpcError
from .status import RPC_S_INVALID_ARG, RPC_S_INVALID_ASYNC_HANDLE, RPC_S_NO_CALL_ACTIVE
from .wire.msgpack import FAULT, MAX_CODE, RESPONSE

log = logging.getLogger("idlrt")

# One lock for the state transitions of every handle: uncontended, it costs less than a lock
# per handle costs in memory, and it makes "complete from two threads at once" well defined.
_lock = threading.Lock()

_DONE = 1  # complete() or abort() was called (or the runtime faulted the call)
_CANCELLED = 2  # the client asked to cancel, or went away
_GONE = 4  # the client no longer wants a reply: abortive cancel, disconnect, server stop
_DISCONNECTED = 8  # the connection dropped

HandleCallback = Callable[["AsyncHandle"], object]

# The call the current thread (worker) or task (coroutine routine) is serving.
current_call: ContextVar[CallRecord | None] = ContextVar("idlrt_current_call", default=None)


class ProcedureInfo(Protocol):
    """What a record needs of its procedure (``model.Procedure``)."""

    @property
    def name(self) -> str: ...


class CallSite(Protocol):
    """The procedure of a registered manager that a call runs (``registry.Op``): the procedure,
    and whether its encoders need the call in ``ctxhandle.scope`` (context handles)."""

    @property
    def proc(self) -> ProcedureInfo: ...

    @property
    def ctx(self) -> bool: ...


class CallOwner(HandleOwner, Protocol):
    """What a record needs of the connection that received its call (the server's
    ``session.ServerSession``): its event loop and thread, its wire's reply encoders, and
    where a finished ``[async]`` call goes."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def thread_id(self) -> int: ...

    def encode_out(self, rec: CallRecord, values: Any, on_loop: bool) -> bytes:
        """The reply payload for a return value and out values (``complete``'s tuple)."""
        ...

    def encode_result(self, rec: CallRecord, result: object, on_loop: bool) -> bytes:
        """The reply payload for what a synchronous routine returns."""
        ...

    def handle_finished(
        self,
        handle: AsyncHandle,
        kind: int,
        data: bytes | int,
        detail: str | None = None,
        changes: Changes | None = None,
    ) -> None: ...

    def contexts_undelivered(self, changes: Changes, op: CallSite) -> None: ...

    def call_context(self, op: CallSite, rec: CallRecord | None = None) -> CallContext: ...


def call_context() -> CallContext:
    """The ``CallContext`` of the call this thread or task is serving (MS: the server binding
    handle of the current call), in the routine of a non-``[async]`` procedure (an ``[async]``
    routine has ``handle.context``). ``RpcError(1725)`` elsewhere."""
    rec = current_call.get()
    if rec is None:
        raise RpcError(RPC_S_NO_CALL_ACTIVE, "not inside a manager routine")
    return rec.context


class CallRecord:
    """The server's record of one call in progress (synchronous routines use it as is).

    ``_state`` holds the flags below; ``_ctx_ids`` maps the path of each context handle the
    call received to its wire id (None until the call carries one); ``_ins`` keeps the decoded
    [in] values where the wire's reply encoder needs them (NDR: they size the [out] arrays).
    """

    __slots__ = ("_call_id", "_conn", "_ctx_ids", "_ins", "_op", "_state")

    _conn: CallOwner
    _call_id: int
    _op: CallSite
    _state: int
    _ctx_ids: dict[str, bytes | None] | None
    _ins: tuple[Any, ...]

    def __init__(self, conn: CallOwner, call_id: int, op: CallSite) -> None:
        self._conn = conn
        self._call_id = call_id
        self._op = op
        self._state = 0
        self._ctx_ids = None
        self._ins = ()

    @property
    def cancelled(self) -> bool:
        """Whether the client asked to cancel the call (or went away)."""
        return bool(self._state & _CANCELLED)

    def test_cancel(self) -> bool:
        """MS ``RpcServerTestCancel``: whether the call was cancelled."""
        return bool(self._state & _CANCELLED)

    @property
    def context(self) -> CallContext:
        """The ``CallContext`` of the call (built on demand)."""
        return self._conn.call_context(self._op, self)

    @property
    def procedure(self) -> str:
        """The IDL name of the procedure."""
        return self._op.proc.name


def _run_callback(fn: HandleCallback, handle: AsyncHandle) -> None:
    try:
        fn(handle)
    except Exception:
        log.exception("idlrt: callback %r of %s raised", fn, handle)


class AsyncHandle(CallRecord):
    """The handle an ``[async]`` manager routine receives first; it finishes the call later.

    ``complete(...)`` sends the reply (the generated subclass types it per procedure),
    ``abort(code)`` fails the call with ``code``. Both are final, may be called from any thread,
    and return quietly once the client has gone away.
    """

    __slots__ = ("__weakref__", "_callbacks")

    _callbacks: list[tuple[int, HandleCallback]] | None

    def __init__(self, conn: CallOwner, call_id: int, op: CallSite) -> None:
        self._conn = conn
        self._call_id = call_id
        self._op = op
        self._state = 0
        self._ctx_ids = None
        self._ins = ()
        self._callbacks = None

    # -- finishing the call -------------------------------------------------------------------

    def complete(self, *values: Any, **kwargs: Any) -> None:
        """Send the result (the generic form: what a synchronous routine would return).

        Generated subclasses replace this with ``complete(retval, *, out1=...)``.
        """
        if kwargs:
            raise TypeError(f"{self._op.proc.name}: complete() takes positional values only")
        value: object = values if len(values) > 1 else (values[0] if values else None)
        self._send(True, value)

    def abort(self, code: int) -> None:
        """Fail the call with status ``code`` (nonzero; 0 is ``RpcError(87)``); no out values."""
        if type(code) is not int or not 0 < code <= MAX_CODE:
            raise RpcError(RPC_S_INVALID_ARG, f"abort code must be in 1..{MAX_CODE}, got {code!r}")
        self._finish(FAULT, code, threading.get_ident() == self._conn.thread_id)

    def _reply(self, *values: object) -> None:
        """Send the return value and out ``values`` as the reply (generated code's entry).

        Raises ``RpcError(1914)`` if the call is already finished, or the encoder's
        ``RpcError`` (the call then stays open and may still be aborted).
        """
        self._send(False, values)

    def _send(self, whole: bool, values: Any) -> None:
        """Encode the reply in the connection's wire, from a synchronous routine's kind of
        result (``whole``) or from the tuple of return and out values, and send it."""
        if self._state & _DONE:
            raise RpcError(RPC_S_INVALID_ASYNC_HANDLE, f"{self._op.proc.name}: already finished")
        conn = self._conn
        on_loop = threading.get_ident() == conn.thread_id
        encode = conn.encode_result if whole else conn.encode_out
        if not self._op.ctx:
            payload = encode(self, values, on_loop)
            self._finish(RESPONSE, payload, on_loop)
            return
        tls = scope
        tls.call = self  # for the context-handle encoders (codec.ctx_to_client)
        try:
            payload = encode(self, values, on_loop)
        except BaseException:
            tls.changes = None  # nothing the failed encoder decided happens (rule 7)
            raise
        finally:
            tls.call = None
        changes = tls.changes  # committed by the connection once the reply is on its way
        if changes is not None:
            tls.changes = None
        self._finish(RESPONSE, payload, on_loop, changes)

    def _finish(
        self, kind: int, data: bytes | int, on_loop: bool, changes: Changes | None = None
    ) -> None:
        with _lock:
            state = self._state
            if not state & _DONE:
                self._state = state | _DONE
        if state & _DONE:
            raise RpcError(RPC_S_INVALID_ASYNC_HANDLE, f"{self._op.proc.name}: already finished")
        conn = self._conn
        if state & _GONE:
            if changes is not None:
                self._in_loop(on_loop, conn.contexts_undelivered, changes, self._op)
        elif on_loop:
            conn.handle_finished(self, kind, data, None, changes)
        else:
            self._in_loop(False, conn.handle_finished, self, kind, data, None, changes)

    def _in_loop(self, on_loop: bool, fn: Callable[..., None], *args: Any) -> None:
        if on_loop:
            fn(*args)
        else:
            with contextlib.suppress(RuntimeError):  # the server's loop is closed: nobody is left
                self._conn.loop.call_soon_threadsafe(fn, *args)

    def _fault(self, code: int, detail: str | None) -> bool:
        """Fail the call with ``code`` unless it is finished (loop thread; the runtime's path)."""
        with _lock:
            state = self._state
            if not state & _DONE:
                self._state = state | _DONE
        if state & _DONE:
            return False
        if not state & _GONE:
            self._conn.handle_finished(self, FAULT, code, detail)
        return True

    # -- cancellation and disconnect ----------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether the call is finished (``complete``/``abort`` was called)."""
        return bool(self._state & _DONE)

    def on_cancel(self, fn: Callable[[Self], object]) -> None:
        """Run ``fn(handle)`` once when the call is cancelled (at once if it already was)."""
        self._add_callback(_CANCELLED, cast(HandleCallback, fn))

    def on_disconnect(self, fn: Callable[[Self], object]) -> None:
        """Run ``fn(handle)`` once when the client's connection drops (at once if it has)."""
        self._add_callback(_DISCONNECTED, cast(HandleCallback, fn))

    def _add_callback(self, bit: int, fn: HandleCallback) -> None:
        with _lock:
            if not self._state & bit:
                if self._callbacks is None:
                    self._callbacks = [(bit, fn)]
                else:
                    self._callbacks.append((bit, fn))
                return
        _run_callback(fn, self)

    def _fire(self, bits: int) -> None:
        """Set ``bits`` and run the callbacks waiting for the ones newly set (loop thread)."""
        with _lock:
            new = bits & ~self._state
            self._state |= bits
            callbacks = self._callbacks
            run: list[HandleCallback] = []
            if callbacks is not None and new:
                run = [fn for bit, fn in callbacks if bit & new]
                rest = [(bit, fn) for bit, fn in callbacks if not bit & new]
                self._callbacks = rest or None
        for fn in run:
            _run_callback(fn, self)

    def __repr__(self) -> str:
        flags = [
            name
            for bit, name in ((_DONE, "done"), (_CANCELLED, "cancelled"), (_GONE, "gone"))
            if self._state & bit
        ]
        return f"<{type(self).__name__} {self._op.proc.name} call {self._call_id} {flags}>"

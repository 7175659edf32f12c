"""The server's connection protocol: binds interfaces, dispatches requests, tracks calls."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import socket
import struct
import threading
import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from .binding import LOCAL
from .callcontext import CallContext, PeerCredentials
from .connection import BIG_FRAME, FLUSH_AT, FramedProtocol, ProtocolError
from .ctxhandle import Changes, scope
from .ctxtable import ContextTable
from .errors import RpcError
from .handle import (
    _CANCELLED,
    _DISCONNECTED,
    _GONE,
    AsyncHandle,
    CallRecord,
    CallSite,
    current_call,
)
from .model import Procedure
from .registry import Op, Registration
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_FAILED,
    RPC_S_OUT_OF_RESOURCES,
    RPC_S_PROCNUM_OUT_OF_RANGE,
    RPC_S_SERVER_TOO_BUSY,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
)
from .wire.msgpack import (
    BIND,
    BIND_ACK,
    BIND_NAK,
    CANCEL,
    FAULT,
    KIND_NAMES,
    MAX_CODE,
    MAX_CTX_ID,
    MAX_ID,
    PROTOCOL_VERSION,
    REQUEST,
    RESPONSE,
    is_uint,
    pack_payload,
    unpack_payload,
)

if TYPE_CHECKING:
    from .server import Server

log = logging.getLogger("idlrt")

MAX_CONTEXTS = 1024  # interfaces bound on one connection
# (RESPONSE, payload, None, changes) or (FAULT, code, detail, None); changes: context handles
Outcome = tuple[int, "bytes | int", "str | None", "Changes | None"]


class _HandleRef(weakref.ref[AsyncHandle]):
    """The connection's weak reference to a parked call's handle."""

    __slots__ = ("call_id", "op")

    call_id: int
    op: Op


def _peer_credentials(transport: Any) -> PeerCredentials | None:
    sock = transport.get_extra_info("socket")
    option = getattr(socket, "SO_PEERCRED", None)
    if sock is None or option is None:
        return None
    try:
        pid, uid, gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, 12))
    except OSError:
        return None
    return PeerCredentials(pid, uid, gid)


def _run_inline(rec: CallRecord, fn: Any, args: Any) -> object:
    """Run the coroutine of a routine that never suspends (``Op.inline``) to its end."""
    _set_current_call(rec)  # in the caller's fresh context
    coro = fn(*args)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()  # unreachable for such a routine; never leave a coroutine half run
    raise RuntimeError(f"{rec._op.proc.name}: the routine suspended")


_set_current_call = current_call.set
_copy_context = contextvars.copy_context


def _failure(op: CallSite, exc: Exception) -> Outcome:
    """The fault for an exception raised by a manager routine."""
    if isinstance(exc, RpcError) and type(exc.code) is int and 0 < exc.code <= MAX_CODE:
        return FAULT, exc.code, exc.detail, None
    log.error("idlrt: manager routine %s raised", op.proc.name, exc_info=exc)
    return FAULT, RPC_S_CALL_FAILED, None, None


def _encode_result(rec: CallRecord, result: object, packer: Any) -> Outcome:
    """The reply for a synchronous routine's return value (``packer`` None: any thread)."""
    if rec._op.ctx:
        return _encode_result_scoped(rec, result, packer)
    try:
        return RESPONSE, pack_payload(rec._op.proc.encode_result(result), packer), None, None
    except RpcError as exc:
        log.warning("idlrt: %s returned a value that cannot be sent: %s", rec.procedure, exc)
        return FAULT, exc.code, exc.detail, None
    except Exception:
        log.exception("idlrt: encoding the result of %s failed", rec.procedure)
        return FAULT, RPC_S_CALL_FAILED, None, None


def _encode_result_scoped(rec: CallRecord, result: object, packer: Any) -> Outcome:
    """``_encode_result`` for a procedure with context handles: with the call in ``scope``."""
    tls = scope
    tls.call = rec  # for the context-handle encoders
    try:
        payload = pack_payload(rec._op.proc.encode_result(result), packer)
    except RpcError as exc:
        log.warning("idlrt: %s returned a value that cannot be sent: %s", rec.procedure, exc)
        return FAULT, exc.code, exc.detail, None
    except Exception:
        log.exception("idlrt: encoding the result of %s failed", rec.procedure)
        return FAULT, RPC_S_CALL_FAILED, None, None
    finally:
        tls.call = None
        changes: Changes | None = tls.changes
        if changes is not None:
            tls.changes = None  # kept (for the reply) only on success, below
    return RESPONSE, payload, None, changes


class ServerConnection(FramedProtocol):
    """One client connection of a ``Server``."""

    def __init__(self, server: Server, protseq: str) -> None:
        super().__init__(server.loop, server.max_request)
        self.server = server
        self.protseq = protseq
        self._contexts: dict[int, Registration] = {}
        # call id -> _HandleRef (a parked [async] call) or the CallRecord of a running routine
        self._calls: dict[int, _HandleRef | CallRecord] = {}
        self._peer: object = None
        self._credentials: PeerCredentials | None = None
        self._certificate: dict[str, Any] | None = None
        self._collected = self._handle_collected  # one bound method, not one per parked call
        self.ctx_table: ContextTable | None = None  # open context handles, once there are any
        self._lost = False  # connection_lost has run

    # -- connection events --------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._peer = transport.get_extra_info("peername")
        if self.protseq == LOCAL:
            self._credentials = _peer_credentials(transport)
        else:
            self._certificate = transport.get_extra_info("peercert")  # TLS only
        self.server.connection_opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        """Rule 11: cancel every call (callbacks: on_cancel, then on_disconnect), then run the
        rundown of every open context handle once."""
        super().connection_lost(exc)
        self._lost = True
        calls, self._calls = self._calls, {}
        handles: list[AsyncHandle] = []
        server = self.server
        for rec in calls.values():
            if type(rec) is _HandleRef:
                server.call_ended()
                handle = rec()
                if handle is not None:
                    handles.append(handle)
            else:  # a routine still running: it may poll test_cancel(); its result is dropped
                assert isinstance(rec, CallRecord)
                rec._state |= _GONE | _CANCELLED | _DISCONNECTED
        for handle in handles:
            handle._fire(_GONE | _CANCELLED)
            handle._fire(_DISCONNECTED)
        table = self.ctx_table
        if table is not None and table.handles:
            table.run_down_all()
        server.connection_closed(self)

    def pause_writing(self) -> None:
        # The client is not reading its replies: stop reading its requests until it does.
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    # -- messages -----------------------------------------------------------------------------

    def on_message(self, header: list[Any]) -> None:
        kind = header[0]
        if kind == CANCEL:
            self._on_cancel(header)
        elif kind == BIND:
            self._on_bind(header)
        else:
            raise ProtocolError(f"unexpected {KIND_NAMES[kind]} (a client sends BIND/CANCEL)")

    def on_oversize(self, header: list[Any], size: int) -> None:
        if header[0] != REQUEST:
            raise ProtocolError("unexpected RESPONSE from a client")
        limit = self.server.max_request
        self._fault(header[1], RPC_S_ACCESS_DENIED, f"request of {size} bytes, limit {limit}")

    def _fault(self, call_id: object, code: int, detail: str | None = None) -> None:
        msg = (FAULT, call_id, code) if detail is None else (FAULT, call_id, code, detail)
        self.send(self.packer.pack(msg))

    def _on_bind(self, h: list[Any]) -> None:
        ctx_id = h[1]
        if not is_uint(ctx_id, MAX_CTX_ID):
            raise ProtocolError(f"bad BIND context id {ctx_id!r}")
        uuid, major, minor, version = h[2], h[3], h[4], h[5]
        code = 0
        reg = None
        if type(uuid) is not str or not is_uint(major, 0xFFFF) or not is_uint(minor, 0xFFFF):
            code = RPC_X_BAD_STUB_DATA
        elif not is_uint(version, MAX_ID) or version < PROTOCOL_VERSION:
            code = RPC_S_UNSUPPORTED_TRANS_SYN
        elif len(self._contexts) >= MAX_CONTEXTS and ctx_id not in self._contexts:
            code = RPC_S_OUT_OF_RESOURCES
        else:
            reg = self.server.lookup(uuid.lower(), major, minor)
            if reg is None:
                code = RPC_S_UNKNOWN_IF
        if reg is None:
            self.send(self.packer.pack((BIND_NAK, ctx_id, code)))
            return
        self._contexts[ctx_id] = reg
        minor_here = reg.interface.version[1]
        self.send(self.packer.pack((BIND_ACK, ctx_id, PROTOCOL_VERSION, minor_here)))

    def _on_cancel(self, h: list[Any]) -> None:
        call_id = h[1]
        if not is_uint(call_id, MAX_ID):
            raise ProtocolError(f"bad CANCEL call id {call_id!r}")
        abortive = h[2] is True
        calls = self._calls
        rec = calls.get(call_id)
        if rec is None:
            return  # finished already: the cancel crossed the reply
        if type(rec) is _HandleRef:
            handle = rec()
            if abortive:
                del calls[call_id]
                self.server.call_ended()
            if handle is not None:
                handle._fire(_GONE | _CANCELLED if abortive else _CANCELLED)
        else:  # a running routine sees it through test_cancel()
            assert isinstance(rec, CallRecord)
            rec._state |= _GONE | _CANCELLED if abortive else _CANCELLED
            if abortive:
                del calls[call_id]  # the routine runs on; its reply is dropped

    # -- dispatch -----------------------------------------------------------------------------

    def on_payload(self, h: list[Any], payload: bytes) -> None:
        """A REQUEST: check it, in the order docs/protocol.md gives, and start its routine."""
        if h[0] != REQUEST:
            raise ProtocolError("unexpected RESPONSE from a client")
        call_id: int = h[1]  # checked by the framing layer
        ctx_id, opnum = h[2], h[3]
        server = self.server
        if call_id in self._calls:
            self._fault(call_id, RPC_X_BAD_STUB_DATA, f"call id {call_id} is already in progress")
            return
        if server.stopping:
            self._fault(call_id, RPC_S_SERVER_UNAVAILABLE, "the server is stopping")
            return
        if server.in_progress >= server.max_calls:
            self._fault(call_id, RPC_S_SERVER_TOO_BUSY)
            return
        reg = self._contexts.get(ctx_id) if type(ctx_id) is int else None
        if reg is None:
            self._fault(call_id, RPC_S_UNKNOWN_IF, f"context {ctx_id!r} is not bound")
            return
        ops = reg.ops
        if type(opnum) is not int or not 0 <= opnum < len(ops):
            self._fault(
                call_id, RPC_S_PROCNUM_OUT_OF_RANGE, f"{reg.interface.name}: opnum {opnum!r}"
            )
            return
        op = ops[opnum]
        if not op.fast:
            self._dispatch(op, reg, call_id, payload)
            return
        # The short path (``Op.fast``): an inline routine without security callback, context
        # handles or ``handle_t`` parameters: _dispatch, _start_coroutine and _finished in one.
        proc = op.proc
        try:
            args: Any = proc.decode_in(unpack_payload(payload))
        except Exception as exc:
            self._undecodable(call_id, proc, exc)
            return
        server.in_progress += 1  # server.call_started(), inline
        server.calls_total += 1
        rec = CallRecord(self, call_id, op)
        calls = self._calls
        calls[call_id] = rec
        try:
            result = _copy_context().run(_run_inline, rec, op.fn, args)
        except Exception as exc:
            self._finished(rec, *_failure(op, exc))
            return
        except asyncio.CancelledError:  # raised by the routine itself
            log.error("idlrt: manager routine %s raised CancelledError", proc.name)
            self._finished(rec, FAULT, RPC_S_CALL_FAILED, None, None)
            return
        packer = self.packer
        try:
            data = packer.pack(proc.encode_result(result))
        except Exception:  # encode again the slow way, for its fault and its log message
            self._finished(rec, *_encode_result(rec, result, packer))
            return
        if calls.get(call_id) is rec:
            del calls[call_id]
            header = packer.pack((RESPONSE, call_id, len(data)))
            buf = self._wbuf
            transport = self.transport
            if self._last and not buf and transport is not None and not self.closed:
                transport.write(header + data)  # the lone reply of this input leaves now
            elif len(data) < BIG_FRAME and not self.closed:  # send2(), inline: we are receiving
                buf.append(header)
                buf.append(data)
                if len(buf) >= FLUSH_AT:  # send2()'s early write
                    self._flush()
            else:
                self.send2(header, data)
        server.in_progress -= 1  # server.call_ended(), inline, once the reply is on its way
        if server._idle is not None and not server.in_progress:
            server._idle.set()

    def _undecodable(self, call_id: int, proc: Procedure[Any], exc: Exception) -> None:
        """Fault a call whose arguments did not decode: with the stub's own status, or as bad
        stub data when a decoder was surprised by the data (the client's problem, not ours)."""
        if isinstance(exc, RpcError):
            self._fault(call_id, exc.code, exc.detail)
            return
        log.debug("idlrt: decoding the arguments of %s failed", proc.name, exc_info=exc)
        self._fault(call_id, RPC_X_BAD_STUB_DATA, f"{proc.name}: undecodable arguments")

    def _dispatch(self, op: Op, reg: Registration, call_id: int, payload: bytes) -> None:
        """Start any other call: security callback, decoding, then the routine's own way."""
        server = self.server
        proc = op.proc
        rec = (
            proc.handle_class(self, call_id, op) if proc.is_async else CallRecord(self, call_id, op)
        )
        ctx = None
        if reg.security_callback is not None:
            ctx = self.call_context(op, rec)
            try:
                allowed = bool(reg.security_callback(ctx))
            except Exception:
                log.exception("idlrt: the security callback of %s raised", reg.interface.name)
                allowed = False
            if not allowed:
                self._fault(call_id, RPC_S_ACCESS_DENIED)
                return
        tls = scope
        if op.ctx:
            tls.call = rec  # for the context-handle decoders
        try:
            args: Any = proc.decode_in(unpack_payload(payload))
        except Exception as exc:
            self._undecodable(call_id, proc, exc)
            return
        finally:
            if op.ctx:
                tls.call = None
        if op.positions:
            if ctx is None:
                ctx = self.call_context(op, rec)
            args = list(args)
            for pos in op.positions:
                args.insert(pos, ctx)
        server.call_started()
        if proc.is_async:
            assert isinstance(rec, AsyncHandle)
            self._start_async(rec, op, args)
        elif op.is_coro:
            self._start_coroutine(rec, op, args)
        else:
            self._calls[call_id] = rec
            try:
                server.executor.submit(self._run_in_thread, rec, op, args)
            except RuntimeError:  # the executor is shut down: the server is stopping
                self._finished(rec, FAULT, RPC_S_SERVER_UNAVAILABLE, None, None)

    def _start_async(self, handle: AsyncHandle, op: Op, args: Any) -> None:
        call_id = handle._call_id
        ref = _HandleRef(handle, self._collected)
        ref.call_id = call_id
        ref.op = op
        self._calls[call_id] = ref
        try:
            ret = op.fn(handle, *args)
        except Exception as exc:
            self._async_failed(handle, exc)
            return
        if op.is_coro:
            self.server.spawn(self._run_async_coroutine(ret, handle))

    async def _run_async_coroutine(
        self, coro: Coroutine[Any, Any, Any], handle: AsyncHandle
    ) -> None:
        try:
            await coro
        except Exception as exc:
            self._async_failed(handle, exc)

    def _async_failed(self, handle: AsyncHandle, exc: Exception) -> None:
        _, code, detail, _ = _failure(handle._op, exc)
        assert isinstance(code, int)
        if not handle._fault(code, detail) and isinstance(exc, RpcError):
            log.warning("idlrt: %s raised %r after finishing its call", handle.procedure, exc)

    def _start_coroutine(self, rec: CallRecord, op: Op, args: Any) -> None:
        self._calls[rec._call_id] = rec
        if op.inline:  # cannot suspend: run it now, in a context of its own, as a task would
            try:
                result = _copy_context().run(_run_inline, rec, op.fn, args)
            except Exception as exc:
                self._finished(rec, *_failure(op, exc))
            except asyncio.CancelledError:  # raised by the routine itself
                log.error("idlrt: manager routine %s raised CancelledError", op.proc.name)
                self._finished(rec, FAULT, RPC_S_CALL_FAILED, None, None)
            else:
                self._finished(rec, *_encode_result(rec, result, self.packer))
            return
        try:
            coro = op.fn(*args)
        except Exception as exc:
            self._finished(rec, *_failure(op, exc))
            return
        self.server.spawn(self._run_coroutine(rec, coro))

    async def _run_coroutine(self, rec: CallRecord, coro: Coroutine[Any, Any, Any]) -> None:
        current_call.set(rec)  # in this task's own context
        try:
            result = await coro
        except Exception as exc:
            self._finished(rec, *_failure(rec._op, exc))
        else:
            self._finished(rec, *_encode_result(rec, result, self.packer))

    def _run_in_thread(self, rec: CallRecord, op: Op, args: Any) -> None:
        """Worker thread: run a plain routine, encode its reply, hand it to the loop."""
        token = current_call.set(rec)
        try:
            outcome = _encode_result(rec, op.fn(*args), None)
        except Exception as exc:
            outcome = _failure(op, exc)
        finally:
            current_call.reset(token)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is gone
            self.loop.call_soon_threadsafe(self._finished, rec, *outcome)

    def _finished(
        self,
        rec: CallRecord,
        kind: int,
        data: bytes | int,
        detail: str | None,
        changes: Changes | None,
    ) -> None:
        """A non-[async] routine is over: send its reply unless the client is gone."""
        self.server.call_ended()
        call_id = rec._call_id
        delivered = self._calls.get(call_id) is rec
        if changes is not None:
            self._commit(changes, rec._op, delivered)
        if delivered:
            del self._calls[call_id]
            self._send_outcome(call_id, kind, data, detail)

    def _send_outcome(self, call_id: int, kind: int, data: bytes | int, detail: str | None) -> None:
        if kind == RESPONSE:
            assert isinstance(data, bytes)
            header = self.packer.pack((RESPONSE, call_id, len(data)))
            # The last call in progress replies at once (no other reply is likely to follow
            # in this pass); otherwise replies are coalesced into one write per pass.
            if self._calls or self._receiving or not self.write_now(header, data):
                self.send2(header, data)
        else:
            assert isinstance(data, int)
            self._fault(call_id, data, detail)

    # -- async handles ------------------------------------------------------------------------

    def handle_finished(
        self,
        handle: AsyncHandle,
        kind: int,
        data: bytes | int,
        detail: str | None = None,
        changes: Changes | None = None,
    ) -> None:
        """``complete``/``abort`` on ``handle`` (loop thread): send unless the client is gone."""
        call_id = handle._call_id
        rec = self._calls.get(call_id)
        delivered = type(rec) is _HandleRef and rec() is handle
        if changes is not None:
            self._commit(changes, handle._op, delivered)
        if delivered:
            del self._calls[call_id]
            self.server.call_ended()
            self._send_outcome(call_id, kind, data, detail)

    def contexts_undelivered(self, changes: Changes, op: CallSite) -> None:
        """A reply that will never be sent decided ``changes`` (loop thread)."""
        self._commit(changes, op, False)

    def _commit(self, changes: Changes, op: CallSite, delivered: bool) -> None:
        assert isinstance(op, Op)  # every record's CallSite is the Op it was made for
        table = self.ctx_table
        if table is None:
            table = self.ctx_table = ContextTable(self.server)
        table.commit(changes, op.reg.manager, delivered, not self._lost)

    def _handle_collected(self, ref: weakref.ref[AsyncHandle]) -> None:
        """Weak-reference callback, in whatever thread dropped the last reference."""
        try:
            if threading.get_ident() == self.thread_id:
                self._handle_lost(ref)
            else:
                self.loop.call_soon_threadsafe(self._handle_lost, ref)
        except Exception:  # the loop is closed, or the interpreter is shutting down
            pass

    def _handle_lost(self, ref: weakref.ref[AsyncHandle]) -> None:
        assert isinstance(ref, _HandleRef)
        call_id = ref.call_id
        if self._calls.get(call_id) is not ref:
            return  # finished, cancelled or disconnected before the handle died
        del self._calls[call_id]
        self.server.call_ended()
        log.warning(
            "idlrt: the AsyncHandle of %s (call %d) was garbage-collected without complete() "
            "or abort(); the call fails with 1726",
            ref.op.proc.name,
            call_id,
        )
        self._fault(call_id, RPC_S_CALL_FAILED)

    def call_context(self, op: CallSite, rec: CallRecord | None = None) -> CallContext:
        """The ``CallContext`` for a call of ``op`` (record ``rec``) on this connection."""
        assert isinstance(op, Op)  # every record's CallSite is the Op it was made for
        iface = op.reg.interface
        return CallContext(
            self.protseq,
            self._peer,
            self._credentials,
            iface.name,
            iface.uuid,
            iface.version,
            op.proc.opnum,
            op.proc.name,
            self._certificate,
            rec,
        )

    @property
    def peer(self) -> object:
        """The client's address (see ``CallContext.peer``)."""
        return self._peer

    def calls_in_progress(self) -> int:
        """How many calls of this connection are in progress (owed a reply)."""
        return len(self._calls)

    def context_handles(self) -> int:
        """How many context handles are open on this connection."""
        table = self.ctx_table
        return 0 if table is None else len(table.handles)

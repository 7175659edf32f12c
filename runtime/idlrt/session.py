"""``ServerSession``: what one client connection of a server keeps and how its calls end.

It binds interfaces (BIND), records the calls in progress, takes CANCELs, sends each call's
reply or fault, commits the context handles a reply decided, and handles a disconnect (rule
11). Starting the calls a client requests is ``dispatch.ServerConnection``'s job, a subclass.

Layer 5 (server): imports layers 1-4, ``registry`` and ``ctxtable``; it reaches its server
through the ``ConnectionHost`` Protocol, never by importing ``server``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from concurrent.futures import Executor
from typing import Any, Protocol

from .binding import LOCAL
from .callbacks import PendingCallbacks
from .callcontext import CallContext, PeerCredentials
from .connection import FramedProtocol, ProtocolError
from .ctxhandle import Changes
from .ctxtable import ContextTable, TableServer
from .handle import _CANCELLED, _DISCONNECTED, _GONE, AsyncHandle, CallRecord, CallSite
from .model import Procedure
from .pipes import ServerPipes
from .pipestate import PipeChannel
from .registry import Op, Registration
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_OUT_OF_RESOURCES,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
)
from .untrusted import safe_repr
from .wire.msgpack import (
    BIND,
    BIND_ACK,
    BIND_NAK,
    CANCEL,
    FAULT,
    KIND_NAMES,
    MAX_CTX_ID,
    MAX_ID,
    PIPE_ACK,
    PROTOCOL_VERSION,
    REQUEST,
    RESPONSE,
    is_uint,
    pack_payload,
    unpack_payload,
)

log = logging.getLogger("idlrt")

MAX_CONTEXTS = 1024  # interfaces bound on one connection


class ConnectionHost(TableServer, Protocol):
    """What a connection needs of its server (``server.Server``): its loop, limits and
    registrations, where plain routines run, and the counts the connection keeps up to date
    (``in_progress``, ``calls_total`` and ``_idle`` are used inline on dispatch's short path)."""

    in_progress: int
    calls_total: int
    min_auth_level: int  # DCE authentication level a call needs (0: none)
    max_calls_per_connection: int
    idle_timeout: float | None
    message_timeout: float | None
    max_queued_reply: int

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def executor(self) -> Executor: ...

    @property
    def max_calls(self) -> int: ...

    @property
    def max_request(self) -> int: ...

    @property
    def stopping(self) -> bool: ...

    @property
    def _idle(self) -> asyncio.Event | None: ...

    def lookup(self, uuid: str, major: int, minor: int) -> Registration | None: ...

    def call_started(self) -> None: ...

    def call_ended(self) -> None: ...

    def connection_opened(self, conn: ServerSession) -> None: ...

    def connection_closed(self, conn: ServerSession) -> None: ...


class HandleRef(weakref.ref[AsyncHandle]):
    """The connection's weak reference to a parked call's handle."""

    __slots__ = ("call_id", "op")

    call_id: int
    op: Op


class ServerSession(FramedProtocol):
    """One client connection of a ``Server``: its state, its messages other than REQUEST, and
    the end of its calls."""

    ndr = False  # the wire's stubs are NDR20 (the DCE/RPC connection)

    def __init__(self, server: ConnectionHost, protseq: str, framed: bool = True) -> None:
        super().__init__(server.loop, server.max_request, framed)
        self.server = server
        self.protseq = protseq
        self._contexts: dict[int, Registration] = {}
        # call id -> HandleRef (a parked [async] call) or the CallRecord of a running routine
        self._calls: dict[int, HandleRef | CallRecord] = {}
        self._peer: object = None
        self._credentials: PeerCredentials | None = None
        self._certificate: dict[str, Any] | None = None
        self._collected = self._handle_collected  # one bound method, not one per parked call
        self.ctx_table: ContextTable | None = None  # open context handles, once there are any
        self._lost = False  # connection_lost has run
        self._idle_timer: asyncio.TimerHandle | None = None
        self._message_timer: asyncio.TimerHandle | None = None
        self._pipes: dict[int, ServerPipes] = {}  # the pipes of calls in progress that have any
        self.callbacks: PendingCallbacks | None = None  # [callback]s sent, awaiting a reply

    # -- connection events --------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._peer = transport.get_extra_info("peername")
        if self.protseq == LOCAL:
            self._credentials = PeerCredentials.of(transport)
        else:
            self._certificate = transport.get_extra_info("peercert")  # TLS only
        self.server.connection_opened(self)
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        """Rule 11: cancel every call (callbacks: on_cancel, then on_disconnect), then run the
        rundown of every open context handle once."""
        super().connection_lost(exc)
        self._lost = True
        # the one reference cycle of a connection: without it, a closed connection is freed
        # by reference counting at once, its buffers with it (parked handles' weak references
        # keep their own bound method, and the connection, until they die)
        del self._collected
        for timer in (self._idle_timer, self._message_timer):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._message_timer = None
        calls, self._calls = self._calls, {}
        pipes, self._pipes = self._pipes, {}
        for call_pipes in pipes.values():
            call_pipes.fail(RPC_S_CALL_FAILED, "the client's connection was lost")
        handles: list[AsyncHandle] = []
        server = self.server
        for rec in calls.values():
            if type(rec) is HandleRef:
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
        if self.callbacks is not None:
            self.callbacks.lost("the client's connection is lost" + (f" ({exc})" if exc else ""))
        server.connection_closed(self)

    def pause_writing(self) -> None:
        # The client is not reading its replies: stop reading its requests until it does.
        super().pause_writing()
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()
        super().resume_writing()

    # -- limits: idle connections, unfinished messages, replies nobody reads ------------------

    def _arm_idle(self) -> None:
        timeout = self.server.idle_timeout
        if timeout is not None and not self.closed:
            self._idle_timer = self.loop.call_later(timeout, self._idle_check, self._reads)

    def _idle_check(self, reads: int) -> None:
        """``idle_timeout`` after the last look: close the connection if it read nothing
        since, has no call in progress, no context handle open and no message half read."""
        self._idle_timer = None
        table = self.ctx_table
        if self._reads != reads or self._calls or (table is not None and table.handles):
            self._arm_idle()
        elif self.partial():
            self._arm_idle()  # the message timer has it
        elif not self.closed:
            timeout = self.server.idle_timeout
            log.info("idlrt: closing %s, idle for %s s", self.describe_peer(), timeout)
            self.close()

    def after_input(self) -> None:
        """After each read: replies that back up are bounded, and a message left half read
        must be finished in time."""
        if self._write_paused and self.reply_backlog_exceeded():
            return
        if self._message_timer is None and self.partial():
            timeout = self.server.message_timeout
            if timeout is not None and not self.closed:
                self._message_timer = self.loop.call_later(
                    timeout, self._message_check, self.progress()
                )

    def _message_check(self, progress: int) -> None:
        """``message_timeout`` after a message was seen unfinished: if it still is, and no
        message was finished since (a slow sender, or one that never ends), drop the
        connection; else look again later."""
        self._message_timer = None
        if self.closed or not self.partial():
            return
        if self.progress() != progress:
            self.after_input()
            return
        timeout = self.server.message_timeout
        log.warning(
            "idlrt: dropping %s: a message not finished within %s s", self.describe_peer(), timeout
        )
        self.abort()

    def partial(self) -> bool:
        """Whether part of a message was received and the rest is awaited."""
        # the Unpacker is held only while input waits; a big payload is read around it
        return self._unpacker is not None or self._skip > 0 or self._big is not None

    def progress(self) -> int:
        """A count that grows with every message finished (octets of whole messages read)."""
        return self._done

    def reply_backlog_exceeded(self) -> bool:
        """Whether the replies queued for a client that does not read them are over the
        server's ``max_queued_reply``; if so the connection is dropped (loop thread)."""
        if not self._write_paused:
            return False
        transport = self.transport
        if transport is None or transport.get_write_buffer_size() <= self.server.max_queued_reply:
            return False
        log.warning(
            "idlrt: dropping %s: over %d octets of replies it does not read",
            self.describe_peer(),
            self.server.max_queued_reply,
        )
        self.abort()
        return True

    # -- messages -----------------------------------------------------------------------------

    def on_message(self, header: list[Any]) -> None:
        kind = header[0]
        if kind == CANCEL:
            self._on_cancel(header)
        elif kind == BIND:
            self._on_bind(header)
        elif kind == PIPE_ACK:
            self.on_pipe_ack(header)
        elif kind == FAULT and self.callbacks is not None:
            self.callbacks.fault(header)  # a [callback] failed on the client
        else:
            raise ProtocolError(f"unexpected {KIND_NAMES[kind]} (a client sends BIND/CANCEL)")

    def on_pipe_ack(self, header: list[Any]) -> None:
        """A PIPE_ACK (``dispatch.ServerConnection`` serves pipes)."""
        raise ProtocolError("unexpected PIPE_ACK")

    def on_oversize(self, header: list[Any], size: int) -> None:
        limit = self.server.max_request
        if header[0] != REQUEST:
            if header[0] != RESPONSE or self.callbacks is None:
                raise ProtocolError(f"unexpected {KIND_NAMES[header[0]]} from a client")
            self.callbacks.oversize(header, size)  # a [callback]'s reply
            return
        self._fault(header[1], RPC_S_ACCESS_DENIED, f"request of {size} bytes, limit {limit}")

    def _fault(self, call_id: object, code: int, detail: str | None = None) -> None:
        msg = (FAULT, call_id, code) if detail is None else (FAULT, call_id, code, detail)
        self.send(self.packer.pack(msg))

    def _on_bind(self, h: list[Any]) -> None:
        ctx_id = h[1]
        if not is_uint(ctx_id, MAX_CTX_ID):
            raise ProtocolError(f"bad BIND context id {safe_repr(ctx_id)}")
        uuid, major, minor, version = h[2], h[3], h[4], h[5]
        code = 0
        reg = None
        if type(uuid) is not str or not is_uint(major, 0xFFFF) or not is_uint(minor, 0xFFFF):
            code = RPC_X_BAD_STUB_DATA
        elif not is_uint(version, MAX_ID) or version < PROTOCOL_VERSION:
            code = RPC_S_UNSUPPORTED_TRANS_SYN
        elif len(self._contexts) >= MAX_CONTEXTS and ctx_id not in self._contexts:
            code = RPC_S_OUT_OF_RESOURCES
        elif self.server.min_auth_level > 0:  # this wire does not authenticate
            code = RPC_S_ACCESS_DENIED
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
            raise ProtocolError(f"bad CANCEL call id {safe_repr(call_id)}")
        self.cancel_call(call_id, h[2] is True)

    def cancel_call(self, call_id: int, abortive: bool) -> None:
        """The client asked to cancel call ``call_id`` (rules 8-10); its pipes fail with 1818."""
        calls = self._calls
        rec = calls.get(call_id)
        if rec is None:
            return  # finished already: the cancel crossed the reply
        if self._pipes:
            pipes = self._pipes.pop(call_id, None) if abortive else self._pipes.get(call_id)
            if pipes is not None:
                pipes.fail(RPC_S_CALL_CANCELLED, "the client cancelled the call")
        if type(rec) is HandleRef:
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

    def _send_outcome(self, call_id: int, kind: int, data: bytes | int, detail: str | None) -> None:
        if self._pipes and (pipes := self._pipes.pop(call_id, None)) is not None:
            pipes.finish(kind == RESPONSE)  # the ends of [out] pipes go before the reply
        if self._write_paused and self.reply_backlog_exceeded():
            return
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

    # -- the wire's stubs (the DCE/RPC connection overrides them) ------------------------------

    def pipe_channel(self, call_id: int, proc: Procedure[Any]) -> PipeChannel:
        """What the pipes of call ``call_id`` talk to: on this wire the connection itself."""
        return self

    def decode_args(self, proc: Procedure[Any], payload: bytes) -> tuple[Any, ...]:
        """The [in] values of a request's payload."""
        return proc.decode_in(unpack_payload(payload))

    def encode_out(self, rec: CallRecord, values: Any, on_loop: bool) -> bytes:
        """The reply payload for a return value and out values (``complete``'s tuple)."""
        proc: Any = rec._op.proc
        return pack_payload(proc.encode_out(*values), self.packer if on_loop else None)

    def encode_result(self, rec: CallRecord, result: object, on_loop: bool) -> bytes:
        """The reply payload for what a synchronous routine returns."""
        proc: Any = rec._op.proc
        return pack_payload(proc.encode_result(result), self.packer if on_loop else None)

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
        delivered = type(rec) is HandleRef and rec() is handle
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
        assert isinstance(ref, HandleRef)
        call_id = ref.call_id
        if self._calls.get(call_id) is not ref:
            return  # finished, cancelled or disconnected before the handle died
        del self._calls[call_id]
        self.server.call_ended()
        pipes = self._pipes.pop(call_id, None)
        if pipes is not None:
            pipes.fail(RPC_S_CALL_FAILED, "the call's handle was garbage-collected")
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
            *self.wire_details(rec),
        )

    def wire_details(self, rec: CallRecord | None) -> tuple[Any, ...]:
        """The ``CallContext`` fields that the wire decides, from ``wire`` on."""
        return ()

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

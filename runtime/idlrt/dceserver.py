"""``DceServerConnection``: the server's end of a connection-oriented DCE/RPC association
(C706 chapter 12, [MS-RPCE] 3.3), with NDR20 stubs. Everything after a request is whole is
``dispatch.ServerConnection``'s (the routine's way of running, async handles, cancel,
disconnect and rundown), so both wires keep the same call semantics; this class reads and
writes PDUs: bind and alter_context with bind-time feature negotiation, NTLM (bind, bind_ack,
auth3), request fragments, co_cancel and orphaned, and replies and faults in fragments.

Layer 5 (server): imports layers 1-4, ``dispatch`` and ``dcestream``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import uuid
from typing import Any, Protocol

from .connection import FLUSH_AT, ProtocolError
from .dcepipes import DceCallPipes, drop, read_pipes, start_early
from .dcestream import SecurityContext, Stream, check_pdu, receive
from .dispatch import ServerConnection, result_outcome, routine_failure, run_inline
from .errors import RpcError
from .handle import CallRecord
from .model import Procedure
from .pipestate import PipeChannel
from .registry import Op
from .session import MAX_CONTEXTS, ConnectionHost
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_FAILED,
    RPC_S_PROCNUM_OUT_OF_RANGE,
    RPC_S_SERVER_TOO_BUSY,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_S_UNKNOWN_IF,
    RPC_X_BAD_STUB_DATA,
)
from .untrusted import cut
from .wire import dcerpc as pdu
from .wire.dcerpc import Header
from .wire.msgpack import FAULT, RESPONSE

log = logging.getLogger("idlrt")

MAX_FRAG = 0xFFF8  # the largest fragment we take and send (16-bit frag_length, 8-aligned)
FEATURES = pdu.BTFN_KEEP_CONNECTION_ON_ORPHAN  # what bind-time negotiation may grant
_FRAG_BITS = pdu.WHOLE | pdu.PFC_OBJECT_UUID
_copy_context = contextvars.copy_context


class Accounts(Protocol):
    """The users a server accepts (``ntlm.Accounts``)."""

    def server_context(self, auth_level: int) -> SecurityContext: ...


class DceHost(ConnectionHost, Protocol):
    """What a DCE/RPC connection needs of its server beyond a msgpack one's."""

    @property
    def accounts(self) -> Accounts | None: ...


class DceServerConnection(ServerConnection):
    """One client association of a ``Server`` on the DCE/RPC wire."""

    ndr = True
    flush_at = FLUSH_AT // 2  # a PDU is one piece: write after as many messages as msgpack
    server: DceHost

    def __init__(self, server: DceHost, protseq: str) -> None:
        super().__init__(server, protseq, framed=False)
        self.stream = Stream(MAX_FRAG)
        self._bound = False
        self._features = 0
        self._auth_failed = False
        # request fragments of calls not yet whole: call id -> [ctx id, opnum, object, stub]
        self._partial: dict[int, list[Any]] = {}
        self._partial_size = 0
        self._call_ctx: dict[int, int] = {}  # call id -> presentation context, for the reply
        self._objects: dict[int, str] = {}  # call id -> the object UUID its request named
        self._started = 0  # requests whole and started: the progress a message timer watches
        # calls with pipes: their stub streams (docs/pipes.md); requests with [in] pipes start
        # once their other [in] values are here, and the rest of their stub is read as it comes
        self._streams: dict[int, DceCallPipes] = {}
        self._reading: set[int] = set()  # calls whose request's [in] pipes are still coming
        self._in_end = 0  # where the [in] pipes start, in the request decode_args just read

    # -- input --------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        receive(self, data)

    def _short_pdu(self, message: bytes | bytearray) -> bool:
        """The short path: a whole request without object UUID or auth verifier on an
        association without security context, what most PDUs are, started from the fields the
        long path would read. False (nothing done) for anything else."""
        fields = self.stream.plain_whole(message, pdu.REQUEST, _FRAG_BITS)
        if fields is None or self._auth_failed or self.server.min_auth_level > 0:
            return False
        call_id, ctx_id, opnum = fields
        if call_id in self._partial:
            self._drop_partial(call_id)
        self._start(call_id, ctx_id, opnum, None, bytes(message[pdu.REQUEST_HEADER :]))
        return True

    def _long_pdu(self, message: bytearray) -> None:
        h = check_pdu(message)
        ptype = h.ptype
        if ptype == pdu.REQUEST:
            self._on_request(message, h)
        elif ptype == pdu.BIND or ptype == pdu.ALTER_CONTEXT:
            self._on_bind_pdu(message, h)
        elif ptype == pdu.AUTH3:
            self._on_auth3(message, h)
        elif ptype == pdu.CO_CANCEL:
            self.cancel_call(h.call_id, False)
        elif ptype == pdu.ORPHANED:
            self._drop_partial(h.call_id)
            self.cancel_call(h.call_id, True)
        else:
            name = pdu.PTYPE_NAMES.get(ptype, str(ptype))
            raise ProtocolError(f"unexpected {name} PDU from a client")

    # -- bind, alter_context, auth3 -----------------------------------------------------------

    def _on_bind_pdu(self, message: bytearray, h: Header) -> None:
        first = h.ptype == pdu.BIND
        if first and self._bound:
            self._nak(h.call_id, pdu.NAK_NOT_SPECIFIED)  # one bind per association
            return
        verifier = pdu.read_verifier(message, h)
        end = verifier.body_end if verifier is not None else h.frag_length
        bind = pdu.read_bind(message, end)
        token = None
        if first and verifier is not None:
            token = self._accept_auth(verifier)
            if token is None:
                self._nak(h.call_id, pdu.NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED)
                return
        results = [self._present(c) for c in bind.contexts]
        flags = pdu.WHOLE | (h.flags & pdu.PFC_CONC_MPX)
        if first:
            self._bound = True
            self.stream.max_xmit = max(pdu.MIN_FRAG, min(bind.max_recv_frag, MAX_FRAG))
            group = bind.assoc_group_id or int.from_bytes(os.urandom(4), "little") | 1
            if token is not None:
                flags |= h.flags & pdu.PFC_SUPPORT_HEADER_SIGN
            body = pdu.bind_ack_body(
                self.stream.max_xmit, MAX_FRAG, group, self._secondary_address(), results
            )
            if token is not None:
                sec = self.stream.security
                assert sec is not None
                self.send(
                    self.stream.with_verifier(
                        pdu.BIND_ACK, flags, h.call_id, body, token, sec.auth_level
                    )
                )
                return
            self.send(pdu.pdu(pdu.BIND_ACK, flags, h.call_id, body))
            return
        body = pdu.bind_ack_body(self.stream.max_xmit, MAX_FRAG, bind.assoc_group_id, "", results)
        self.send(pdu.pdu(pdu.ALTER_CONTEXT_RESP, flags, h.call_id, body))

    def _present(self, c: pdu.ContextElem) -> pdu.ContextResult:
        """Accept or reject one presentation context; bind-time feature negotiation too. An
        association holds at most MAX_CONTEXTS: past that, contexts are refused."""
        if len(self._contexts) >= MAX_CONTEXTS and c.context_id not in self._contexts:
            reason = pdu.LOCAL_LIMIT_EXCEEDED
            return pdu.ContextResult(pdu.PROVIDER_REJECTION, reason, *pdu.no_syntax())
        for syntax, _version in c.transfers:
            bits = pdu.btfn_bits(syntax)
            if bits is not None:
                self._features = bits & FEATURES
                return pdu.ContextResult(pdu.NEGOTIATE_ACK, self._features, *pdu.no_syntax())
        reg = self.server.lookup(str(c.abstract), c.version[0], c.version[1])
        if reg is None:
            reason = pdu.ABSTRACT_SYNTAX_NOT_SUPPORTED
            return pdu.ContextResult(pdu.PROVIDER_REJECTION, reason, *pdu.no_syntax())
        if (pdu.NDR20, pdu.NDR20_VERSION) not in c.transfers:
            reason = pdu.TRANSFER_SYNTAXES_NOT_SUPPORTED
            return pdu.ContextResult(pdu.PROVIDER_REJECTION, reason, *pdu.no_syntax())
        self._contexts[c.context_id] = reg
        return pdu.ContextResult(pdu.ACCEPTANCE, 0, pdu.NDR20, pdu.NDR20_VERSION)

    def _accept_auth(self, verifier: pdu.Verifier) -> bytes | None:
        """The first leg of the server's handshake: the token for bind_ack, or None when the
        server has no accounts or does not know the authentication type or level."""
        accounts = self.server.accounts
        if accounts is None or verifier.auth_type != 10:  # RPC_C_AUTHN_WINNT
            return None
        try:
            sec = accounts.server_context(verifier.auth_level)
            token = sec.step(verifier.value)
        except (RpcError, ValueError) as exc:
            self.log_peer(logging.INFO, "idlrt: %s: bind refused: %s", cut(str(exc)))
            return None
        self.stream.security = sec
        self.stream.auth_context_id = verifier.context_id
        return token or b""

    def _on_auth3(self, message: bytearray, h: Header) -> None:
        sec = self.stream.security
        verifier = pdu.read_verifier(message, h)
        if sec is None or sec.complete or verifier is None:
            raise ProtocolError("auth3 outside an NTLM handshake")
        try:
            sec.step(verifier.value)
        except RpcError as exc:  # a wrong password: every request of the association gets 5
            detail = cut(str(exc.detail))
            self.log_peer(logging.INFO, "idlrt: %s: authentication failed: %s", detail)
            self._auth_failed = True

    def _nak(self, call_id: int, reason: int) -> None:
        self.send(pdu.pdu(pdu.BIND_NAK, pdu.WHOLE, call_id, pdu.bind_nak_body(reason)))

    def _secondary_address(self) -> str:
        transport = self.transport
        name = transport.get_extra_info("sockname") if transport is not None else None
        if isinstance(name, tuple) and len(name) >= 2:
            return str(name[1])
        return ""

    # -- requests -----------------------------------------------------------------------------

    def _on_request(self, message: bytearray, h: Header) -> None:
        call_id = h.call_id
        verifier_end = h.frag_length
        if h.auth_length:
            v = pdu.read_verifier(message, h)
            assert v is not None
            verifier_end = v.body_end
        req = pdu.read_request(message, h, verifier_end)
        sec = self.stream.security
        if self._auth_failed or (sec is not None and not sec.complete):
            self._fault(call_id, RPC_S_ACCESS_DENIED, "not authenticated")
            return
        level = 0 if sec is None else sec.auth_level
        if level < self.server.min_auth_level:
            self._fault(call_id, RPC_S_ACCESS_DENIED, f"authentication level {level} too low")
            return
        try:
            stub = self.stream.open(message, h, req.stub_start)
        except RpcError as exc:  # a signature that fails: fault it, then trust nothing more
            self._fault(call_id, exc.code, exc.detail)
            self.close()
            return
        flags = h.flags
        last = bool(flags & pdu.PFC_LAST_FRAG)
        if call_id in self._reading and not flags & pdu.PFC_FIRST_FRAG:
            read_pipes(self, call_id, stub, last)
            return
        if flags & pdu.PFC_FIRST_FRAG:
            if call_id in self._partial:
                self._drop_partial(call_id)
            if last:
                self._start(call_id, req.context_id, req.opnum, req.object, bytes(stub))
                return
            self._partial[call_id] = [req.context_id, req.opnum, req.object, bytearray(stub)]
            if self._grow(call_id, len(stub)):
                start_early(self, call_id)
            return
        entry = self._partial.get(call_id)
        if entry is None:  # the rest of a request already refused, or never begun
            if last:
                self._partial.pop(call_id, None)
            return
        entry[3] += stub
        if not self._grow(call_id, len(stub)):
            return
        if last:
            del self._partial[call_id]
            self._partial_size -= len(entry[3])
            self._start(call_id, entry[0], entry[1], entry[2], bytes(entry[3]))
        else:
            start_early(self, call_id)

    def _grow(self, call_id: int, n: int) -> bool:
        """Count ``n`` more buffered octets; over the server's request limit, the call fails
        with 5 and its other fragments are dropped (False)."""
        self._partial_size += n
        limit = self.server.max_request
        if self._partial_size <= limit:
            return True
        self._drop_partial(call_id)
        self._partial[call_id] = None  # type: ignore[assignment]  # refused: ignore the rest
        self._fault(call_id, RPC_S_ACCESS_DENIED, f"a request over the limit of {limit} octets")
        return False

    def _drop_partial(self, call_id: int) -> None:
        entry = self._partial.pop(call_id, None)
        if entry is not None:
            self._partial_size -= len(entry[3])

    def _start(
        self,
        call_id: int,
        ctx_id: int,
        opnum: int,
        obj: uuid.UUID | None,
        stub: bytes,
        whole: bool = True,
    ) -> None:
        """A whole request (or, ``whole`` False, the start of one with [in] pipes, up to its
        other [in] values at least): check it in docs/protocol.md's order, then dispatch it."""
        self._partial.pop(call_id, None)
        self._started += 1
        server = self.server
        if call_id in self._calls:
            self._fault(call_id, RPC_X_BAD_STUB_DATA, f"call id {call_id} is already in progress")
            return
        if server.stopping:
            self._fault(call_id, RPC_S_SERVER_UNAVAILABLE, "the server is stopping")
            return
        if (
            server.in_progress >= server.max_calls
            or len(self._calls) >= server.max_calls_per_connection
        ):
            self._fault(call_id, RPC_S_SERVER_TOO_BUSY)
            return
        reg = self._contexts.get(ctx_id)
        if reg is None:
            self._fault(call_id, RPC_S_UNKNOWN_IF, f"context {ctx_id} is not bound")
            return
        ops = reg.ops
        if opnum >= len(ops):
            self._fault(call_id, RPC_S_PROCNUM_OUT_OF_RANGE, f"{reg.interface.name}: opnum {opnum}")
            return
        self._call_ctx[call_id] = ctx_id
        if obj is not None:
            self._objects[call_id] = str(obj)
        op = ops[opnum]
        if op.fast:
            self._run_fast(op, call_id, stub)
            return
        self._dispatch(op, reg, call_id, stub)
        if whole and op.proc.pipes and call_id in self._streams:  # [in] pipes, whole already
            read_pipes(self, call_id, stub[self._in_end :], True)

    def _run_fast(self, op: Op, call_id: int, stub: bytes) -> None:
        """dispatch's short path (``Op.fast``) on this wire, as ``ServerConnection.on_payload``
        takes it for msgpack: ``_dispatch``, ``_start_coroutine`` and ``_finished`` in one,
        with the same outcomes."""
        proc = op.proc
        try:
            args: Any = proc.ndr_decode_in(stub)
        except Exception as exc:
            self._undecodable(call_id, proc, exc)
            return
        server = self.server
        server.in_progress += 1  # server.call_started(), inline
        server.calls_total += 1
        rec = CallRecord(self, call_id, op)
        rec._ins = args  # NDR's reply encoders need the [in] values
        calls = self._calls
        calls[call_id] = rec
        try:
            result = _copy_context().run(run_inline, rec, op.fn, args)
        except Exception as exc:
            self._finished(rec, *routine_failure(op, exc))
            return
        except asyncio.CancelledError:  # raised by the routine itself
            log.error("idlrt: manager routine %s raised CancelledError", proc.name)
            self._finished(rec, FAULT, RPC_S_CALL_FAILED, None, None)
            return
        try:
            data = proc.ndr_encode_result(args, result)
        except Exception:  # encode again the slow way, for its fault and its log message
            self._finished(rec, *result_outcome(rec, result, True))
            return
        if calls.get(call_id) is rec:
            del calls[call_id]
            self._send_outcome(call_id, RESPONSE, data, None)
        server.in_progress -= 1  # server.call_ended(), inline, once the reply is on its way
        if server._idle is not None and not server.in_progress:
            server._idle.set()

    # -- the wire's stubs and replies ---------------------------------------------------------

    def decode_args(self, proc: Procedure[Any], payload: bytes) -> tuple[Any, ...]:
        args = proc.ndr_decode_in(payload)
        if proc.pipes:  # the decoder also said where the [in] pipes start
            self._in_end = args[-1]
            return args[:-1]
        return args

    def _ins(self, rec: CallRecord) -> tuple[Any, ...]:
        """What the reply's encoder takes first: the [in] values, and for a call with pipes
        the stub offset where its [out] values go, after its [out] pipes."""
        proc: Any = rec._op.proc
        if not proc.pipes:
            return rec._ins
        stream = self._streams.get(rec._call_id)
        return (*rec._ins, 0 if stream is None else stream.final_offset())

    def encode_out(self, rec: CallRecord, values: Any, on_loop: bool) -> bytes:
        proc: Any = rec._op.proc
        return proc.ndr_encode_out(self._ins(rec), *values)  # type: ignore[no-any-return]

    def encode_result(self, rec: CallRecord, result: object, on_loop: bool) -> bytes:
        proc: Any = rec._op.proc
        return proc.ndr_encode_result(self._ins(rec), result)  # type: ignore[no-any-return]

    def pipe_channel(self, call_id: int, proc: Procedure[Any]) -> PipeChannel:
        """The stub stream of a call with pipes: its [out] pipes go in response fragments,
        its [in] pipes are read from the request after the values ``decode_args`` read."""
        head = pdu.response_head(0, self._call_ctx.get(call_id, 0))
        stream = self._streams[call_id] = DceCallPipes(self, call_id, proc, False, head)
        stream.start_reading(self._in_end, self.server.max_request)
        return stream

    def pipe_violation(self, call_id: int, code: int, detail: str) -> None:
        self._drop_stream(call_id)
        super().pipe_violation(call_id, code, detail)

    def _drop_stream(self, call_id: int) -> DceCallPipes | None:
        """The call is over: forget its stub stream and the reading of its request."""
        self._reading.discard(call_id)
        return drop(self._streams, call_id)

    def _fault(self, call_id: object, code: int, detail: str | None = None) -> None:
        assert isinstance(call_id, int)
        ctx_id = self._call_ctx.pop(call_id, 0)
        self._objects.pop(call_id, None)
        body = pdu.fault_body(pdu.fault_of_status(code), ctx_id)
        self.send(pdu.pdu(pdu.FAULT, pdu.WHOLE, call_id, body))

    def partial(self) -> bool:
        return self.stream.buffered() > 0 or bool(self._partial)

    def progress(self) -> int:
        return self._started

    def _send_outcome(self, call_id: int, kind: int, data: bytes | int, detail: str | None) -> None:
        piped = self._drop_stream(call_id) if self._streams else None  # only pipes have one
        if piped is not None and (pipes := self._pipes.pop(call_id, None)) is not None:
            pipes.finish(kind == RESPONSE)  # the ends of its [out] pipes, in its stream
        if self._write_paused and self.reply_backlog_exceeded():
            return
        if isinstance(data, int):
            self._fault(call_id, data, detail)
            return
        ctx_id = self._call_ctx.pop(call_id, 0)
        self._objects.pop(call_id, None)
        if piped is not None and piped.sent:  # the [out] values after the [out] pipes
            piped.finish(data)
            return
        stream = self.stream
        if stream.security is None and len(data) <= stream.max_xmit - pdu.RESPONSE_HEADER:
            self.send(pdu.whole_response(call_id, ctx_id, data))  # one fragment: the usual
            return
        head = pdu.response_head(len(data), ctx_id)
        for fragment in stream.fragments(pdu.RESPONSE, 0, call_id, head, data):
            self.send(fragment)

    def cancel_call(self, call_id: int, abortive: bool) -> None:
        if abortive:  # no reply will be sent: forget what it would have needed
            self._call_ctx.pop(call_id, None)
            self._objects.pop(call_id, None)
            self._drop_stream(call_id)
        super().cancel_call(call_id, abortive)

    def wire_details(self, rec: CallRecord | None) -> tuple[Any, ...]:
        sec = self.stream.security
        obj = None if rec is None else self._objects.get(rec._call_id)
        if sec is None or not sec.complete:
            return ("dcerpc", None, None, 0, obj)
        return ("dcerpc", sec.user, sec.domain, sec.auth_level, obj)

    def connection_lost(self, exc: Exception | None) -> None:
        self._partial.clear()
        self._call_ctx.clear()
        self._objects.clear()
        self._streams.clear()
        self._reading.clear()
        super().connection_lost(exc)

"""``DceClientConnection``: the client's end of a connection-oriented DCE/RPC association
(C706 chapter 12, [MS-RPCE] 3.3), with NDR20 stubs. It keeps the ``ClientConnection``
interface that clients, ``AsyncCall`` and the blocking client use: calls multiplexed by call
id, timeouts, cancel (co_cancel non-abortively, orphaned abortively), 1726 for every call in
progress when the connection drops.

Layer 5 (client): imports layers 1-4, ``client`` and ``dcestream``; the NTLM context comes in
through ``dcestream.SecurityContext``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

from .binding import Binding
from .client import ClientConnection, PendingCall, _fail
from .clientpipes import ClientPipes
from .connection import FLUSH_AT, ProtocolError
from .dcepipes import DceCallPipes, drop
from .dcestream import SecurityContext, Stream, check_pdu, receive
from .errors import RpcError, caller_error
from .model import Interface, Procedure
from .pipestate import BAD, PipeChannel
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_FAILED_DNE,
    RPC_S_PROTOCOL_ERROR,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
)
from .wire import dcerpc as pdu
from .wire.msgpack import DEFAULT_MAX_RESPONSE
from .wire.ndrpipe import after_pipes

# The common header and a response's fixed fields share the layout of a request's first 24
# octets up to the call id, all the short path reads.

MAX_FRAG = 0xFFF8  # the fragment size we offer: the most a 16-bit frag_length allows, 8-aligned


class ClientAuth(Protocol):
    """A client's credentials (``ntlm.NtlmAuth``)."""

    @property
    def auth_level(self) -> int: ...

    def client_context(self) -> SecurityContext: ...


class DceClientConnection(ClientConnection):
    """One DCE/RPC association to a server; calls on it are multiplexed by call id."""

    ndr = True
    flush_at = FLUSH_AT // 2  # a PDU is one piece: write after as many messages as msgpack

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        binding: Binding,
        auth: ClientAuth | None = None,
        object_uuid: uuid.UUID | None = None,
    ) -> None:
        super().__init__(loop, binding, framed=False)
        self.stream = Stream(MAX_FRAG)
        self.auth = auth
        self.object_uuid = object_uuid
        self._dce_binds: dict[int, asyncio.Future[tuple[Any, Any]]] = {}
        self._bound = False  # the first bind went out: later interfaces use alter_context
        self._partial: dict[int, bytearray] = {}  # response fragments, by call id
        self._streams: dict[int, DceCallPipes] = {}  # the stub streams of calls with pipes

    # -- binding ------------------------------------------------------------------------------

    async def bind(self, iface: Interface) -> int:
        """Add ``iface`` as a presentation context (bind, then alter_context); its id.

        The first bind also asks for bind-time features ([MS-RPCE] 3.3.1.5.3) and, with
        ``auth``, runs the NTLM handshake (bind, bind_ack, auth3).
        """
        if self.closed:
            raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"{self.binding}: connection closed")
        ctx_id = self._next_ctx
        abstract = uuid.UUID(iface.uuid)
        contexts = [pdu.ContextElem(ctx_id, abstract, iface.version, ((pdu.NDR20, 2),))]
        first = not self._bound
        self._bound = True
        if first:
            offer = pdu.btfn_syntax(pdu.BTFN_KEEP_CONNECTION_ON_ORPHAN)
            contexts.append(pdu.ContextElem(ctx_id + 1, abstract, iface.version, ((offer, 1),)))
        self._next_ctx += len(contexts)
        call_id = next(self.ids)
        ptype = pdu.BIND if first else pdu.ALTER_CONTEXT
        flags = pdu.WHOLE | pdu.PFC_CONC_MPX
        body = pdu.bind_body(MAX_FRAG, MAX_FRAG, 0, contexts)
        security = None
        if first and self.auth is not None:
            security = self.auth.client_context()
            self.stream.security = security
            token = security.step(None) or b""
            flags |= pdu.PFC_SUPPORT_HEADER_SIGN
            level = self.auth.auth_level
            message = self.stream.with_verifier(ptype, flags, call_id, body, token, level)
        else:
            message = pdu.pdu(ptype, flags, call_id, body)
        fut: asyncio.Future[tuple[Any, Any]] = self.loop.create_future()
        self._dce_binds[call_id] = fut
        self.send(message)
        ack, verifier = await fut
        where = f"{self.binding}: {iface.name} {iface.uuid} v{iface.version[0]}.{iface.version[1]}"
        if isinstance(ack, int):
            raise RpcError(ack, where)
        if first:
            self.stream.max_xmit = max(pdu.MIN_FRAG, min(ack.max_recv_frag, MAX_FRAG))
        if not ack.results:
            raise RpcError(RPC_S_PROTOCOL_ERROR, f"{where}: the server answered no context")
        result = ack.results[0]
        if result.result != pdu.ACCEPTANCE:
            code = (
                RPC_S_UNSUPPORTED_TRANS_SYN
                if result.reason == pdu.TRANSFER_SYNTAXES_NOT_SUPPORTED
                else RPC_S_UNKNOWN_IF
            )
            raise RpcError(code, where)
        if security is not None:
            challenge = verifier.value if verifier is not None else None
            if not challenge:
                raise RpcError(RPC_S_ACCESS_DENIED, f"{where}: the server sent no challenge")
            token = security.step(challenge) or b""
            assert self.auth is not None
            level = self.auth.auth_level
            self.send(
                self.stream.with_verifier(pdu.AUTH3, pdu.WHOLE, call_id, bytes(4), token, level)
            )
        return ctx_id

    # -- calls --------------------------------------------------------------------------------

    def encode_args(self, proc: Procedure[Any], args: tuple[object, ...]) -> Any:
        """A call's arguments in NDR20 (any thread).
        A bad argument raises the caller's ``TypeError`` or ``ValueError`` here, at the call
        site (docs/runtime.md, "Bad arguments"), not the ``RpcError`` of bad data from a peer.
        """
        try:
            return proc.ndr_encode_in(*args)
        except RpcError as exc:
            raise caller_error(exc) from None

    def request(
        self,
        ctx_id: int,
        proc: Procedure[Any],
        args: Any,
        call: PendingCall | asyncio.Future[Any],
        call_id: int,
    ) -> None:
        """Send a request, in as many fragments as it takes (loop thread)."""
        if call.done() if isinstance(call, asyncio.Future) else not call.is_pending():
            return  # cancelled (abortively) before it could be sent
        if self.closed or self.transport is None:
            _fail(call, RPC_S_CALL_FAILED_DNE, f"{self.binding}: not connected", False)
            return
        stub: bytes = args
        piped = self._streams.get(call_id) if proc.pipes else None
        if piped is not None and piped.sent:  # [in] pipes: the request goes as they do
            self._calls[call_id] = call
            piped.flush_full()
            return
        stream = self.stream
        if (
            self.object_uuid is None
            and stream.security is None
            and len(stub) <= stream.max_xmit - pdu.REQUEST_HEADER
        ):  # one fragment, the usual
            frags = [pdu.whole_request(call_id, ctx_id, proc.opnum, stub)]
        else:
            head = pdu.request_head(len(stub), ctx_id, proc.opnum)
            flags = 0
            if self.object_uuid is not None:
                flags = pdu.PFC_OBJECT_UUID
                head += self.object_uuid.bytes_le
            try:
                frags = stream.fragments(pdu.REQUEST, flags, call_id, head, stub)
            except RpcError as exc:
                _fail(call, exc.code, exc.detail, False)
                return
        calls = self._calls
        # As the msgpack wire does (ClientConnection.request): a lone call (nothing else in
        # flight, and the last input finished at most one call) goes out at once, saving an
        # event-loop pass; others are coalesced into one write per pass.
        if (
            len(frags) == 1
            and not calls
            and self._batch <= 1
            and not self._wbuf
            and not self._receiving
        ):
            calls[call_id] = call
            self.transport.write(frags[0])
            return
        calls[call_id] = call
        for f in frags:
            self.send(f)

    def pipe_channel(
        self, call_id: int, proc: Procedure[Any], ctx_id: int, args: Any
    ) -> PipeChannel:
        """The stub stream of a call with pipes (any thread): its [in] pipes go in request
        fragments after its other [in] values (``args``), its [out] pipes are read from the
        response before its other [out] values."""
        head = pdu.request_head(0, ctx_id, proc.opnum)
        flags = 0
        if self.object_uuid is not None:
            head += self.object_uuid.bytes_le
            flags = pdu.PFC_OBJECT_UUID
        piped = DceCallPipes(self, call_id, proc, True, head, flags)
        piped.prefix(args)
        piped.start_reading(0, DEFAULT_MAX_RESPONSE)
        self._streams[call_id] = piped
        return piped

    def _cancel(self, call_id: int, abortive: bool) -> None:
        self._cancelled(call_id, abortive)
        if abortive:
            self._partial.pop(call_id, None)
            piped = drop(self._streams, call_id)
            if piped is not None and piped.sent:
                piped.flush_partial()  # the request so far goes first: the server may have begun
        ptype = pdu.ORPHANED if abortive else pdu.CO_CANCEL
        self.send(pdu.pdu(ptype, pdu.WHOLE, call_id))

    # -- incoming -----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._batch = 0
        receive(self, data)

    def _short_pdu(self, message: bytes | bytearray) -> bool:
        """The short path: a whole response without auth verifier on an association without
        security context, what most PDUs are, delivered from the fields the long path would
        read. False (nothing done) for anything else."""
        fields = self.stream.plain_whole(message, pdu.RESPONSE, pdu.WHOLE)
        if fields is None:
            return False
        self._deliver(fields[0], bytes(message[pdu.RESPONSE_HEADER :]))
        return True

    def _long_pdu(self, message: bytearray) -> None:
        h = check_pdu(message)
        ptype = h.ptype
        if ptype == pdu.RESPONSE:
            self._on_response(message, h)
        elif ptype == pdu.FAULT:
            code = pdu.status_of_fault(pdu.read_fault(message))
            fut = self._dce_binds.pop(h.call_id, None)
            if fut is not None:
                if not fut.done():
                    fut.set_result((code or RPC_S_PROTOCOL_ERROR, None))
                return
            self._partial.pop(h.call_id, None)
            drop(self._streams, h.call_id)
            call = self._calls.pop(h.call_id, None)
            if call is not None:
                self._batch += 1
                _fail(call, code or RPC_S_PROTOCOL_ERROR, None, True)
        elif ptype in (pdu.BIND_ACK, pdu.ALTER_CONTEXT_RESP, pdu.BIND_NAK):
            fut = self._dce_binds.pop(h.call_id, None)
            if fut is None:
                raise ProtocolError(f"unexpected {pdu.PTYPE_NAMES[ptype]}")
            if ptype == pdu.BIND_NAK:
                reason = pdu.read_bind_nak(message)
                code = RPC_S_ACCESS_DENIED if reason in (8, 9) else RPC_S_UNKNOWN_IF
                answer: tuple[Any, Any] = (code, None)
            else:
                verifier = pdu.read_verifier(message, h)
                end = verifier.body_end if verifier is not None else h.frag_length
                answer = (pdu.read_bind_ack(message, end), verifier)
            if not fut.done():
                fut.set_result(answer)
        elif ptype == pdu.SHUTDOWN:
            self.close()  # [MS-RPCE] 3.3.2.4.1.1: the server wants the connection closed
        else:
            raise ProtocolError(f"unexpected {pdu.PTYPE_NAMES.get(ptype, ptype)} from a server")

    def _on_response(self, message: bytearray, h: pdu.Header) -> None:
        call_id = h.call_id
        stub = self.stream.open(message, h, pdu.RESPONSE_HEADER)
        flags = h.flags
        piped = self._streams.get(call_id)
        if piped is not None and piped.received:
            self._read_pipes(piped, stub, bool(flags & pdu.PFC_LAST_FRAG))
            return
        if flags & pdu.PFC_FIRST_FRAG:
            if flags & pdu.PFC_LAST_FRAG:
                self._deliver(call_id, bytes(stub))
                return
            if call_id not in self._calls:
                return  # cancelled abortively: its fragments are dropped
            self._partial[call_id] = bytearray(stub)
            return
        parts = self._partial.get(call_id)
        if parts is None:
            return  # the rest of a call that is gone
        if len(parts) + len(stub) > DEFAULT_MAX_RESPONSE:
            del self._partial[call_id]
            call = self._calls.pop(call_id, None)
            if call is not None:
                _fail(call, RPC_X_BAD_STUB_DATA, "a reply over the client's limit", False)
            return
        parts += stub
        if flags & pdu.PFC_LAST_FRAG:
            del self._partial[call_id]
            self._deliver(call_id, bytes(parts))

    def _read_pipes(
        self, piped: DceCallPipes, stub: bytes | bytearray | memoryview, last: bool
    ) -> None:
        """A response fragment of a call with [out] pipes: their chunks to the sinks; after
        the last fragment, what follows the pipes is the reply."""
        call_id = piped.call_id
        call = self._calls.get(call_id)
        parser = piped.parser
        assert parser is not None
        if call is None or not isinstance(call, ClientPipes):
            if last:
                drop(self._streams, call_id)
            return
        try:
            chunks = piped.feed(stub)
            if parser.done and parser.buffered() > DEFAULT_MAX_RESPONSE:
                raise RpcError(RPC_X_BAD_STUB_DATA, "a reply over the client's limit")
        except RpcError as exc:
            self.bad_pipe(call_id, exc.detail or "bad pipe data")
            return
        for index, payload in chunks:
            if call.on_chunk(index, payload) == BAD:
                self.bad_pipe(call_id, "a chunk of no [out] pipe")
                return
        if not last:
            return
        drop(self._streams, call_id)
        if not parser.done:
            self.bad_pipe(call_id, "the reply ended before its [out] pipes")
            return
        self._deliver(call_id, after_pipes(*parser.rest()))

    def _deliver(self, call_id: int, stub: bytes) -> None:
        piped = self._streams.get(call_id) if self._streams else None  # only pipes have one
        if piped is not None:
            if piped.received:
                self._read_pipes(piped, stub, True)  # a whole reply in one fragment
                return
            drop(self._streams, call_id)
            stub = after_pipes(stub, 0)  # no [out] pipes: the [out] values start the stub
        call = self._calls.pop(call_id, None)
        if call is None:
            return
        self._batch += 1
        if isinstance(call, asyncio.Future):
            if not call.done():
                call.set_result(stub)
        else:
            call.resolve(stub)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._partial.clear()
        self._streams.clear()
        binds, self._dce_binds = self._dce_binds, {}
        for fut in binds.values():
            if not fut.done():
                fut.set_result((RPC_S_SERVER_UNAVAILABLE, None))

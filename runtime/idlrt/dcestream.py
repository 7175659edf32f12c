"""The octet stream of one DCE/RPC association, the same for both ends: cutting the input into
PDUs, cutting a stub into fragments no larger than the peer takes, and the auth verifier of
each fragment once a security context protects them. Layer 3 (connection and transport):
imports ``wire.dcerpc`` and the ``SecurityContext`` Protocol it defines; no asyncio.
"""

from __future__ import annotations

from typing import Protocol

from .connection import ProtocolError
from .errors import RpcError
from .status import RPC_S_ACCESS_DENIED, RPC_S_PROTOCOL_ERROR
from .wire.dcerpc import (
    HEADER_SIZE,
    MAX_FRAG,
    PFC_FIRST_FRAG,
    PFC_LAST_FRAG,
    REQUEST_PREFIX,
    SEC_TRAILER_SIZE,
    Header,
    PduError,
    frag_length,
    header,
    parse_header,
    read_verifier,
    sec_trailer,
)

_STUB_ALIGN = 16  # a protected stub is padded to this ([MS-RPCE] 2.2.2.11)
_PREFIX = REQUEST_PREFIX  # a request's or response's fixed fields, header included


class SecurityContext(Protocol):
    """One side's security context of an association (``ntlm.SecurityContext``)."""

    auth_type: int
    auth_level: int
    signature_size: int
    complete: bool
    user: str | None
    domain: str | None

    def step(self, token: bytes | None) -> bytes | None: ...

    def protect(self, pdu: bytearray, stub_start: int, stub_end: int) -> bytes: ...

    def unprotect(
        self, pdu: bytearray, stub_start: int, stub_end: int, signature: bytes
    ) -> None: ...


LEVEL_CONNECT = 2  # RPC_C_AUTHN_LEVEL_CONNECT: authenticated at bind, PDUs not protected
LEVEL_INTEGRITY = 5


class Stream:
    """The framing state of one association: the input not yet cut into PDUs, the fragment
    sizes agreed at bind, and the security context once one protects the PDUs."""

    __slots__ = ("_buf", "auth_context_id", "max_recv", "max_xmit", "security")

    def __init__(self, max_recv: int) -> None:
        self._buf = bytearray()
        self.max_recv = max_recv  # the largest fragment we accept
        self.max_xmit = max_recv  # the largest we send, until bind agrees on one
        self.security: SecurityContext | None = None
        self.auth_context_id = 0

    # -- input --------------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[bytearray]:
        """The whole PDUs that ``data`` completes; PduError for a fragment length that no PDU
        can have or that is over ``max_recv``. Each octet is copied once: into the PDU it
        belongs to (a PDU begun in an earlier read is completed in the buffer and handed
        over as it is), or into the buffer when its PDU is not whole yet."""
        buf = self._buf
        out: list[bytearray] = []
        n = len(data)
        pos = 0
        view = memoryview(data)
        if buf:  # complete the PDU begun earlier
            if len(buf) < HEADER_SIZE:
                pos = min(HEADER_SIZE - len(buf), n)
                buf += view[:pos]
                if len(buf) < HEADER_SIZE:
                    return out
            length = frag_length(buf)
            self._check_start(buf, 0, length)
            take = min(length - len(buf), n - pos)
            buf += view[pos : pos + take]
            pos += take
            if len(buf) < length:
                return out
            out.append(buf)
            buf = self._buf = bytearray()
        while n - pos >= HEADER_SIZE:
            length = frag_length(data, pos)
            self._check_start(data, pos, length)
            if n - pos < length:
                break
            out.append(bytearray(view[pos : pos + length]))
            pos += length
        if pos < n:
            buf += view[pos:]
        return out

    def _check_start(self, buf: bytes | bytearray, pos: int, length: int) -> None:
        """Refuse a PDU by its first 16 octets, before waiting for the rest of it."""
        if buf[pos] != 5 or buf[pos + 1] > 1 or buf[pos + 4] != 0x10:
            version = f"{buf[pos]}.{buf[pos + 1]}"
            raise PduError(f"not a DCE/RPC 5.0 little-endian PDU (version {version})")
        if length < HEADER_SIZE:
            raise PduError(f"frag_length {length} is shorter than a header")
        if length > self.max_recv:
            raise PduError(f"frag_length {length} is over the agreed {self.max_recv}")

    def plain_whole(
        self, message: bytes | bytearray, ptype: int, flag_mask: int
    ) -> tuple[int, int, int] | None:
        """``(call_id, p_cont_id, opnum)`` of ``message`` when it is one whole PDU of type
        ``ptype`` that a short path may take: version 5.0/5.1, little-endian, within
        ``max_recv``, first and last fragment (and no other flag of ``flag_mask``), no auth
        verifier, on an association no security context protects. None for anything else,
        malformed PDUs included: the long path takes them and gives their errors. (For a
        response, the last field is its cancel count and reserved octet.)"""
        if len(message) < _PREFIX.size or self.security is not None:
            return None
        vers, minor, kind, flags, rep, frep, length, auth_length, call_id, _, ctx_id, opnum = (
            _PREFIX.unpack_from(message)
        )
        if (
            kind == ptype
            and flags & flag_mask == PFC_FIRST_FRAG | PFC_LAST_FRAG
            and not auth_length
            and length == len(message)
            and length <= self.max_recv
            and vers == 5
            and minor <= 1
            and rep == 0x10
            and frep == 0
        ):
            return call_id, ctx_id, opnum
        return None

    def buffered(self) -> int:
        """Octets received that do not yet make a whole PDU."""
        return len(self._buf)

    def open(self, pdu: bytearray, h: Header, stub_start: int) -> memoryview:
        """The stub of a request or response fragment, checked and decrypted by the security
        context where it protects PDUs: a view of the octets, which nothing changes after.
        ``RpcError`` 5 for a bad signature, 1728 for a verifier that does not belong to the
        association."""
        sec = self.security
        if sec is None or sec.auth_level <= LEVEL_CONNECT:
            if h.auth_length:
                v = read_verifier(pdu, h)
                assert v is not None
                if v.body_end < stub_start:
                    raise PduError("auth padding runs into the PDU's header")
                return memoryview(pdu)[stub_start : v.body_end]
            return memoryview(pdu)[stub_start:]
        v = read_verifier(pdu, h)
        if v is None:
            raise RpcError(RPC_S_ACCESS_DENIED, "an unprotected PDU on a protected association")
        if (
            v.auth_type != sec.auth_type
            or v.auth_level != sec.auth_level
            or v.context_id != self.auth_context_id
        ):
            raise RpcError(RPC_S_PROTOCOL_ERROR, "an auth verifier of another security context")
        if v.body_end < stub_start:
            raise PduError("auth padding runs into the PDU's header")
        body = pdu[: v.trailer_start + SEC_TRAILER_SIZE]
        sec.unprotect(body, stub_start, v.trailer_start, v.value)
        return memoryview(body)[stub_start : v.body_end]

    # -- output -------------------------------------------------------------------------------

    def fragments(
        self, ptype: int, flags: int, call_id: int, head: bytes, stub: bytes | bytearray
    ) -> list[bytes]:
        """``stub`` in as many PDUs of type ``ptype`` as ``max_xmit`` needs, each starting
        with ``head`` (the body's fixed fields; its alloc_hint is rewritten per fragment) and
        protected as the security context says."""
        sec = self.security
        protected = sec is not None and sec.auth_level > LEVEL_CONNECT
        room = self.room(len(head))
        total = len(stub)
        if total <= room and not protected:  # one fragment, the common case
            first_last = flags | PFC_FIRST_FRAG | PFC_LAST_FRAG
            return [
                header(ptype, first_last, HEADER_SIZE + len(head) + total, call_id) + head + stub
            ]
        out = []
        pos = 0
        view = memoryview(stub)
        while True:
            chunk = view[pos : pos + room]
            f = flags
            if pos == 0:
                f |= PFC_FIRST_FRAG
            end = pos + len(chunk)
            if end >= total:
                f |= PFC_LAST_FRAG
            body = _with_alloc_hint(head, total - pos)
            if protected:
                assert sec is not None
                out.append(self._protected(ptype, f, call_id, body, chunk, sec))
            else:
                length = HEADER_SIZE + len(body) + len(chunk)
                out.append(header(ptype, f, length, call_id) + body + chunk)
            pos = end
            if pos >= total:
                return out

    def room(self, head_size: int) -> int:
        """The stub octets one fragment carries after ``head_size`` octets of fixed fields
        (a multiple of 16 where the security context protects the stub)."""
        room = self.max_xmit - HEADER_SIZE - head_size
        sec = self.security
        if sec is not None and sec.auth_level > LEVEL_CONNECT:
            room = (room - SEC_TRAILER_SIZE - sec.signature_size) & ~(_STUB_ALIGN - 1)
        return room

    def fragment(
        self,
        ptype: int,
        flags: int,
        call_id: int,
        head: bytes,
        pieces: list[bytes | memoryview],
        size: int,
    ) -> bytes:
        """One fragment of a stub that is sent as it is produced (a pipe's): ``flags`` say
        whether it is the first and the last; ``pieces`` hold its ``size`` octets of stub, at
        most ``room``, joined once into the PDU."""
        sec = self.security
        if sec is not None and sec.auth_level > LEVEL_CONNECT:
            stub = memoryview(b"".join(pieces))
            return self._protected(ptype, flags, call_id, head, stub, sec)
        length = HEADER_SIZE + len(head) + size
        return b"".join((header(ptype, flags, length, call_id), head, *pieces))

    def _protected(
        self,
        ptype: int,
        flags: int,
        call_id: int,
        head: bytes,
        chunk: memoryview,
        sec: SecurityContext,
    ) -> bytes:
        pad = -len(chunk) % _STUB_ALIGN
        size = sec.signature_size
        length = HEADER_SIZE + len(head) + len(chunk) + pad + SEC_TRAILER_SIZE + size
        pdu = bytearray(header(ptype, flags, length, call_id, size))
        pdu += head
        stub_start = len(pdu)
        pdu += chunk
        pdu += bytes(pad)
        stub_end = len(pdu)
        pdu += sec_trailer(sec.auth_type, sec.auth_level, pad, self.auth_context_id)
        pdu += sec.protect(pdu, stub_start, stub_end)
        return bytes(pdu)

    def with_verifier(
        self, ptype: int, flags: int, call_id: int, body: bytes, token: bytes, level: int
    ) -> bytes:
        """A bind, bind_ack, alter_context or auth3 PDU carrying an authentication token
        (padded so that the sec_trailer is 4-aligned)."""
        assert self.security is not None
        pad = -len(body) % 4
        length = HEADER_SIZE + len(body) + pad + SEC_TRAILER_SIZE + len(token)
        trailer = sec_trailer(self.security.auth_type, level, pad, self.auth_context_id)
        return (
            header(ptype, flags, length, call_id, len(token)) + body + bytes(pad) + trailer + token
        )


def _with_alloc_hint(head: bytes, hint: int) -> bytes:
    """A request's or response's fixed fields with its first field, alloc_hint, set."""
    return hint.to_bytes(4, "little") + head[4:]


def check_pdu(pdu: bytearray) -> Header:
    """The checked header of a whole PDU."""
    h = parse_header(pdu)
    if h.frag_length > MAX_FRAG:
        raise PduError("frag_length over 65535")
    return h


class PduConnection(Protocol):
    """Either end of an association (``dceclient``/``dceserver``), as ``receive`` uses it."""

    stream: Stream
    closed: bool
    _receiving: bool
    _reads: int
    _wbuf: list[bytes]

    def _short_pdu(self, message: bytes | bytearray) -> bool:
        """Handle ``message`` if it is a whole PDU of the commonest kind; False otherwise."""
        ...

    def _long_pdu(self, message: bytearray) -> None:
        """Handle any other whole PDU (checked here, in full)."""
        ...

    def _flush(self) -> None: ...

    def protocol_error(self, reason: str) -> None: ...

    def internal_error(self) -> None: ...

    def after_input(self) -> None: ...


def receive(conn: PduConnection, data: bytes) -> None:
    """``data_received`` of either end: each whole PDU to ``conn._short_pdu``, else to
    ``conn._long_pdu`` (each PDU tries the short path once), then what that
    queued goes out in one write. A malformed PDU, or one whose verifier fails, closes this
    connection only; a bug of ours is logged and drops it, never reaching the event loop."""
    if conn.closed:
        return
    conn._receiving = True
    conn._reads += 1
    try:
        stream = conn.stream
        # A whole PDU alone in its read (one call in flight) may take the short path as it
        # came, without a copy into the stream's buffer and out again.
        lone = not stream.buffered() and len(data) >= HEADER_SIZE and frag_length(data) == len(data)
        if not (lone and conn._short_pdu(data)):
            for message in stream.feed(data):
                if lone or not conn._short_pdu(message):
                    conn._long_pdu(message)
                if conn.closed:
                    break
    except (PduError, ProtocolError) as exc:
        conn.protocol_error(str(exc))
    except RpcError as exc:
        conn.protocol_error(f"{exc.name}: {exc.detail}")
    except Exception:
        conn.internal_error()
    finally:
        conn._receiving = False
    if conn._wbuf:
        conn._flush()
    conn.after_input()

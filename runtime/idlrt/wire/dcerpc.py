"""Connection-oriented DCE/RPC PDUs (C706 chapter 12, [MS-RPCE] 2.2.2): their octets, pure,
no asyncio. Layer 2 (wire codecs): imports only layer 1.

Every PDU starts with the 16-octet common header: version 5.0, the PDU type, flags, the data
representation (we send and accept only little-endian integers, ASCII characters and IEEE
floats: ``10 00 00 00``), the fragment length, the length of the auth value and the call id.
An auth verifier, when there is one, ends the PDU: padding, an 8-octet ``sec_trailer`` and the
auth value. ``parse_header`` checks the header; the ``*_body`` functions build a PDU's body and
``read_*`` take one apart, raising ``PduError`` for anything malformed.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import Final

from ..status import (
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_INVALID_BOUND,
    RPC_S_INVALID_TAG,
    RPC_S_OUT_OF_MEMORY,
    RPC_S_PROCNUM_OUT_OF_RANGE,
    RPC_S_PROTOCOL_ERROR,
    RPC_S_SERVER_TOO_BUSY,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_AUTHN_LEVEL,
    RPC_S_UNSUPPORTED_TYPE,
    RPC_X_SS_CONTEXT_MISMATCH,
)

# -- PDU types (C706 12.6.4.x) and flags (12.6.3.1) --------------------------------------------

REQUEST: Final = 0
RESPONSE: Final = 2
FAULT: Final = 3
BIND: Final = 11
BIND_ACK: Final = 12
BIND_NAK: Final = 13
ALTER_CONTEXT: Final = 14
ALTER_CONTEXT_RESP: Final = 15
AUTH3: Final = 16
SHUTDOWN: Final = 17
CO_CANCEL: Final = 18
ORPHANED: Final = 19

PTYPE_NAMES: Final = {
    REQUEST: "request",
    RESPONSE: "response",
    FAULT: "fault",
    BIND: "bind",
    BIND_ACK: "bind_ack",
    BIND_NAK: "bind_nak",
    ALTER_CONTEXT: "alter_context",
    ALTER_CONTEXT_RESP: "alter_context_resp",
    AUTH3: "auth3",
    SHUTDOWN: "shutdown",
    CO_CANCEL: "co_cancel",
    ORPHANED: "orphaned",
}

PFC_FIRST_FRAG: Final = 0x01
PFC_LAST_FRAG: Final = 0x02
PFC_PENDING_CANCEL: Final = 0x04  # request and response
PFC_SUPPORT_HEADER_SIGN: Final = 0x04  # bind and bind_ack ([MS-RPCE] 2.2.2.3)
PFC_CONC_MPX: Final = 0x10
PFC_DID_NOT_EXECUTE: Final = 0x20
PFC_OBJECT_UUID: Final = 0x80
WHOLE: Final = PFC_FIRST_FRAG | PFC_LAST_FRAG

HEADER_SIZE: Final = 16
REQUEST_HEADER: Final = 24  # header, alloc_hint, p_cont_id, opnum
RESPONSE_HEADER: Final = 24  # header, alloc_hint, p_cont_id, cancel_count, reserved
SEC_TRAILER_SIZE: Final = 8
MAX_FRAG: Final = 0xFFFF  # frag_length is 16 bits
MIN_FRAG: Final = 1432  # C706 12.6.3.1: no implementation may refuse fragments this large

DREP_LE: Final = b"\x10\x00\x00\x00"
_HEADER = struct.Struct("<BBBB4sHHL")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<L")
_REQ = struct.Struct("<LHH")
_RESP = struct.Struct("<LHBB")
_FAULT = struct.Struct("<LHBBLL")
_BIND = struct.Struct("<HHL")
_CONTEXT = struct.Struct("<HBB16sL")
_SYNTAX = struct.Struct("<16sL")
_RESULT = struct.Struct("<HH16sL")
_TRAILER = struct.Struct("<BBBBL")
# The first 24 octets of a request as the connections' short paths read them: version, minor
# version, ptype, flags, the first two octets of the data representation, frag_length,
# auth_length, call id, then the request's alloc_hint, p_cont_id and opnum.
REQUEST_PREFIX: Final = struct.Struct("<BBBBBBxxHHLLHH")
_WHOLE_RESPONSE = struct.Struct("<BBBB4sHHLLHBB")  # a response's header and fixed fields
_WHOLE_REQUEST = struct.Struct("<BBBB4sHHLLHH")  # a request's header and fixed fields

# -- syntaxes ----------------------------------------------------------------------------------

NDR20: Final = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")
NDR20_VERSION: Final = 2
NDR64: Final = uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36")
# Bind time feature negotiation ([MS-RPCE] 3.3.1.5.3): this UUID's first 8 octets, then the
# feature bits in its 9th octet; the server answers with result negotiate_ack and the bits it
# supports in the reason field.
BTFN_PREFIX: Final = uuid.UUID("6cb71c2c-9812-4540-0000-000000000000").bytes_le[:8]
BTFN_SECURITY_CONTEXT_MULTIPLEXING: Final = 0x01
BTFN_KEEP_CONNECTION_ON_ORPHAN: Final = 0x02

# p_cont_def_result_t and p_provider_reason_t (C706 12.6.3.1)
ACCEPTANCE: Final = 0
USER_REJECTION: Final = 1
PROVIDER_REJECTION: Final = 2
NEGOTIATE_ACK: Final = 3
REASON_NOT_SPECIFIED: Final = 0
ABSTRACT_SYNTAX_NOT_SUPPORTED: Final = 1
TRANSFER_SYNTAXES_NOT_SUPPORTED: Final = 2
LOCAL_LIMIT_EXCEEDED: Final = 3

# bind_nak reasons (C706 12.6.4.4; 8 and 9 are [MS-RPCE] 2.2.2.5)
NAK_NOT_SPECIFIED: Final = 0
NAK_TEMPORARY_CONGESTION: Final = 1
NAK_LOCAL_LIMIT_EXCEEDED: Final = 2
NAK_PROTOCOL_VERSION_NOT_SUPPORTED: Final = 4
NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED: Final = 8
NAK_INVALID_CHECKSUM: Final = 9

# -- fault statuses: nca_s_* (C706 appendix E) and the MS-RPC statuses they stand for --------

NCA_TO_STATUS: Final = {
    0x1C000001: 1767,  # nca_s_fault_int_div_by_zero: RPC_S_ZERO_DIVIDE
    0x1C000002: 1768,  # nca_s_fault_addr_error: RPC_S_ADDRESS_ERROR
    0x1C000003: 1769,  # nca_s_fault_fp_div_zero
    0x1C000004: 1770,  # nca_s_fault_fp_underflow
    0x1C000005: 1771,  # nca_s_fault_fp_overflow
    0x1C000006: RPC_S_INVALID_TAG,  # nca_s_fault_invalid_tag
    0x1C000007: RPC_S_INVALID_BOUND,  # nca_s_fault_invalid_bound
    0x1C00000D: RPC_S_CALL_CANCELLED,  # nca_s_fault_cancel
    0x1C000012: RPC_S_CALL_FAILED,  # nca_s_fault_unspec
    0x1C000014: RPC_S_OUT_OF_MEMORY,  # nca_s_fault_remote_no_memory
    0x1C00001A: RPC_X_SS_CONTEXT_MISMATCH,  # nca_s_fault_context_mismatch
    0x1C00001C: RPC_S_UNKNOWN_IF,  # nca_s_invalid_pres_context_id
    0x1C00001D: RPC_S_UNSUPPORTED_AUTHN_LEVEL,  # nca_s_unsupported_authn_level
    0x1C010002: RPC_S_PROCNUM_OUT_OF_RANGE,  # nca_s_op_rng_error
    0x1C010003: RPC_S_UNKNOWN_IF,  # nca_s_unk_if
    0x1C01000B: RPC_S_PROTOCOL_ERROR,  # nca_s_proto_error
    0x1C010014: RPC_S_SERVER_TOO_BUSY,  # nca_s_server_too_busy
    0x1C010017: RPC_S_UNSUPPORTED_TYPE,  # nca_s_unsupported_type
}
# What a server sends for a status: the nca_s_* code where DCE has one (as Windows does);
# any other status (1783 bad stub data, 5 access denied, an application's code) goes as is.
STATUS_TO_NCA: Final = {
    RPC_S_PROCNUM_OUT_OF_RANGE: 0x1C010002,
    RPC_S_UNKNOWN_IF: 0x1C010003,
    RPC_S_PROTOCOL_ERROR: 0x1C01000B,
    RPC_S_SERVER_TOO_BUSY: 0x1C010014,
    RPC_S_UNSUPPORTED_TYPE: 0x1C010017,
    RPC_S_CALL_CANCELLED: 0x1C00000D,
    RPC_S_CALL_FAILED: 0x1C000012,
    RPC_X_SS_CONTEXT_MISMATCH: 0x1C00001A,
    RPC_S_INVALID_TAG: 0x1C000006,
    RPC_S_INVALID_BOUND: 0x1C000007,
    RPC_S_UNSUPPORTED_AUTHN_LEVEL: 0x1C00001D,
}


def status_of_fault(code: int) -> int:
    """The MS-RPC status a fault PDU's status stands for."""
    return NCA_TO_STATUS.get(code, code)


def fault_of_status(status: int) -> int:
    """The fault PDU status that carries ``status``."""
    return STATUS_TO_NCA.get(status, status)


class PduError(Exception):
    """The peer sent octets that are not a well-formed PDU of the kind expected."""


# -- the common header ---------------------------------------------------------------------


@dataclass(slots=True)
class Header:
    """A PDU's common header, checked."""

    ptype: int
    flags: int
    frag_length: int
    auth_length: int
    call_id: int


def frag_length(buf: bytes | bytearray, pos: int = 0) -> int:
    """The fragment length of the PDU whose header starts at ``pos`` (16 octets there)."""
    return int(_U16.unpack_from(buf, pos + 8)[0])


def parse_header(buf: bytes | bytearray | memoryview) -> Header:
    """Check the common header at the start of ``buf`` (a whole PDU)."""
    vers, minor, ptype, flags, drep, length, auth_length, call_id = _HEADER.unpack_from(buf)
    if vers != 5 or minor > 1:
        raise PduError(f"RPC version {vers}.{minor} (expected 5.0 or 5.1)")
    if drep[0] != 0x10 or drep[1] != 0:  # big-endian, EBCDIC or non-IEEE peers
        raise PduError(f"unsupported data representation {drep.hex()}")
    if length != len(buf) or length < HEADER_SIZE:
        raise PduError(f"frag_length {length} for a PDU of {len(buf)} octets")
    if auth_length and auth_length + SEC_TRAILER_SIZE > length - HEADER_SIZE:
        raise PduError(f"auth_length {auth_length} past the end of a {length}-octet PDU")
    return Header(ptype, flags, length, auth_length, call_id)


def header(ptype: int, flags: int, length: int, call_id: int, auth_length: int = 0) -> bytes:
    """A common header (version 5.0, little-endian)."""
    return _HEADER.pack(5, 0, ptype, flags, DREP_LE, length, auth_length, call_id)


def pdu(ptype: int, flags: int, call_id: int, body: bytes = b"") -> bytes:
    """A whole PDU without auth verifier."""
    return header(ptype, flags, HEADER_SIZE + len(body), call_id) + body


# -- auth verifier ([MS-RPCE] 2.2.2.11) -------------------------------------------------------


@dataclass(slots=True)
class Verifier:
    """A PDU's auth verifier: where its body ends, its sec_trailer fields and auth value."""

    body_end: int  # where the stub (or body) ends and the padding begins
    trailer_start: int
    auth_type: int
    auth_level: int
    pad_length: int
    context_id: int
    value: bytes


def read_verifier(buf: bytes | bytearray, h: Header) -> Verifier | None:
    """The auth verifier of a PDU whose header says it has one; None if it has none."""
    if not h.auth_length:
        return None
    start = h.frag_length - h.auth_length - SEC_TRAILER_SIZE
    auth_type, level, pad, _reserved, context_id = _TRAILER.unpack_from(buf, start)
    if pad > start - HEADER_SIZE:
        raise PduError(f"auth_pad_length {pad} is longer than the body")
    value = bytes(buf[start + SEC_TRAILER_SIZE : h.frag_length])
    return Verifier(start - pad, start, auth_type, level, pad, context_id, value)


def sec_trailer(auth_type: int, level: int, pad: int, context_id: int) -> bytes:
    return _TRAILER.pack(auth_type, level, pad, 0, context_id)


# -- bind, alter_context, and their answers (C706 12.6.4.3-12.6.4.4) ---------------------------


@dataclass(frozen=True, slots=True)
class ContextElem:
    """One presentation context a bind offers: an abstract syntax and transfer syntaxes."""

    context_id: int
    abstract: uuid.UUID
    version: tuple[int, int]
    transfers: tuple[tuple[uuid.UUID, int], ...]


@dataclass(frozen=True, slots=True)
class Bind:
    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    contexts: tuple[ContextElem, ...]


def _syntax_version(v: int) -> tuple[int, int]:
    return v & 0xFFFF, v >> 16


def read_bind(buf: bytes | bytearray, end: int) -> Bind:
    """The body of a bind or alter_context PDU (up to ``end``, where its verifier starts).
    Its counts are octets, so it holds at most 255 contexts of 255 transfer syntaxes, all
    within the PDU's own length."""
    try:
        xmit, recv, group = _BIND.unpack_from(buf, HEADER_SIZE)
        n = buf[HEADER_SIZE + 8]
        pos = HEADER_SIZE + 12
        contexts = []
        for _ in range(n):
            cid, ntransfer, _r, abstract, version = _CONTEXT.unpack_from(buf, pos)
            pos += _CONTEXT.size
            transfers = []
            for _ in range(ntransfer):
                syntax, sversion = _SYNTAX.unpack_from(buf, pos)
                pos += _SYNTAX.size
                transfers.append((uuid.UUID(bytes_le=syntax), sversion))
            abstract_id = uuid.UUID(bytes_le=abstract)
            contexts.append(
                ContextElem(cid, abstract_id, _syntax_version(version), tuple(transfers))
            )
    except (struct.error, IndexError):
        raise PduError("bind body cut short") from None
    if pos > end:
        raise PduError("bind body runs into the auth verifier")
    if xmit < MIN_FRAG or recv < MIN_FRAG:
        raise PduError(f"fragment sizes {xmit}/{recv} below the minimum {MIN_FRAG}")
    return Bind(xmit, recv, group, tuple(contexts))


def bind_body(
    max_xmit: int, max_recv: int, group: int, contexts: list[ContextElem] | tuple[ContextElem, ...]
) -> bytes:
    """The body of a bind or alter_context PDU."""
    out = [_BIND.pack(max_xmit, max_recv, group), bytes((len(contexts), 0, 0, 0))]
    for c in contexts:
        major, minor = c.version
        out.append(
            _CONTEXT.pack(
                c.context_id, len(c.transfers), 0, c.abstract.bytes_le, major | minor << 16
            )
        )
        for syntax, version in c.transfers:
            out.append(_SYNTAX.pack(syntax.bytes_le, version))
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class ContextResult:
    result: int
    reason: int
    transfer: uuid.UUID
    transfer_version: int


@dataclass(frozen=True, slots=True)
class BindAck:
    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    results: tuple[ContextResult, ...]


_NIL_SYNTAX = (uuid.UUID(int=0), 0)


def bind_ack_body(
    max_xmit: int, max_recv: int, group: int, port: str, results: list[ContextResult]
) -> bytes:
    """The body of a bind_ack (``port``: the secondary address, e.g. "49152") or of an
    alter_context_resp (``port`` empty)."""
    addr = port.encode("ascii") + b"\0" if port else b""
    out = bytearray(_BIND.pack(max_xmit, max_recv, group))
    out += _U16.pack(len(addr)) + addr
    out += bytes(-(HEADER_SIZE + len(out)) % 4)  # the result list is 4-aligned
    out += bytes((len(results), 0, 0, 0))
    for r in results:
        out += _RESULT.pack(r.result, r.reason, r.transfer.bytes_le, r.transfer_version)
    return bytes(out)


def read_bind_ack(buf: bytes | bytearray, end: int) -> BindAck:
    """The body of a bind_ack or alter_context_resp PDU."""
    try:
        xmit, recv, group = _BIND.unpack_from(buf, HEADER_SIZE)
        (addr_len,) = _U16.unpack_from(buf, HEADER_SIZE + 8)
        pos = HEADER_SIZE + 10 + addr_len
        pos += -pos % 4
        n = buf[pos]
        pos += 4
        results = []
        for _ in range(n):
            result, reason, syntax, version = _RESULT.unpack_from(buf, pos)
            pos += _RESULT.size
            results.append(ContextResult(result, reason, uuid.UUID(bytes_le=syntax), version))
    except (struct.error, IndexError):
        raise PduError("bind_ack body cut short") from None
    if pos > end:
        raise PduError("bind_ack body runs into the auth verifier")
    return BindAck(xmit, recv, group, tuple(results))


def bind_nak_body(reason: int) -> bytes:
    """The body of a bind_nak: the reason and the one protocol version we speak (5.0)."""
    return _U16.pack(reason) + b"\x01\x05\x00\x00"


def read_bind_nak(buf: bytes | bytearray) -> int:
    """The reason of a bind_nak."""
    if len(buf) < HEADER_SIZE + 2:
        raise PduError("bind_nak body cut short")
    return int(_U16.unpack_from(buf, HEADER_SIZE)[0])


def btfn_bits(syntax: uuid.UUID) -> int | None:
    """The feature bits of a bind-time-feature-negotiation transfer syntax, else None."""
    raw = syntax.bytes_le
    if raw[:8] != BTFN_PREFIX:
        return None
    return int.from_bytes(raw[8:10], "little")


def btfn_syntax(bits: int) -> uuid.UUID:
    """The transfer syntax that offers feature ``bits``."""
    return uuid.UUID(bytes_le=BTFN_PREFIX + bits.to_bytes(2, "little") + bytes(6))


def no_syntax() -> tuple[uuid.UUID, int]:
    """The nil transfer syntax of a rejected context."""
    return _NIL_SYNTAX


# -- request, response, fault (C706 12.6.4.9, 12.6.4.10, 12.6.4.7) -----------------------------


@dataclass(slots=True)
class Request:
    alloc_hint: int
    context_id: int
    opnum: int
    object: uuid.UUID | None
    stub_start: int


def read_request(buf: bytes | bytearray, h: Header, body_end: int) -> Request:
    if body_end < REQUEST_HEADER:
        raise PduError("request body cut short")
    alloc_hint, context_id, opnum = _REQ.unpack_from(buf, HEADER_SIZE)
    start = REQUEST_HEADER
    obj = None
    if h.flags & PFC_OBJECT_UUID:
        if body_end < start + 16:
            raise PduError("request object UUID cut short")
        obj = uuid.UUID(bytes_le=bytes(buf[start : start + 16]))
        start += 16
    return Request(alloc_hint, context_id, opnum, obj, start)


def request_head(alloc_hint: int, context_id: int, opnum: int) -> bytes:
    return _REQ.pack(alloc_hint, context_id, opnum)


def whole_request(call_id: int, context_id: int, opnum: int, stub: bytes) -> bytes:
    """A request in one unprotected fragment without object UUID: the octets
    ``Stream.fragments`` makes of ``request_head(len(stub), context_id, opnum)`` and ``stub``
    when it fits, in one pack."""
    n = len(stub)
    return (
        _WHOLE_REQUEST.pack(
            5, 0, REQUEST, WHOLE, DREP_LE, REQUEST_HEADER + n, 0, call_id, n, context_id, opnum
        )
        + stub
    )


def response_head(alloc_hint: int, context_id: int, cancel_count: int = 0) -> bytes:
    return _RESP.pack(alloc_hint, context_id, cancel_count, 0)


def whole_response(call_id: int, context_id: int, stub: bytes) -> bytes:
    """A response in one unprotected fragment: the octets ``Stream.fragments`` makes of
    ``response_head(len(stub), context_id)`` and ``stub`` when it fits, in one pack."""
    n = len(stub)
    return (
        _WHOLE_RESPONSE.pack(
            5, 0, RESPONSE, WHOLE, DREP_LE, RESPONSE_HEADER + n, 0, call_id, n, context_id, 0, 0
        )
        + stub
    )


def fault_body(status: int, context_id: int = 0, cancel_count: int = 0) -> bytes:
    """A fault's body: its status and no extended error data."""
    return _FAULT.pack(0, context_id, cancel_count, 0, status, 0)


def read_fault(buf: bytes | bytearray) -> int:
    """The status of a fault PDU."""
    if len(buf) < HEADER_SIZE + _FAULT.size:
        raise PduError("fault body cut short")
    return int(_FAULT.unpack_from(buf, HEADER_SIZE)[4])

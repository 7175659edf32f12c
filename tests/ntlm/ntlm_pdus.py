"""Just enough of the connection-oriented PDU layout (C706 12.6, [MS-RPCE] 2.2.2.11) to put
NTLM verifiers on request and response PDUs in the tests: the real codec is the connection
code's business.

A protected PDU is: 16-byte common header | body (request: alloc_hint, p_cont_id, opnum
[, object uuid]; response: alloc_hint, p_cont_id, cancel_count, reserved) | stub data |
auth_pad | 8-byte sec_trailer | auth_value. The pad makes the stub a multiple of 16 bytes, as
Windows and Samba do; a receiver takes whatever auth_pad_length says.
"""

from __future__ import annotations

import struct

from idlrt.ntlm import SecurityContext

REQUEST, RESPONSE, BIND, BIND_ACK, AUTH3 = 0, 2, 11, 12, 16
FIRST_FRAG, LAST_FRAG, OBJECT_UUID = 0x01, 0x02, 0x80
AUTH_TYPE_NTLM = 10
NDR20 = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)


def header(ptype: int, flags: int, frag_length: int, auth_length: int, call_id: int) -> bytes:
    return struct.pack(
        "<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", frag_length, auth_length, call_id
    )


def build(
    ptype: int,
    body: bytes,
    stub: bytes,
    call_id: int,
    auth_level: int,
    *,
    flags: int = FIRST_FRAG | LAST_FRAG,
    align: int = 16,
    context_id: int = 0,
) -> tuple[bytearray, int, int]:
    """The PDU up to and including its sec_trailer, frag_length and auth_length final, and the
    span of stub + pad."""
    pad = (-len(stub)) % align
    stub_start = 16 + len(body)
    stub_end = stub_start + len(stub) + pad
    frag_length = stub_end + 8 + 16
    trailer = struct.pack("<BBBBI", AUTH_TYPE_NTLM, auth_level, pad, 0, context_id)
    pdu = header(ptype, flags, frag_length, 16, call_id) + body + stub + b"\0" * pad + trailer
    return bytearray(pdu), stub_start, stub_end


def request(
    stub: bytes,
    call_id: int,
    auth_level: int,
    *,
    opnum: int = 1,
    object_uuid: bytes = b"",
    **kw: int,
) -> tuple[bytearray, int, int]:
    flags = kw.pop("flags", FIRST_FRAG | LAST_FRAG) | (OBJECT_UUID if object_uuid else 0)
    body = struct.pack("<IHH", len(stub), 0, opnum) + object_uuid
    return build(REQUEST, body, stub, call_id, auth_level, flags=flags, **kw)


def response(stub: bytes, call_id: int, auth_level: int, **kw: int) -> tuple[bytearray, int, int]:
    body = struct.pack("<IHBB", len(stub), 0, 0, 0)
    return build(RESPONSE, body, stub, call_id, auth_level, **kw)


def seal(ctx: SecurityContext, built: tuple[bytearray, int, int]) -> bytes:
    """The wire bytes of a built PDU protected by ``ctx``."""
    pdu, start, end = built
    signature = ctx.protect(pdu, start, end)  # seals pdu in place first
    return bytes(pdu) + signature


def stub_start_of(wire: bytes) -> int:
    body = 8 + (16 if wire[2] == REQUEST and wire[3] & OBJECT_UUID else 0)
    return 16 + body


def split(wire: bytes) -> tuple[bytearray, int, int, bytes, int]:
    """(PDU through the sec_trailer, stub start, stub+pad end, auth_value, pad length)."""
    frag_length, auth_length = struct.unpack_from("<HH", wire, 8)
    trailer = frag_length - auth_length - 8
    pdu = bytearray(wire[: frag_length - auth_length])
    return (
        pdu,
        stub_start_of(wire),
        trailer,
        bytes(wire[trailer + 8 : frag_length]),
        wire[trailer + 2],
    )


def open_(ctx: SecurityContext, wire: bytes) -> bytes:
    """The stub of a PDU ``ctx`` verifies (and unseals)."""
    pdu, start, end, signature, pad = split(wire)
    ctx.unprotect(pdu, start, end, signature)
    return bytes(pdu[start : end - pad])


def handshake(client: SecurityContext, server: SecurityContext) -> None:
    negotiate = client.step(None)
    challenge = server.step(negotiate)
    authenticate = client.step(challenge)
    assert server.step(authenticate) is None

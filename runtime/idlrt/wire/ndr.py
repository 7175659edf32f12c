"""NDR20 primitives for generated codecs (C706 ch. 14, [MS-RPCE] 2.2.5): little-endian, pure.

Layer 2 (wire codecs): imports ``status`` and ``errors`` only; no asyncio. Generated code
(``from idlrt.wire import ndr as _ndr``) lays out each type and procedure itself, with
precompiled ``struct.Struct`` runs; it calls these for what is not worth inlining: strings,
arrays of base types, counts read from the wire, context handles, full pointers, and the errors.

Encoding appends to a ``Buffer`` (a ``bytearray``), positions counted from the start of the
stub data, which the PDU aligns to 8. Decoding reads through a ``Reader`` (the bytes and a
position). Whatever the input, decoding raises ``RpcError`` only: 1783 RPC_X_BAD_STUB_DATA for
malformed data (truncated, a count larger than the bytes that remain, a string without its
terminator), 1734 RPC_X_INVALID_BOUND for counts that contradict each other. A count is checked
against the bytes that remain before anything is allocated from it, so a conformance of
2**32 - 1 costs nothing. The generated entry points catch ``struct.error`` (a truncated fixed
run) and ``RecursionError`` (absurd nesting) and turn them into 1783 with ``bad_stub``.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, NoReturn

from ..errors import BadValue, RpcError
from ..status import (
    RPC_S_CANNOT_SUPPORT,
    RPC_X_BAD_STUB_DATA,
    RPC_X_ENUM_VALUE_OUT_OF_RANGE,
    RPC_X_INVALID_BOUND,
    RPC_X_NULL_REF_POINTER,
)

__all__ = [
    "DECODE_ERRORS",
    "ENCODE_ERRORS",
    "MISSING",
    "NDR20",
    "NULL",
    "PAD",
    "Buffer",
    "EnumTable",
    "Reader",
    "bad_stub",
    "bound_error",
    "decode_failed",
    "deserialize",
    "encode_failed",
    "full_first",
    "full_get",
    "full_id",
    "full_put",
    "get_array",
    "get_bytes",
    "get_ctx",
    "get_str",
    "get_vstr",
    "get_vwstr",
    "get_wstr",
    "no_bool",
    "no_bools",
    "null_ref",
    "put_array",
    "put_ctx",
    "put_str",
    "put_vstr",
    "put_vwstr",
    "put_wstr",
    "serialize",
    "unsupported",
    "wlen",
]

# The transfer syntax these codecs speak: (uuid, major version, minor version).
NDR20: Final = ("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0)

# The padding that aligns ``n`` bytes to ``a``: ``PAD[-n & (a - 1)]``.
PAD: Final = tuple(bytes(i) for i in range(8))

# What a failed encode may raise before the generated code has checked a value (struct and
# the str/bytes methods check types and ranges as they pack), and the RpcError of a check made
# in a constructed type's encoder, which knows the type's name but not the parameter's path;
# see ``encode_failed``.
ENCODE_ERRORS: Final = (
    RpcError,
    struct.error,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    KeyError,
    IndexError,
    RecursionError,
)
# What a decode of hostile bytes may raise besides RpcError: a fixed run read past the end.
DECODE_ERRORS: Final = (struct.error, RecursionError)

# A referent id is this plus the position of the pointer in the stub data: non-zero, distinct
# within a call, with no counter to carry (C706 14.3.11 asks only for non-zero ids).
REFERENT_BASE: Final = 0x00020000

_U32 = struct.Struct("<L")
_U32X2 = struct.Struct("<LL")
_U32X3 = struct.Struct("<LLL")
_CTX = struct.Struct("<L16s")
_NULL_CTX = bytes(20)
_BIG_ENDIAN = sys.byteorder == "big"


class Buffer(bytearray):
    """The stub data being encoded, with the table of full ([ptr]) pointers met so far:
    ``id(object) -> referent id``, made on the first full pointer."""

    __slots__ = ("refs", "sent")

    def __init__(self) -> None:
        super().__init__()
        self.refs: dict[int, int] | None = None
        self.sent: set[int] | None = None


class Reader:
    """Stub data being decoded: the bytes, the position, and the full pointers read so far
    (referent id -> the decoded value)."""

    __slots__ = ("buf", "pos", "refs")

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.buf: bytes = data if type(data) is bytes else bytes(data)
        self.pos = 0
        self.refs: dict[int, Any] | None = None

    def u32(self) -> int:
        """A 4-aligned unsigned long (a count, a referent id)."""
        o = (self.pos + 3) & ~3
        (n,) = _U32.unpack_from(self.buf, o)
        self.pos = o + 4
        return int(n)

    def count(self, size: int) -> int:
        """A conformance (4-aligned) of an array whose items take at least ``size`` bytes each,
        checked against the bytes that remain (1783)."""
        n = self.u32()
        if n * size > len(self.buf) - self.pos:
            raise bad_stub(f"a count of {n} items at offset {self.pos - 4} exceeds the data")
        return n

    def varying(self, maximum: int, size: int) -> tuple[int, int]:
        """The offset and actual count of a varying array (4-aligned) of at most ``maximum``
        items of at least ``size`` bytes: 1734 when they exceed ``maximum``, 1783 when the
        items cannot fit in the bytes that remain."""
        o = (self.pos + 3) & ~3
        first, n = _U32X2.unpack_from(self.buf, o)
        self.pos = o + 8
        if first + n > maximum:
            raise bound_error(f"offset {first} + count {n} exceeds the maximum {maximum}")
        if n * size > len(self.buf) - self.pos:
            raise bad_stub(f"a count of {n} items at offset {o + 4} exceeds the data")
        return int(first), int(n)

    def fits(self, n: int, size: int) -> None:
        """1783 unless ``n`` items of at least ``size`` bytes fit in the bytes that remain (a
        conformance read before the structure that ends with the array)."""
        if n * size > len(self.buf) - self.pos:
            raise bad_stub(f"a count of {n} items at offset {self.pos} exceeds the data")

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes (1783 if there are fewer)."""
        o = self.pos
        e = o + n
        if e > len(self.buf):
            raise bad_stub(f"{n} bytes at offset {o} exceed the data")
        self.pos = e
        return self.buf[o:e]


class EnumTable(dict[int, Any]):
    """An enum's members by value: ``table[x]`` is the member, or 1781
    RPC_X_ENUM_VALUE_OUT_OF_RANGE for a value the enum does not declare (in either direction:
    a member or an int on the way out, a number read on the way in)."""

    __slots__ = ("name",)

    def __init__(self, members: Iterable[Any], name: str) -> None:
        super().__init__((int(m), m) for m in members)
        self.name = name

    def __missing__(self, key: object) -> Any:
        if not isinstance(key, int):  # only an encoder's: its msgpack check says which value
            raise TypeError(f"{key!r} is not an int")
        raise RpcError(RPC_X_ENUM_VALUE_OUT_OF_RANGE, f"{key!r} is not a {self.name}")


# -- full pointers ([ptr], C706 14.3.11.3): one referent id per object, its referent once ----

NULL: Final[Any] = None  # a null pointer's placeholder, typed to stand for any value
MISSING: Final[Any] = object()  # a full pointer whose referent has not been read yet


def full_id(b: Buffer, v: object, candidate: int) -> int:
    """The referent id of ``v``: 0 for None, the id it was given before, else ``candidate``."""
    if v is None:
        return 0
    refs = b.refs
    if refs is None:
        refs = b.refs = {}
    return refs.setdefault(id(v), candidate)


def full_first(b: Buffer, v: object) -> bool:
    """Whether the referent of ``v`` is to be written here: the first time it is reached."""
    sent = b.sent
    if sent is None:
        sent = b.sent = set()
    key = id(v)
    if key in sent:
        return False
    sent.add(key)
    return True


def full_get(r: Reader, rid: int) -> Any:
    """The value read before for referent id ``rid``, or MISSING."""
    refs = r.refs
    return MISSING if refs is None else refs.get(rid, MISSING)


def full_put(r: Reader, rid: int, value: object) -> None:
    if r.refs is None:
        r.refs = {}
    r.refs[rid] = value


# -- errors ----------------------------------------------------------------------------------


def bad_stub(detail: str) -> RpcError:
    return RpcError(RPC_X_BAD_STUB_DATA, f"NDR: {detail}")


def bound_error(detail: str) -> RpcError:
    return BadValue(RPC_X_INVALID_BOUND, f"NDR: {detail}")


def null_ref(path: str) -> RpcError:
    return BadValue(RPC_X_NULL_REF_POINTER, f"{path}: null [ref] pointer (None)")


def no_bool() -> NoReturn:
    """For a ``bool`` where an integer is packed (``struct`` would take it as 0 or 1): a
    ``TypeError`` that ``encode_failed`` turns into the msgpack check's error, with its path.
    Generated code writes ``_ndr.no_bool() if isinstance(x, bool) else x``."""
    raise TypeError("a bool where an integer is expected")


def no_bools(values: Sequence[Any]) -> Sequence[Any]:
    """``values`` (a short array of integers, unpacked into a run), unless one is a bool."""
    if bool in map(type, values):
        no_bool()
    return values


def unsupported(what: str) -> RpcError:
    """1764 for a construct the NDR generator reported it cannot marshal (idlc warned)."""
    return RpcError(RPC_S_CANNOT_SUPPORT, f"NDR20 cannot marshal {what} yet")


def decode_failed(exc: BaseException, what: str) -> NoReturn:
    """Raise 1783 for a decode that read past the end or nested too deeply."""
    if isinstance(exc, RecursionError):
        raise bad_stub(f"{what}: data nested too deeply") from None
    raise bad_stub(f"{what}: truncated data ({exc})") from None


def encode_failed(
    exc: BaseException, what: str, check: Callable[..., object], *values: object
) -> NoReturn:
    """Raise the error for values that failed to encode: ``check(*values)`` (the msgpack
    encoder of the same values, which checks every value and raises ``RpcError`` naming its
    path) says what was wrong; if it finds nothing, the value cannot be represented in NDR (a
    float too large for ``float``, a char string beyond Latin-1...): 1783.

    An ``RpcError`` from a constructed type's encoder names the type (``ITEM.tags``), not
    the parameter: it stands, with the check's path (``Put.item.tags``) where the check finds
    the same status, so both wires report a bad value alike."""
    if isinstance(exc, RpcError):
        try:
            check(*values)
        except RpcError as found:
            if found.code == exc.code:
                raise found from None
        raise exc
    if not isinstance(exc, RecursionError):
        check(*values)
    raise BadValue(RPC_X_BAD_STUB_DATA, f"{what}: cannot be represented in NDR20 ({exc})") from None


# -- strings (C706 14.3.4: conformant-varying arrays of characters with the terminator) ------
# char strings are Latin-1 (one octet per character, as the msgpack wire's char values are);
# wchar_t strings are UTF-16LE, lone surrogates allowed, so that every string round-trips.


def wlen(s: str) -> int:
    """The UTF-16 code units of ``s``, terminator included (a conformant string's count)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2 + 1


def put_str(b: Buffer, s: str) -> None:
    """A conformant-varying char string: maximum = actual = length + 1, offset 0."""
    data = s.encode("latin-1")
    n = len(data) + 1
    b += PAD[-len(b) & 3]
    b += _U32X3.pack(n, 0, n)
    b += data
    b += b"\0"


def put_wstr(b: Buffer, s: str) -> None:
    data = s.encode("utf-16-le", "surrogatepass")
    n = len(data) // 2 + 1
    b += PAD[-len(b) & 3]
    b += _U32X3.pack(n, 0, n)
    b += data
    b += b"\0\0"


def put_vstr(b: Buffer, s: str, capacity: int | None) -> None:
    """A varying char string (offset, actual count, characters): a fixed ``[string]`` array of
    ``capacity`` characters, or the in-place part of a conformant one (``capacity`` None)."""
    data = s.encode("latin-1")
    n = len(data) + 1
    if capacity is not None and n > capacity:
        raise bound_error(f"a string of {n - 1} characters in a [string] array of {capacity}")
    b += PAD[-len(b) & 3]
    b += _U32X2.pack(0, n)
    b += data
    b += b"\0"


def put_vwstr(b: Buffer, s: str, capacity: int | None) -> None:
    data = s.encode("utf-16-le", "surrogatepass")
    n = len(data) // 2 + 1
    if capacity is not None and n > capacity:
        raise bound_error(f"a string of {n - 1} code units in a [string] array of {capacity}")
    b += PAD[-len(b) & 3]
    b += _U32X2.pack(0, n)
    b += data
    b += b"\0\0"


def _string(r: Reader, o: int, first: int, n: int, size: int, maximum: int) -> bytes:
    """The characters of a string whose ``n`` units of ``size`` octets start at ``o``,
    without the terminator; the checks are the ones a hostile peer can fail (hot path: one
    condition when all is well)."""
    buf = r.buf
    e = o + n * size
    if n > maximum or first or not n or e > len(buf) or buf[e - size : e] != PAD[size]:
        _string_error(first, n, maximum, e > len(buf))
    r.pos = e
    return buf[o : e - size]


def _string_error(first: int, n: int, maximum: int, short: bool) -> NoReturn:
    if n > maximum:
        raise bound_error(f"a string of {n} characters where at most {maximum} fit")
    if first:
        raise bad_stub(f"a string with offset {first}")
    if not n:
        raise bad_stub("a string without its terminator")
    if short:
        raise bad_stub(f"a string of {n} characters exceeds the data")
    raise bad_stub("a string whose last character is not the terminator")


def get_str(r: Reader) -> str:
    """A conformant-varying char string (the maximum read here)."""
    o = (r.pos + 3) & ~3
    m, first, n = _U32X3.unpack_from(r.buf, o)
    return _string(r, o + 12, first, n, 1, m).decode("latin-1")


def get_wstr(r: Reader) -> str:
    o = (r.pos + 3) & ~3
    m, first, n = _U32X3.unpack_from(r.buf, o)
    buf = r.buf
    e = o + 12 + 2 * n  # inlined _string: the most frequent string of all
    if n > m or first or not n or e > len(buf) or buf[e - 2 : e] != b"\0\0":
        _string_error(first, n, m, e > len(buf))
    r.pos = e
    return buf[o + 12 : e - 2].decode("utf-16-le", "surrogatepass")


def get_vstr(r: Reader, capacity: int) -> str:
    """A varying char string of at most ``capacity`` characters (a fixed array's size, or the
    conformance hoisted to the front of the structure that ends with it)."""
    o = (r.pos + 3) & ~3
    first, n = _U32X2.unpack_from(r.buf, o)
    return _string(r, o + 8, first, n, 1, capacity).decode("latin-1")


def get_vwstr(r: Reader, capacity: int) -> str:
    o = (r.pos + 3) & ~3
    first, n = _U32X2.unpack_from(r.buf, o)
    return _string(r, o + 8, first, n, 2, capacity).decode("utf-16-le", "surrogatepass")


# -- arrays of base types --------------------------------------------------------------------
# One C loop each way: ``array`` in the machine's order (swapped on a big-endian machine) for
# the codes whose size is the NDR size here, else ``struct``.

_NDR_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "f": 4, "d": 8}
_ARRAY_OK = frozenset(c for c, n in _NDR_SIZES.items() if array(c).itemsize == n)
_NOT_INTEGERS = frozenset("fd?")  # "?": booleans, packed as "B"


def put_array(b: Buffer, code: str, values: Sequence[Any]) -> None:
    """Append ``values`` packed by ``code`` (an ``array`` typecode of an NDR base type); the
    caller has aligned ``b``. Wrong types or ranges raise TypeError/OverflowError, and so
    does a bool among integers (one pass over the types, at C speed)."""
    if code not in _NOT_INTEGERS:
        if bool in set(map(type, values)):
            no_bool()
    elif code == "?":
        code = "B"
    if code in _ARRAY_OK:
        a = array(code, values)
        if _BIG_ENDIAN:
            a.byteswap()
        b += a.tobytes()
    else:
        b += struct.pack(f"<{len(values)}{code}", *values)


def get_array(r: Reader, code: str, n: int) -> list[Any]:
    """``n`` values of ``code`` at the (aligned) position: 1783 if the data is shorter."""
    data = r.take(n * _NDR_SIZES[code])
    if code in _ARRAY_OK:
        a = array(code)
        a.frombytes(data)
        if _BIG_ENDIAN:
            a.byteswap()
        return a.tolist()
    return list(struct.unpack(f"<{n}{code}", data))


def get_bytes(r: Reader, n: int) -> bytes:
    """``n`` octets (an array of byte, char or unsigned char)."""
    return r.take(n)


# -- context handles (C706 ndr_context_handle: attributes + uuid, 20 octets) -----------------


def put_ctx(b: Buffer, wire_id: bytes | None) -> None:
    """A context handle: attributes 0 and the 16-octet id, or 20 zero octets when null."""
    b += PAD[-len(b) & 3]
    b += _NULL_CTX if wire_id is None else _CTX.pack(0, wire_id)


def get_ctx(r: Reader) -> bytes | None:
    """The 16-octet id of a context handle, None for the null handle (a nil uuid)."""
    o = (r.pos + 3) & ~3
    _attributes, wire_id = _CTX.unpack_from(r.buf, o)
    r.pos = o + 20
    return None if wire_id == _NULL_CTX[:16] else bytes(wire_id)


# -- type serialization ([MS-RPCE] 2.2.6, version 1): a value outside any call --------------
# A common header (version 1, little-endian 0x10, its length 8, filler 0xcccccccc), a private
# header (the length of what follows, padded to 8, and a filler of 0), then the value as a
# stub that holds only it, padded to 8; the value starts at an 8-aligned offset, as a stub.

_COMMON = struct.Struct("<BBHL")
_PRIVATE = struct.Struct("<LL")
HEADER_SIZE: Final = 16


def serialize(body: bytes) -> bytes:
    """The type serialization stream of one top-level value whose NDR octets are ``body``."""
    gap = -len(body) & 7
    head = _COMMON.pack(1, 0x10, 8, 0xCCCCCCCC) + _PRIVATE.pack(len(body) + gap, 0)
    return head + body + PAD[gap]


def deserialize(data: bytes | bytearray | memoryview) -> bytes:
    """The NDR octets of the value in a type serialization stream (its padding included):
    1783 for a malformed header, 1764 for a big-endian stream (not supported)."""
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise bad_stub(f"a serialized type of {len(data)} octets has no headers")
    version, endianness, length, _filler = _COMMON.unpack_from(data)
    if version != 1 or length != 8:
        raise bad_stub(f"type serialization version {version}, header length {length}")
    if endianness != 0x10:
        raise RpcError(RPC_S_CANNOT_SUPPORT, "a big-endian serialized type is not supported")
    size, _filler = _PRIVATE.unpack_from(data, 8)
    if size & 7 or size > len(data) - HEADER_SIZE:
        raise bad_stub(f"a serialized type of {size} octets in {len(data) - HEADER_SIZE}")
    return data[HEADER_SIZE : HEADER_SIZE + size]

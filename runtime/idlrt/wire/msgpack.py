"""The msgpack wire, idlrt's own protocol (docs/protocol.md): its message kinds, limits and pure
pack/unpack helpers. Layer 2 (wire codecs): imports only status and errors; no asyncio here.

A connection carries a stream of msgpack values. Every message is a msgpack array whose first
item is its kind; REQUEST and RESPONSE headers end with the byte size of a payload (one msgpack
value: the argument list or the result list) that follows the header directly.
"""

from __future__ import annotations

import struct
import threading
from typing import Any, Final

import msgpack  # type: ignore[import-untyped]

from ..errors import RpcError
from ..status import RPC_X_BAD_STUB_DATA

PROTOCOL_VERSION: Final = 1

BIND: Final = 0  # [BIND, ctx_id, uuid, major, minor, protocol]
BIND_ACK: Final = 1  # [BIND_ACK, ctx_id, protocol, server_minor]
BIND_NAK: Final = 2  # [BIND_NAK, ctx_id, code]
# A server calls a [callback] with a REQUEST that names the call it serves: [REQUEST,
# callback_id, ctx_id, opnum, size, call_id] + payload; the client answers with RESPONSE or
# FAULT under callback_id. Callback ids are the server's own, apart from the client's call ids.
REQUEST: Final = 3  # [REQUEST, call_id, ctx_id, opnum, size] + payload (argument list)
RESPONSE: Final = 4  # [RESPONSE, call_id, size] + payload (result list)
FAULT: Final = 5  # [FAULT, call_id, code] or [FAULT, call_id, code, detail]
CANCEL: Final = 6  # [CANCEL, call_id, abortive]
# A chunk of pipe ``index`` of a call (docs/pipes.md): client to server for [in] pipes, server
# to client for [out] pipes, before the call's RESPONSE; size 0 (no payload) ends the pipe.
PIPE: Final = 7  # [PIPE, call_id, size, index] + payload (one chunk)
# The receiver of a pipe has consumed ``octets`` more payload octets of it: its sender may
# have up to PIPE_WINDOW octets sent and not yet acknowledged.
PIPE_ACK: Final = 8  # [PIPE_ACK, call_id, index, octets]

KIND_NAMES: Final = (
    "BIND",
    "BIND_ACK",
    "BIND_NAK",
    "REQUEST",
    "RESPONSE",
    "FAULT",
    "CANCEL",
    "PIPE",
    "PIPE_ACK",
)

# Minimum header lengths, by kind; longer headers are accepted (extra items are ignored).
HEADER_LENGTHS: Final = (6, 3, 3, 5, 3, 3, 3, 4, 4)
# Where a message with a payload (REQUEST, RESPONSE, PIPE) says its size; 0: no payload.
SIZE_AT: Final = (0, 0, 0, 4, 2, 0, 0, 2, 0)
PIPE_WINDOW: Final = 4 * 1024 * 1024  # octets of a pipe sent and not yet acknowledged

MAX_ID: Final = 0xFFFF_FFFF_FFFF_FFFF  # call ids are unsigned 64-bit
MAX_CTX_ID: Final = 0xFFFF
MAX_CODE: Final = 0xFFFF_FFFF  # status codes are unsigned 32-bit
MAX_HEADER: Final = 64 * 1024  # a header bigger than this is a protocol error
MAX_HEADER_ITEMS: Final = 64  # items in any array or map inside a header
MAX_HEADER_DEPTH: Final = 8  # arrays and maps nested in a header, the header itself counted
FEED_CHUNK: Final = 64 * 1024  # bytes fed to the Unpacker at a time
# The buffer an Unpacker starts with (msgpack's default is min(max_buffer_size, 1 MiB), taken
# at construction); it grows, doubling, only for input that does not fit.
READ_SIZE: Final = 16 * 1024

DEFAULT_MAX_REQUEST: Final = 16 * 1024 * 1024
DEFAULT_MAX_RESPONSE: Final = 256 * 1024 * 1024


_unpackb = msgpack.unpackb
_per_thread = threading.local()


def new_packer() -> msgpack.Packer:
    """A Packer of its own (its buffer, 256 KiB, is taken at construction and never shrinks)."""
    return msgpack.Packer(use_bin_type=True, autoreset=True)


def thread_packer() -> msgpack.Packer:
    """The Packer every connection of this thread (its event loop's) shares: with autoreset,
    a Packer keeps nothing between two ``pack`` calls, and a thread makes one at a time."""
    packer: Any = getattr(_per_thread, "packer", None)
    if packer is None:
        packer = _per_thread.packer = new_packer()
    return packer


def thread_spares(max_payload: int) -> list[msgpack.Unpacker]:
    """This thread's idle Unpackers for payloads up to ``max_payload``: a connection borrows one
    while input waits to be decoded and gives it back when nothing is left in it."""
    spares: dict[int, list[Any]] | None = getattr(_per_thread, "spares", None)
    if spares is None:
        spares = _per_thread.spares = {}
    found = spares.get(max_payload)
    if found is None:
        found = spares[max_payload] = []
    return found


def new_unpacker(max_payload: int) -> msgpack.Unpacker:
    """The streaming Unpacker of a connection that accepts payloads up to ``max_payload``.

    It decodes headers only (payloads are taken out as bytes), hence the small item limits;
    its buffer starts at ``READ_SIZE`` and must still be able to hold a whole payload.
    """
    return msgpack.Unpacker(
        read_size=READ_SIZE,
        raw=False,
        strict_map_key=False,
        max_buffer_size=max(max_payload, MAX_HEADER) + FEED_CHUNK,
        max_str_len=MAX_HEADER,
        max_bin_len=MAX_HEADER,
        max_ext_len=MAX_HEADER,
        max_array_len=MAX_HEADER_ITEMS,
        max_map_len=MAX_HEADER_ITEMS,
    )


def packb(value: object) -> bytes:
    """Pack ``value`` in any thread (a fresh packer; the connection's is loop-only)."""
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def pack_payload(value: object, packer: msgpack.Packer | None = None) -> bytes:
    """Pack a payload; a value msgpack cannot carry is ``RpcError(1783)``."""
    try:
        if packer is None:
            return packb(value)
        return packer.pack(value)  # type: ignore[no-any-return]
    except (TypeError, ValueError, OverflowError) as exc:
        raise RpcError(RPC_X_BAD_STUB_DATA, f"cannot encode the value: {exc}") from None


_BIN16 = struct.Struct(">BH")
_BIN32 = struct.Struct(">BI")


def pack_bin(value: bytes) -> bytes:
    """``value`` as a msgpack ``bin``, as ``packb`` writes it, in one copy (``packb`` makes
    two: into its buffer, and out of it)."""
    n = len(value)
    if n < 0x100:
        return bytes((0xC4, n)) + value
    if n < 0x10000:
        return _BIN16.pack(0xC5, n) + value
    if n <= 0xFFFF_FFFF:
        return _BIN32.pack(0xC6, n) + value
    raise RpcError(RPC_X_BAD_STUB_DATA, "cannot encode the value: bytes object is too large")


def unpack_payload(data: bytes) -> object:
    """Unpack one payload of exactly ``len(data)`` bytes; ``RpcError(1783)`` if it is bad.

    The limits are set from the size, so a lying array header cannot allocate more than the
    payload could hold: ``msgpack.unpackb`` derives every length limit from the size of its
    input when none is given (strings, binaries, arrays, extensions: ``len(data)``; maps:
    half of it), which also spares the per-call parsing of keyword arguments.
    """
    try:
        return _unpackb(data, strict_map_key=False)
    except Exception as exc:  # msgpack raises ValueError subclasses, TypeError, StackError...
        raise RpcError(RPC_X_BAD_STUB_DATA, f"undecodable payload: {exc}") from None


def nested_too_deep(header: list[object], limit: int = MAX_HEADER_DEPTH) -> bool:
    """Whether arrays or maps nest in ``header`` more than ``limit`` deep (``header`` itself
    is level 1). Iterative: a hostile header may nest a thousand levels (msgpack's own
    bound), and every item is looked at once at most, so its cost follows its size."""
    todo: list[tuple[object, int]] = [(header, 1)]
    while todo:
        value, depth = todo.pop()
        items = value.values() if type(value) is dict else value
        for item in items:  # type: ignore[attr-defined]
            t = type(item)
            if t is list or t is dict:
                if depth >= limit:
                    return True
                todo.append((item, depth + 1))
    return False


def is_uint(value: object, limit: int) -> bool:
    """Whether ``value`` is an int (not a bool) in ``0..limit``."""
    return type(value) is int and 0 <= value <= limit

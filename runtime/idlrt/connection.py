"""The framing layer shared by both ends: one ``asyncio.Protocol`` per connection.

It uses its thread's msgpack Packer and, while input waits to be decoded, one of its thread's
streaming Unpackers (an idle connection holds none: see ``_borrow``), coalesces outgoing frames into
one ``transport.write`` per event-loop pass (what a ``data_received`` produces leaves when it
returns; big frames and lone calls, via ``write_now``, leave at once; a long batch leaves in
pieces of ``FLUSH_AT``, so the peer can start on it), and splits the incoming
stream into headers and length-delimited payloads (docs/protocol.md). Subclasses handle the
messages.

What a peer sent appears in errors and logs only through ``untrusted``: cut short, and at
most a few log lines per peer and minute (docs/protocol.md, "Hostile peers").

Layer 3 (connection and transport): imports ``wire.msgpack`` and ``untrusted`` (layer 2).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any, cast

from msgpack import BufferFull  # type: ignore[import-untyped]

from .pipeframes import BIG_FRAME, Collecting, PipeFraming, plain_pipe
from .untrusted import cut, peer_key, peer_log, safe_repr
from .wire.msgpack import (
    FEED_CHUNK,
    HEADER_LENGTHS,
    KIND_NAMES,
    MAX_HEADER,
    MAX_ID,
    PIPE,
    READ_SIZE,
    REQUEST,
    RESPONSE,
    SIZE_AT,
    nested_too_deep,
    new_unpacker,
    thread_packer,
    thread_spares,
)

log = logging.getLogger("idlrt")

_NOTHING = object()
_KINDS = len(HEADER_LENGTHS)
# Pieces (a frame is one or two) from which what is queued is written before the pass ends.
# Writing a long batch in one piece leaves the peer idle until all of it is built, and the
# two ends then take turns; handing over the first part early lets the peer work on it
# meanwhile. One write per 32 frames costs little next to the frames themselves; S2 (64
# calls in flight on one connection) went from 0.7x to 1.4x the raw loop with it.
FLUSH_AT = 64
SPARES = 4  # idle Unpackers a thread keeps for its connections (each about 57 KiB)


def _break_transport_cycles(transport: object) -> None:
    """CPython's selector transport keeps bound methods of itself in its own attributes after
    it is closed: its read callback (gh-100348, 3.11 and 3.12.1) and, from 3.12, its write
    callback (``_write_ready``, chosen per socket). Each is a cycle that waits for the cyclic
    GC, with the transport's buffers. Reading and writing have stopped for good once the
    connection is lost, so the instance's own references are dropped."""
    attrs = getattr(transport, "__dict__", None)
    if attrs is None:
        return
    for name in ("_read_ready_cb", "_write_ready"):
        method = attrs.get(name)
        if getattr(method, "__self__", None) is transport:
            attrs[name] = None


class ProtocolError(Exception):
    """The peer broke the framing; the connection cannot be resynchronised and is closed."""


class FramedProtocol(PipeFraming, asyncio.Protocol):
    """Reads headers and payloads, writes coalesced frames. Loop-thread only, unless noted."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, max_payload: int, framed: bool = True
    ) -> None:
        """``framed`` False: a subclass reads another wire (DCE/RPC) and needs no Unpacker."""
        self.loop = loop
        self.thread_id = threading.get_ident()  # protocols are built on their loop's thread
        self.packer = thread_packer()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        # The Unpacker while input waits in it, else None; borrowed from and given back to
        # ``_spares``. An idle connection so costs no Unpacker (41 KiB of parser stack each,
        # besides its buffer) and keeps no buffer that a big message grew.
        self._unpacker: Any = None
        self._spares = thread_spares(max_payload) if framed else []
        self._grown = False  # the Unpacker's buffer outgrew READ_SIZE: not given back
        self._max_payload = max_payload
        self._fed = 0  # the Unpacker's stream offset after what was fed (tell(): consumed)
        self._done = 0  # the Unpacker's offset after the last whole message
        self._payload_header: list[Any] | None = None  # a header waiting for its payload
        self._payload_size = 0
        self._big: Collecting | None = None  # a big payload read around the Unpacker
        self._skip = 0  # bytes of a refused payload still to be discarded
        self._wbuf: list[bytes] = []
        self._unflushed: list[int] = []  # client: ids of requests still in our write buffer
        self._batch = 0  # client: calls the current (or last) data_received finished
        # on_payload: whether its message is the last one of what was received so far
        self._last = False
        # True while data_received runs: what it queues is flushed when it returns, in one
        # write and without an extra event-loop pass
        self._receiving = False
        self._reads = 0  # data_received calls so far (a server's idle timer looks at it)
        self._write_paused = False  # the transport's buffer is over its high-water mark
        self._on_writable: list[Callable[[], object]] = []  # pipes waiting for it to drain

    # -- writing ------------------------------------------------------------------------------

    # Pieces queued from which ``send`` writes before the pass ends. A msgpack message is two
    # pieces (header, payload) and goes through ``send2``; a wire whose messages are one piece
    # each (DCE/RPC's PDUs) writes after as many messages, half the pieces.
    flush_at = FLUSH_AT

    def send(self, data: bytes) -> None:
        """Queue ``data``; what is queued in this loop pass goes out in one write (a write per
        ``flush_at`` pieces when there is much of it)."""
        if self.closed:
            return
        buf = self._wbuf
        buf.append(data)
        if len(buf) == 1 and not self._receiving:
            self.loop.call_soon(self._flush)
        elif len(buf) >= self.flush_at:
            self._flush()

    def send2(self, header: bytes, payload: bytes) -> None:
        """Queue a header and its payload; a big frame is written at once, after what is queued
        (joining big frames costs more in copies than their own write costs)."""
        if self.closed:
            return
        buf = self._wbuf
        if len(payload) >= BIG_FRAME and self.transport is not None:
            if buf:
                self._flush()
            self.transport.write(header + payload)
            if self._unflushed:
                self._unflushed.clear()
            return
        buf.append(header)
        buf.append(payload)
        if len(buf) == 2 and not self._receiving:
            self.loop.call_soon(self._flush)
        elif len(buf) >= FLUSH_AT:
            self._flush()

    def send_whole(self, data: bytes) -> None:
        """Queue ``data`` (a whole frame), or write it at once, after what is queued, when it
        is big (as ``send2`` does)."""
        transport = self.transport
        if len(data) < BIG_FRAME or transport is None or self.closed:
            self.send(data)
            return
        if self._wbuf:
            self._flush()
        transport.write(data)
        if self._unflushed:
            self._unflushed.clear()

    def write_now(self, header: bytes, payload: bytes) -> bool:
        """Hand a header and its payload to the transport at once when nothing is queued and
        no ``data_received`` is running (the caller knows no other frame is likely to follow
        in this pass); False (nothing done) otherwise, and the caller queues them."""
        transport = self.transport
        if self._wbuf or self._receiving or self.closed or transport is None:
            return False
        transport.write(header + payload)
        return True

    def _flush(self) -> None:
        buf = self._wbuf
        if not buf:
            return
        data = buf[0] if len(buf) == 1 else b"".join(buf)
        buf.clear()
        transport = self.transport
        if transport is not None and not self.closed:
            transport.write(data)
            if self._unflushed:
                self._unflushed.clear()

    # -- pipes: the rest of ``pipestate.PipeChannel`` (``PipeFraming`` frames them) ---------------

    def writing_paused(self) -> bool:
        """Whether the transport asked for writing to pause (its buffer is full)."""
        return self._write_paused

    def when_writable(self, fn: Callable[[], object]) -> None:
        """Call ``fn()`` once the transport takes more (now if it does; loop thread)."""
        if self._write_paused and not self.closed:
            self._on_writable.append(fn)
        else:
            fn()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiting, self._on_writable = self._on_writable, []
        for fn in waiting:
            fn()

    # -- connection events --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wbuf.clear()
        self._on_writable.clear()  # pipes waiting for the transport fail with the connection
        if self.transport is not None:
            _break_transport_cycles(self.transport)
        self.transport = None
        self._unpacker = None  # it may hold a partial message: not given back
        self._payload_header = None
        self._big = None

    def close(self) -> None:
        """Flush what is queued and close the connection."""
        if self.transport is None or self.closed:
            return
        self._flush()
        self.closed = True
        self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def protocol_error(self, reason: str) -> None:
        """The stream cannot be trusted any more: log it (within the peer's budget of log
        lines, ``reason`` cut short) and close this one connection."""
        self.log_peer(logging.WARNING, "idlrt: closing connection %s: %s", cut(reason))
        self.close()

    def internal_error(self) -> None:
        """A bug of ours met this connection's input: log it with its traceback (within the
        peer's budget) and drop this connection, never the event loop."""
        self.log_peer(logging.ERROR, "idlrt: internal error on connection %s", exc_info=True)
        self.abort()

    def log_peer(self, level: int, msg: str, *args: object, exc_info: bool = False) -> None:
        """Log ``msg % (peer, *args)`` unless this peer's host has spent its budget of log
        lines (``untrusted.peer_log``)."""
        transport = self.transport
        key = peer_key(transport.get_extra_info("peername") if transport is not None else None)
        peer_log.log(level, key, msg, self.describe_peer(), *args, exc_info=exc_info)

    def describe_peer(self) -> str:
        """The peer, for log messages."""
        if self.transport is None:
            return "(closed)"
        peer = self.transport.get_extra_info("peername")
        return str(peer) if peer else "(local)"

    # -- reading ------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self._receiving = True
        self._reads += 1
        self._batch = 0
        try:
            n = len(data)
            big = self._big
            if big is not None and n < big.need:  # a read in the middle of a big payload
                big.add(data)
            elif n <= READ_SIZE and not self._skip and big is None:  # the common case
                unpacker = self._unpacker
                spares = self._spares
                if unpacker is not None:  # a message begun earlier
                    if self._fed - unpacker.tell() + n > READ_SIZE:
                        self._grown = True
                elif spares and n <= READ_SIZE:  # _borrow(), inline
                    unpacker = self._unpacker = spares.pop()
                    self._fed = unpacker.tell()
                    self._grown = False
                else:
                    unpacker = self._borrow(n)
                try:
                    unpacker.feed(data)
                except BufferFull:
                    raise ProtocolError("message too large") from None
                self._fed += n
                if self._drain():  # _give_back(), inline
                    self._unpacker = None
                    if not self._grown and len(spares) < SPARES:
                        spares.append(unpacker)
            else:
                self._receive(data)
        except ProtocolError as exc:
            self.protocol_error(str(exc))
        except Exception:  # a bug in a message handler must not reach the event loop
            self.internal_error()
        finally:
            self._receiving = False
        buf = self._wbuf
        if buf:  # replies (or requests) produced while handling this input: _flush(), inline
            out = buf[0] if len(buf) == 1 else b"".join(buf)
            buf.clear()
            transport = self.transport
            if transport is not None and not self.closed:
                transport.write(out)
                if self._unflushed:
                    self._unflushed.clear()
        self.after_input()

    def after_input(self) -> None:
        """Called after each read is handled (a server watches for unfinished messages)."""

    def _borrow(self, n: int) -> Any:
        """Take an idle Unpacker of this thread (or a new one) for ``n`` bytes of input."""
        spares = self._spares
        unpacker = self._unpacker = spares.pop() if spares else new_unpacker(self._max_payload)
        self._fed = unpacker.tell()
        self._grown = n > READ_SIZE
        return unpacker

    def _give_back(self) -> None:
        """Nothing is left in the Unpacker: return it to the thread's spares, unless a big
        message grew its buffer (then it is dropped, and its memory with it)."""
        unpacker = self._unpacker
        self._unpacker = None
        spares = self._spares
        if not self._grown and len(spares) < SPARES:
            spares.append(unpacker)

    def _receive(self, data: bytes) -> None:
        """Feed a big chunk (or one that goes on with a payload being skipped or collected)
        piece by piece; the octets of a big payload go around the Unpacker (``bigframes``)."""
        n = len(data)
        view = memoryview(data)
        pos = 0
        empty = False
        while pos < n:
            if self._skip:
                k = min(self._skip, n - pos)
                self._skip -= k
                pos += k
                continue
            unpacker = self._unpacker
            if self._big is None and unpacker is None:  # a message starts at pos
                found = plain_pipe(data, pos, self._max_payload)
                if found is not None:
                    header, pos = found
                    self._big = Collecting(header, header[2], b"")
            big = self._big
            if big is not None:
                pos = big.take(data, view, pos)
                empty = True
                if not big.need:
                    self._big = None
                    self._done += big.size
                    self._last = pos == n
                    self.on_payload(big.header, big.payload())
                    if self.closed:
                        return
                continue
            end = min(n, pos + FEED_CHUNK)
            chunk = data if pos == 0 and end == n else view[pos:end]
            if unpacker is None:
                unpacker = self._borrow(end - pos)
            elif self._fed - unpacker.tell() + end - pos > READ_SIZE:
                self._grown = True
            try:
                unpacker.feed(chunk)
            except BufferFull:
                raise ProtocolError("message too large") from None
            self._fed += end - pos
            pos = end
            empty = self._drain()
            if self.closed:
                return
            if empty and self._big is not None:  # collecting: the Unpacker is not needed
                self._give_back()
        if empty and self._unpacker is not None:
            self._give_back()

    def _drain(self) -> bool:
        """Decode what the Unpacker holds; True when nothing is left in it (no partial
        message, no payload awaited) and the connection is still open."""
        unpacker = self._unpacker
        header = self._payload_header
        if header is not None:  # a payload announced by an earlier chunk
            size = self._payload_size
            if self._fed - unpacker.tell() < size:
                return False
            payload = unpacker.read_bytes(size)
            self._payload_header = None
            self.on_payload(header, payload)
            if self.closed:
                return False
        pos: int = unpacker.tell()  # then tracked: one tell() per message
        while True:
            try:
                obj = next(unpacker, _NOTHING)
            except Exception as exc:  # FormatError, StackError, ValueError, TypeError...
                detail = cut(str(exc), 80)
                raise ProtocolError(f"undecodable data ({type(exc).__name__}: {detail})") from None
            if obj is _NOTHING:
                if self._fed - pos > MAX_HEADER:
                    raise ProtocolError("header too large")
                self._done = pos
                return pos == self._fed  # else a partial header is in the Unpacker's state
            end = unpacker.tell()
            if end - pos > MAX_HEADER:
                raise ProtocolError("header too large")
            if type(obj) is not list or not obj:
                raise ProtocolError(f"expected a message array, got {type(obj).__name__}")
            kind = obj[0]
            if type(kind) is not int or not 0 <= kind < _KINDS:
                raise ProtocolError(f"unknown message kind {safe_repr(kind)}")
            n = len(obj)
            if n < HEADER_LENGTHS[kind]:
                raise ProtocolError(f"short {KIND_NAMES[kind]} message")
            # A header nests at most MAX_HEADER_DEPTH deep; the plain forms of REQUEST and
            # RESPONSE, all integers, cannot nest and skip the walk.
            if not (
                (kind == REQUEST and n == 5 and type(obj[2]) is int and type(obj[3]) is int)
                or (kind == RESPONSE and n == 3)
                or (kind == PIPE and n == 4 and type(obj[3]) is int)
            ) and nested_too_deep(obj):
                raise ProtocolError(f"{KIND_NAMES[kind]} header nested too deep")
            at = SIZE_AT[kind]
            if not at:
                pos = end
                self.on_message(obj)
                if self.closed:
                    return False
                continue
            size = obj[at]
            call_id = obj[1]
            if (
                type(size) is not int
                or type(call_id) is not int
                or not 0 <= size <= MAX_ID
                or not 0 <= call_id <= MAX_ID
            ):
                raise ProtocolError(f"bad {KIND_NAMES[kind]} header {safe_repr(obj[:5])}")
            if size > self._max_payload:
                self.on_oversize(obj, size)
                # what of the payload is here already (read_bytes takes no more than a
                # C ssize_t, and the size may be up to 2**64 - 1)
                self._skip = size - len(unpacker.read_bytes(min(size, self._fed - end)))
                if self._skip or self.closed:  # skipping: what was buffered is consumed
                    return not self.closed
                pos = unpacker.tell()
                continue
            if self._fed - end < size:  # the payload is still on its way
                if size < BIG_FRAME:
                    self._payload_header = obj
                    self._payload_size = size
                    return False
                # a big one is read around the Unpacker, from what it holds of it
                self._big = Collecting(obj, size, unpacker.read_bytes(self._fed - end))
                self._done = end
                return True
            # the payload is here already: take it in the same step as its header
            pos = end + size
            last = self._last = pos == self._fed
            self.on_payload(obj, unpacker.read_bytes(size))
            if last or self.closed:  # nothing more is buffered: spare the Unpacker a try
                self._done = pos
                return not self.closed

    def on_message(self, header: list[Any]) -> None:
        """A message without payload arrived (its header is checked for kind and length)."""
        raise NotImplementedError

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        """A REQUEST, RESPONSE or PIPE arrived with its payload (still packed)."""
        raise NotImplementedError

    def on_oversize(self, header: list[Any], size: int) -> None:
        """A REQUEST, RESPONSE or PIPE announced a payload over the limit; it will be skipped."""
        raise NotImplementedError

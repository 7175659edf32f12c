"""Pipes on the DCE/RPC wire (docs/pipes.md): ``DceCallPipes``, the ``pipestate.PipeChannel``
of one call with pipes on a DCE/RPC connection, at either end.

NDR puts a call's pipes in its stub data: the [in] pipes after the other [in] values, in the
request; the [out] pipes before the other [out] values, in the response; each pipe's chunks
(``wire.ndrpipe``) to its end before the next pipe. So a stub with pipes is sent as it is
produced, fragment by fragment (a fragment goes as soon as it is full, the last one when the
stub ends), and read as it arrives, chunk by chunk. There are no acknowledgements on this
wire: a sender waits only while its transport is paused, and a receiver that holds more than
``HOLD`` octets that nobody has taken stops reading its connection until half of them are
taken, so TCP holds the sender back, fragment by fragment.

Layer 5, beside ``dceclient`` and ``dceserver`` (which make one per call with pipes): imports
layers 1-4 (``pipestate``), ``dcestream`` and ``wire.ndrpipe``; it reaches its connection
through ``PipeEnd``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from .dcestream import Stream
from .errors import RpcError
from .model import Pipe, Procedure
from .status import RPC_X_BAD_STUB_DATA, RPC_X_WRONG_PIPE_ORDER
from .wire import dcerpc as pdu
from .wire.ndrpipe import ChunkEncoder, ChunkParser, count, take

HOLD = 4 * 1024 * 1024  # octets received and not taken before a connection stops reading
NO_CREDIT = 1 << 62  # the window pipestate sees: this wire has no acknowledgements


class PipeEnd(Protocol):
    """What a call's pipes need of their DCE/RPC connection (``dceclient``/``dceserver``)."""

    loop: asyncio.AbstractEventLoop
    thread_id: int
    stream: Stream
    closed: bool
    transport: asyncio.Transport | None
    _write_paused: bool

    def send(self, data: bytes) -> None: ...

    def send_whole(self, data: bytes) -> None: ...

    def writing_paused(self) -> bool: ...

    def when_writable(self, fn: Callable[[], object]) -> None: ...

    def cancel_call(self, call_id: int, abortive: bool) -> None: ...


class DceCallPipes:
    """One call's pipes on a DCE/RPC connection: the pipes it sends (``sent``: a client's
    [in] pipes, a server's [out] pipes) streamed into fragments of ``ptype`` with the fixed
    fields ``head``, and the pipes it receives (``received``) read from the stub octets that
    arrive. Chunks are encoded where they are pushed, in push order, so the stub offset that
    NDR's alignment needs is known there (``final_offset``); they leave on the loop thread."""

    pipe_window = NO_CREDIT

    def __init__(
        self,
        conn: PipeEnd,
        call_id: int,
        proc: Procedure[Any],
        client: bool,
        head: bytes,
        flags: int = 0,
    ) -> None:
        """``head``: the fixed fields of each fragment it sends; ``flags``: the flags of each
        (a request's PFC_OBJECT_UUID), besides first and last."""
        self._conn = conn
        self.loop = conn.loop
        self.thread_id = conn.thread_id
        self.call_id = call_id
        self.ptype = pdu.REQUEST if client else pdu.RESPONSE
        self.head = head
        self.flags = flags
        mine, theirs = ("in", "out") if client else ("out", "in")
        self.sent = [p for p in proc.pipes if p.direction == mine]
        self.received = [p for p in proc.pipes if p.direction == theirs]
        self._lock = threading.Lock()
        self._encoder = ChunkEncoder(0)
        self._current = 0  # the position in ``sent`` of the pipe being sent
        self._out: deque[bytes | memoryview] = deque()  # stub octets not yet in a fragment
        self._queued = 0  # how many
        self.fragments_sent = 0
        self._flushing = False  # a flush_partial is scheduled
        self._finished = False  # the last fragment went
        self.parser: ChunkParser | None = None
        self.held = 0  # octets received and not yet taken
        self._holding = False  # this call stopped the connection's reading

    # -- sending ------------------------------------------------------------------------------

    def prefix(self, stub: bytes) -> None:
        """The stub's values before the sent pipes (a client's [in] values; any thread,
        before any chunk): they go first, by ``flush_full`` on the loop."""
        if self.sent:
            self._encoder.offset = len(stub)
            self._queue(stub)

    def _queue(self, data: bytes) -> None:
        if data:
            self._out.append(data)
            self._queued += len(data)

    def flush_full(self) -> None:
        """Send what makes whole fragments (loop thread)."""
        self._emit_full()

    def final_offset(self) -> int:
        """The stub offset after the sent pipes, once every one of them has ended (where the
        server's [out] values go)."""
        with self._lock:
            e = ChunkEncoder(self._encoder.offset)
            for _ in range(self._current, len(self.sent)):
                e.end()
            return e.offset

    def encode_chunk(self, pipe: Pipe, chunk: object) -> bytes:
        """A chunk's octets at its place in the stub (any thread, in push order), after the
        ends of the pipes before it that were left open; 1831 for a pipe already passed."""
        with self._lock:
            at = self.sent.index(pipe)
            if at < self._current:
                raise RpcError(
                    RPC_X_WRONG_PIPE_ORDER,
                    f"pipe {pipe.name}: a later pipe was sent already (NDR sends pipes in order)",
                )
            encoder = self._encoder
            before = encoder.offset
            try:
                ends = b"".join(encoder.end() for _ in range(self._current, at))
                out = ends + encoder.chunk(pipe, chunk)
            except BaseException:  # a bad chunk: the stream is as it was
                encoder.offset = before
                raise
            self._current = at
            return out

    def send_pipe_chunk(self, call_id: int, index: int, payload: bytes) -> None:
        self._queue(payload)
        self._emit_full()

    def send_pipe_end(self, call_id: int, index: int) -> None:
        with self._lock:
            at = next(i for i, p in enumerate(self.sent) if p.index == index)
            if at < self._current:
                return  # ended when a later pipe began
            ends = b"".join(self._encoder.end() for _ in range(self._current, at + 1))
            self._current = at + 1
            last = self._current == len(self.sent)
        self._queue(ends)
        if last and self.ptype == pdu.REQUEST:
            self.finish(b"")  # a client's request ends with its last [in] pipe
        else:
            self._emit_full()

    def send_pipe_ack(self, call_id: int, index: int, octets: int) -> None:
        """No acknowledgements on this wire: what a receiver takes is counted in
        ``decode_chunk`` instead."""

    def _emit_full(self) -> None:
        """Send the whole fragments of what is queued; the rest goes when the loop has run
        its other callbacks (``flush_partial``), so a slow sender's chunks are not held
        back. The last octets always wait: they may be the stub's end."""
        self._whole_fragments()
        self._later()

    def _whole_fragments(self) -> None:
        """Send what is queued in fragments as full as the peer takes, but the last
        octets (up to a fragment's worth)."""
        room = self._conn.stream.room(len(self.head))
        while self._queued > room:
            self._fragment(self._take(room), room, False)

    def _take(self, n: int) -> list[bytes | memoryview]:
        """The next ``n`` octets queued (there are that many), as the pieces they are in."""
        self._queued -= n
        return take(self._out, n)

    def _later(self) -> None:
        """Send what is queued when the loop has run its other callbacks."""
        if self._queued and not self._flushing and not self._finished:
            self._flushing = True
            self.loop.call_soon(self.flush_partial)

    def flush_partial(self) -> None:
        """Send what is queued as a fragment that is not the last (loop thread)."""
        self._flushing = False
        if self._queued and not self._finished and not self._conn.closed:
            size = self._queued
            self._fragment(self._take(size), size, False)

    def finish(self, tail: bytes) -> None:
        """The stub ends with ``tail`` (a server's [out] values): the rest goes, the last
        fragment flagged so."""
        self._queue(tail)
        self._whole_fragments()
        size = self._queued
        self._fragment(self._take(size), size, True)
        self._finished = True

    def _fragment(self, pieces: list[bytes | memoryview], size: int, last: bool) -> None:
        flags = self.flags if self.fragments_sent else self.flags | pdu.PFC_FIRST_FRAG
        if last:
            flags |= pdu.PFC_LAST_FRAG
        self.fragments_sent += 1
        conn = self._conn
        frag = conn.stream.fragment(self.ptype, flags, self.call_id, self.head, pieces, size)
        conn.send_whole(frag)

    # -- receiving ----------------------------------------------------------------------------

    def start_reading(self, offset: int, max_chunk: int) -> None:
        """The received pipes start at stub offset ``offset``."""
        self.parser = ChunkParser(self.received, offset, max_chunk, raw=True)

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[int, bytes]]:
        """The chunks (``b""``: a pipe's end) that stub octets complete, as ``(pipe index,
        element octets)``; the connection stops reading while too much is held."""
        parser = self.parser
        assert parser is not None
        out = [
            (self.received[i].index, b"" if chunk is None else chunk)
            for i, chunk in parser.feed(data)
        ]
        held = self.held + sum(len(c) for _, c in out)
        self.held = held
        if held > HOLD and not self._holding:
            transport = self._conn.transport
            if transport is not None:
                self._holding = True
                transport.pause_reading()
        return out

    def decode_chunk(self, pipe: Pipe, payload: bytes) -> Any:
        """A chunk's elements, decoded as the receiver takes it (any thread); what it took
        lets the connection read again."""
        chunk = pipe.ndr_decode_chunk(payload, count(pipe, payload))
        if threading.get_ident() == self.thread_id:
            self._taken(len(payload))
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing reads
                self.loop.call_soon_threadsafe(self._taken, len(payload))
        return chunk

    def _taken(self, n: int) -> None:
        self.held -= n
        if self._holding and self.held <= HOLD // 2:
            self.release()

    def release(self) -> None:
        """Let the connection read again (the call is over, or its receiver caught up)."""
        if not self._holding:
            return
        self._holding = False
        conn = self._conn
        if conn.transport is not None and not conn.closed and not conn._write_paused:
            conn.transport.resume_reading()

    # -- the rest of PipeChannel ----------------------------------------------------------------

    def writing_paused(self) -> bool:
        return self._conn.writing_paused()

    def when_writable(self, fn: Callable[[], object]) -> None:
        self._conn.when_writable(fn)

    def cancel_call(self, call_id: int, abortive: bool) -> None:
        self._conn.cancel_call(call_id, abortive)


def drop(streams: dict[int, DceCallPipes], call_id: int) -> DceCallPipes | None:
    """Forget the stream of call ``call_id`` (its call is over), letting its connection read
    again if it had stopped it; the stream, if there was one."""
    stream = streams.pop(call_id, None)
    if stream is not None:
        stream.release()
    return stream


# -- the server's side of requests with [in] pipes ----------------------------------------------


class PipedServer(Protocol):
    """What reading a request's [in] pipes needs of the server's connection (``dceserver``):
    its request fragments not yet whole, its bound interfaces, its calls' pipe streams and
    pipes, and how a request starts or a call fails."""

    _partial: dict[int, list[Any]]
    _partial_size: int
    _contexts: dict[int, Any]
    _streams: dict[int, DceCallPipes]
    _pipes: dict[int, Any]
    _reading: set[int]

    def _start(
        self,
        call_id: int,
        ctx_id: int,
        opnum: int,
        obj: Any,
        stub: bytes,
        whole: bool = True,
    ) -> None: ...

    def pipe_violation(self, call_id: int, code: int, detail: str) -> None: ...


def start_early(conn: PipedServer, call_id: int) -> None:
    """A request with [in] pipes starts as soon as its other [in] values are here (the pipes
    follow them), before its last fragment; what came after them is the pipes' first octets.
    Until they are all here, nothing happens (its fragments count against ``max_request``)."""
    entry = conn._partial[call_id]
    reg = conn._contexts.get(entry[0])
    if reg is None or entry[1] >= len(reg.ops):
        return  # refused when whole
    proc = reg.ops[entry[1]].proc
    if not any(p.direction == "in" for p in proc.pipes):
        return
    stub = bytes(entry[3])
    try:
        end = proc.ndr_decode_in(stub)[-1]
    except Exception:
        return  # not all of them yet
    del conn._partial[call_id]
    conn._partial_size -= len(stub)
    conn._start(call_id, entry[0], entry[1], entry[2], stub, False)
    if call_id in conn._streams:  # started: its pipes are read from now on
        conn._reading.add(call_id)
        read_pipes(conn, call_id, stub[end:], False)


def read_pipes(
    conn: PipedServer, call_id: int, data: bytes | bytearray | memoryview, last: bool
) -> None:
    """More of a started request's stub: chunks of its [in] pipes, to their readers. A
    request that ends before its pipes do, or runs on after them, fails with 1783."""
    stream = conn._streams.get(call_id)
    pipes = conn._pipes.get(call_id)
    if stream is None or pipes is None:  # the call is over: the rest is dropped
        if last:
            conn._reading.discard(call_id)
        return
    try:
        chunks = stream.feed(data)
    except RpcError as exc:
        conn._reading.discard(call_id)
        conn.pipe_violation(call_id, exc.code, exc.detail or "bad pipe data")
        return
    for index, payload in chunks:
        pipes.on_chunk(index, payload)  # the parser knows the call's [in] pipes
    if last:
        conn._reading.discard(call_id)
        parser = stream.parser
        assert parser is not None
        if not parser.done or parser.buffered():
            what = "ended before its [in] pipes" if not parser.done else "runs on after them"
            conn.pipe_violation(call_id, RPC_X_BAD_STUB_DATA, f"the request {what}")

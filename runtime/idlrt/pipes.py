"""Pipes (``typedef pipe T NAME``): the state of a call's chunk streams, whatever the wire.

A pipe carries chunks (``bytes``, or ``list[T]``) in one direction during a call, ended by an
empty chunk, with credit-based flow control: a sender has at most the window (``pipe_window``
octets of its wire's chunk encoding) sent and not yet acknowledged, and a receiver
acknowledges what it has handed over (docs/pipes.md). The objects:

- ``Inbound``: chunks received for one pipe (a server's ``PipeReader``) or for every [out]
  pipe of a call (a client's sinks), in arrival order, until they are handed over; it
  acknowledges the octets handed over and refuses input past the sender's window.
- ``Outbound``: the sending end of one pipe: octets not yet acknowledged, and the wait for
  credit and for a transport that takes more.
- ``PipeReader`` and ``PipeWriter``: what a manager routine gets for its [in] and [out] pipes.
- ``ServerPipes``: the pipes of one call on the server.
- ``ClientPipes``: the pipes of one call on the client, and that call's entry in the
  connection's table: it pumps the sources, feeds the sinks, and keeps the call's outcome
  until every chunk sent before it has reached its sink.

They reach their connection through ``PipeChannel``: framing chunks, ends and
acknowledgements is the wire's business (``connection.FramedProtocol`` on msgpack). State
changes on the connection's event loop; readers, writers and the blocking client's driver may
also work from other threads, under each state's lock.

Layer 4 (call and handle objects): imports layers 1-2 and ``model``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections import deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from .errors import RpcError, caller_error
from .model import Pipe, Procedure
from .status import (
    RPC_S_CALL_CANCELLED,
    RPC_S_CALL_FAILED,
    RPC_S_NO_CALL_ACTIVE,
    RPC_X_BAD_STUB_DATA,
)

T = TypeVar("T")

PipeSource: TypeAlias = Iterable[T] | AsyncIterable[T]
"""A client's [in] pipe argument: an iterable or async iterable of chunks."""
PipeSink: TypeAlias = Callable[[T], Awaitable[None] | None]
"""A client's [out] pipe argument: called with each chunk, in order (awaited if async)."""

# What feeding a chunk (or an acknowledgement) to a pipe's state came to.
FED = 0  # taken
DROPPED = 1  # the pipe is over on this side (cancelled, failed): dropped silently
BAD = 2  # not a pipe of the call in that direction, or past its end: the call fails, 1783
OVER = 3  # past the sender's window, or acknowledging more than was sent: a protocol error


class PipeChannel(Protocol):
    """What pipes need of their connection (``connection.FramedProtocol`` on msgpack).

    The ``send_*`` methods and ``when_writable`` are for the loop thread; the codecs work
    in any thread and raise ``RpcError``.
    """

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def thread_id(self) -> int: ...

    @property
    def pipe_window(self) -> int: ...

    def send_pipe_chunk(self, call_id: int, index: int, payload: bytes) -> None: ...

    def send_pipe_end(self, call_id: int, index: int) -> None: ...

    def send_pipe_ack(self, call_id: int, index: int, octets: int) -> None: ...

    def encode_chunk(self, pipe: Pipe, chunk: object) -> bytes: ...

    def decode_chunk(self, pipe: Pipe, payload: bytes) -> Any: ...

    def writing_paused(self) -> bool: ...

    def when_writable(self, fn: Callable[[], object]) -> None: ...

    def cancel_call(self, call_id: int, abortive: bool) -> None: ...


class PipeStats:
    """A test's view of pipe memory: ``high_water`` is the most octets any one pipe has held
    received and not yet handed over (since the last ``reset()``)."""

    high_water = 0

    @classmethod
    def reset(cls) -> None:
        cls.high_water = 0


class _Group:
    """The lock of some pipe state and who waits for it to change: tasks of the loop (their
    futures) and threads (the condition). ``wake`` is called with the lock held."""

    __slots__ = ("cond", "lock", "loop", "sleepers", "thread_id", "waiters")

    def __init__(self, channel: PipeChannel) -> None:
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.loop = channel.loop
        self.thread_id = channel.thread_id
        self.sleepers = 0  # threads waiting on cond
        self.waiters: list[asyncio.Future[None]] = []

    def wake(self) -> None:
        if self.waiters:
            waiters, self.waiters = self.waiters, []
            if threading.get_ident() == self.thread_id:
                for fut in waiters:
                    if not fut.done():
                        fut.set_result(None)
            else:
                with contextlib.suppress(RuntimeError):  # the loop is closed
                    self.loop.call_soon_threadsafe(_set_all, waiters)
        if self.sleepers:
            self.cond.notify_all()

    def future(self) -> asyncio.Future[None]:
        """A future that the next ``wake`` sets (loop thread, lock held)."""
        fut = self.loop.create_future()
        self.waiters.append(fut)
        return fut

    def sleep(self, timeout: float | None = None) -> None:
        """Wait (a thread other than the loop's, lock held) until ``wake`` or ``timeout``."""
        self.sleepers += 1
        try:
            self.cond.wait(timeout)
        finally:
            self.sleepers -= 1


def _set_all(waiters: list[asyncio.Future[None]]) -> None:
    for fut in waiters:
        if not fut.done():
            fut.set_result(None)


def _ended(pipe: Pipe) -> RpcError:
    return RpcError(RPC_S_NO_CALL_ACTIVE, f"pipe {pipe.name}: the call is over")


def _copy(exc: RpcError) -> RpcError:
    return RpcError(exc.code, exc.detail)


class Inbound:
    """Chunks received for some pipes of one call, in arrival order, until handed over.

    ``feed`` (loop thread) takes what the wire brought; ``take`` (any thread, lock held)
    hands the next chunk over and acknowledges: at once when a quarter of the window was
    handed over, or when nothing is left to hand over (the sender may be waiting for the
    rest of its credit), coalesced into one PIPE_ACK per pipe and loop pass.
    """

    __slots__ = (
        "_acking",
        "_buffered",
        "_call_id",
        "_channel",
        "_consumed",
        "_error",
        "_unacked",
        "_window",
        "g",
        "open",
        "queue",
    )

    def __init__(
        self,
        channel: PipeChannel,
        call_id: int,
        pipes: Sequence[Pipe],
        group: _Group | None = None,
    ) -> None:
        self._channel = channel
        self._call_id = call_id
        self._window = channel.pipe_window
        self.g = group if group is not None else _Group(channel)
        indexes = [p.index for p in pipes]
        self.queue: deque[tuple[int, bytes | None]] = deque()  # payload None: the pipe's end
        self.open = set(indexes)  # pipes whose end has not arrived
        self._unacked = dict.fromkeys(indexes, 0)  # received, not yet acknowledged
        self._consumed = dict.fromkeys(indexes, 0)  # handed over, not yet acknowledged
        self._buffered = dict.fromkeys(indexes, 0)  # received, not yet handed over
        self._acking = False  # an acknowledgement is scheduled
        self._error: RpcError | None = None

    def feed(self, index: object, payload: bytes) -> int:
        """A chunk of pipe ``index`` arrived (``b""``: its end). Loop thread."""
        g = self.g
        with g.lock:
            if self._error is not None:
                return DROPPED
            if type(index) is not int or index not in self.open:
                return BAD
            n = len(payload)
            if n:
                out = self._unacked[index]
                if out and out + n > self._window:
                    return OVER
                self._unacked[index] = out + n
                held = self._buffered[index] + n
                self._buffered[index] = held
                if held > PipeStats.high_water:
                    PipeStats.high_water = held
                self.queue.append((index, payload))
            else:
                self.open.discard(index)
                self.queue.append((index, None))
            g.wake()
        return FED

    def take(self) -> tuple[int, bytes | None] | None:
        """The next chunk, None if none is here; ``RpcError`` once the pipes failed. Any
        thread, with the lock held."""
        if self._error is not None:
            raise _copy(self._error)
        queue = self.queue
        if not queue:
            return None
        item = queue.popleft()
        payload = item[1]
        if payload is not None:
            index = item[0]
            n = len(payload)
            self._buffered[index] -= n
            consumed = self._consumed[index] + n
            self._consumed[index] = consumed
            if not self._acking and (consumed >= self._window >> 2 or not queue):
                self._acking = True
                if threading.get_ident() == self.g.thread_id:
                    self.g.loop.call_soon(self._send_acks)
                else:
                    with contextlib.suppress(RuntimeError):  # the loop is closed
                        self.g.loop.call_soon_threadsafe(self._send_acks)
        return item

    async def get(self) -> tuple[int, bytes | None]:
        """The next chunk, waiting for it (loop thread)."""
        g = self.g
        while True:
            with g.lock:
                item = self.take()
                if item is not None:
                    return item
                fut = g.future()
            await fut

    def get_blocking(self) -> tuple[int, bytes | None]:
        """The next chunk, waiting for it (a thread other than the loop's)."""
        g = self.g
        with g.lock:
            while True:
                item = self.take()
                if item is not None:
                    return item
                g.sleep()

    def _send_acks(self) -> None:
        acks: list[tuple[int, int]] = []
        with self.g.lock:
            self._acking = False
            if self._error is not None:
                return
            consumed = self._consumed
            for index, n in consumed.items():
                if n and index in self.open:  # an ended pipe's sender wants no more credit
                    acks.append((index, n))
                    consumed[index] = 0
                    self._unacked[index] -= n
        for index, n in acks:
            self._channel.send_pipe_ack(self._call_id, index, n)

    def fail_locked(self, exc: RpcError) -> None:
        """Drop what is buffered; from now on ``take`` raises ``exc`` and input is dropped."""
        if self._error is None:
            self._error = exc
        self.queue.clear()
        for index in self._buffered:
            self._buffered[index] = 0
        self.g.wake()

    def fail(self, exc: RpcError) -> None:
        with self.g.lock:
            self.fail_locked(exc)


class Outbound:
    """The sending end of one pipe of a call: what was sent and not yet acknowledged (at most
    the window, or one chunk bigger than the window alone), and the wait for credit and for
    the transport (``writing_paused``)."""

    __slots__ = (
        "_call_id",
        "_channel",
        "_ended",
        "_error",
        "_flushing",
        "_outstanding",
        "_queued",
        "_streak",
        "_window",
        "g",
        "pipe",
    )

    def __init__(
        self, channel: PipeChannel, call_id: int, pipe: Pipe, group: _Group | None = None
    ) -> None:
        self._channel = channel
        self._call_id = call_id
        self.pipe = pipe
        self._window = channel.pipe_window
        self.g = group if group is not None else _Group(channel)
        self._outstanding = 0
        self._ended = False  # its end was sent
        self._error: RpcError | None = None
        self._queued: list[bytes | None] = []  # reserved by threads, for the loop to send
        self._flushing = False  # a _flush of _queued is scheduled
        self._streak = 0  # chunks sent on the loop in a row without waiting

    # -- the lock held ------------------------------------------------------------------------

    def _check(self) -> None:
        if self._error is not None:
            raise _copy(self._error)
        if self._ended:
            raise _ended(self.pipe)

    def reserve(self, n: int) -> bool:
        """Take credit for ``n`` octets if the window and the transport allow (lock held)."""
        self._check()
        out = self._outstanding
        if (out and out + n > self._window) or self._channel.writing_paused():
            return False
        self._outstanding = out + n
        return True

    def queue_locked(self, payload: bytes | None) -> None:
        """Hand a reserved chunk (None: the end) to the loop, from another thread."""
        self._queued.append(payload)
        if not self._flushing:
            self._flushing = True
            self.g.loop.call_soon_threadsafe(self._flush)

    def watch_locked(self) -> None:
        """From another thread: wake the waiters once the transport takes more."""
        self.g.loop.call_soon_threadsafe(self._watch)

    def fail_locked(self, exc: RpcError) -> None:
        if self._error is None and not self._ended:
            self._error = exc
        self._queued.clear()
        self.g.wake()

    # -- loop thread --------------------------------------------------------------------------

    def try_send(self, payload: bytes) -> bool:
        """Send a chunk now if credit and transport allow; ``RpcError`` if the pipe is over."""
        with self.g.lock:
            if not self.reserve(len(payload)):
                return False
        self._channel.send_pipe_chunk(self._call_id, self.pipe.index, payload)
        return True

    def due_pause(self) -> bool:
        """Whether a sender that has not waited for ``STREAK`` chunks should let the loop run
        other tasks (a window of small chunks is many of them)."""
        self._streak += 1
        if self._streak < STREAK:
            return False
        self._streak = 0
        return True

    async def send(self, payload: bytes) -> None:
        """Send a chunk, waiting for credit and for the transport."""
        g = self.g
        n = len(payload)
        while True:
            with g.lock:
                if self.reserve(n):
                    break
                fut = g.future()
                paused = self._channel.writing_paused()
            if paused:
                self._channel.when_writable(self._writable)
            await fut
        self._channel.send_pipe_chunk(self._call_id, self.pipe.index, payload)

    def on_ack(self, octets: int) -> int:
        """The receiver handed ``octets`` more over."""
        with self.g.lock:
            if self._error is not None or self._ended:
                return FED
            if octets > self._outstanding:
                return OVER
            self._outstanding -= octets
            self.g.wake()
        return FED

    def end(self) -> bool:
        """Send the pipe's end (after the chunks threads handed over); False if it was over."""
        self._flush()
        with self.g.lock:
            if self._error is not None or self._ended:
                return False
            self._ended = True
            self.g.wake()
        self._channel.send_pipe_end(self._call_id, self.pipe.index)
        return True

    def fail(self, exc: RpcError) -> None:
        with self.g.lock:
            self.fail_locked(exc)

    def _flush(self) -> None:
        with self.g.lock:
            self._flushing = False
            queued, self._queued = self._queued, []
            if self._error is not None or self._ended:
                return
        for payload in queued:
            if payload is None:
                self.end()
                return
            self._channel.send_pipe_chunk(self._call_id, self.pipe.index, payload)

    def _watch(self) -> None:
        if self._channel.writing_paused():
            self._channel.when_writable(self._writable)
        else:
            self._writable()

    def _writable(self) -> None:
        with self.g.lock:
            self.g.wake()

    # -- other threads ------------------------------------------------------------------------

    def send_blocking(self, payload: bytes) -> None:
        """Hand a chunk over to the loop, waiting for credit and for the transport."""
        g = self.g
        n = len(payload)
        try:
            with g.lock:
                while not self.reserve(n):
                    if self._channel.writing_paused():
                        self.watch_locked()
                    g.sleep()
                self.queue_locked(payload)
        except RuntimeError:  # the loop is closed: the connection is gone
            raise RpcError(RPC_S_CALL_FAILED, f"pipe {self.pipe.name}: connection lost") from None


class _Done:
    """An awaitable that is already done (what ``PipeWriter.push`` returns when it did not
    have to wait)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator that returns at once


_DONE = _Done()
STREAK = 256  # chunks a task sends without waiting before it lets the loop run others


def _is_empty(chunk: object) -> bool:
    return isinstance(chunk, bytes | bytearray | memoryview | list | tuple) and not chunk


class PipeReader(Generic[T]):
    """A manager routine's [in] pipe.

    ``async for chunk in reader`` on the event loop, ``for chunk in reader`` in a thread
    routine (it blocks), ``await reader.read_all()``. Iteration ends at the pipe's end. If
    the call is cancelled it raises ``RpcError(1818)``, if the client disconnects
    ``RpcError(1726)``, on bad chunk data ``RpcError(1783)``, once the call is over
    ``RpcError(1725)``.
    """

    __slots__ = ("_done", "_in", "_pipe")

    def __init__(self, inbound: Inbound, pipe: Pipe) -> None:
        self._in = inbound
        self._pipe = pipe
        self._done = False

    @property
    def name(self) -> str:
        """The pipe parameter's IDL name."""
        return self._pipe.name

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        inbound = self._in
        while not self._done:
            with inbound.g.lock:
                item = inbound.take()
            if item is None:
                item = await inbound.get()
            payload = item[1]
            if payload is None:
                self._done = True
                break
            chunk: T = _decode(inbound._channel, self._pipe, payload)
            if len(chunk):  # type: ignore[arg-type]
                return chunk
        raise StopAsyncIteration

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        inbound = self._in
        if threading.get_ident() == inbound.g.thread_id:
            raise RuntimeError(f"pipe {self._pipe.name}: on the event loop, use async for")
        while not self._done:
            payload = inbound.get_blocking()[1]
            if payload is None:
                self._done = True
                break
            chunk: T = _decode(inbound._channel, self._pipe, payload)
            if len(chunk):  # type: ignore[arg-type]
                return chunk
        raise StopIteration

    async def read_all(self) -> T:
        """Every chunk up to the pipe's end, joined (``bytes``) or concatenated (lists)."""
        chunks = [chunk async for chunk in self]
        if self._pipe.is_bytes:
            return b"".join(chunks)  # type: ignore[arg-type,return-value]
        out: list[Any] = []
        for chunk in chunks:
            out.extend(chunk)  # type: ignore[arg-type]
        return out  # type: ignore[return-value]


def _decode(channel: PipeChannel, pipe: Pipe, payload: bytes) -> Any:
    try:
        return channel.decode_chunk(pipe, payload)
    except RpcError:
        raise
    except Exception as exc:  # a decoder that did not expect this data
        raise RpcError(RPC_X_BAD_STUB_DATA, f"pipe {pipe.name}: {type(exc).__name__}") from None


class PipeWriter(Generic[T]):
    """A manager routine's [out] pipe.

    ``await writer.push(chunk)`` on the event loop waits while the window is full or the
    transport is paused; in a thread routine ``writer.push(chunk)`` blocks until the chunk
    is handed over and returns an awaitable that is already done. Empty chunks are skipped.
    The runtime ends the pipe when the routine returns (or at ``complete()``). After cancel
    or disconnect ``push`` raises ``RpcError(1818)`` / ``RpcError(1726)``; once the call is
    over, ``RpcError(1725)``. One push at a time: await each before the next.
    """

    __slots__ = ("_out",)

    def __init__(self, outbound: Outbound) -> None:
        self._out = outbound

    @property
    def name(self) -> str:
        """The pipe parameter's IDL name."""
        return self._out.pipe.name

    def push(self, chunk: T) -> Awaitable[None]:
        """Send ``chunk`` (see the class)."""
        out = self._out
        if _is_empty(chunk):
            return _DONE
        payload = out._channel.encode_chunk(out.pipe, chunk)
        if threading.get_ident() == out.g.thread_id:
            if out.try_send(payload):
                return asyncio.sleep(0) if out.due_pause() else _DONE
            return out.send(payload)
        out.send_blocking(payload)
        return _DONE


class ServerPipes:
    """The pipes of one call on the server: ``arguments`` are the readers and writers with
    their positions in the routine's argument list."""

    __slots__ = ("arguments", "inbound", "outbound")

    def __init__(self, channel: PipeChannel, call_id: int, pipes: Sequence[Pipe]) -> None:
        self.inbound: dict[int, Inbound] = {}
        self.outbound: dict[int, Outbound] = {}
        self.arguments: list[tuple[int, object]] = []
        for pipe in pipes:
            if pipe.direction == "in":
                inbound = self.inbound[pipe.index] = Inbound(channel, call_id, (pipe,))
                reader: PipeReader[Any] = PipeReader(inbound, pipe)
                self.arguments.append((pipe.position, reader))
            else:
                outbound = self.outbound[pipe.index] = Outbound(channel, call_id, pipe)
                writer: PipeWriter[Any] = PipeWriter(outbound)
                self.arguments.append((pipe.position, writer))

    def on_chunk(self, index: object, payload: bytes) -> int:
        inbound = self.inbound.get(index) if type(index) is int else None
        return BAD if inbound is None else inbound.feed(index, payload)

    def on_ack(self, index: object, octets: int) -> int:
        outbound = self.outbound.get(index) if type(index) is int else None
        return BAD if outbound is None else outbound.on_ack(octets)

    def end(self) -> None:
        """The call succeeded: end every [out] pipe still open (before the reply goes)."""
        for outbound in self.outbound.values():
            outbound.end()
        for inbound in self.inbound.values():
            inbound.fail(RpcError(RPC_S_NO_CALL_ACTIVE, "the call is over"))

    def fail(self, code: int, detail: str) -> None:
        """The call failed, or is cancelled: readers and writers raise ``RpcError(code)``."""
        for inbound in self.inbound.values():
            inbound.fail(RpcError(code, detail))
        for outbound in self.outbound.values():
            outbound.fail(RpcError(code, detail))


_NOTHING = object()
Outcome = bytes | tuple[int, str | None, bool]  # the reply's payload, or (code, detail, fault)


class ClientPipes:
    """The pipes of one call on the client, and the call's entry in its connection's table.

    ``resolve``/``fail`` (the connection's side, loop thread) record the call's outcome;
    ``run()`` (a task of the connection's loop) or ``run_blocking()`` (the caller's thread)
    pumps the [in] sources, in index order, and gives the [out] chunks to their sinks in
    arrival order, until the outcome is known and every chunk sent before it has reached
    its sink. A source or sink that raises, or a bad chunk (1783), cancels the call
    abortively.
    """

    def __init__(
        self,
        channel: PipeChannel,
        call_id: int,
        proc: Procedure[Any],
        pipes: Sequence[object],
    ) -> None:
        if len(pipes) != len(proc.pipes):
            raise TypeError(f"{proc.name} takes {len(proc.pipes)} pipes, got {len(pipes)}")
        self._channel = channel
        self._call_id = call_id
        self.name = proc.name
        g = self._g = _Group(channel)
        self._sources: list[tuple[Outbound, object]] = []
        self._sinks: dict[int, tuple[Pipe, Callable[[Any], object]]] = {}
        outs: list[Pipe] = []
        for pipe, arg in zip(proc.pipes, pipes, strict=True):
            where = f"{proc.name}.{pipe.name}"
            if pipe.direction == "in":
                if isinstance(arg, str | bytes | bytearray | memoryview) or not (
                    hasattr(arg, "__iter__") or hasattr(arg, "__aiter__")
                ):
                    raise TypeError(
                        f"{where}: expected an iterable of chunks, got {type(arg).__name__}"
                    )
                self._sources.append((Outbound(channel, call_id, pipe, g), arg))
            else:
                if not callable(arg):
                    raise TypeError(f"{where}: expected a callable sink, got {type(arg).__name__}")
                self._sinks[pipe.index] = (pipe, arg)
                outs.append(pipe)
        self._in = Inbound(channel, call_id, outs, g) if outs else None
        self._open = len(outs)  # [out] pipes whose end the sinks have not reached
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None  # what a source or sink raised

    # -- the connection's side (loop thread) --------------------------------------------------

    def is_pending(self) -> bool:
        return self.outcome is None

    def resolve(self, payload: bytes) -> None:
        """The reply arrived; the server must have ended its [out] pipes before (else 1783)."""
        with self._g.lock:
            if self.outcome is not None:
                return
            inbound = self._in
            if inbound is not None and inbound.open:
                detail = f"{self.name}: the reply came before the end of its [out] pipes"
                self._set_locked((RPC_X_BAD_STUB_DATA, detail, False))
                return
            self.outcome = payload
            over = _ended_call(self.name)
            for outbound, _ in self._sources:  # the server wants no more: the pump stops
                outbound.fail_locked(over)
            self._g.wake()

    def fail(self, code: int, detail: str | None, fault: bool = False) -> None:
        """The call failed: the sinks get no more chunks, the pump stops."""
        with self._g.lock:
            if self.outcome is None:
                self._set_locked((code, detail, fault))

    def _set_locked(self, outcome: tuple[int, str | None, bool]) -> None:
        self.outcome = outcome
        exc = RpcError(outcome[0], outcome[1])
        if self._in is not None:
            self._in.fail_locked(exc)
        for outbound, _ in self._sources:
            outbound.fail_locked(exc)
        self._g.wake()

    def stop_pumping(self) -> None:
        """A cancel (not abortive): send no more chunks; the sinks still get what comes."""
        exc = RpcError(RPC_S_CALL_CANCELLED, f"{self.name}: cancelled")
        with self._g.lock:
            for outbound, _ in self._sources:
                outbound.fail_locked(exc)

    def on_chunk(self, index: object, payload: bytes) -> int:
        inbound = self._in
        return BAD if inbound is None else inbound.feed(index, payload)

    def on_ack(self, index: object, octets: int) -> int:
        for outbound, _ in self._sources:
            if outbound.pipe.index == index and type(index) is int:
                return outbound.on_ack(octets)
        return BAD

    # -- the driver ---------------------------------------------------------------------------

    def _finished(self) -> bool:
        outcome = self.outcome
        return outcome is not None and (type(outcome) is tuple or not self._open)

    def _give_up(self, code: int, detail: str) -> None:
        """End the call here with ``code`` and cancel it abortively on the server."""
        with self._g.lock:
            if self.outcome is not None:
                return
            self._set_locked((code, detail, False))
        self._channel.cancel_call(self._call_id, True)

    def _sink_input(self, item: tuple[int, bytes | None]) -> tuple[Callable[[Any], object], Any]:
        """The sink and the decoded chunk of ``item`` (chunk None: nothing to deliver)."""
        index, payload = item
        if payload is None:
            self._open -= 1
            return _no_sink, None
        pipe, sink = self._sinks[index]
        try:
            chunk = _decode(self._channel, pipe, payload)
        except RpcError as exc:
            self._give_up(RPC_X_BAD_STUB_DATA, f"{self.name}.{pipe.name}: {exc.detail}")
            return _no_sink, None
        return (sink, chunk) if len(chunk) else (_no_sink, None)

    def _encode(self, outbound: Outbound, chunk: object) -> bytes | None:
        """A source's chunk as the wire carries it (None: empty); a bad one raises the
        caller's ``TypeError``/``ValueError``."""
        if _is_empty(chunk):
            return None
        try:
            return outbound._channel.encode_chunk(outbound.pipe, chunk)
        except RpcError as exc:
            raise caller_error(exc) from None

    async def run(self) -> None:
        """Loop thread: pump and deliver until the call is over (see the class); raises
        what a source or sink raised."""
        pump = asyncio.ensure_future(self._pump()) if self._sources else None
        try:
            await self._deliver()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.error = exc
            self._give_up(RPC_S_CALL_CANCELLED, f"{self.name}: a sink raised")
        finally:
            if pump is not None and not pump.done():
                pump.cancel()
        if self.error is not None:
            raise self.error

    async def _deliver(self) -> None:
        g = self._g
        inbound = self._in
        while True:
            with g.lock:
                if self._finished():
                    return
                item = None
                if inbound is not None and inbound._error is None:
                    item = inbound.take()
                if item is None:
                    fut = g.future()
            if item is None:
                await fut
                continue
            sink, chunk = self._sink_input(item)
            if chunk is not None:
                result = sink(chunk)
                if result is not None and inspect.isawaitable(result):
                    await result

    async def _pump(self) -> None:
        try:
            for outbound, source in self._sources:
                if hasattr(source, "__aiter__"):
                    async for chunk in source:
                        if not await self._push(outbound, chunk):
                            return
                else:
                    for chunk in source:  # type: ignore[attr-defined]
                        if not await self._push(outbound, chunk):
                            return
                try:
                    if not outbound.end():
                        return
                except RpcError:
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.error = exc
            self._give_up(RPC_S_CALL_CANCELLED, f"{self.name}: a source raised")

    async def _push(self, outbound: Outbound, chunk: object) -> bool:
        """Send one chunk of a source; False once the call is over."""
        payload = self._encode(outbound, chunk)
        if payload is None:
            return True
        try:
            if not outbound.try_send(payload):
                await outbound.send(payload)
            elif outbound.due_pause():
                await asyncio.sleep(0)
        except RpcError:
            return False
        return True

    def run_blocking(self, timeout: float | None) -> None:
        """The caller's thread (not the loop's): pump and deliver until the call is over.
        ``RpcError(1818)`` when ``timeout`` runs out; what a source or sink raised. Either
        cancels the call abortively."""
        try:
            self._drive(None if timeout is None else time.monotonic() + timeout, timeout)
        except BaseException as exc:
            if not isinstance(exc, RpcError) or self.error is not None:
                self.error = exc
            self._give_up(RPC_S_CALL_CANCELLED, f"{self.name}: abandoned")
            raise

    def _drive(self, deadline: float | None, timeout: float | None) -> None:
        g = self._g
        inbound = self._in
        sources = iter(self._sources)
        current = next(sources, None)
        it: Iterator[object] | None = None
        pending: bytes | None = None
        while True:
            pull = send = False
            item = None
            with g.lock:
                while True:
                    if self._finished():
                        return
                    if inbound is not None and inbound._error is None and inbound.queue:
                        item = inbound.take()
                        break
                    if current is not None and self.outcome is None:
                        outbound = current[0]
                        if pending is None:
                            pull = True
                            break
                        try:
                            reserved = outbound.reserve(len(pending))
                        except RpcError:  # a cancel stopped the pumping
                            current = None
                            continue
                        if reserved:
                            outbound.queue_locked(pending)
                            send = True
                            break
                        if self._channel.writing_paused():
                            outbound.watch_locked()
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise RpcError(
                            RPC_S_CALL_CANCELLED, f"no reply within the call timeout of {timeout} s"
                        )
                    g.sleep(remaining)
            if item is not None:
                sink, chunk = self._sink_input(item)
                if chunk is not None:
                    result = sink(chunk)
                    if result is not None and inspect.isawaitable(result):
                        asyncio.run_coroutine_threadsafe(_await(result), g.loop).result()
            elif send:
                pending = None
            elif pull and current is not None:
                outbound, source = current
                if it is None:
                    it = _blocking_iter(source, g.loop)
                chunk = next(it, _NOTHING)
                if chunk is _NOTHING:
                    with g.lock, contextlib.suppress(RpcError):  # over: nothing to end
                        outbound._check()
                        outbound.queue_locked(None)
                    current = next(sources, None)
                    it = None
                else:
                    pending = self._encode(outbound, chunk)


def _no_sink(chunk: object) -> None:
    return None


def _ended_call(name: str) -> RpcError:
    return RpcError(RPC_S_NO_CALL_ACTIVE, f"{name}: the call is over")


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _blocking_iter(source: object, loop: asyncio.AbstractEventLoop) -> Iterator[object]:
    """Iterate ``source`` in this thread; an async iterable runs on ``loop``."""
    if not hasattr(source, "__aiter__"):
        return iter(source)  # type: ignore[call-overload,no-any-return]
    return _async_chunks(source.__aiter__(), loop)


def _async_chunks(it: AsyncIterator[object], loop: asyncio.AbstractEventLoop) -> Iterator[object]:
    while True:
        try:
            yield asyncio.run_coroutine_threadsafe(_anext(it), loop).result()
        except StopAsyncIteration:
            return


async def _anext(it: AsyncIterator[object]) -> object:
    return await it.__anext__()

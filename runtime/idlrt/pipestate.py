"""The state of pipe streams, whatever the wire: what a call's pipes received and not yet
handed over (``Inbound``), and what they sent and was not yet acknowledged (``Outbound``).

A pipe carries chunks (``bytes``, or ``list[T]``) in one direction during a call, ended by an
empty chunk, with credit-based flow control: a sender has at most the window (``pipe_window``
octets of its wire's chunk encoding) sent and not yet acknowledged, and a receiver
acknowledges what it has handed over (docs/pipes.md). Both reach their connection through
``PipeChannel``: framing chunks, ends and acknowledgements is the wire's business
(``connection.FramedProtocol`` on msgpack). State changes on the connection's event loop;
readers, writers and the blocking client's driver may also work from other threads, under
each state's lock (``Group``).

Layer 4 (call and handle objects): imports layers 1-2 and ``model``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import Any, Protocol

from .errors import RpcError
from .model import Pipe
from .status import RPC_S_CALL_FAILED, RPC_S_NO_CALL_ACTIVE

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


class Group:
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
    hands the next chunk over and acknowledges, coalesced into one PIPE_ACK per pipe and
    loop pass: at once when a quarter of the window was handed over; and when nothing is
    left to hand over, ``ACK_DELAY`` later unless an acknowledgement went meanwhile. A
    sender can only be waiting for that late credit with a next chunk of over three
    quarters of the window (it has the rest), so a stream of smaller chunks costs one
    PIPE_ACK per quarter of the window, not one per read.
    """

    __slots__ = (
        "_acking",
        "_buffered",
        "_call_id",
        "_channel",
        "_consumed",
        "_error",
        "_late",
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
        group: Group | None = None,
    ) -> None:
        self._channel = channel
        self._call_id = call_id
        self._window = channel.pipe_window
        self.g = group if group is not None else Group(channel)
        indexes = [p.index for p in pipes]
        self.queue: deque[tuple[int, bytes | None]] = deque()  # payload None: the pipe's end
        self.open = set(indexes)  # pipes whose end has not arrived
        self._unacked = dict.fromkeys(indexes, 0)  # received, not yet acknowledged
        self._consumed = dict.fromkeys(indexes, 0)  # handed over, not yet acknowledged
        self._buffered = dict.fromkeys(indexes, 0)  # received, not yet handed over
        self._acking = False  # an acknowledgement is scheduled
        self._late: object = None  # the timer of a late one (True: being armed), or None
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
            if consumed >= self._window >> 2:
                if not self._acking:
                    self._acking = True
                    self._on_loop(self._send_acks)
            elif not queue and self._late is None:
                self._late = True
                self._on_loop(self._arm_late)
        return item

    def _on_loop(self, fn: Callable[[], object]) -> None:
        if threading.get_ident() == self.g.thread_id:
            self.g.loop.call_soon(fn)
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                self.g.loop.call_soon_threadsafe(fn)

    def _arm_late(self) -> None:
        with self.g.lock:
            if self._late is True:
                self._late = self.g.loop.call_later(ACK_DELAY, self._send_acks, True)

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

    def _send_acks(self, late: bool = False) -> None:
        acks: list[tuple[int, int]] = []
        with self.g.lock:
            if late:
                self._late = None
            else:
                self._acking = False
                if isinstance(self._late, asyncio.TimerHandle):  # this one goes first
                    self._late.cancel()
                    self._late = None
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
        self, channel: PipeChannel, call_id: int, pipe: Pipe, group: Group | None = None
    ) -> None:
        self._channel = channel
        self._call_id = call_id
        self.pipe = pipe
        self._window = channel.pipe_window
        self.g = group if group is not None else Group(channel)
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


DONE = _Done()
ACK_DELAY = 0.001  # s: how late a receiver that handed over all it has acknowledges it
STREAK = 256  # chunks a task sends without waiting before it lets the loop run others


def is_empty(chunk: object) -> bool:
    return isinstance(chunk, bytes | bytearray | memoryview | list | tuple) and not chunk

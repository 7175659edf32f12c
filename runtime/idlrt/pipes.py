"""Pipes (``typedef pipe T NAME``) as a manager routine sees them: ``PipeReader`` for an [in]
pipe, ``PipeWriter`` for an [out] one, and ``ServerPipes``, the pipes of one call on the
server; with the client's argument types ``PipeSource`` and ``PipeSink`` (docs/pipes.md).

Layer 4 (call and handle objects): imports layers 1-2, ``model`` and ``pipestate``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any, Generic, TypeAlias, TypeVar

from .errors import RpcError
from .model import Pipe
from .pipestate import BAD, DONE, Inbound, Outbound, PipeChannel, is_empty
from .status import RPC_S_NO_CALL_ACTIVE, RPC_X_BAD_STUB_DATA

T = TypeVar("T")

PipeSource: TypeAlias = Iterable[T] | AsyncIterable[T]
"""A client's [in] pipe argument: an iterable or async iterable of chunks."""
PipeSink: TypeAlias = Callable[[T], Awaitable[None] | None]
"""A client's [out] pipe argument: called with each chunk, in order (awaited if async)."""


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
            chunk: T = decode_chunk(inbound._channel, self._pipe, payload)
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
            chunk: T = decode_chunk(inbound._channel, self._pipe, payload)
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


def decode_chunk(channel: PipeChannel, pipe: Pipe, payload: bytes) -> Any:
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
        if is_empty(chunk):
            return DONE
        payload = out._channel.encode_chunk(out.pipe, chunk)
        if threading.get_ident() == out.g.thread_id:
            if out.try_send(payload):
                return asyncio.sleep(0) if out.due_pause() else DONE
            return out.send(payload)
        out.send_blocking(payload)
        return DONE


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

    def finish(self, success: bool) -> None:
        """The call is over. ``success``: end every [out] pipe still open (before the reply
        goes); else (a fault) leave them unended. Readers and writers raise 1725 from now."""
        if success:
            for outbound in self.outbound.values():
                outbound.end()
        self.fail(RPC_S_NO_CALL_ACTIVE, "the call is over")

    def fail(self, code: int, detail: str) -> None:
        """The call failed, or is cancelled: readers and writers raise ``RpcError(code)``."""
        for inbound in self.inbound.values():
            inbound.fail(RpcError(code, detail))
        for outbound in self.outbound.values():
            outbound.fail(RpcError(code, detail))

"""``ClientPipes``: the pipes of one call on the client, and that call's entry in its
connection's table: it pumps the [in] sources, feeds the [out] sinks, and keeps the call's
outcome until every chunk sent before it has reached its sink (docs/pipes.md).

Layer 5 (client), its lowest module: imports layers 1-4 (``pipestate``, ``pipes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

from .errors import RpcError, caller_error
from .model import Pipe, Procedure
from .pipes import decode_chunk
from .pipestate import BAD, Group, Inbound, Outbound, PipeChannel, is_empty
from .status import RPC_S_CALL_CANCELLED, RPC_S_NO_CALL_ACTIVE, RPC_X_BAD_STUB_DATA

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
        g = self._g = Group(channel)
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
            chunk = decode_chunk(self._channel, pipe, payload)
        except RpcError as exc:
            self._give_up(RPC_X_BAD_STUB_DATA, f"{self.name}.{pipe.name}: {exc.detail}")
            return _no_sink, None
        return (sink, chunk) if len(chunk) else (_no_sink, None)

    def _encode(self, outbound: Outbound, chunk: object) -> bytes | None:
        """A source's chunk as the wire carries it (None: empty); a bad one raises the
        caller's ``TypeError``/``ValueError``."""
        if is_empty(chunk):
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

"""Helpers for the runtime tests: a test manager, servers in this loop or another thread, and
a raw protocol client for sending hand-made (and broken) messages."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import msgpack  # type: ignore[import-untyped]
from calc_stubs import (
    CALC,
    CalcManager,
    CounterManager,
    HoldHandle,
    OpenAsyncHandle,
    PingHandle,
    ResetHandle,
    SlowHandle,
)

import idlrt
import support

T = TypeVar("T")
TIMEOUT = 15.0  # no test should come close; a hang fails instead of blocking the run
TCP_ANY = "ncacn_ip_tcp:127.0.0.1[0]"


def run(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run one async test body in a fresh event loop, bounded by TIMEOUT."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro_fn(), TIMEOUT)

    return asyncio.run(bounded())


class Impl(CalcManager):  # type: ignore[misc]  # generated at session start: Any here
    """The test manager: parks [async] calls in a thread-safe queue for the test to finish."""

    def __init__(self) -> None:
        self.parked: queue.Queue[idlrt.AsyncHandle] = queue.Queue()
        self.contexts: list[idlrt.CallContext] = []
        self.release_slow_add = threading.Event()
        self.release_slow_add.set()
        self.add_entered = threading.Event()

    def Add(self, a: int, b: int) -> int:
        self.add_entered.set()
        self.release_slow_add.wait(TIMEOUT)
        return a + b

    def Slow(self, handle: SlowHandle, ms: int) -> None:
        if ms < 0:
            raise idlrt.RpcError(-ms)
        if ms == 1:
            raise KeyError("boom")
        self.parked.put(handle)

    def Ping(self, handle: PingHandle) -> None:
        self.parked.put(handle)

    def Who(self, h: idlrt.CallContext, x: int) -> int:
        self.contexts.append(h)
        return x + 1

    def Fail(self, code: int) -> None:
        if code:
            raise idlrt.RpcError(code, "from Fail")
        raise ValueError("secret server detail")

    async def Echo(self, s: str) -> str:
        await asyncio.sleep(0)
        return s

    def take(self, timeout: float = 5.0) -> Any:
        """The next parked handle (blocking; call it from a thread)."""
        return self.parked.get(timeout=timeout)

    async def next_handle(self) -> Any:
        """The next parked handle, from async code."""
        return await asyncio.to_thread(self.take)


def fault_detail(text: str) -> str | None:
    """The detail a client sees with a fault whose routine raised ``RpcError(code, text)``:
    the msgpack wire carries it; a DCE/RPC fault PDU carries only the status code."""
    return text if support.WIRE == "msgpack" else None


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` on this loop until it holds; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


def quiet(server: idlrt.Server) -> bool:
    """Whether ``server`` has no call in progress and no open context handle."""
    s = server.stats()
    return s.calls_in_progress == 0 and s.context_handles == 0


class Tally:
    """The object behind a Counter context handle on the server."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Tally({self.value})"


class CounterImpl(CounterManager):  # type: ignore[misc]
    """Context handles: PCOUNTER objects are Tally instances; rundowns are recorded."""

    def __init__(self) -> None:
        self.parked: queue.Queue[idlrt.AsyncHandle] = queue.Queue()
        self.rundowns: list[object] = []  # list.append is atomic: rundowns may run anywhere
        self.closed: list[object] = []

    def Open(self, start: int) -> Any:
        return start, Tally(start)

    def Read(self, h: Any) -> int:
        return int(h.value)

    def Close(self, ph: Any) -> Any:
        self.closed.append(ph)
        return (None,)

    def Hold(self, handle: HoldHandle, h: Any) -> None:
        self.parked.put(handle)

    def Reset(self, handle: ResetHandle, ph: Any, value: int) -> None:
        if value < 0:
            handle.complete(ph=None)
        elif value == 0:
            handle.complete(ph=ph)
        else:
            handle.complete(ph=Tally(value))

    def OpenAsync(self, handle: OpenAsyncHandle) -> None:
        self.parked.put(handle)

    def OpenAnon(self) -> Any:
        return (Tally(-1),)

    def ReadAnon(self, h: Any) -> int:
        return int(h.value)

    def PCOUNTER_rundown(self, obj: object) -> None:
        self.rundowns.append(obj)

    def take(self, timeout: float = 5.0) -> Any:
        return self.parked.get(timeout=timeout)

    async def next_handle(self) -> Any:
        return await asyncio.to_thread(self.take)


@asynccontextmanager
async def serving(
    manager: idlrt.Manager | None = None, binding: str = TCP_ANY, **kwargs: Any
) -> AsyncIterator[tuple[idlrt.Server, str, Any]]:
    """A server on this loop with ``manager`` (default: a fresh Impl) listening on ``binding``."""
    impl = manager if manager is not None else Impl()
    server = idlrt.Server(**kwargs)
    server.register(impl)
    try:
        real = await server.listen(binding)
        yield server, real, impl
    finally:
        await server.stop()


class ServerThread:
    """A server running on its own event loop in a thread (for the blocking client)."""

    def __init__(self, manager: idlrt.Manager | None = None, **kwargs: Any) -> None:
        self.impl: Any = manager if manager is not None else Impl()
        self.server = idlrt.Server(**kwargs)
        self.server.register(self.impl)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.binding = ""

    def call(self, coro: Awaitable[T]) -> T:
        """Run ``coro`` on the server's loop and wait for it."""

        async def wrap() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(TIMEOUT)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        self.binding = self.call(self.server.listen(TCP_ANY))
        return self

    def __exit__(self, *exc: object) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


class RawClient:
    """Speaks the wire protocol by hand (docs/protocol.md)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.unpacker = msgpack.Unpacker(raw=False)

    @classmethod
    async def open(cls, binding: str) -> RawClient:
        b = idlrt.Binding.parse(binding)
        reader, writer = await asyncio.open_connection(b.host, b.port)
        return cls(reader, writer)

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def send(self, *values: object) -> None:
        self.writer.write(b"".join(msgpack.packb(v) for v in values))

    async def bind(self, uuid: str = CALC.uuid, major: int = 1, minor: int = 0) -> Any:
        self.send([0, 0, uuid, major, minor, 1])
        return await self.recv()

    def request(self, call_id: int, opnum: int, args: object, ctx_id: int = 0) -> None:
        payload = msgpack.packb(args)
        self.send_raw(msgpack.packb([3, call_id, ctx_id, opnum, len(payload)]) + payload)

    async def recv(self) -> Any:
        """The next message; a RESPONSE comes back as [4, call_id, size, results]."""
        while True:
            for msg in self.unpacker:
                if msg[0] == 4:
                    msg.append(await self._next_value())
                return msg
            data = await self.reader.read(65536)
            if not data:
                raise EOFError
            self.unpacker.feed(data)

    async def _next_value(self) -> Any:
        while True:
            for value in self.unpacker:
                return value
            data = await self.reader.read(65536)
            if not data:
                raise EOFError
            self.unpacker.feed(data)

    async def closed_by_peer(self) -> bool:
        """Whether the server closes the connection (reads until EOF)."""
        try:
            while await self.reader.read(65536):
                pass
        except ConnectionError:
            pass
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

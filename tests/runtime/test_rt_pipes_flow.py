"""Pipe flow control (docs/pipes.md): a slow reader holds at most the window (plus one
chunk) whatever the stream's length, in both directions; a sender stops when its credit is
spent or its transport is paused; a chunk bigger than the window still goes. (The pipe of a
million chunks is in test_rt_pipes.py, on both wires.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from pipes_helpers import GatedUpload, PipesImpl, pattern, session
from pipes_stubs import PipesClient
from rt_helpers import RawClient, run, serving, wait_until

import idlrt
from idlrt.connection import FramedProtocol
from idlrt.pipestate import PipeStats

pytestmark = pytest.mark.msgpack_only

WINDOW = 256 * 1024  # the tests' window: streams of many windows stay small
CHUNK = 16 * 1024
# What a receiver that hands nothing over holds once its sender is out of credit: the next
# chunk (CHUNK octets and a few of msgpack framing) no longer fits in the window.
FULL = WINDOW - CHUNK - 16
SENT = WINDOW // (CHUNK + 16)  # the chunks that fit in the window


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ends (in this process) use the tests' window; the high-water mark starts at 0."""
    monkeypatch.setattr(FramedProtocol, "pipe_window", WINDOW)
    PipeStats.reset()


def test_a_slow_reader_bounds_what_an_in_pipe_buffers(wire: str) -> None:
    total = 40 * WINDOW
    produced = [0]

    def source() -> Iterator[bytes]:
        for offset in range(0, total, CHUNK):
            produced[0] += 1
            yield pattern(offset, CHUNK)

    async def body() -> None:
        async with session(GatedUpload()) as (_server, impl, client):
            call = asyncio.ensure_future(client.Upload(0, source()))
            await wait_until(lambda: PipeStats.high_water >= FULL)  # the reader's window is full
            # Without acknowledgements the client sent one window and has at most one more
            # chunk in hand, however fast its source is.
            assert produced[0] <= WINDOW // CHUNK + 1
            impl.go.set()
            assert await call == total
            assert PipeStats.high_water <= WINDOW + CHUNK

    run(body)


def test_a_slow_sink_bounds_what_an_out_pipe_buffers(wire: str) -> None:
    total = 40 * WINDOW

    async def body() -> None:
        async with session() as (_server, impl, client):
            go = asyncio.Event()
            received = bytearray()

            async def sink(chunk: bytes) -> None:
                await go.wait()
                received.extend(chunk)

            call = asyncio.ensure_future(client.Download(total, CHUNK, sink))
            await wait_until(lambda: impl.chunks >= SENT)  # the routine spent its credit
            await wait_until(lambda: PipeStats.high_water >= FULL - CHUNK)  # the sink has one
            assert impl.chunks <= WINDOW // CHUNK + 1  # and no more than that went
            go.set()
            assert await call is None
            assert received == pattern(0, total)
            assert PipeStats.high_water <= WINDOW + CHUNK

    run(body)


def test_a_slow_blocking_sink_bounds_what_an_out_pipe_buffers(wire: str) -> None:
    total = 20 * WINDOW

    async def body() -> None:
        async with serving(PipesImpl()) as (_server, binding, impl):
            go = threading.Event()
            received = bytearray()

            def sink(chunk: bytes) -> None:
                go.wait(10)
                received.extend(chunk)

            def call() -> None:
                with PipesClient.connect(binding) as client:
                    client.Download(total, CHUNK, sink)

            done = asyncio.ensure_future(asyncio.to_thread(call))
            await wait_until(lambda: impl.chunks >= SENT)
            await wait_until(lambda: PipeStats.high_water >= FULL - CHUNK)
            assert impl.chunks <= WINDOW // CHUNK + 1
            go.set()
            await done
            assert received == pattern(0, total)
            assert PipeStats.high_water <= WINDOW + CHUNK

    run(body)


def test_chunks_bigger_than_the_window_go_alone(wire: str) -> None:
    big = WINDOW * 3 // 2

    async def body() -> None:
        async with session() as (_server, _impl, client):
            data = pattern(0, 4 * big)
            chunks = [data[i : i + big] for i in range(0, len(data), big)]
            assert await client.Upload(0, chunks) == len(data)
            got: list[bytes] = []
            await client.Download(4 * big, big, got.append)
            assert b"".join(got) == data
            assert [len(c) for c in got] == [big] * 4
            assert PipeStats.high_water <= WINDOW + big

    run(body)


class AsyncDownload(PipesImpl):
    """Download as an ``async def``: its pushes are the loop's, each sees the transport."""

    def __init__(self) -> None:
        super().__init__()
        self.buffered: list[int] = []  # the transport's write buffer after each push

    async def Download(self, size: int, chunk: int, data: idlrt.PipeWriter[bytes]) -> None:
        for offset in range(0, size, chunk):
            await data.push(b"d" * min(chunk, size - offset))
            self.chunks += 1
            self.buffered.append(self.conn_buffer())

    conn_buffer = staticmethod(lambda: 0)


def test_a_paused_transport_stops_an_out_pipe(wire: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With credit to spare (a window of 1 GiB), a client that does not read stops the
    routine's pushes: the server's write buffer stays near the transport's high-water mark."""
    monkeypatch.setattr(FramedProtocol, "pipe_window", 1 << 30)
    size, chunk = 64 << 20, 64 * 1024

    async def body() -> None:
        impl = AsyncDownload()
        async with serving(impl) as (server, binding, _impl):
            raw = await RawClient.open(binding)
            assert (await raw.bind(impl._idl_interface_.uuid))[:2] == [1, 0]
            conns = server._connections
            raw.request(1, 1, [size, chunk])
            await wait_until(lambda: any(c.writing_paused() for c in conns))
            conn = next(c for c in conns if c.writing_paused())
            assert conn.transport is not None
            impl.conn_buffer = conn.transport.get_write_buffer_size
            pushed = impl.chunks
            assert pushed < size // chunk  # it stopped well before the end
            # then the client reads everything: the routine finishes
            seen = 0
            deadline = time.monotonic() + 30
            while seen < size + 1000 and time.monotonic() < deadline:
                data = await raw.reader.read(1 << 20)
                if not data:
                    break
                seen += len(data)
                if impl.chunks == size // chunk and conn._calls == {}:
                    break
            await wait_until(lambda: impl.chunks == size // chunk, 30)
            high = conn.transport.get_write_buffer_limits()[1] if conn.transport else 65536
            assert max(impl.buffered) <= high + chunk
            await raw.close()

    run(body)

"""Pipe messages that break the rules (docs/protocol.md, "PIPE and PIPE_ACK"): from a client
(a hand-made one), and from a server (a fake one) to idlrt's client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from pipes_helpers import GatedUpload, PipesImpl
from pipes_stubs import PIPES, PipesAsyncClient
from rt_helpers import RawClient, run, serving, wait_until

import idlrt
from idlrt.status import RPC_S_ACCESS_DENIED, RPC_S_CALL_FAILED, RPC_X_BAD_STUB_DATA
from idlrt.wire.msgpack import PIPE_WINDOW

pytestmark = pytest.mark.msgpack_only

UPLOAD, DOWNLOAD, PLAIN = 0, 1, 5


def pipe(call_id: int, index: object, payload: bytes) -> bytes:
    return msgpack.packb([7, call_id, len(payload), index]) + payload


def chunk(data: bytes) -> bytes:
    return msgpack.packb(data)


async def raw_session(binding: str) -> RawClient:
    raw = await RawClient.open(binding)
    assert (await raw.bind(PIPES.uuid))[:2] == [1, 0]
    return raw


async def still_serves(raw: RawClient, call_id: int) -> None:
    raw.request(call_id, PLAIN, [41])
    assert await raw.recv() == [4, call_id, 2, [42]]


def test_pipe_messages_for_calls_not_in_progress_are_dropped(wire: str) -> None:
    async def body() -> None:
        async with serving(PipesImpl()) as (_server, binding, _impl):
            raw = await raw_session(binding)
            raw.send_raw(pipe(99, 0, chunk(b"never started")))
            raw.send_raw(pipe(99, 0, b""))
            raw.send([8, 99, 0, 10])  # PIPE_ACK of nothing
            raw.request(1, UPLOAD, [5])
            raw.send_raw(pipe(1, 0, chunk(b"abc")) + pipe(1, 0, b""))
            assert await raw.recv() == [4, 1, 2, [8]]
            raw.send_raw(pipe(1, 0, chunk(b"late")))  # crossed the call's end: dropped
            await still_serves(raw, 2)
            await raw.close()

    run(body)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: pipe(1, 1, chunk(b"x")), id="index-out-of-range"),
        pytest.param(lambda: pipe(1, "0", chunk(b"x")), id="index-not-an-int"),
        pytest.param(lambda: pipe(1, 0, b"") + pipe(1, 0, chunk(b"x")), id="past-its-end"),
        pytest.param(lambda: pipe(1, 0, b"") + pipe(1, 0, b""), id="ended-twice"),
    ],
)
def test_a_bad_pipe_chunk_fails_its_call_with_1783(wire: str, bad: Callable[[], bytes]) -> None:
    async def body() -> None:
        async with serving(GatedUpload()) as (server, binding, impl):
            raw = await raw_session(binding)
            raw.request(1, UPLOAD, [5])
            raw.send_raw(bad())
            fault = await raw.recv()
            assert fault[:3] == [5, 1, RPC_X_BAD_STUB_DATA]
            impl.go.set()
            await still_serves(raw, 2)  # the routine's late reply for call 1 is dropped
            await wait_until(lambda: server.stats().calls_in_progress == 0)
            await raw.close()

    run(body)


def test_a_chunk_for_an_out_pipe_or_a_call_without_pipes_fails_it(wire: str) -> None:
    class Slow(PipesImpl):
        def __init__(self) -> None:
            super().__init__()
            self.go = asyncio.Event()

        async def Plain(self, x: int) -> int:
            await self.go.wait()
            return x + 1

        async def Download(self, size: int, chunk: int, data: idlrt.PipeWriter[bytes]) -> None:
            await self.go.wait()

    async def body() -> None:
        async with serving(Slow()) as (_server, binding, impl):
            raw = await raw_session(binding)
            raw.request(1, PLAIN, [1])
            raw.send_raw(pipe(1, 0, chunk(b"x")))
            assert (await raw.recv())[:3] == [5, 1, RPC_X_BAD_STUB_DATA]
            raw.request(2, DOWNLOAD, [0, 1])
            raw.send_raw(pipe(2, 0, chunk(b"x")))  # pipe 0 of Download is an [out] pipe
            assert (await raw.recv())[:3] == [5, 2, RPC_X_BAD_STUB_DATA]
            impl.go.set()
            await still_serves(raw, 3)
            await raw.close()

    run(body)


def test_undecodable_chunk_data_is_the_readers_1783(wire: str) -> None:
    async def body() -> None:
        async with serving(PipesImpl()) as (_server, binding, impl):
            raw = await raw_session(binding)
            raw.request(1, UPLOAD, [5])
            raw.send_raw(pipe(1, 0, b"\xc1"))  # not msgpack
            assert (await raw.recv())[:3] == [5, 1, RPC_X_BAD_STUB_DATA]
            assert impl.errors.get(timeout=10) == RPC_X_BAD_STUB_DATA
            raw.request(2, UPLOAD, [5])
            raw.send_raw(pipe(2, 0, msgpack.packb([1, 2])))  # a list, not bytes
            assert (await raw.recv())[:3] == [5, 2, RPC_X_BAD_STUB_DATA]
            await still_serves(raw, 3)
            await raw.close()

    run(body)


def test_a_chunk_over_max_request_fails_its_call_with_5(wire: str) -> None:
    async def body() -> None:
        async with serving(GatedUpload(), max_request=4096) as (_server, binding, impl):
            raw = await raw_session(binding)
            raw.request(1, UPLOAD, [5])
            raw.send_raw(pipe(1, 0, chunk(b"x" * 8000)))
            assert (await raw.recv())[:3] == [5, 1, RPC_S_ACCESS_DENIED]
            impl.go.set()
            await still_serves(raw, 2)
            await raw.close()

    run(body)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            lambda: (
                pipe(1, 0, chunk(b"x" * (PIPE_WINDOW // 2)))
                + pipe(1, 0, chunk(b"y" * (PIPE_WINDOW // 2)))
            ),
            id="past-the-window",
        ),
        pytest.param(lambda: msgpack.packb([8, 1, 0, 10]), id="ack-of-an-in-pipe"),
        pytest.param(lambda: msgpack.packb([8, 1, 0, -1]), id="ack-negative"),
        pytest.param(lambda: msgpack.packb([8, "1", 0, 1]), id="ack-call-id-not-an-int"),
    ],
)
def test_breaking_the_flow_control_closes_the_connection(
    wire: str, bad: Callable[[], bytes]
) -> None:
    async def body() -> None:
        async with serving(GatedUpload()) as (_server, binding, impl):
            raw = await raw_session(binding)
            raw.request(1, UPLOAD, [5])
            raw.send_raw(bad())
            message = await _next_or_eof(raw)
            if message is not None:  # an ack of an [in] pipe: that call fails first
                assert message[:3] == [5, 1, RPC_X_BAD_STUB_DATA]
                raw.send_raw(msgpack.packb([8, 2, 0, 1]))  # nothing to say about call 2
                await still_serves(raw, 2)
            else:
                assert await raw.closed_by_peer()
            impl.go.set()
            await raw.close()

    run(body)


def test_an_ack_for_more_than_was_sent_closes_the_connection(wire: str) -> None:
    class Pushing(PipesImpl):
        async def Download(self, size: int, chunk: int, data: idlrt.PipeWriter[bytes]) -> None:
            await data.push(b"x" * size)
            await asyncio.Event().wait()  # never returns (the connection goes first)

    async def body() -> None:
        async with serving(Pushing()) as (server, binding, _impl):
            raw = await raw_session(binding)
            raw.request(1, DOWNLOAD, [10, 10])
            header = await raw.recv()
            assert header[:4] == [7, 1, 12, 0]  # 10 octets, as msgpack bin: 12
            assert await raw._next_value() == b"x" * 10
            raw.send([8, 1, 0, 13])
            assert await raw.closed_by_peer()
            await wait_until(lambda: server.stats().connections == 0)

    run(body)


async def _next_or_eof(raw: RawClient) -> Any:
    try:
        return await raw.recv()
    except (EOFError, ConnectionError):
        return None


# --- a server that breaks the rules, and idlrt's client -----------------------------------


async def fake_server(answer: Callable[[asyncio.StreamWriter, int], Awaitable[None]]) -> Any:
    """A server that binds anything and answers each REQUEST with ``answer(writer, id)``."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        unpacker = msgpack.Unpacker(raw=False)
        skip = 0
        while data := await reader.read(65536):
            unpacker.feed(data)
            for message in unpacker:
                if skip:  # a payload
                    skip = 0
                    continue
                if type(message) is list and message[0] == 0:
                    writer.write(msgpack.packb([1, message[1], 1, 0]))
                elif type(message) is list and message[0] == 3:
                    skip = 1
                    await answer(writer, message[1])
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        pytest.param(lambda c: pipe(c, 3, chunk(b"x")), RPC_X_BAD_STUB_DATA, id="bad-index"),
        pytest.param(lambda c: pipe(c, 0, b"\xc1"), RPC_X_BAD_STUB_DATA, id="undecodable"),
        pytest.param(
            lambda c: msgpack.packb([4, c, 1]) + msgpack.packb([]),
            RPC_X_BAD_STUB_DATA,
            id="reply-before-the-end",
        ),
        pytest.param(
            lambda c: pipe(c, 0, b"") + pipe(c, 0, chunk(b"x")),
            RPC_X_BAD_STUB_DATA,
            id="past-its-end",
        ),
        pytest.param(
            lambda c: pipe(c, 0, chunk(b"x" * PIPE_WINDOW)) + pipe(c, 0, chunk(b"y")),
            RPC_S_CALL_FAILED,
            id="past-the-window",
        ),
        pytest.param(lambda c: msgpack.packb([8, c, 0, 5]), RPC_X_BAD_STUB_DATA, id="ack-of-out"),
    ],
)
def test_a_server_breaking_pipe_rules_fails_the_call(
    wire: str, frames: Callable[[int], bytes], code: int
) -> None:
    async def answer(writer: asyncio.StreamWriter, call_id: int) -> None:
        writer.write(frames(call_id))

    async def body() -> None:
        server = await fake_server(answer)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = await PipesAsyncClient.connect(f"ncacn_ip_tcp:127.0.0.1[{port}]")
            got: list[bytes] = []
            with pytest.raises(idlrt.RpcError) as err:
                await client.Download(10, 10, got.append, timeout=10)
            assert err.value.code == code
            await client.close()

    run(body)

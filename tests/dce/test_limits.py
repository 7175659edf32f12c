"""The limits a server operator sets (Server(max_connections=..., max_calls_per_connection=...,
idle_timeout=..., message_timeout=..., max_queued_reply=...)), on both wires: each ends in a
clean status code or a clean close, and other connections are untouched."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from types import ModuleType

import msgpack
import pytest

import idlrt
from dce.dcekit import RawPeer, bind_pdu, compile_dcetest, make_manager, serving
from idlrt.dcestream import Stream
from idlrt.wire import dcerpc as pdu


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_dcetest(tmp_path_factory.mktemp("dce") / "gen_limits")


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), 60))


async def still_served(m: ModuleType, binding: str, wire: str) -> None:
    async with await m.DceTestAsyncClient.connect(binding, wire=wire) as good:
        assert await good.Add(20, 22) == 42


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (the test's own wait_for bounds it)."""
    while not condition():
        await asyncio.sleep(0)


# -- what a raw client sends to start a call, on either wire --------------------------------


def raw_bind(m: ModuleType, wire: str) -> bytes:
    if wire == "dcerpc":
        return bind_pdu()
    iface = m._DceTest_INTERFACE
    return msgpack.packb([0, 0, iface.uuid, *iface.version, 1])  # type: ignore[no-any-return]


def raw_echo(m: ModuleType, wire: str, call_id: int, data: bytes) -> bytes:
    if wire == "dcerpc":
        stub = m._ndr_DceTest_Echo_cin(len(data), data)
        frames = Stream(5840).fragments(pdu.REQUEST, 0, call_id, pdu.request_head(0, 0, 0), stub)
        return b"".join(frames)
    payload = msgpack.packb(m._DceTest_Echo_cin(len(data), data), use_bin_type=True)
    return msgpack.packb([3, call_id, 0, 0, len(payload)]) + payload  # type: ignore[no-any-return]


def test_max_connections(m: ModuleType, wire: str) -> None:
    async def main() -> None:
        async with serving(m, make_manager(m), max_connections=2) as (server, binding):
            first = await m.DceTestAsyncClient.connect(binding, wire=wire)
            second = await m.DceTestAsyncClient.connect(binding, wire=wire)
            with pytest.raises(idlrt.RpcError) as err:
                await m.DceTestAsyncClient.connect(binding, wire=wire, timeout=10)
            assert err.value.code == 1722
            assert await first.Add(1, 1) == 2 and await second.Add(2, 2) == 4
            await first.close()
            await until(lambda: server.connection_count() < 2)
            await still_served(m, binding, wire)
            await second.close()

    run(main)


def test_max_calls_per_connection(m: ModuleType, wire: str) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager, max_calls_per_connection=3) as (server, binding):
            async with await m.DceTestAsyncClient.connect(binding, wire=wire) as c:
                parked = [c.Later(i) for i in range(3)]
                await until(lambda: len(manager.parked) == 3)
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Add(1, 2)  # a fourth call on this connection
                assert err.value.code == 1723
                async with await m.DceTestAsyncClient.connect(binding, wire=wire) as other:
                    assert await other.Add(1, 2) == 3  # another connection has its own share
                for handle, v in manager.parked:
                    handle.complete(v)
                assert [await call for call in parked] == [0, 1, 2]
                assert await c.Add(3, 4) == 7
            assert server.stats().calls_in_progress == 0

    run(main)


def test_idle_connections_are_closed_busy_ones_kept(m: ModuleType, wire: str) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager, idle_timeout=0.2) as (_, binding):
            busy = await m.DceTestAsyncClient.connect(binding, wire=wire)
            holder = await m.DceTestAsyncClient.connect(binding, wire=wire)
            call = busy.Later(5)  # a call in progress: not idle
            handle = (await holder.Open(1)).counter  # an open context handle: not idle
            await until(lambda: len(manager.parked) == 1)
            idle = await m.DceTestAsyncClient.connect(binding, wire=wire)
            silent = await RawPeer.open(binding)  # says nothing at all, not even its wire
            await asyncio.wait_for(asyncio.shield(idle._conn._lost), 10)
            await silent.closed()
            with pytest.raises(idlrt.RpcError) as err:
                await idle.Add(1, 1)
            assert err.value.code in (1726, 1727)
            assert await holder.Next(handle) == 2  # both were older than the idle one
            manager.parked[0][0].complete(50)
            assert await call == 50
            for c in (busy, holder, idle):
                await c.close()
            silent.close()

    run(main)


def test_a_message_begun_must_end_in_time(m: ModuleType, wire: str) -> None:
    async def main() -> None:
        async with serving(m, make_manager(m), message_timeout=0.3) as (_, binding):
            stuck = await RawPeer.open(binding)
            await stuck.send(raw_bind(m, wire)[:5])  # half a message, then nothing
            trickle = await RawPeer.open(binding)
            bind = raw_bind(m, wire)
            await trickle.send(bind)
            request = raw_echo(m, wire, 1, os.urandom(4000))
            sent = 0

            async def drip() -> None:  # a slow sender: a few octets now and then, forever
                nonlocal sent
                while sent < len(request):
                    await trickle.send(request[sent : sent + 10])
                    sent += 10
                    await asyncio.sleep(0.02)

            dripping = asyncio.create_task(drip())
            await still_served(m, binding, wire)
            await stuck.closed()
            await trickle.closed()
            dripping.cancel()
            assert sent < len(request)  # dropped before it could finish
            await still_served(m, binding, wire)

    run(main)


def test_replies_a_client_does_not_read_are_bounded(m: ModuleType, wire: str) -> None:
    async def main() -> None:
        limit = 256 * 1024
        async with serving(m, make_manager(m), max_queued_reply=limit) as (server, binding):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", int(binding.rsplit("[", 1)[1].rstrip("]"))
            )
            writer.write(raw_bind(m, wire))
            data = os.urandom(1024 * 1024)
            try:
                for call_id in range(1, 41):  # 40 MiB of replies that are never read
                    writer.write(raw_echo(m, wire, call_id, data))
                    await asyncio.wait_for(writer.drain(), 10)
            except (ConnectionError, TimeoutError):
                pass  # the server stopped reading, or dropped us: either way it is bounded
            await until(lambda: server.connection_count() == 0)
            writer.close()
            await still_served(m, binding, wire)
            del reader

    run(main)


def test_limits_are_checked_when_the_server_is_made() -> None:
    for bad in ({"max_connections": 0}, {"max_queued_reply": 0}):
        with pytest.raises(ValueError):
            idlrt.Server(**bad)  # type: ignore[arg-type]
    server = idlrt.Server(max_calls=7)
    assert server.max_calls_per_connection == 7  # by default, the server's own limit
    assert (server.idle_timeout, server.message_timeout) == (600.0, 30.0)

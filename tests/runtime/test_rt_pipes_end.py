"""Pipes that end early (docs/pipes.md): cancelled halfway (1818 on both sides), a client
that disconnects (1726 in the routine), ``abort`` during a pipe, timeouts; and nothing of a
call (handle, reader, writer) outlives it."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pipes_helpers import PipesImpl, pipe_objects, session
from pipes_stubs import PipesClient, SumHandle
from rt_helpers import ServerThread, run, wait_until

import idlrt
from idlrt import pipecalls
from idlrt.status import RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED, RPC_S_NO_CALL_ACTIVE


async def endless_bytes(produced: list[int]) -> AsyncIterator[bytes]:
    """1 KiB chunks for ever, counted."""
    while True:
        produced[0] += 1
        yield b"z" * 1024


async def endless_longs() -> AsyncIterator[list[int]]:
    while True:
        yield [1, 2]


async def error_of(impl: PipesImpl) -> int:
    """The next code a routine's pipe raised."""
    return await asyncio.to_thread(impl.errors.get, True, 10)


def test_async_call_cancelled_abortively_halfway(wire: str) -> None:
    before = pipe_objects()

    async def body() -> None:
        async with session() as (server, impl, client):
            call = client.Sum(endless_longs(), lambda c: None)
            await wait_until(lambda: impl.chunks >= 100)
            call.cancel(abortive=True)
            assert call.status() == RPC_S_CALL_CANCELLED
            assert await error_of(impl) == RPC_S_CALL_CANCELLED  # the reader in its thread
            await wait_until(lambda: not pipecalls.running() and not client._conn._calls)
            await wait_until(lambda: server.stats().calls_in_progress == 0)
            assert await client.Plain(1) == 2

    run(body)
    assert pipe_objects() == before


def test_async_call_cancelled_politely_gets_the_routines_1818(wire: str) -> None:
    async def body() -> None:
        async with session() as (_server, impl, client):
            seen: list[list[int]] = []
            call = client.Sum(endless_longs(), seen.append)
            await wait_until(lambda: impl.chunks >= 100)
            call.cancel()  # not abortive: the pump stops; the server answers abort(1818)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == RPC_S_CALL_CANCELLED
            assert await error_of(impl) == RPC_S_CALL_CANCELLED
            assert seen  # the doubled chunks came until then

    run(body)


def test_awaiting_task_cancelled_halfway_through_an_in_pipe(wire: str) -> None:
    before = pipe_objects()

    async def body() -> None:
        async with session() as (_server, impl, client):
            produced = [0]
            task = asyncio.ensure_future(client.Upload(1, endless_bytes(produced)))
            await wait_until(lambda: impl.chunks >= 50)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await error_of(impl) == RPC_S_CALL_CANCELLED
            stopped = produced[0]
            assert await client.Plain(3) == 4  # a round trip later, the pump is still stopped
            assert produced[0] == stopped

    run(body)
    assert pipe_objects() == before


def test_a_timeout_stops_the_pump_and_the_routine_sees_1818(wire: str) -> None:
    async def body() -> None:
        async with session() as (_server, impl, client):
            with pytest.raises(idlrt.RpcError) as err:
                await client.Upload(1, endless_bytes([0]), timeout=0.3)
            assert err.value.code == RPC_S_CALL_CANCELLED
            assert await error_of(impl) == RPC_S_CALL_CANCELLED

    run(body)


def test_a_thread_routine_pushing_to_a_cancelled_call_gets_1818(wire: str) -> None:
    async def body() -> None:
        async with session() as (_server, impl, client):
            task = asyncio.ensure_future(client.Download(2**31 - 1, 4096, lambda c: None))
            await wait_until(lambda: impl.chunks >= 50)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await error_of(impl) == RPC_S_CALL_CANCELLED

    run(body)


@pytest.mark.parametrize("procedure", ["Upload", "Download", "Sum"])
def test_a_client_that_disconnects_mid_pipe(wire: str, procedure: str) -> None:
    """The routine's reader or writer raises 1726; the client's call fails with 1726."""
    before = pipe_objects()

    async def body() -> None:
        async with session() as (server, impl, client):
            calls = {
                "Upload": lambda: client.Upload(1, endless_bytes([0])),
                "Download": lambda: client.Download(2**31 - 1, 4096, lambda c: None),
                "Sum": lambda: client.Sum(endless_longs(), lambda c: None),
            }
            call = asyncio.ensure_future(calls[procedure]())
            await wait_until(lambda: impl.chunks >= 50)
            client._conn.abort()
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code in (RPC_S_CALL_FAILED, RPC_S_CALL_CANCELLED)
            assert await error_of(impl) == RPC_S_CALL_FAILED
            await wait_until(lambda: server.stats().calls_in_progress == 0)

    run(body)
    assert pipe_objects() == before


class Aborting(PipesImpl):
    """Sum, as an ``async def``: pushes the first three chunks doubled, then aborts."""

    def __init__(self) -> None:
        super().__init__()
        self.after: list[int] = []

    async def Sum(
        self,
        handle: SumHandle,
        values: idlrt.PipeReader[list[int]],
        doubled: idlrt.PipeWriter[list[int]],
    ) -> None:
        n = 0
        async for chunk in values:
            await doubled.push([2 * x for x in chunk])
            n += 1
            if n == 3:
                handle.abort(0x2001)
                break
        for attempt in (lambda: doubled.push([1]), lambda: values.__anext__()):
            try:
                await attempt()
            except idlrt.RpcError as exc:
                self.after.append(exc.code)


def test_abort_during_a_pipe_ends_it_with_that_code(wire: str) -> None:
    async def body() -> None:
        async with session(Aborting()) as (_server, impl, client):
            seen: list[list[int]] = []
            with pytest.raises(idlrt.RpcError) as err:
                await client.Sum(endless_longs(), seen.append)
            assert err.value.code == 0x2001
            assert len(seen) <= 3  # no chunk after the abort reaches the sink
            assert impl.after == [RPC_S_NO_CALL_ACTIVE, RPC_S_NO_CALL_ACTIVE]

    run(body)


class Dropping(PipesImpl):
    """Sum drops its handle and pipes at once: the handle is collected, the call fails."""

    def __init__(self) -> None:
        super().__init__()
        self.handles: list[weakref.ref[Any]] = []

    def Sum(self, handle: SumHandle, values: Any, doubled: Any) -> None:
        self.handles.append(weakref.ref(handle))


def test_a_dropped_handle_of_a_call_with_pipes_is_collected(wire: str) -> None:
    before = pipe_objects()

    async def body() -> None:
        async with session(Dropping()) as (_server, impl, client):
            call = client.Sum(endless_longs(), lambda c: None)
            gc.collect()
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == RPC_S_CALL_FAILED
            assert impl.handles[0]() is None

    run(body)
    assert pipe_objects() == before


def test_the_blocking_clients_timeout_stops_its_pump(wire: str) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"b" * 1024

    with ServerThread(PipesImpl()) as st, PipesClient.connect(st.binding) as client:
        with pytest.raises(idlrt.RpcError) as err:
            client.Upload(1, endless(), timeout=0.3)
        assert err.value.code == RPC_S_CALL_CANCELLED
        assert st.impl.errors.get(timeout=10) == RPC_S_CALL_CANCELLED
        assert client.Plain(1) == 2

"""Memory (docs/reliability.md, "Memory"): a closed connection is freed by reference counting,
with everything it held, on both ends and both wires; an idle connection holds no msgpack
Unpacker, and one that a big message grew is dropped, not kept.

The server and its clients share this process and loop, so the counts cover both ends. The
Soak interface is that of the load tools (``fuzz.target``): every routine runs on the loop.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections import Counter
from collections.abc import Coroutine
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from rt_helpers import wait_until

import idlrt
from fuzz.target import make_manager, stubs
from idlrt import status
from idlrt.connection import SPARES, FramedProtocol
from idlrt.wire.msgpack import READ_SIZE, REQUEST

CONNECTIONS = 5000  # per wire: 10,000 over the two wires
BOUND = 120.0  # seconds a test body may take before it fails (it takes a few)
# What a connection leaves behind if anything keeps it: both ends' protocols, the transports,
# the sniffer, the clients, their calls and handles, and the context handles' objects.
LIVE = (
    "ServerConnection",
    "DceServerConnection",
    "ClientConnection",
    "DceClientConnection",
    "FirstOctet",
    "_SelectorSocketTransport",
    "SoakAsyncClient",
    "AsyncCall",
    "ParkHandle",
    "HoldHandle",
    "Session",
    "ContextTable",
)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(coro, BOUND)

    asyncio.run(bounded())


def _live() -> Counter[str]:
    """The gc-tracked objects of the LIVE classes, counted without a collection."""
    return Counter(n for o in gc.get_objects() if (n := type(o).__name__) in LIVE)


async def _failure(call: Any) -> int:
    """The status code ``call`` fails with. (``pytest.raises(...) as err`` would keep the
    exception, its traceback and this frame in a cycle: the very thing counted here.)"""
    try:
        await call
    except idlrt.RpcError as exc:
        return exc.code
    raise AssertionError(f"{call!r} did not fail")


async def _one(i: int, binding: str, wire: str, impl: Any, parks: list[int]) -> None:
    """Connection ``i``: a call, then one of five kinds of traffic, then close."""
    c = await stubs().SoakAsyncClient.connect(binding, wire=wire)
    assert await c.Add(i, 1) == i + 1
    kind = i % 5
    if kind == 0:  # an [async] call, completed
        call = c.Park(i)
        parks[0] += 1
        await impl.arrived(parks[0])
        impl.release()
        assert await call == 7
    elif kind == 1:  # an [async] call, cancelled (abortively or not: 1818 either way)
        call = c.Park(i)
        parks[0] += 1
        await impl.arrived(parks[0])
        call.cancel(abortive=i % 2 == 0)
        assert await _failure(call) == status.RPC_S_CALL_CANCELLED
    elif kind == 2:  # a context handle, closed or left open (run down), and a call on it
        r = await c.Open(i)
        call = c.Hold(r.ph)
        parks[0] += 1
        await impl.arrived(parks[0])
        impl.release()
        assert await call == 7
        if i % 2:
            await c.Close(r.ph)
    elif kind == 3:  # dropped with an [async] call parked: 1726
        call = c.Park(i)
        parks[0] += 1
        await impl.arrived(parks[0])
        c._conn.abort()
        assert await _failure(call) == status.RPC_S_CALL_FAILED
    else:  # a fault from the server, and a call with a timeout that does not run out
        r = await c.Open(i)
        await c.Close(r.ph)
        assert await _failure(c.Hold(r.ph)) == status.RPC_X_SS_CONTEXT_MISMATCH
        assert await c.Add(i, 2, timeout=60) == i + 2
    await c.close()


def test_ten_thousand_connections_leave_nothing_for_the_cyclic_gc(wire: str) -> None:
    """5,000 connections per wire with traffic, gc disabled: afterwards no connection object
    of either end is alive, nor anything else a connection held."""

    async def body() -> None:
        impl = make_manager()
        server = idlrt.Server()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        parks = [0]
        for i in range(25):  # warm-up: caches, free lists, lazily built stubs
            await _one(i, binding, wire, impl, parks)
        await wait_until(lambda: server.stats().connections == 0)
        gc.collect()
        before, objects_before = _live(), len(gc.get_objects())
        gc.disable()
        try:
            started = time.perf_counter()
            for i in range(CONNECTIONS):
                await _one(i, binding, wire, impl, parks)
            await wait_until(lambda: server.stats().connections == 0)
            elapsed = time.perf_counter() - started
            after, objects_after = _live(), len(gc.get_objects())
        finally:
            gc.enable()
        s = server.stats()
        assert s.calls_in_progress == 0 and s.context_handles == 0
        assert impl.rundowns == impl.opened - impl.closed > 0
        assert after - before == Counter(), (after, before)
        assert objects_after - objects_before < 100  # a few module-level caches at most
        print(f"{CONNECTIONS} connections on {wire}: {elapsed:.1f} s")
        await server.stop()

    _run(body())


def test_an_idle_bound_connection_costs_under_16_kib(wire: str) -> None:
    """200 idle bound connections, each with one call done: what tracemalloc sees grow, both
    ends together, is under 16 KiB a connection (docs/reliability.md has the figures)."""
    n = 200

    async def body() -> None:
        impl = make_manager()
        server = idlrt.Server()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        cls: Any = stubs().SoakAsyncClient
        for i in range(10):
            c = await cls.connect(binding, wire=wire)
            await c.Add(i, 1)
            await c.close()
        await wait_until(lambda: server.stats().connections == 0)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        clients = []
        for i in range(n):
            c = await cls.connect(binding, wire=wire)
            assert await c.Add(i, 1) == i + 1
            clients.append(c)
        await wait_until(lambda: server.stats().connections == n)
        gc.collect()
        per_connection = (tracemalloc.get_traced_memory()[0] - before) / n
        for c in clients:
            await c.close()
        await server.stop()
        assert per_connection < 16 * 1024, per_connection

    tracemalloc.start()
    try:
        _run(body())
    finally:
        tracemalloc.stop()


class _Recorder(FramedProtocol):
    """A framing layer without a transport that records the messages it decodes."""

    def __init__(self) -> None:
        super().__init__(asyncio.new_event_loop(), 1 << 20)
        self.loop.close()  # never used: nothing is sent
        self.got: list[tuple[list[Any], bytes]] = []

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        self.got.append((header, payload))

    def on_message(self, header: list[Any]) -> None:
        self.got.append((header, b""))


def _request(call_id: int, payload: bytes) -> bytes:
    return bytes(msgpack.packb([REQUEST, call_id, 0, 0, len(payload)])) + payload


@pytest.mark.wire_free
def test_the_unpacker_is_borrowed_while_input_waits_and_given_back_after() -> None:
    p = _Recorder()
    assert p._unpacker is None
    data = _request(1, bytes(msgpack.packb([1, 2])))
    for cut in range(1, len(data)):  # every cut, inside the header (even at an item's end)
        p.data_received(data[:cut])  # and inside the payload keeps it with the connection
        assert p._unpacker is not None, cut
        p.data_received(data[cut:])
        assert p._unpacker is None, cut
        assert p.got.pop() == ([REQUEST, 1, 0, 0, 3], b"\x92\x01\x02")
    assert 1 <= len(p._spares) <= SPARES
    p.data_received(data * 3)  # several messages in one read, ending at a boundary
    assert p._unpacker is None and len(p.got) == 3


@pytest.mark.wire_free
def test_an_unpacker_that_a_big_message_grew_is_dropped() -> None:
    p = _Recorder()
    big = _request(2, bytes(msgpack.packb(b"x" * (4 * READ_SIZE))))
    p.data_received(big[: READ_SIZE // 2])
    grown = p._unpacker
    p.data_received(big[READ_SIZE // 2 :])
    assert p._unpacker is None and len(p.got) == 1
    assert all(spare is not grown for spare in p._spares)
    small = _request(3, b"\x90")
    p.data_received(small[:2])
    kept = p._unpacker
    p.data_received(small[2:])  # a small message: given back
    assert any(spare is kept for spare in p._spares)

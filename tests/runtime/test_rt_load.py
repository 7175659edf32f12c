"""Fault and load (docs/reliability.md, "Fault and load tests"): many clients parked at once
that drop or cancel, a client killed in the middle of a large request, and a stop with
grace while calls are parked. Each runs on both wires; the Soak interface is the load
tools' (``fuzz.target``), every routine on the loop.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import weakref
from collections.abc import Coroutine
from typing import Any

from rt_helpers import wait_until

import idlrt
from fuzz.target import make_manager, stubs
from idlrt import status

BOUND = 60.0  # seconds a test body may take before it fails
CLIENTS = 200
ALMOST_HALF = (2 << 20) - (64 << 10)  # half of 4 MiB, less the DCE/RPC fragments' headers


def _run(coro: Coroutine[Any, Any, None]) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(coro, BOUND)

    asyncio.run(bounded())


async def _outcome(call: Any) -> int:
    """0 if ``call`` succeeds, else the status code it fails with."""
    try:
        await call
    except idlrt.RpcError as exc:
        return exc.code
    return 0


def test_200_parked_clients_half_drop_half_cancel(wire: str) -> None:
    """200 clients, each with a context handle and an [async] call on it parked. 50 abort
    their connection, 50 close it, 50 cancel abortively, 50 not (the manager then aborts
    with 1818), then those 100 close too. Every call gets its status, every context handle
    is run down exactly once, nothing is left in progress, and no handle outlives the
    manager's references, without a garbage collection."""

    async def body() -> None:
        impl = make_manager(keep_sessions=True)
        server = idlrt.Server()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        cls: Any = stubs().SoakAsyncClient
        bystander = await cls.connect(binding, wire=wire)
        clients = [await cls.connect(binding, wire=wire) for _ in range(CLIENTS)]
        handles = [(await c.Open(i)).ph for i, c in enumerate(clients)]
        calls = [c.Hold(h) for c, h in zip(clients, handles, strict=True)]
        await impl.arrived(CLIENTS)
        assert server.stats().calls_in_progress == CLIENTS
        assert server.stats().context_handles == CLIENTS
        parked = [weakref.ref(h) for h in impl.parked]
        quarter = CLIENTS // 4
        for c in clients[:quarter]:
            c._conn.abort()
        closing = [asyncio.create_task(c.close()) for c in clients[quarter : 2 * quarter]]
        for i, call in enumerate(calls[2 * quarter :]):
            call.cancel(abortive=i % 2 == 0)
        outcomes = [await _outcome(call) for call in calls]
        await asyncio.gather(*closing)
        for c in clients[2 * quarter :]:
            await c.close()
        await wait_until(lambda: server.stats().connections == 1)
        assert outcomes[: 2 * quarter] == [status.RPC_S_CALL_FAILED] * (2 * quarter)
        assert outcomes[2 * quarter :] == [status.RPC_S_CALL_CANCELLED] * (2 * quarter)
        s = server.stats()
        assert s.calls_in_progress == 0 and s.context_handles == 0
        assert impl.rundowns == CLIENTS
        assert sorted(x.rundowns for x in impl.sessions) == [1] * CLIENTS
        assert not impl.parked  # every handle was cancelled, and the manager let it go
        assert all(ref() is None for ref in parked)  # freed by reference counting
        assert await bystander.Add(2, 3) == 5
        await bystander.close()
        await server.stop()

    gc.disable()  # what is freed must be freed without the cyclic collector
    try:
        _run(body())
    finally:
        gc.enable()


# A client process that binds, sends the first half of a 4 MiB Put and waits to be killed.
_HALF_A_REQUEST = r"""
import socket, sys, uuid
import msgpack
from idlrt.dcestream import Stream
from idlrt.wire import dcerpc as pdu

host, port, wire, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
size, put = 4 << 20, 5  # Put's opnum
s = socket.create_connection((host, port))
if wire == "msgpack":
    s.sendall(msgpack.packb([0, 0, iface, 1, 0, 1]))  # BIND
    s.recv(4096)  # BIND_ACK
    s.sendall(msgpack.packb([3, 1, 0, put, size]) + bytes(size // 2))
else:
    ctx = [pdu.ContextElem(0, uuid.UUID(iface), (1, 0), ((pdu.NDR20, 2),))]
    body = pdu.bind_body(0xFFF8, 0xFFF8, 0, ctx)
    s.sendall(pdu.pdu(pdu.BIND, pdu.WHOLE | pdu.PFC_CONC_MPX, 1, body))
    s.recv(4096)  # bind_ack
    stream = Stream(0xFFF8)
    frags = stream.fragments(pdu.REQUEST, 0, 2, pdu.request_head(size, 0, put), bytes(size))
    s.sendall(b"".join(frags[: len(frags) // 2]))
print("sent", flush=True)
sys.stdin.read()
"""


def _buffered(conn: Any) -> int:
    """Octets of an unfinished request that a server connection holds."""
    if conn.ndr:
        return int(conn._partial_size)
    unpacker = conn._unpacker
    held = 0 if unpacker is None else int(conn._fed - unpacker.tell())
    big = conn._big  # a big payload is read around the Unpacker
    return held + (0 if big is None else int(big.held()))


def test_a_client_killed_mid_request_is_freed(wire: str) -> None:
    """A client process sends half of a 4 MiB request and is killed (SIGKILL): the server frees
    its connection and what it buffered, and a client calling all along is not disturbed."""

    async def body() -> None:
        impl = make_manager()
        server = idlrt.Server()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        b = idlrt.Binding.parse(binding)
        cls: Any = stubs().SoakAsyncClient
        other = await cls.connect(binding, wire=wire)
        calls = 0
        stop = asyncio.Event()

        async def keep_calling() -> None:
            nonlocal calls
            while not stop.is_set():
                assert await other.Add(calls, 1) == calls + 1
                calls += 1

        caller = asyncio.create_task(keep_calling())
        uuid = stubs().SoakAsyncClient._idl_interface_.uuid
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HALF_A_REQUEST,
            str(b.host),
            str(b.port),
            wire,
            uuid,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        try:
            assert proc.stdout is not None
            assert await proc.stdout.readline() == b"sent\n"
            await wait_until(lambda: server.stats().connections == 2)
            await wait_until(
                lambda: any(_buffered(c) >= ALMOST_HALF for c in server._connections), 15.0
            )
            victim = next(c for c in server._connections if _buffered(c) >= ALMOST_HALF)
            gone = weakref.ref(victim)
            del victim
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await wait_until(lambda: server.stats().connections == 1)
        assert gone() is None  # freed, with its buffer, by reference counting
        done_before = calls
        await wait_until(lambda: calls > done_before + 10)
        stop.set()
        await caller
        assert server.stats().calls_in_progress == 0
        await other.close()
        await server.stop()

    _run(body())


def test_stop_with_grace_gives_every_parked_call_a_status(wire: str) -> None:
    """``stop(grace)`` with 60 [async] calls parked on 30 connections: the 20 the manager
    completes during the grace get their result, a call started then gets 1722, the others
    1726 when the grace runs out, every context handle is run down once, nothing hangs."""

    async def body() -> None:
        impl = make_manager(keep_sessions=True)
        server = idlrt.Server()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        cls: Any = stubs().SoakAsyncClient
        clients = [await cls.connect(binding, wire=wire) for _ in range(30)]
        phs = [(await c.Open(i)).ph for i, c in enumerate(clients)]
        calls = [c.Park(i) for i, c in enumerate(clients)]
        calls += [c.Hold(h) for c, h in zip(clients, phs, strict=True)]
        await impl.arrived(len(calls))
        stopping = asyncio.create_task(server.stop(grace=0.5))
        await wait_until(lambda: server.stopping)
        assert await _outcome(clients[0].Add(1, 1)) == status.RPC_S_SERVER_UNAVAILABLE
        finished = list(impl.parked)[:20]
        for handle in finished:
            impl.parked.discard(handle)
            handle.complete(7)
        await stopping
        outcomes = [await _outcome(call) for call in calls]
        assert outcomes.count(0) == 20
        assert outcomes.count(status.RPC_S_CALL_FAILED) == len(calls) - 20
        assert [s.rundowns for s in impl.sessions] == [1] * len(clients)
        assert server.stats().calls_in_progress == 0
        for c in clients:
            await c.close()

    _run(body())

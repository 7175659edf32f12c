"""idlc: the stubs generated from bench.idl (at bench time) over the idlrt runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import idlrt
from bench.common import HOST, PARK_VALUE, AsyncPeer, BlockingPeer, ParkLot, load_generated


def _module(gen_dir: str) -> Any:
    return load_generated(gen_dir, "idlcgen.bench")


def _release(handles: list[Any]) -> None:
    for handle in handles:
        handle.complete(PARK_VALUE)


def _manager(mod: Any, mode: str, lot: ParkLot) -> object:
    """The manager: ``async def`` routines ("coro") or plain ``def`` ones ("thread")."""

    class Common(mod.BenchManager):  # type: ignore[misc]
        def AddAsync(self, handle: Any, a: int, b: int) -> None:
            handle.complete(a + b)

        def Park(self, handle: Any, target: int) -> None:
            lot.park(handle, target)

    class Coro(Common):
        async def Add(self, a: int, b: int) -> int:
            return a + b

        async def Echo(self, n: int, data: bytes) -> tuple[bytes]:
            return (data,)

        async def Mirror(self, s: Any) -> tuple[Any]:
            return (s,)

    class Thread(Common):
        def Add(self, a: int, b: int) -> int:
            return a + b

        def Echo(self, n: int, data: bytes) -> tuple[bytes]:
            return (data,)

        def Mirror(self, s: Any) -> tuple[Any]:
            return (s,)

    return Coro() if mode == "coro" else Thread()


async def serve(gen_dir: str, mode: str) -> tuple[int, Callable[[], Awaitable[None]]]:
    """Listen on an ephemeral loopback port; the port and a coroutine function that stops."""
    mod = _module(gen_dir)
    server = idlrt.Server(max_calls=1_000_000)
    server.register(_manager(mod, mode, ParkLot(_release)))
    binding = await server.listen(f"ncacn_ip_tcp:{HOST}[0]")
    port = int(binding.rsplit("[", 1)[1].rstrip("]"))
    return port, server.stop


async def connect(
    gen_dir: str, port: int, async_proc: bool, wire: str = "msgpack", proc: str = "Add"
) -> AsyncPeer:
    """An ``XAsyncClient`` speaking ``wire``; with ``async_proc``, ``add`` calls the [async]
    AddAsync; with ``proc`` "Mirror", ``add(a, b)`` sends a SAMPLE holding a and b through
    Mirror and adds the two it gets back."""
    mod = _module(gen_dir)
    client = await mod.BenchAsyncClient.connect(f"ncacn_ip_tcp:{HOST}[{port}]", wire=wire)

    async def add_async(a: int, b: int) -> int:
        result: int = await client.AddAsync(a, b)
        return result

    sample, mirror = mod.SAMPLE, client.Mirror

    async def add_mirror(a: int, b: int) -> int:
        r = (await mirror(sample(a, b, -1, 1 << 40, 0.5))).r
        return int(r.id + r.flags)

    add = add_async if async_proc else add_mirror if proc == "Mirror" else client.Add

    async def echo(data: bytes) -> bytes:
        out: bytes = (await client.Echo(len(data), data)).out
        return out

    def park(target: int, done: Callable[[bool], None]) -> None:
        call = client.Park(target)
        call.add_done_callback(lambda c: done(c.status() == 0 and c.result() == PARK_VALUE))

    return AsyncPeer(add=add, echo=echo, park=park, close=client.close)


def connect_blocking(gen_dir: str, port: int) -> BlockingPeer:
    """A blocking ``XClient`` (its calls go through idlrt's shared client loop thread)."""
    mod = _module(gen_dir)
    client = mod.BenchClient.connect(f"ncacn_ip_tcp:{HOST}[{port}]")

    def echo(data: bytes) -> bytes:
        out: bytes = client.Echo(len(data), data).out
        return out

    return BlockingPeer(add=client.Add, echo=echo, close=client.close)

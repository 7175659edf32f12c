"""gRPC Python asyncio (grpc.aio): unary calls, an async servicer.

The protobuf stubs are generated from bench.proto at bench time (``bench.stubs``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc  # type: ignore[import-untyped, import-not-found, unused-ignore]

from bench.common import HOST, PARK_VALUE, AsyncPeer, ParkLot, load_generated

# Enough for S4's 64 KiB messages and more; every connection its own (S3 opens 8).
_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]
_CLIENT_OPTIONS = [*_OPTIONS, ("grpc.use_local_subchannel_pool", 1)]
# S5 keeps 10 000 calls open on one connection: lift HTTP/2's limit on concurrent streams.
_SERVER_OPTIONS = [*_OPTIONS, ("grpc.max_concurrent_streams", 1 << 20)]


def _modules(gen_dir: str) -> tuple[Any, Any]:
    return load_generated(gen_dir, "bench_pb2"), load_generated(gen_dir, "bench_pb2_grpc")


def _release(futures: list[asyncio.Future[None]]) -> None:
    for fut in futures:
        if not fut.done():
            fut.set_result(None)


async def serve(gen_dir: str, mode: str) -> tuple[int, Callable[[], Awaitable[None]]]:
    """Listen on an ephemeral loopback port; the port and a coroutine function that stops."""
    pb2, pb2_grpc = _modules(gen_dir)
    lot = ParkLot(_release)
    loop = asyncio.get_running_loop()

    class Servicer(pb2_grpc.BenchServicer):  # type: ignore[misc,name-defined]
        async def Add(self, request: Any, context: Any) -> Any:
            return pb2.AddReply(sum=request.a + request.b)

        async def Echo(self, request: Any, context: Any) -> Any:
            return pb2.EchoReply(data=request.data)

        async def Park(self, request: Any, context: Any) -> Any:
            fut: asyncio.Future[None] = loop.create_future()
            lot.park(fut, request.target)
            await fut
            return pb2.ParkReply(value=PARK_VALUE)

    server = grpc.aio.server(options=_SERVER_OPTIONS)
    pb2_grpc.add_BenchServicer_to_server(Servicer(), server)
    port = int(server.add_insecure_port(f"{HOST}:0"))
    await server.start()

    async def stop() -> None:
        await server.stop(None)

    return port, stop


async def connect(gen_dir: str, port: int) -> AsyncPeer:
    pb2, pb2_grpc = _modules(gen_dir)
    channel = grpc.aio.insecure_channel(f"{HOST}:{port}", options=_CLIENT_OPTIONS)
    await channel.channel_ready()
    stub = pb2_grpc.BenchStub(channel)
    add_request, echo_request, park_request = pb2.AddRequest, pb2.EchoRequest, pb2.ParkRequest

    async def add(a: int, b: int) -> int:
        reply = await stub.Add(add_request(a=a, b=b))
        return int(reply.sum)

    async def echo(data: bytes) -> bytes:
        reply = await stub.Echo(echo_request(data=data))
        return bytes(reply.data)

    tasks: set[asyncio.Task[None]] = set()

    async def park_one(target: int, done: Callable[[bool], None]) -> None:
        # grpc.aio's status accessors are coroutines: a done callback cannot read them.
        try:
            reply = await stub.Park(park_request(target=target))
        except grpc.aio.AioRpcError:
            done(False)
        else:
            done(reply.value == PARK_VALUE)

    def park(target: int, done: Callable[[bool], None]) -> None:
        task = asyncio.get_running_loop().create_task(park_one(target, done))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def close() -> None:
        await channel.close()

    return AsyncPeer(add=add, echo=echo, park=park, close=close)

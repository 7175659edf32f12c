"""The reference: a plain asyncio.Protocol + msgpack request/reply loop, no framework.

Messages are msgpack arrays read with one streaming Unpacker per connection: a request is
``[op, call_id, *args]``, a reply ``[call_id, value]``. Each side does one ``transport.write``
per message (no coalescing): reasonable, but plain.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, cast

import msgpack  # type: ignore[import-untyped]

from bench.common import HOST, PARK_VALUE, AsyncPeer, ParkLot

ADD, ECHO, PARK = 0, 1, 2


class _ServerProtocol(asyncio.Protocol):
    def __init__(self, lot: ParkLot) -> None:
        self.lot = lot
        self.unpacker = msgpack.Unpacker()
        self.packer = msgpack.Packer()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.unpacker.feed(data)
        write = cast(asyncio.Transport, self.transport).write
        pack = self.packer.pack
        for msg in self.unpacker:
            op = msg[0]
            if op == ADD:
                write(pack((msg[1], msg[2] + msg[3])))
            elif op == ECHO:
                write(pack((msg[1], msg[2])))
            elif op == PARK:
                self.lot.park((self, msg[1]), msg[2])

    def reply(self, call_id: int, value: object) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(self.packer.pack((call_id, value)))


def _release(items: list[tuple[_ServerProtocol, int]]) -> None:
    for proto, call_id in items:
        proto.reply(call_id, PARK_VALUE)


async def serve(mode: str) -> tuple[int, Callable[[], Awaitable[None]]]:
    """Listen on an ephemeral loopback port; the port and a coroutine function that stops."""
    loop = asyncio.get_running_loop()
    lot = ParkLot(_release)
    server = await loop.create_server(lambda: _ServerProtocol(lot), HOST, 0)
    port = int(server.sockets[0].getsockname()[1])

    async def stop() -> None:
        server.close()
        await server.wait_closed()

    return port, stop


class _ClientProtocol(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.unpacker = msgpack.Unpacker()
        self.packer = msgpack.Packer()
        self.ids = itertools.count()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.transport: asyncio.Transport | None = None
        self.lost = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.unpacker.feed(data)
        pending = self.pending
        for call_id, value in self.unpacker:
            fut = pending.pop(call_id)
            if not fut.done():
                fut.set_result(value)

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection lost"))
        self.pending.clear()
        if not self.lost.done():
            self.lost.set_result(None)

    def call(self, op: int, *args: object) -> asyncio.Future[Any]:
        call_id = next(self.ids)
        fut = self.loop.create_future()
        self.pending[call_id] = fut
        cast(asyncio.Transport, self.transport).write(self.packer.pack((op, call_id, *args)))
        return fut

    def add(self, a: int, b: int) -> asyncio.Future[Any]:
        return self.call(ADD, a, b)

    def echo(self, data: bytes) -> asyncio.Future[Any]:
        return self.call(ECHO, data)

    def park(self, target: int, done: Callable[[bool], None]) -> None:
        fut = self.call(PARK, target)
        fut.add_done_callback(lambda f: done(not f.exception() and f.result() == PARK_VALUE))

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        await self.lost


async def connect(port: int) -> AsyncPeer:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: _ClientProtocol(loop), HOST, port)
    return AsyncPeer(add=proto.add, echo=proto.echo, park=proto.park, close=proto.close)

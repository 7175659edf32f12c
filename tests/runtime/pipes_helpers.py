"""Helpers of the pipe tests: a manager of interface Pipes that records what its routines
saw, and counts of the pipe objects alive (for the leak checks)."""

from __future__ import annotations

import asyncio
import gc
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from pipes_stubs import PAIR, PipesAsyncClient, PipesManager, SumHandle
from rt_helpers import quiet, serving, wait_until

import idlrt
from idlrt.pipes import PipeReader, PipeWriter
from idlrt.pipestate import Inbound, Outbound


class PipesImpl(PipesManager):  # type: ignore[misc]
    """Each kind of routine: Upload an ``async def``, Download and Pairs plain ``def`` (in a
    worker thread), Copy an ``async def`` with a ``handle_t`` and three pipes, Sum an
    ``[async]`` routine whose pipes a thread of its own reads and pushes.

    ``chunks`` counts what the routines read or pushed so far; ``errors`` gets the code of
    every ``RpcError`` a pipe raised in a routine (which re-raises it, or aborts with it).
    """

    def __init__(self) -> None:
        self.chunks = 0
        self.errors: queue.Queue[int] = queue.Queue()
        self.contexts: list[idlrt.CallContext] = []

    async def Upload(self, tag: int, data: idlrt.PipeReader[bytes]) -> int:
        total = 0
        try:
            async for chunk in data:
                self.chunks += 1
                total += len(chunk)
        except idlrt.RpcError as exc:
            self.errors.put(exc.code)
            raise
        return total + tag

    def Download(self, size: int, chunk: int, data: idlrt.PipeWriter[bytes]) -> None:
        sent = 0
        try:
            while sent < size:
                n = min(chunk, size - sent)
                data.push(pattern(sent, n))
                self.chunks += 1
                sent += n
        except idlrt.RpcError as exc:
            self.errors.put(exc.code)
            raise

    async def Copy(
        self,
        h: idlrt.CallContext,
        src: idlrt.PipeReader[bytes],
        n: int,
        dst: idlrt.PipeWriter[bytes],
        sizes: idlrt.PipeWriter[list[int]],
    ) -> int:
        self.contexts.append(h)
        seen: list[int] = []
        async for chunk in src:
            await dst.push(chunk)
            seen.append(len(chunk))
        for size in seen:  # [out] pipes one after the other, as NDR needs
            await sizes.push([size])
        return n * 2

    def Sum(
        self,
        handle: SumHandle,
        values: idlrt.PipeReader[list[int]],
        doubled: idlrt.PipeWriter[list[int]],
    ) -> None:
        threading.Thread(target=self._sum, args=(handle, values, doubled), daemon=True).start()

    def _sum(
        self,
        handle: SumHandle,
        values: idlrt.PipeReader[list[int]],
        doubled: idlrt.PipeWriter[list[int]],
    ) -> None:
        total = count = 0
        try:
            for chunk in values:
                self.chunks += 1
                count += len(chunk)
                total += sum(chunk)
                doubled.push([2 * x for x in chunk])
        except idlrt.RpcError as exc:
            self.errors.put(exc.code)
            handle.abort(exc.code)
            return
        handle.complete(total, count=count)

    def Pairs(
        self, ins: idlrt.PipeReader[list[Any]], n: int, outs: idlrt.PipeWriter[list[Any]]
    ) -> None:
        for chunk in ins:
            outs.push([PAIR(a=p.b, b=p.a + n) for p in chunk])

    def Plain(self, x: int) -> int:
        return x + 1


class GatedUpload(PipesImpl):
    """Upload reads nothing until ``go`` is set (an asyncio.Event of the server's loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def Upload(self, tag: int, data: idlrt.PipeReader[bytes]) -> int:
        await self.go.wait()
        return await super().Upload(tag, data)


def pattern(offset: int, n: int) -> bytes:
    """``n`` octets of a stream whose octet i is i % 251 (a prime: chunks do not repeat)."""
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (bytes(range(251)) * reps)[start : start + n]


def chunks_of(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def achunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def pipe_objects() -> int:
    """How many pipe state objects are alive (after a collection)."""
    gc.collect()
    kinds = (Inbound, Outbound, PipeReader, PipeWriter)
    return sum(1 for obj in gc.get_objects() if isinstance(obj, kinds))


@asynccontextmanager
async def session(
    manager: PipesImpl | None = None, **kwargs: Any
) -> AsyncIterator[tuple[idlrt.Server, Any, Any]]:
    """A server of ``manager`` (default: a fresh PipesImpl) on this loop and an asyncio client
    of it: ``(server, manager, client)``. On the way out, with the client closed, the server
    must come back to no call in progress."""
    async with serving(manager or PipesImpl(), **kwargs) as (server, binding, impl):
        client = await PipesAsyncClient.connect(binding)
        try:
            yield server, impl, client
        finally:
            await client.close()
        await wait_until(lambda: quiet(server))

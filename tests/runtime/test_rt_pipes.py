"""Pipes (docs/pipes.md): [in], [out] and several pipes in one call, of bytes, longs and
structs, with every kind of routine and both clients, and a pipe of a million chunks; on
both wires (what only one wire does is in test_rt_pipes_flow.py, msgpack's credits and
hostile PIPE messages, and test_rt_pipes_dce.py, NDR's octets and DCE/RPC's hold).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pipes_helpers import PipesImpl, achunks_of, chunks_of, pattern, pipe_objects, session
from pipes_stubs import PAIR, PipesClient, SumResult
from rt_helpers import ServerThread, run

import idlrt
from idlrt.registry import Op, Registration


def test_in_pipe_of_bytes_from_each_kind_of_source(wire: str) -> None:
    data = pattern(0, 300_000)

    async def body() -> None:
        async with session(PipesImpl()) as (_server, impl, client):
            assert await client.Upload(7, list(chunks_of(data, 1000))) == len(data) + 7
            assert await client.Upload(1, chunks_of(data, 65536)) == len(data) + 1
            assert await client.Upload(2, achunks_of(data, 70_000)) == len(data) + 2
            assert await client.Upload(3, []) == 3  # an empty pipe
            assert await client.Upload(4, [b"", b"ab", b""]) == 6  # empty chunks skipped
            assert impl.chunks == 300 + 5 + 5 + 1

    run(body)


def test_out_pipe_of_bytes_to_plain_and_async_sinks(wire: str) -> None:
    async def body() -> None:
        async with session(PipesImpl()) as (_, _impl, client):
            got: list[bytes] = []
            assert await client.Download(100_000, 3000, got.append) is None
            assert b"".join(got) == pattern(0, 100_000)
            assert [len(c) for c in got[:2]] == [3000, 3000]

            received = bytearray()

            async def sink(chunk: bytes) -> None:
                await asyncio.sleep(0)
                received.extend(chunk)

            await client.Download(5_000_000, 1 << 20, sink)
            assert received == pattern(0, 5_000_000)
            await client.Download(0, 10, got.append)  # nothing pushed: the pipe just ends

    run(body)


def test_several_pipes_in_one_call_with_a_handle_t(wire: str) -> None:
    async def body() -> None:
        async with session(PipesImpl()) as (_, impl, client):
            dst: list[bytes] = []
            sizes: list[list[int]] = []
            src = [b"a", b"bb", b"ccc"]
            assert await client.Copy(src, 21, dst.append, sizes.append) == 42
            assert dst == src
            assert sizes == [[1], [2], [3]]
            assert impl.contexts[0].procedure == "Copy"

    run(body)


def test_pipes_of_longs_and_structs(wire: str) -> None:
    async def body() -> None:
        async with session(PipesImpl()) as (_, _impl, client):
            doubled: list[list[int]] = []
            call = client.Sum([[1, 2, 3], [], [-(2**30)], [2**30 - 1]], doubled.append)
            assert await call == SumResult(retval=5, count=5)
            assert doubled == [[2, 4, 6], [-(2**31)], [2**31 - 2]]
            outs: list[list[Any]] = []
            ins = [[PAIR(1, 2)], [PAIR(3, 4), PAIR(5, 6)]]
            assert await client.Pairs(ins, 10, outs.append) is None
            assert outs == [[PAIR(2, 11)], [PAIR(4, 13), PAIR(6, 15)]]

    run(body)


def test_bad_chunks_and_bad_pipe_arguments_fail_at_the_call_site(wire: str) -> None:
    async def body() -> None:
        async with session(PipesImpl()) as (_server, _impl, client):
            with pytest.raises(ValueError, match=r"LONG_PIPE\[1\]"):
                await client.Sum([[1, 2**40]], lambda c: None)
            with pytest.raises(TypeError, match="PAIR"):
                await client.Pairs([[(1, 2)]], 0, lambda c: None)
            with pytest.raises(TypeError, match="iterable of chunks"):
                await client.Upload(1, b"abc")  # one chunk is not a source of chunks
            with pytest.raises(TypeError, match="callable sink"):
                await client.Download(1, 1, [])
            with pytest.raises(TypeError, match="takes 1 pipes"):
                await client._call(client._idl_interface_.procedures[0], (1,), None, ())
            assert await client.Plain(1) == 2  # the connection is fine

    run(body)


def test_the_async_manager_reads_and_pushes_from_its_own_thread(wire: str) -> None:
    """[async] Sum: a thread of the manager reads the [in] pipe, pushes the [out] pipe, then
    completes; every doubled chunk reaches the sink before the result."""

    async def body() -> None:
        async with session(PipesImpl()) as (_server, _impl, client):
            seen: list[int] = []

            async def values() -> Any:
                for i in range(2000):
                    yield [i, i]

            result = await client.Sum(values(), lambda c: seen.extend(c))
            assert result == SumResult(retval=2 * sum(range(2000)), count=4000)
            assert seen == [2 * i for i in range(2000) for _ in (0, 1)]

    run(body)


def test_the_blocking_client_pumps_and_sinks_in_the_callers_thread(wire: str) -> None:
    data = pattern(0, 1_000_000)
    with ServerThread(PipesImpl()) as st, PipesClient.connect(st.binding) as client:
        threads: set[int] = set()

        def source() -> Any:
            for chunk in chunks_of(data, 10_000):
                threads.add(threading.get_ident())
                yield chunk

        assert client.Upload(5, source()) == len(data) + 5
        got: list[bytes] = []

        def sink(chunk: bytes) -> None:
            threads.add(threading.get_ident())
            got.append(chunk)

        client.Download(len(data), 4096, sink)
        assert b"".join(got) == data
        assert threads == {threading.get_ident()}
        dst: list[bytes] = []
        sizes: list[list[int]] = []
        assert client.Copy(iter([b"xy", b"z"]), 1, dst.append, sizes.append) == 2
        assert (dst, sizes) == ([b"xy", b"z"], [[2], [1]])

        async def asink(chunk: bytes) -> None:
            got.append(chunk)

        got.clear()
        client.Download(10, 4, asink)  # an async sink runs on the client loop, awaited
        assert got == [pattern(0, 4), pattern(4, 4), pattern(8, 2)]
        assert client.Upload(0, achunks_of(b"abc", 1)) == 3  # an async source too
        doubled: list[list[int]] = []
        assert client.Sum([[1], [2, 3]], doubled.append).wait(10) == SumResult(6, 3)
        assert doubled == [[2], [4, 6]]
        outs: list[list[Any]] = []
        client.Pairs(iter([[PAIR(7, 8)]]), 1, outs.append)
        assert outs == [[PAIR(8, 8)]]


def test_a_source_that_raises_reaches_the_caller_and_cancels_the_call(wire: str) -> None:
    class Boom(Exception):
        pass

    def source() -> Any:
        yield b"a" * 1000
        raise Boom("no more")

    async def body() -> None:
        async with session(PipesImpl()) as (_server, impl, client):
            with pytest.raises(Boom):
                await client.Upload(1, source())
            assert await asyncio.to_thread(impl.errors.get, True, 10) == 1818
            call = client.Sum(([1] for _ in iter(int, 1) if _raise(Boom)), lambda c: None)
            with pytest.raises(Boom):
                await call
            assert call.status() == 1818
            assert await client.Plain(2) == 3

    run(body)


def _raise(exc: type[Exception]) -> bool:
    raise exc("from the source")


# More than the server can push before the client's cancel reaches it, whatever holds it
# back: msgpack's window, or on DCE/RPC the receiver's hold and the sockets' buffers.
ENDLESS = 2_000_000_000


def test_a_sink_that_raises_reaches_the_caller(wire: str) -> None:
    def sink(chunk: bytes) -> None:
        raise KeyError("sink")

    async def body() -> None:
        async with session(PipesImpl()) as (_server, impl, client):
            with pytest.raises(KeyError):
                await client.Download(ENDLESS, 1000, sink)
            assert await asyncio.to_thread(impl.errors.get, True, 10) == 1818

    run(body)
    with ServerThread(PipesImpl()) as st, PipesClient.connect(st.binding) as client:
        with pytest.raises(KeyError):
            client.Download(ENDLESS, 1000, sink)
        assert st.impl.errors.get(timeout=10) == 1818
        assert client.Plain(1) == 2


def test_procedures_with_pipes_never_take_the_short_path(wire: str) -> None:
    class Inline(PipesImpl):
        async def Upload(self, tag: int, data: idlrt.PipeReader[bytes]) -> int:
            return tag  # never suspends: an inline routine, but with a pipe

    impl = Inline()
    reg = Registration(impl._idl_interface_, impl, None)
    upload = impl._idl_interface_.procedures[0]
    assert not Op(upload, impl.Upload, True, reg).fast

    async def body() -> None:
        async with session(impl) as (_server, _impl, client):
            assert await client.Upload(9, [b"ignored"] * 3) == 9  # unread: it just ends
            assert await client.Plain(1) == 2

    run(body)


class Interleaving(PipesImpl):
    """Copy pushing to its two [out] pipes in turn: fine on msgpack; NDR sends each pipe
    to its end before the next."""

    async def Copy(
        self,
        h: idlrt.CallContext,
        src: idlrt.PipeReader[bytes],
        n: int,
        dst: idlrt.PipeWriter[bytes],
        sizes: idlrt.PipeWriter[list[int]],
    ) -> int:
        async for chunk in src:
            await dst.push(chunk)
            await sizes.push([len(chunk)])
        return n


def test_out_pipes_in_turn_work_on_msgpack_and_fail_with_1831_on_dcerpc(wire: str) -> None:
    async def body() -> None:
        async with session(Interleaving()) as (_server, _impl, client):
            dst: list[bytes] = []
            sizes: list[list[int]] = []
            if wire == "msgpack":
                assert await client.Copy([b"a", b"bc"], 3, dst.append, sizes.append) == 3
                assert (dst, sizes) == ([b"a", b"bc"], [[1], [2]])
            else:
                with pytest.raises(idlrt.RpcError) as err:
                    await client.Copy([b"a", b"bc"], 3, dst.append, sizes.append)
                assert err.value.code == idlrt.status.RPC_X_WRONG_PIPE_ORDER
            assert await client.Plain(1) == 2  # the connection goes on

    run(body)


def test_no_pipe_state_outlives_its_calls(wire: str) -> None:
    before = pipe_objects()

    async def body() -> None:
        async with session(PipesImpl()) as (_server, _impl, client):
            for _ in range(3):
                await client.Copy([b"ab"], 1, lambda c: None, lambda c: None)
                await client.Sum([[1]], lambda c: None)

    run(body)
    assert pipe_objects() == before


def test_a_pipe_of_a_million_chunks(wire: str) -> None:
    n = 1_000_000

    async def ones() -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"1"

    async def body() -> None:
        async with session() as (_server, impl, client):
            start = time.monotonic()
            assert await client.Upload(0, ones()) == n
            assert impl.chunks == n
            elapsed = time.monotonic() - start
            assert elapsed < 120, f"{n} chunks took {elapsed:.1f} s"

    asyncio.run(asyncio.wait_for(body(), 180))  # a bound of its own: a long stream

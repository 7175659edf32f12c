"""The runtime's fast paths keep the semantics: routines run inline, writes straight through,
replies flushed at the end of ``data_received``, and pipelined traffic still coalesced."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import sys
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from calc_stubs import CalcAsyncClient
from rt_helpers import Impl, fault_detail, run, serving
from test_rt_units import _framed, _Recorder, _Transport

import idlrt
from idlrt.connection import BIG_FRAME, FLUSH_AT
from idlrt.registry import never_suspends
from support import sending

SEEN: contextvars.ContextVar[int] = contextvars.ContextVar("SEEN", default=0)


class InlineImpl(Impl):
    """``Add`` is an ``async def`` without ``await`` (run inline); ``Echo`` really suspends."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[object] = []
        self.tasks: list[asyncio.Task[Any] | None] = []

    async def Add(self, a: int, b: int) -> int:  # type: ignore[override]
        self.peers.append(idlrt.call_context().peer)
        SEEN.set(SEEN.get() + 1)  # in a context of the call's own: never seen by the next one
        if a < 0:
            raise idlrt.RpcError(-a, "negative")
        if a == 7:
            raise KeyError("seven")
        if a == 8:
            return 1 << 40  # does not fit a long: the reply cannot be encoded
        return a + b + 1000 * (SEEN.get() - 1)

    async def Echo(self, s: str) -> str:  # type: ignore[override]
        self.tasks.append(asyncio.current_task())
        async with asyncio.timeout(5):
            await asyncio.sleep(0)
        idlrt.call_context()
        return s


@pytest.mark.wire_free
def test_never_suspends() -> None:
    async def plain(x: int) -> int:
        return x

    async def awaits(x: int) -> int:
        await asyncio.sleep(0)
        return x

    async def with_timeout(x: int) -> int:
        async with asyncio.timeout(1):
            return x

    async def comprehension(xs: Any) -> list[int]:
        return [x async for x in xs]

    def sync(x: int) -> int:
        return x

    impl = InlineImpl()
    assert never_suspends(plain) and never_suspends(impl.Add)
    assert not never_suspends(awaits) and not never_suspends(impl.Echo)
    assert not never_suspends(with_timeout) and not never_suspends(comprehension)
    assert not never_suspends(sync)


def test_inline_coroutine_routines(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        impl = InlineImpl()
        async with (
            serving(impl) as (server, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            assert [await c.Add(i, 1) for i in range(3)] == [1, 2, 3]
            results = await asyncio.gather(*(c.Add(i, 1) for i in range(10, 60)))
            assert results == list(range(11, 61))
            assert len(impl.peers) == 53 and impl.peers[0] is not None
            assert SEEN.get() == 0
            with pytest.raises(idlrt.RpcError) as err:
                await c.Add(-5, 0)
            assert (err.value.code, err.value.detail) == (5, fault_detail("negative"))
            with caplog.at_level(logging.ERROR, "idlrt"), pytest.raises(idlrt.RpcError) as err:
                await c.Add(7, 0)
            assert err.value.code == idlrt.status.RPC_S_CALL_FAILED
            with pytest.raises(idlrt.RpcError) as err:
                await c.Add(8, 0)
            assert err.value.code == idlrt.status.RPC_X_BAD_STUB_DATA
            # a routine that suspends still runs in a task of its own, with timeouts working
            assert await asyncio.gather(c.Echo("a"), c.Echo("b")) == ["a", "b"]
            assert all(task is not None for task in impl.tasks)
            assert server.stats().calls_in_progress == 0
        assert "Add raised" in caplog.text

    run(body)


def test_pipelined_calls_are_coalesced() -> None:
    """Replies produced while one batch of requests is handled leave in few writes."""

    async def body() -> None:
        impl = InlineImpl()
        async with (
            serving(impl) as (server, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            (conn,) = server._connections
            transport = conn.transport
            assert transport is not None
            writes = 0
            write = transport.write

            def counting(data: Any) -> None:
                nonlocal writes
                writes += 1
                write(data)

            transport.write = counting  # type: ignore[method-assign]
            n = 400
            assert await asyncio.gather(*(c.Add(i, 0) for i in range(9, n))) == list(range(9, n))
            assert writes < n // 4
            writes = 0
            assert await c.Add(1, 1) == 2  # a lone call is answered in one write
            assert writes == 1
            assert not conn._wbuf and not c._conn._wbuf

    run(body)


class _Replier(_Recorder):
    """Answers every payload with one small frame, as a server answers inline routines."""

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        super().on_payload(header, payload)
        self.send(b"r")


@pytest.mark.msgpack_only
def test_framing_in_random_reads_and_writes_at_the_end_of_data_received() -> None:
    async def body() -> None:
        proto = _Replier(asyncio.get_running_loop(), 1 << 20)
        transport = _Transport()
        proto.connection_made(transport)
        big = b"z" * 200_000  # fed in several chunks
        frames = [
            ([3, 1, 0, 0], [1, 2]),
            ([3, 2, 0, 0], [big]),
            ([3, 3, 0, 0], ["x" * 70_000]),
            ([3, 4, 0, 0], []),
        ]
        stream = msgpack.packb([6, 9, False]) + b"".join(_framed(h, p) for h, p in frames)
        rng = random.Random(7)
        for _ in range(20):
            proto.got.clear()
            pos = 0
            while pos < len(stream):
                n = rng.choice((1, 3, 50, 4000, 70_000, 150_000))
                proto.data_received(stream[pos : pos + n])
                pos += n
            assert proto.got[0] == [6, 9, False]
            assert [(h[:4], p) for h, p in proto.got[1:]] == frames
        assert not transport.closed
        # the replies left at the end of each data_received: nothing waits for a loop pass
        assert b"".join(transport.written) == b"r" * 80 and not proto._wbuf
        transport.written.clear()
        proto.data_received(stream)
        assert transport.written == [b"rrrr"]
        # a big frame is written at once, after what was queued before it
        transport.written.clear()
        proto.send(b"a")
        proto.send2(b"h", b"p" * BIG_FRAME)
        assert transport.written == [b"a", b"h" + b"p" * BIG_FRAME]
        await asyncio.sleep(0)
        assert len(transport.written) == 2

    asyncio.run(body())


def test_fast_dispatch_and_general_dispatch_agree(caplog: pytest.LogCaptureFixture) -> None:
    """``Op.fast`` calls (inline routine, no security callback, no handles) take dispatch's
    short path; a security callback sends the same routine down the general one. Both give
    the same results, faults and counts."""

    async def outcomes(security: bool) -> list[object]:
        impl = InlineImpl()
        server = idlrt.Server()
        server.register(impl, security_callback=(lambda ctx: True) if security else None)
        (reg,) = server._registry.values()
        add = reg.ops[0]
        # 3.12 runs such routines as eager tasks instead (registry.Op.inline)
        inline = sys.version_info < (3, 12)
        assert add.proc.name == "Add" and add.inline is inline
        assert add.fast is (inline and not security)
        got: list[object] = []
        try:
            binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
            async with await CalcAsyncClient.connect(binding) as c:
                for a in (1, -5, 7, 8, 2):
                    try:
                        got.append(await c.Add(a, 1))
                    except idlrt.RpcError as exc:
                        got.append((exc.code, exc.detail))
                with pytest.raises(idlrt.RpcError) as err:
                    # arguments that do not fit (on DCE/RPC: a stub too short for two longs)
                    await c._call(sending(add.proc, [1, 2, 3], ndr=b"\x01\0\0\0"), ())
                got.append(err.value.code)
                stats = server.stats()
                got.append((stats.calls_in_progress, stats.calls_total))
        finally:
            await server.stop()
        return got

    with caplog.at_level(logging.ERROR, "idlrt"):
        fast = run(lambda: outcomes(False))
        general = run(lambda: outcomes(True))
    assert fast == general
    assert fast[:5] == [2, (5, fault_detail("negative")), (1726, None), fast[3], 3]
    assert isinstance(fast[3], tuple) and fast[3][0] == idlrt.status.RPC_X_BAD_STUB_DATA
    assert fast[5] == idlrt.status.RPC_X_BAD_STUB_DATA and fast[6] == (0, 5)  # refused: uncounted


@pytest.mark.msgpack_only
def test_a_long_batch_leaves_in_pieces_while_it_is_built() -> None:
    """The peer gets the first FLUSH_AT pieces of a long batch before the rest is made."""

    async def body() -> None:
        loop = asyncio.get_running_loop()
        proto = _Replier(loop, 1 << 20)
        transport = _Transport()
        proto.connection_made(transport)
        written_when_handled: list[int] = []
        handle = proto.on_payload

        def watching(header: list[Any], payload: bytes) -> None:
            written_when_handled.append(len(b"".join(transport.written)))
            handle(header, payload)

        proto.on_payload = watching  # type: ignore[method-assign]
        n = 2 * FLUSH_AT + 10
        proto.data_received(b"".join(_framed([3, i, 0, 0], [i]) for i in range(n)))
        # one reply per frame: pieces of FLUSH_AT, and the rest when data_received returns
        assert [len(w) for w in transport.written] == [FLUSH_AT, FLUSH_AT, 10]
        assert written_when_handled[FLUSH_AT] == FLUSH_AT  # written before frame 65 was read
        assert not proto._wbuf
        # outside data_received the same: pieces at once, the rest at the end of the pass
        transport.written.clear()
        for _ in range(FLUSH_AT // 2 + 3):  # a frame is two pieces here
            proto.send2(b"h", b"p")
        assert transport.written == [b"hp" * (FLUSH_AT // 2)]
        await asyncio.sleep(0)
        assert transport.written[1:] == [b"hp" * 3] and not proto._wbuf

    asyncio.run(body())

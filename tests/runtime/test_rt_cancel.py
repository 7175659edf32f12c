"""Per-call timeouts, cancels seen by synchronous and coroutine routines, and stop(grace)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from calc_stubs import (
    CalcAsyncClient,
    CalcClient,
    CounterAsyncClient,
    SlowResult,
    _P_Add,
    _P_Slow,
)
from rt_helpers import CounterImpl, Impl, ServerThread, quiet, run, serving, wait_until

import idlrt
from idlrt import status


class Polling(Impl):
    """Routines that, given 0, run until they see their call cancelled (MS RpcTestCancel)."""

    def __init__(self) -> None:
        super().__init__()
        self.saw: dict[str, threading.Event] = {
            n: threading.Event() for n in ("Add", "Who", "Echo")
        }

    def _poll(self, name: str, ctx: idlrt.CallContext) -> None:
        deadline = time.monotonic() + 10
        while not ctx.test_cancel() and time.monotonic() < deadline:
            time.sleep(0.002)  # the routine's own work loop
        if ctx.test_cancel():
            self.saw[name].set()

    def Add(self, a: int, b: int) -> int:
        if a == 0:
            self._poll("Add", idlrt.call_context())  # no handle_t: the current call's context
        return a + b

    def Who(self, h: idlrt.CallContext, x: int) -> int:
        if x == 0:
            self._poll("Who", h)
        return x + 1

    async def Echo(self, s: str) -> str:  # type: ignore[override]
        ctx = idlrt.call_context()  # works in a coroutine routine too
        deadline = time.monotonic() + 10
        while s == "wait" and not ctx.test_cancel() and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        if ctx.test_cancel():
            self.saw["Echo"].set()
        return s


def _code(exc: pytest.ExceptionInfo[idlrt.RpcError]) -> int:
    return exc.value.code


def test_per_call_timeout_and_client_default() -> None:
    async def body() -> None:
        impl = Polling()
        async with serving(impl) as (server, binding, _):
            async with await CalcAsyncClient.connect(binding) as c:
                with pytest.raises(idlrt.RpcError) as err:
                    await c._call(_P_Add, (0, 2), timeout=0.05)
                assert _code(err) == status.RPC_S_CALL_CANCELLED and "timeout" in str(err.value)
                assert await asyncio.to_thread(impl.saw["Add"].wait, 5)  # the server was told
                assert await c._call(_P_Add, (1, 2), timeout=5) == 3  # in time
                # [async]: the AsyncCall ends with 1818, the handle is cancelled.
                call = c._start(_P_Slow, (5,), timeout=0.05)
                handle = await impl.next_handle()
                with pytest.raises(idlrt.RpcError) as err:
                    await call
                assert _code(err) == status.RPC_S_CALL_CANCELLED
                await wait_until(lambda: handle.cancelled)
                handle.complete(1, c=1)  # quiet: the client has gone from this call
                await wait_until(lambda: quiet(server))
            async with await CalcAsyncClient.connect(binding, call_timeout=0.05) as c:
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Who(0)
                assert _code(err) == status.RPC_S_CALL_CANCELLED
                assert await asyncio.to_thread(impl.saw["Who"].wait, 5)
                call = c.Slow(5)
                handle = await impl.next_handle()
                with pytest.raises(idlrt.RpcError) as err:
                    await call
                assert _code(err) == status.RPC_S_CALL_CANCELLED
                handle.abort(status.RPC_S_CALL_CANCELLED)  # quiet
                with pytest.raises(idlrt.RpcError) as err:  # an explicit value wins
                    await c._call(_P_Add, (0, 1), timeout=0.2)
                assert _code(err) == status.RPC_S_CALL_CANCELLED
                fast = c._start(_P_Slow, (6,), timeout=5)
                handle = await impl.next_handle()
                await asyncio.sleep(0.1)  # longer than call_timeout: the explicit 5 s applies
                handle.complete(6, c=6)
                assert await fast == SlowResult(6, 6)
            await wait_until(lambda: quiet(server))

    run(body)


def test_cancelling_a_task_is_seen_by_a_coroutine_routine() -> None:
    async def body() -> None:
        impl = Polling()
        async with serving(impl) as (server, binding, _):
            async with await CalcAsyncClient.connect(binding) as c:
                task = asyncio.ensure_future(c.Echo("wait"))
                await wait_until(lambda: server.stats().calls_in_progress == 1)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert await asyncio.to_thread(impl.saw["Echo"].wait, 5)
                assert await c.Echo("next") == "next"
            await wait_until(lambda: quiet(server))

    run(body)


def test_blocking_client_timeouts() -> None:
    with ServerThread(Polling()) as st, CalcClient.connect(st.binding, call_timeout=0.05) as c:
        with pytest.raises(idlrt.RpcError) as err:
            c.Add(0, 1)
        assert _code(err) == status.RPC_S_CALL_CANCELLED
        assert st.impl.saw["Add"].wait(5)
        assert c.Add(1, 1) == 2
        call = c.Slow(5)
        handle = st.impl.take()
        with pytest.raises(idlrt.RpcError) as err:
            call.wait(5)
        assert _code(err) == status.RPC_S_CALL_CANCELLED
        handle.complete(0, c=0)
        c.call_timeout = None
        assert c._call(_P_Add, (2, 2), timeout=5) == 4


@pytest.mark.wire_free
def test_call_context_outside_a_call_is_1725() -> None:
    with pytest.raises(idlrt.RpcError) as err:
        idlrt.call_context()
    assert _code(err) == status.RPC_S_NO_CALL_ACTIVE


def test_disconnect_marks_a_running_routine_cancelled() -> None:
    async def body() -> None:
        impl = Polling()
        async with serving(impl) as (server, binding, _):
            c = await CalcAsyncClient.connect(binding)
            task = asyncio.ensure_future(c.Add(0, 5))
            await wait_until(lambda: server.stats().calls_in_progress == 1)
            c._conn.transport.abort()  # type: ignore[union-attr]
            with pytest.raises(idlrt.RpcError) as err:
                await task
            assert _code(err) == status.RPC_S_CALL_FAILED
            assert await asyncio.to_thread(impl.saw["Add"].wait, 5)
            await wait_until(lambda: quiet(server) and server.stats().connections == 0)

    run(body)


def test_stop_with_grace_finishes_then_cancels_and_runs_down() -> None:
    async def body() -> None:
        impl, counter = Impl(), CounterImpl()
        server = idlrt.Server()
        server.register(impl)
        server.register(counter)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        c = await CalcAsyncClient.connect(binding)
        k = await CounterAsyncClient.connect(binding)
        h = (await k.Open(1)).ph
        assert h is not None
        held = k.Hold(h)
        hold = await counter.next_handle()
        finished, abandoned = c.Slow(1000), c.Slow(2000)
        h1, h2 = await impl.next_handle(), await impl.next_handle()
        impl.release_slow_add.clear()
        add = asyncio.ensure_future(c.Add(20, 22))
        await asyncio.to_thread(impl.add_entered.wait, 5)
        events: list[str] = []
        h2.on_cancel(lambda _: events.append("cancel"))
        h2.on_disconnect(lambda _: events.append("disconnect"))
        stopping = asyncio.ensure_future(server.stop(grace=0.5))
        await wait_until(lambda: server.stopping)
        with pytest.raises(idlrt.RpcError) as err:  # no new calls while stopping
            await c.Echo("late")
        assert _code(err) == status.RPC_S_SERVER_UNAVAILABLE
        h1.complete(1, c=1)  # calls in progress may finish within the grace
        impl.release_slow_add.set()
        assert await finished == SlowResult(1, 1) and await add == 42
        assert not h2.cancelled
        await stopping
        for call in (abandoned, held):  # the rest are cancelled: the connection drops
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert _code(err) == status.RPC_S_CALL_FAILED
        assert events == ["cancel", "disconnect"] and hold.cancelled
        assert [t.value for t in counter.rundowns] == [1]  # type: ignore[attr-defined]
        assert quiet(server) and server.stats().connections == 0
        h2.complete(0, c=0)
        await server.stop()  # idempotent: nothing runs twice
        assert len(counter.rundowns) == 1 and events == ["cancel", "disconnect"]
        with pytest.raises(idlrt.RpcError) as err:
            await CalcAsyncClient.connect(binding)
        assert _code(err) == status.RPC_S_SERVER_UNAVAILABLE
        await c.close()
        await k.close()

    run(body)

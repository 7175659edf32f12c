"""The client's AsyncCall: status, result, callbacks, wait, await from other loops, cancel."""

from __future__ import annotations

import asyncio
import threading

import pytest
from calc_stubs import CalcAsyncClient, CalcClient, SlowResult
from rt_helpers import ServerThread, run, serving

import idlrt
from idlrt import status


def test_status_and_result_while_pending() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(5)
            handle = await impl.next_handle()
            assert call.status() == status.RPC_S_ASYNC_CALL_PENDING and not call.done()
            for _ in range(2):  # asking does not end the call
                with pytest.raises(idlrt.RpcError) as err:
                    call.result()
                assert err.value.code == status.RPC_S_ASYNC_CALL_PENDING
            assert call.procedure == "Slow" and "Slow" in repr(call)
            handle.complete(5, c=6)
            assert await call == SlowResult(5, 6)
            assert call.status() == 0 and call.done()
            assert call.result() == SlowResult(5, 6)

    run(body)


def test_done_callbacks_run_exactly_once() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(5)
            handle = await impl.next_handle()
            seen: list[str] = []
            done = asyncio.Event()
            call.add_done_callback(lambda cl: seen.append(f"early {cl.status()}"))
            call.add_done_callback(lambda cl: done.set())
            handle.complete(1, c=2)
            await done.wait()
            call.add_done_callback(lambda cl: seen.append(f"late {cl.status()}"))
            call.cancel(abortive=True)  # a finished call is left alone
            await call
            await call
            assert seen == ["early 0", "late 0"]
            assert call.result() == SlowResult(1, 2)

    run(body)


def test_wait_from_a_thread_with_blocking_client() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding) as client:
        call = client.Slow(5)
        handle = st.impl.take()
        with pytest.raises(TimeoutError):
            call.wait(0.05)
        assert call.status() == status.RPC_S_ASYNC_CALL_PENDING
        threading.Thread(target=handle.complete, args=(3,), kwargs={"c": 4}).start()
        assert call.wait(5) == SlowResult(3, 4)
        assert client.Add(1, 2) == 3


def test_await_from_another_event_loop() -> None:
    # The call lives on the blocking clients' shared loop; await it from a loop of our own.
    with ServerThread() as st, CalcClient.connect(st.binding) as client:
        call = client.Slow(5)
        handle = st.impl.take()

        async def waiter() -> SlowResult:
            task = asyncio.ensure_future(_await(call))
            await asyncio.sleep(0)
            threading.Thread(target=handle.complete, args=(9,), kwargs={"c": 10}).start()
            return await task

        assert run(waiter) == SlowResult(9, 10)


async def _await(call: idlrt.AsyncCall[SlowResult]) -> SlowResult:
    return await call


def test_wait_on_the_loop_thread_is_refused() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(5)
            handle = await impl.next_handle()
            with pytest.raises(RuntimeError):
                call.wait(1)
            handle.complete(0, c=0)
            await call

    run(body)


def test_abortive_cancel() -> None:
    async def body() -> None:
        async with (
            serving() as (server, binding, impl),
            await CalcAsyncClient.connect(binding) as c,
        ):
            call = c.Slow(5)
            handle = await impl.next_handle()
            cancelled = asyncio.Event()
            loop = asyncio.get_running_loop()
            handle.on_cancel(lambda h: loop.call_soon_threadsafe(cancelled.set))
            call.cancel(abortive=True)
            assert call.status() == status.RPC_S_CALL_CANCELLED  # at once
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == status.RPC_S_CALL_CANCELLED
            await cancelled.wait()
            assert handle.cancelled and handle.test_cancel()
            assert server.stats().calls_in_progress == 0
            handle.complete(1, c=1)  # the client is gone: quiet, nothing sent
            assert call.status() == status.RPC_S_CALL_CANCELLED
            assert await c.Add(2, 2) == 4  # the connection is fine

    run(body)


def test_abortive_cancel_from_another_thread() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding) as client:
        call = client.Slow(5)
        handle = st.impl.take()
        t = threading.Thread(target=call.cancel, kwargs={"abortive": True})
        t.start()
        t.join(5)
        assert call.status() == status.RPC_S_CALL_CANCELLED
        gone = threading.Event()
        handle.on_cancel(lambda h: gone.set())
        assert gone.wait(5)
        handle.complete(1, c=1)
        assert client.Add(1, 1) == 2


def test_non_abortive_cancel() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(5)
            handle = await impl.next_handle()
            cancelled = asyncio.Event()
            loop = asyncio.get_running_loop()
            handle.on_cancel(lambda h: loop.call_soon_threadsafe(cancelled.set))
            call.cancel()
            await cancelled.wait()
            assert handle.test_cancel() and not call.done()
            handle.abort(status.RPC_S_CALL_CANCELLED)  # by convention
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == status.RPC_S_CALL_CANCELLED

            call2 = c.Slow(6)  # the server may still complete a cancelled call
            handle2 = await impl.next_handle()
            cancelled.clear()
            handle2.on_cancel(lambda h: loop.call_soon_threadsafe(cancelled.set))
            call2.cancel()
            await cancelled.wait()
            seen: list[bool] = []
            handle2.on_cancel(lambda h: seen.append(h.cancelled))  # already happened: runs now
            assert seen == [True]
            handle2.complete(6, c=6)
            assert await call2 == SlowResult(6, 6)

    run(body)


def test_cancelling_the_awaiting_task_cancels_the_call() -> None:
    async def body() -> None:
        async with (
            serving() as (server, binding, impl),
            await CalcAsyncClient.connect(binding) as c,
        ):
            impl.release_slow_add.clear()
            task = asyncio.ensure_future(c.Add(1, 2))
            await asyncio.to_thread(impl.add_entered.wait, 5)
            assert server.stats().calls_in_progress == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            impl.release_slow_add.set()
            assert await c.Add(3, 4) == 7

    run(body)


def test_call_after_close_is_1727() -> None:
    async def body() -> None:
        async with serving() as (_, binding, _):
            c = await CalcAsyncClient.connect(binding)
            await c.close()
            with pytest.raises(idlrt.RpcError) as err:
                await c.Add(1, 1)
            assert err.value.code == status.RPC_S_CALL_FAILED_DNE
            call = c.Ping()
            assert call.status() == status.RPC_S_CALL_FAILED_DNE

    run(body)

"""End-to-end calls over real sockets: sync, asyncio, [async] handles, faults, binding."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from calc_stubs import (
    CALC_UUID,
    CalcAsyncClient,
    CalcClient,
    CalcManager,
    SlowResult,
    call_extra,
    variant,
)
from rt_helpers import Impl, ServerThread, fault_detail, run, serving

import idlrt
from idlrt import status


def test_blocking_client_call() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding, timeout=5) as client:
        assert client.Add(2, 3) == 5
        assert client.Echo("héllo") == "héllo"
        assert client.binding == st.binding


def test_blocking_client_from_many_threads() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding) as client:
        results: list[int] = []

        def worker(i: int) -> None:
            results.extend(client.Add(i, j) for j in range(20))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert sorted(results) == sorted(i + j for i in range(4) for j in range(20))


def test_async_client_call_and_coroutine_routine() -> None:
    async def body() -> None:
        async with serving() as (server, binding, _), await CalcAsyncClient.connect(binding) as c:
            assert await c.Add(40, 2) == 42
            assert await c.Echo("x" * 1000) == "x" * 1000
            assert server.stats().calls_total == 2

    run(body)


def test_ncalrpc_unix_socket(tmp_path: object) -> None:
    path = f"{tmp_path}/calc.sock"

    async def body() -> None:
        async with serving(binding=f"ncalrpc:[{path}]") as (_, binding, impl):
            assert binding == f"ncalrpc:[{path}]"
            async with await CalcAsyncClient.connect(binding) as c:
                assert await c.Add(1, 1) == 2
                assert await c.Who(7) == 8
            ctx = impl.contexts[0]
            assert ctx.protseq == "ncalrpc"
            assert ctx.credentials is None or ctx.credentials.pid > 0
            with pytest.raises(idlrt.RpcError) as err:  # the path is taken
                await idlrt.Server().listen(binding)
            assert err.value.code == status.RPC_S_DUPLICATE_ENDPOINT

    run(body)


def test_explicit_handle_gets_call_context() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            assert await c.Who(1) == 2
            ctx = impl.contexts[0]
            assert isinstance(ctx, idlrt.CallContext)
            assert (ctx.interface, ctx.uuid, ctx.version) == ("Calc", CALC_UUID, (1, 2))
            assert (ctx.opnum, ctx.procedure, ctx.protseq) == (3, "Who", "ncacn_ip_tcp")
            assert isinstance(ctx.peer, tuple) and ctx.peer[0] == "127.0.0.1"

    run(body)


def test_async_complete_from_another_task() -> None:
    async def body() -> None:
        async with (
            serving() as (server, binding, impl),
            await CalcAsyncClient.connect(binding) as c,
        ):
            call = c.Slow(10)
            handle = await impl.next_handle()
            assert server.stats().calls_in_progress == 1
            assert handle.context.procedure == "Slow" and not handle.done

            async def finisher() -> None:
                handle.complete(7, c=8)

            await asyncio.create_task(finisher())
            assert handle.done
            assert await call == SlowResult(7, 8)
            assert call.status() == 0
            assert server.stats().calls_in_progress == 0

    run(body)


def test_async_complete_from_another_thread() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            calls = [c.Slow(i) for i in range(2, 6)]
            handles = [await impl.next_handle() for _ in calls]
            threads = [
                threading.Thread(target=h.complete, args=(i,), kwargs={"c": -i})
                for i, h in enumerate(handles)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(5)
            results = {await call for call in calls}
            assert results == {SlowResult(i, -i) for i in range(4)}

    run(body)


def test_void_async_and_generic_complete() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Ping()
            handle = await impl.next_handle()
            handle.complete()
            await call
            assert call.status() == 0
            # The generic AsyncHandle.complete encodes like a synchronous routine's result.
            call2 = c.Slow(3)
            h2 = await impl.next_handle()
            idlrt.AsyncHandle.complete(h2, (1, 2))
            assert await call2 == SlowResult(1, 2)

    run(body)


def test_abort_with_code_and_abort_zero() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(3)
            handle = await impl.next_handle()
            with pytest.raises(idlrt.RpcError) as err:
                handle.abort(0)
            assert err.value.code == status.RPC_S_INVALID_ARG
            assert not handle.done and not call.done()
            handle.abort(0x2001)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == 0x2001
            assert call.status() == 0x2001

    run(body)


def test_second_complete_raises_1914() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(3)
            handle = await impl.next_handle()
            handle.complete(1, c=1)
            with pytest.raises(idlrt.RpcError) as err:
                handle.complete(2, c=2)
            assert err.value.code == status.RPC_S_INVALID_ASYNC_HANDLE
            with pytest.raises(idlrt.RpcError) as err:
                handle.abort(5)
            assert err.value.code == status.RPC_S_INVALID_ASYNC_HANDLE
            assert await call == SlowResult(1, 1)

    run(body)


def test_complete_with_bad_value_keeps_call_open() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Slow(3)
            handle = await impl.next_handle()
            with pytest.raises(idlrt.RpcError) as err:
                handle.complete(2**40, c=0)
            assert err.value.code == status.RPC_X_BAD_STUB_DATA
            assert "Slow.retval" in str(err.value)
            assert not handle.done
            handle.abort(1783)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == 1783

    run(body)


def test_routine_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        async with serving() as (server, binding, _), await CalcAsyncClient.connect(binding) as c:
            with pytest.raises(idlrt.RpcError) as err:
                await c.Fail(0)
            assert err.value.code == status.RPC_S_CALL_FAILED
            assert "secret" not in str(err.value)
            with pytest.raises(idlrt.RpcError) as err:
                await c.Fail(5000)
            assert (err.value.code, err.value.detail) == (5000, fault_detail("from Fail"))
            # An [async] routine raising before it returns faults its call.
            with pytest.raises(idlrt.RpcError) as err:
                await c.Slow(-1234)
            assert err.value.code == 1234
            with pytest.raises(idlrt.RpcError) as err:
                await c.Slow(1)
            assert err.value.code == status.RPC_S_CALL_FAILED
            assert server.stats().calls_in_progress == 0

    with caplog.at_level(logging.ERROR, logger="idlrt"):
        run(body)
    messages = [r.getMessage() for r in caplog.records]
    assert any("Fail" in m for m in messages) and any("Slow" in m for m in messages)


def test_bad_argument_values_are_refused_at_the_client() -> None:
    async def body() -> None:
        async with serving() as (_, binding, _), await CalcAsyncClient.connect(binding) as c:
            with pytest.raises(ValueError, match=r"^Add\.a: 2147483648 does not fit long$"):
                await c.Add(2**31, 0)
            assert await c.Add(1, 2) == 3  # nothing was sent: the connection is as it was

    run(body)


def test_unknown_interface_version_and_uuid() -> None:
    async def body() -> None:
        async with serving() as (_, binding, _):
            for cls in (
                variant("Newer", version=(1, 3)),
                variant("OtherMajor", version=(2, 0)),
                variant("Other", uuid="00000000-0000-0000-0000-000000000001"),
            ):
                with pytest.raises(idlrt.RpcError) as err:
                    await cls.connect(binding)
                assert err.value.code == status.RPC_S_UNKNOWN_IF
            older = await variant("Older", version=(1, 0)).connect(binding)
            assert await older.Add(1, 2) == 3
            await older.close()

    run(body)


def test_unknown_opnum() -> None:
    async def body() -> None:
        async with serving() as (_, binding, _):
            client = await variant("Bigger", extra=1).connect(binding)
            with pytest.raises(idlrt.RpcError) as err:
                await call_extra(client, 6)
            assert err.value.code == status.RPC_S_PROCNUM_OUT_OF_RANGE
            assert await client.Add(1, 1) == 2
            await client.close()

    run(body)


def test_unimplemented_routine_is_1764() -> None:
    class Bare(Impl):
        Add = CalcManager.Add  # the generated default

    async def body() -> None:
        async with serving(Bare()) as (_, binding, _), await CalcAsyncClient.connect(binding) as c:
            with pytest.raises(idlrt.RpcError) as err:
                await c.Add(1, 1)
            assert err.value.code == status.RPC_S_CANNOT_SUPPORT

    run(body)


def test_calls_are_multiplexed() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            slow = c.Slow(10_000)
            handle = await impl.next_handle()
            assert [await c.Add(i, i) for i in range(5)] == [0, 2, 4, 6, 8]
            assert await asyncio.gather(*(c.Echo(str(i)) for i in range(50))) == [
                str(i) for i in range(50)
            ]
            assert not slow.done()
            handle.complete(0, c=0)
            assert await slow == SlowResult(0, 0)

    run(body)


def test_security_callback() -> None:
    seen: list[idlrt.CallContext] = []

    def only_add(ctx: idlrt.CallContext) -> bool:
        seen.append(ctx)
        return ctx.procedure == "Add"

    async def body() -> None:
        server = idlrt.Server()
        server.register(Impl(), security_callback=only_add)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        async with server, await CalcAsyncClient.connect(binding) as c:
            assert await c.Add(1, 2) == 3
            with pytest.raises(idlrt.RpcError) as err:
                await c.Echo("no")
            assert err.value.code == status.RPC_S_ACCESS_DENIED
        assert [ctx.procedure for ctx in seen] == ["Add", "Echo"]

    run(body)


@pytest.mark.wire_free
def test_register_twice_and_bad_manager() -> None:
    server = idlrt.Server()
    server.register(Impl())
    with pytest.raises(idlrt.RpcError) as err:
        server.register(Impl())
    assert err.value.code == status.RPC_S_ALREADY_REGISTERED
    with pytest.raises(TypeError):
        server.register(object())


def test_listen_twice_and_ipv6() -> None:
    async def body() -> None:
        async with serving() as (server, binding, _):
            assert binding.startswith("ncacn_ip_tcp:127.0.0.1[") and not binding.endswith("[0]")
            try:
                second = await server.listen("ncacn_ip_tcp:::1[0]")
            except idlrt.RpcError:
                pytest.skip("no IPv6 loopback")
            assert second.startswith("ncacn_ip_tcp:::1[")
            for b in (binding, second):
                async with await CalcAsyncClient.connect(b) as c:
                    assert await c.Add(1, 2) == 3
            port = idlrt.Binding.parse(binding).port
            with pytest.raises(idlrt.RpcError) as err:
                await server.listen(f"ncacn_ip_tcp:127.0.0.1[{port}]")
            assert err.value.code == status.RPC_S_DUPLICATE_ENDPOINT

    run(body)

"""Bad input, limits, disconnects, dropped handles and stopping: one connection's trouble
never reaches the server or the other connections."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket

import msgpack  # type: ignore[import-untyped]
import pytest
from calc_stubs import CalcAsyncClient, CalcClient, SlowResult
from rt_helpers import Impl, RawClient, ServerThread, run, serving

import idlrt
from idlrt import status


@pytest.mark.wire_free
def test_malformed_binding_is_1700() -> None:
    for text in (
        "",
        "ncacn_ip_tcp",
        "ncacn_ip_tcp:localhost[99999]",
        "ncacn_ip_tcp:localhost[1,wire=grpc]",
        "ncacn_ip_tcp:localhost[1,colour=red]",
        "ncacn_ip_tcp:local host[1]",
        "ncacn_np:host[\\pipe\\x]",
        "ncalrpc:",
        "ncalrpc:[]",
        "ncalrpc:path",
    ):
        with pytest.raises(idlrt.RpcError) as err:
            CalcClient.connect(text)
        assert err.value.code == status.RPC_S_INVALID_STRING_BINDING, text

    async def body() -> None:
        with pytest.raises(idlrt.RpcError) as err:
            await CalcAsyncClient.connect("tcp:1.2.3.4[5]")
        assert err.value.code == status.RPC_S_INVALID_STRING_BINDING
        with pytest.raises(idlrt.RpcError) as err:
            await idlrt.Server().listen("nonsense")
        assert err.value.code == status.RPC_S_INVALID_STRING_BINDING

    run(body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_unreachable_is_1722(tmp_path: object) -> None:
    for binding in (
        f"ncacn_ip_tcp:127.0.0.1[{_free_port()}]",
        f"ncalrpc:[{tmp_path}/nobody.sock]",
    ):
        with pytest.raises(idlrt.RpcError) as err:
            CalcClient.connect(binding, timeout=5)
        assert err.value.code == status.RPC_S_SERVER_UNAVAILABLE

    async def body() -> None:
        with pytest.raises(idlrt.RpcError) as err:
            await CalcAsyncClient.connect(f"ncacn_ip_tcp:127.0.0.1[{_free_port()}]")
        assert err.value.code == status.RPC_S_SERVER_UNAVAILABLE

    run(body)


def test_max_calls_is_1723() -> None:
    async def body() -> None:
        async with serving(max_calls=2) as (server, binding, impl):
            c = await CalcAsyncClient.connect(binding)
            parked = [c.Slow(i + 10) for i in range(2)]
            handles = [await impl.next_handle() for _ in parked]
            with pytest.raises(idlrt.RpcError) as err:
                await c.Add(1, 1)
            assert err.value.code == status.RPC_S_SERVER_TOO_BUSY
            assert server.stats().calls_in_progress == 2
            for i, h in enumerate(handles):
                h.complete(i, c=i)
            assert [await p for p in parked] == [SlowResult(0, 0), SlowResult(1, 1)]
            assert await c.Add(1, 1) == 2
            await c.close()

    run(body)


def test_disconnect_cancels_parked_calls() -> None:
    async def body() -> None:
        async with serving() as (server, binding, impl):
            before = server.stats().calls_in_progress
            c = await CalcAsyncClient.connect(binding)
            call = c.Slow(5)
            handle = await impl.next_handle()
            assert server.stats() == idlrt.ServerStats(before + 1, 1, 1)
            events: list[str] = []
            disconnected = asyncio.Event()

            def on_disconnect(h: idlrt.AsyncHandle) -> None:
                events.append("disconnect")
                disconnected.set()

            handle.on_cancel(lambda h: events.append("cancel"))
            handle.on_disconnect(on_disconnect)
            await c.close()
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == status.RPC_S_CALL_FAILED
            await disconnected.wait()
            assert events == ["cancel", "disconnect"]
            assert handle.cancelled
            assert server.stats().calls_in_progress == before
            handle.complete(1, c=2)  # quiet: nothing to send, nothing raised
            assert handle.done
            late: list[str] = []
            handle.on_disconnect(lambda h: late.append("now"))
            assert late == ["now"]
            assert server.stats().connections == 0  # on_disconnect ran in connection_lost

    run(body)


def test_server_stop_fails_client_calls_with_1726() -> None:
    async def body() -> None:
        server = idlrt.Server()
        impl = Impl()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        c = await CalcAsyncClient.connect(binding)
        call = c.Slow(5)
        handle = await impl.next_handle()
        await server.stop()
        with pytest.raises(idlrt.RpcError) as err:
            await call
        assert err.value.code == status.RPC_S_CALL_FAILED
        assert handle.cancelled
        handle.complete(0, c=0)
        with pytest.raises(idlrt.RpcError) as err:
            await c.Add(1, 1)
        assert err.value.code == status.RPC_S_CALL_FAILED_DNE
        with pytest.raises(idlrt.RpcError) as err:
            await CalcAsyncClient.connect(binding)
        assert err.value.code == status.RPC_S_SERVER_UNAVAILABLE
        await server.serve_forever()  # returns at once: the server has stopped

    run(body)


def test_stop_with_grace_lets_calls_finish() -> None:
    async def body() -> None:
        server = idlrt.Server()
        impl = Impl()
        server.register(impl)
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        serving_task = asyncio.ensure_future(server.serve_forever())
        c = await CalcAsyncClient.connect(binding)
        finished, abandoned = c.Slow(1000), c.Slow(2000)
        h1, h2 = await impl.next_handle(), await impl.next_handle()
        stopping = asyncio.ensure_future(server.stop(grace=0.3))
        await asyncio.sleep(0)
        h1.complete(1, c=1)
        assert await finished == SlowResult(1, 1)
        await stopping
        await serving_task
        with pytest.raises(idlrt.RpcError) as err:
            await abandoned
        assert err.value.code == status.RPC_S_CALL_FAILED
        assert h2.cancelled

    run(body)


def test_garbage_collected_handle_fails_with_1726(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        async with (
            serving() as (server, binding, impl),
            await CalcAsyncClient.connect(binding) as c,
        ):
            call = c.Slow(5)
            handle = await impl.next_handle()
            del handle
            gc.collect()
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == status.RPC_S_CALL_FAILED
            assert server.stats().calls_in_progress == 0
            assert await c.Add(1, 2) == 3

    with caplog.at_level(logging.WARNING, logger="idlrt"):
        run(body)
    assert any("Slow" in r.getMessage() and "garbage" in r.getMessage() for r in caplog.records)


def test_garbage_on_the_wire_closes_only_that_connection() -> None:
    async def body() -> None:
        async with serving() as (server, binding, impl):
            good = await CalcAsyncClient.connect(binding)
            parked = good.Slow(5)
            handle = await impl.next_handle()
            for junk in (b"\xc1" * 10, b"GET / HTTP/1.1\r\n\r\n", msgpack.packb([99, 1, 2])):
                raw = await RawClient.open(binding)
                raw.send_raw(junk)
                assert await raw.closed_by_peer()
                await raw.close()
            raw = await RawClient.open(binding)  # a header that is not a message array
            raw.send({"a": 1})
            assert await raw.closed_by_peer()
            assert await good.Add(2, 2) == 4
            assert server.stats() == idlrt.ServerStats(1, 1, 2)
            handle.complete(5, c=5)
            assert await parked == SlowResult(5, 5)
            await good.close()

    run(body)


@pytest.mark.msgpack_only
def test_bad_requests_get_faults_and_the_stream_stays_in_sync() -> None:
    async def body() -> None:
        async with serving(max_request=1000) as (server, binding, _):
            raw = await RawClient.open(binding)
            assert (await raw.bind())[:3] == [1, 0, 1]
            raw.request(1, 0, [1, 2, 3])  # wrong number of arguments
            raw.request(2, 0, ["a", 2])  # wrong type
            raw.request(3, 0, [2**40, 2])  # does not fit a long
            raw.request(4, 42, [])  # no such opnum
            raw.request(5, 0, [1, 2], ctx_id=9)  # context never bound
            raw.send_raw(msgpack.packb([3, 6, 0, 0, 3]) + b"\xc1\xc1\xc1")  # undecodable payload
            raw.send_raw(msgpack.packb([3, 7, 0, 5, 5000]) + b"x" * 5000)  # over max_request
            raw.request(8, 0, [20, 22])  # and the stream is still in sync
            replies = {}
            for _ in range(8):
                msg = await raw.recv()
                replies[msg[1]] = msg
            assert {i: replies[i][2] for i in range(1, 8)} == {
                1: 1783,
                2: 1783,
                3: 1783,
                4: 1745,
                5: 1717,
                6: 1783,
                7: 5,
            }
            assert "Add.a" in replies[3][3]
            assert replies[8][0] == 4 and replies[8][3] == [42]
            assert server.stats().calls_in_progress == 0
            await raw.close()

    run(body)


def test_oversized_request_from_the_client_api() -> None:
    async def body() -> None:
        async with (
            serving(max_request=64 * 1024) as (_, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            with pytest.raises(idlrt.RpcError) as err:
                await c.Echo("y" * 300_000)
            assert err.value.code == status.RPC_S_ACCESS_DENIED
            assert await c.Echo("small") == "small"

    run(body)


@pytest.mark.msgpack_only
def test_duplicate_call_id_and_protocol_details() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl):
            raw = await RawClient.open(binding)
            assert (await raw.bind(minor=9))[:3] == [2, 0, 1717]
            assert (await raw.bind(minor=1))[:3] == [1, 0, 1]
            raw.send([0, 1, "not-a-uuid", "x", 0, 1])
            assert (await raw.recv())[:3] == [2, 1, 1783]
            raw.send([0, 2, "x", 1, 0, 0])  # protocol version 0 does not exist
            assert (await raw.recv())[:3] == [2, 2, 1730]
            raw.request(1, 1, [5])  # Slow: parks
            handle = await impl.next_handle()
            raw.request(1, 0, [1, 1])  # same id while in progress
            assert (await raw.recv())[:3] == [5, 1, 1783]
            raw.send([6, 99, True])  # cancel of an unknown call: ignored
            handle.complete(2, c=3)
            assert await raw.recv() == [4, 1, 3, [2, 3]]
            await raw.close()

    run(body)


def test_async_def_async_routine_and_exceptions() -> None:
    class AsyncImpl(Impl):
        async def Slow(self, handle: idlrt.AsyncHandle, ms: int) -> None:  # type: ignore[override]
            await asyncio.sleep(0)
            if ms == 0:
                raise idlrt.RpcError(4321)
            if ms == 1:
                handle.abort(77)
                raise ValueError("after abort: logged, not sent")
            asyncio.get_running_loop().call_soon(lambda: handle.complete(ms, c=ms))

    async def body() -> None:
        async with (
            serving(AsyncImpl()) as (_, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            assert await c.Slow(5) == SlowResult(5, 5)
            for ms, code in ((0, 4321), (1, 77)):
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Slow(ms)
                assert err.value.code == code

    run(body)


def test_handle_dropped_in_another_thread(caplog: pytest.LogCaptureFixture) -> None:
    with ServerThread() as st, CalcClient.connect(st.binding) as client:
        call = client.Slow(5)
        handle = st.impl.take()  # this (non-loop) thread now holds the only reference
        del handle
        gc.collect()
        with pytest.raises(idlrt.RpcError) as err:
            call.wait(5)
        assert err.value.code == status.RPC_S_CALL_FAILED
        assert client.Add(1, 1) == 2
        assert st.server.stats().calls_in_progress == 0

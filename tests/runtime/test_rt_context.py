"""Context handles (SEMANTICS rules 18-19) end to end: opaque on the client, any object on the
server, per connection, closed by returning None, run down exactly once on disconnect."""

from __future__ import annotations

import asyncio
import logging
import pickle

import pytest
from calc_stubs import CounterAsyncClient, CounterClient
from rt_helpers import CounterImpl, RawClient, ServerThread, Tally, quiet, run, serving, wait_until

import idlrt
from idlrt import codec, status


@pytest.mark.wire_free
def test_context_handle_value_and_codec_helpers() -> None:
    wire = bytes(range(16))
    h = idlrt.ContextHandle(wire)
    assert h == idlrt.ContextHandle(wire) and hash(h) == hash(idlrt.ContextHandle(wire))
    assert h != idlrt.ContextHandle(bytes(16)) and h != wire
    assert wire.hex() not in repr(h) and repr(h).startswith("<ContextHandle ")
    with pytest.raises(AttributeError):
        h._id = b"x" * 16
    assert pickle.loads(pickle.dumps(h)) == h
    with pytest.raises(ValueError):
        idlrt.ContextHandle(b"short")
    assert codec.ctx_to_server(h, "P.h", False) == wire
    assert codec.ctx_to_server(None, "P.h", True) is None
    assert codec.ctx_from_server(wire, "P.h") == h and codec.ctx_from_server(None, "P.h") is None
    for fn, code in (
        (lambda: codec.ctx_to_server(None, "P.h", False), status.RPC_X_SS_IN_NULL_CONTEXT),
        (lambda: codec.ctx_to_server(wire, "P.h", True), status.RPC_X_BAD_STUB_DATA),
        (lambda: codec.ctx_from_server(b"short", "P.h"), status.RPC_X_BAD_STUB_DATA),
        (lambda: codec.ctx_from_server(7, "P.h"), status.RPC_X_BAD_STUB_DATA),
    ):
        with pytest.raises(idlrt.RpcError) as err:
            fn()
        assert err.value.code == code and err.value.detail and err.value.detail.startswith("P.h")
    with pytest.raises(RuntimeError):  # the server helpers need a call
        codec.ctx_from_client(wire, "P.h", "T", False)
    with pytest.raises(RuntimeError):
        codec.ctx_to_client(object(), "P.h", "T")


def test_open_read_close() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                opened = await c.Open(41)
                h = opened.ph
                assert opened.retval == 41 and isinstance(h, idlrt.ContextHandle)
                assert await c.Read(h) == 41
                assert server.stats().context_handles == 1
                [conn] = server.connection_stats()
                assert (conn.context_handles, conn.calls_in_progress) == (1, 0)
                assert (await c.Open(1)).ph != h  # a new handle per [out]
                assert server.stats().context_handles == 2
                closed = await c.Close(h)
                assert closed.ph is None and isinstance(impl.closed[0], Tally)
                assert server.stats().context_handles == 1
                with pytest.raises(idlrt.RpcError) as err:  # closed: unknown now
                    await c.Read(h)
                assert err.value.code == status.RPC_X_SS_CONTEXT_MISMATCH
                assert (await c.Close(None)).ph is None  # a null [in, out] is allowed
            await wait_until(lambda: server.stats().connections == 0)
            assert quiet(server)
            # the one left open, never the closed one
            assert [type(o) for o in impl.rundowns] == [Tally]

    run(body)


def test_null_foreign_and_bad_handles() -> None:
    async def body() -> None:
        async with serving(CounterImpl()) as (_, binding, _):
            c1 = await CounterAsyncClient.connect(binding)
            c2 = await CounterAsyncClient.connect(binding)
            h1 = (await c1.Open(1)).ph
            assert h1 is not None
            for client, handle, code in (
                (c2, h1, status.RPC_X_SS_CONTEXT_MISMATCH),  # another connection's handle
                # never issued (not the nil id: on DCE/RPC, that is the null handle)
                (c1, idlrt.ContextHandle(bytes(range(16))), status.RPC_X_SS_CONTEXT_MISMATCH),
            ):
                with pytest.raises(idlrt.RpcError) as err:
                    await client.Read(handle)
                assert err.value.code == code, handle
            # the caller's mistakes, refused by the client stub before anything is sent
            with pytest.raises(ValueError, match=r"^Read\.h: null context handle$"):
                await c1.Read(None)
            with pytest.raises(TypeError, match=r"^Read\.h: expected ContextHandle, got str$"):
                await c1.Read("h")  # type: ignore[arg-type]
            assert await c1.Read(h1) == 1
            await c1.close()
            await c2.close()

    run(body)


@pytest.mark.msgpack_only
def test_null_foreign_and_bad_handles_sent_anyway() -> None:
    async def body() -> None:
        async with serving(CounterImpl()) as (_, binding, _):
            # What the server says to a client that sends them anyway.
            raw = await RawClient.open(binding)
            assert (await raw.bind(uuid=CounterAsyncClient._idl_interface_.uuid))[0] == 1
            raw.request(1, 1, [None])
            raw.request(2, 1, [b"x" * 16])
            raw.request(3, 1, [b"x"])
            raw.request(4, 1, [5])
            replies = {}
            for _ in range(4):
                msg = await raw.recv()
                replies[msg[1]] = msg[:3]
            assert replies == {
                1: [5, 1, status.RPC_X_SS_IN_NULL_CONTEXT],
                2: [5, 2, status.RPC_X_SS_CONTEXT_MISMATCH],
                3: [5, 3, status.RPC_X_SS_CONTEXT_MISMATCH],
                4: [5, 4, status.RPC_X_BAD_STUB_DATA],
            }
            await raw.close()

    run(body)


def test_in_out_handle_keep_replace_close() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                h = (await c.Open(5)).ph
                assert h is not None
                kept = (await c.Reset(h, 0)).ph  # the same object: the same handle
                assert kept == h and await c.Read(h) == 5
                replaced = (await c.Reset(h, 9)).ph  # another object: same handle, new value
                assert replaced == h and await c.Read(h) == 9
                assert server.stats().context_handles == 1
                assert (await c.Reset(h, -1)).ph is None  # None: closed, no rundown
                assert server.stats().context_handles == 0
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Reset(h, 1)
                assert err.value.code == status.RPC_X_SS_CONTEXT_MISMATCH
                fresh = (await c.Reset(None, 3)).ph  # a null [in, out] may come back open
                assert fresh is not None and fresh != h and await c.Read(fresh) == 3
            await wait_until(lambda: len(impl.rundowns) == 1)
            assert [t.value for t in impl.rundowns] == [3]  # type: ignore[attr-defined]
            assert quiet(server)

    run(body)


def test_rundown_runs_once_per_open_handle_on_disconnect() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            c = await CounterAsyncClient.connect(binding)
            handles = [(await c.Open(i)).ph for i in range(4)]
            await c.Close(handles[0])
            parked = c.Hold(handles[1])  # type: ignore[arg-type]  # a call in progress using one
            hold = await impl.next_handle()
            order: list[str] = []
            hold.on_disconnect(lambda h: order.append(f"disconnect {len(impl.rundowns)}"))
            assert server.stats().context_handles == 3
            c._conn.transport.abort()  # type: ignore[union-attr]  # no goodbye
            with pytest.raises(idlrt.RpcError) as err:
                await parked
            assert err.value.code == status.RPC_S_CALL_FAILED
            await wait_until(lambda: len(impl.rundowns) == 3)
            assert sorted(t.value for t in impl.rundowns) == [1, 2, 3]  # type: ignore[attr-defined]
            assert order == ["disconnect 0"]  # calls are cancelled before rundowns run
            assert quiet(server) and server.connection_stats() == []
            hold.complete(1)  # quiet: the client is gone
            assert len(impl.rundowns) == 3

    run(body)


def test_failed_encode_registers_nothing() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                call = c.OpenAsync()
                handle = await impl.next_handle()
                with pytest.raises(idlrt.RpcError) as err:  # rule 7: the call stays open
                    handle.complete(ph=Tally(1), n=2**40)
                assert err.value.code == status.RPC_X_BAD_STUB_DATA
                assert server.stats().context_handles == 0 and not handle.done
                handle.complete(ph=Tally(2), n=2)
                result = await call
                assert result.n == 2 and await c.Read(result.ph) == 2  # type: ignore[arg-type]
                assert server.stats().context_handles == 1
            await wait_until(lambda: quiet(server))
            assert [t.value for t in impl.rundowns] == [2]  # type: ignore[attr-defined]

    run(body)


def test_new_handle_for_a_gone_call_is_run_down_at_once() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                call = c.OpenAsync()
                handle = await impl.next_handle()
                call.cancel(abortive=True)
                await wait_until(lambda: handle.cancelled)
                orphan = Tally(7)
                handle.complete(ph=orphan, n=0)  # the client can never learn this handle
                await wait_until(lambda: impl.rundowns == [orphan])
                assert quiet(server)
                assert (await c.Open(1)).retval == 1
            await wait_until(lambda: len(impl.rundowns) == 2)

    run(body)


def test_anonymous_handle_has_no_rundown_but_is_cleaned_up() -> None:
    async def body() -> None:
        impl = CounterImpl()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                h = (await c.OpenAnon()).ph
                assert h is not None and await c.ReadAnon(h) == -1
                assert server.stats().context_handles == 1
            await wait_until(lambda: server.stats().connections == 0)
            assert quiet(server) and impl.rundowns == []

    run(body)


def test_rundown_exceptions_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(CounterImpl):
        def PCOUNTER_rundown(self, obj: object) -> None:
            self.rundowns.append(obj)
            raise ValueError("rundown trouble")

    async def body() -> None:
        impl = Broken()
        async with serving(impl) as (server, binding, _):
            for _ in range(2):
                async with await CounterAsyncClient.connect(binding) as c:
                    await c.Open(1)
                    await c.Open(2)
            await wait_until(lambda: len(impl.rundowns) == 4)
            assert quiet(server)
            async with await CounterAsyncClient.connect(binding) as c:
                assert (await c.Open(3)).retval == 3

    with caplog.at_level(logging.ERROR, logger="idlrt"):
        run(body)
    # four, plus the handle the last client left open when the server stopped
    assert sum("rundown" in r.getMessage() for r in caplog.records) == 5


def test_async_rundown_is_awaited() -> None:
    class AsyncRundown(CounterImpl):
        async def PCOUNTER_rundown(self, obj: object) -> None:  # type: ignore[override]
            await asyncio.sleep(0)
            self.rundowns.append(obj)

    async def body() -> None:
        impl = AsyncRundown()
        async with serving(impl) as (server, binding, _):
            async with await CounterAsyncClient.connect(binding) as c:
                await c.Open(1)
            await wait_until(lambda: len(impl.rundowns) == 1)
            assert quiet(server)

    run(body)


def test_context_handles_with_the_blocking_client() -> None:
    with ServerThread(CounterImpl()) as st, CounterClient.connect(st.binding) as c:
        h = c.Open(3).ph
        assert h is not None and c.Read(h) == 3
        call = c.Hold(h)
        hold = st.impl.take()
        hold.complete(c.Read(h) + 1)
        assert call.wait(5) == 4
        assert c.Close(h).ph is None
        assert st.server.stats().context_handles == 0


@pytest.mark.msgpack_only
def test_raw_wire_form_of_a_context_handle() -> None:
    async def body() -> None:
        async with serving(CounterImpl()) as (_, binding, _):
            raw = await RawClient.open(binding)
            await raw.bind(uuid=CounterAsyncClient._idl_interface_.uuid)
            raw.request(1, 0, [8])
            reply = await raw.recv()
            retval, wire = reply[3]
            assert retval == 8 and type(wire) is bytes and len(wire) == 16
            raw.request(2, 1, [wire])  # msgpack bin
            assert (await raw.recv())[3] == [8]
            await raw.close()

    run(body)

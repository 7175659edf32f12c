"""[callback] procedures (issue 19): a manager calls the client back during a call, through
``<I>CallbackClient(ctx)``; the client serves them with the ``<I>Callbacks`` object it passed
to ``connect(callbacks=...)``. Interface Relay (idl/Callbacks.idl, callback_stubs.py):
Progress, Ask and Down are callbacks; Run, RunLater ([async]) and Nest are served.

Callbacks exist on the msgpack wire; on DCE/RPC ``CallbackClient`` raises 1764 (the test of
that runs on both wires).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from calc_stubs import CALC
from callback_stubs import (
    RELAY,
    AskResult,
    P_Progress,
    P_Run,
    RelayAsyncClient,
    RelayCallbackClient,
    RelayCallbacks,
    RelayClient,
    RelayManager,
    RunLaterHandle,
)
from rt_helpers import RawClient, ServerThread, quiet, run, serving, wait_until

import idlrt
from idlrt import status

msgpack_only = pytest.mark.msgpack_only


@asynccontextmanager
async def relay(manager: Any, callbacks: Any = None) -> AsyncIterator[tuple[idlrt.Server, Any]]:
    """A server of ``manager`` on this loop and an asyncio client serving ``callbacks``."""
    async with serving(manager) as (server, binding, _):
        client = await RelayAsyncClient.connect(binding, callbacks=callbacks)
        try:
            yield server, client
        finally:
            await client.close()


# -- the managers -----------------------------------------------------------------------------


class ThreadRelay(RelayManager):  # type: ignore[misc]  # generated at session start: Any here
    """Plain routines (worker threads): callbacks through ``wait``."""

    def __init__(self) -> None:
        self.errors: list[idlrt.RpcError] = []
        self.contexts: list[idlrt.CallContext] = []
        self.threads: list[int] = []

    def Run(self, n: int) -> int:
        ctx = idlrt.current_call()
        self.contexts.append(ctx)
        self.threads.append(threading.get_ident())
        cb = RelayCallbackClient(ctx)
        try:
            return sum(cb.wait(cb.Progress(i, n)) for i in range(1, n + 1))
        except idlrt.RpcError as exc:
            self.errors.append(exc)
            raise

    def Nest(self, depth: int) -> int:
        if depth == 0:
            return 0
        cb = RelayCallbackClient(idlrt.current_call())
        return int(cb.wait(cb.Down(depth))) + 1


class CoroRelay(RelayManager):  # type: ignore[misc]
    """``async def`` routines (tasks of the server's loop)."""

    def __init__(self) -> None:
        self.errors: list[idlrt.RpcError] = []
        self.contexts: list[idlrt.CallContext] = []
        self.wait_error: Exception | None = None

    async def Run(self, n: int) -> int:
        ctx = idlrt.current_call()
        self.contexts.append(ctx)
        cb = RelayCallbackClient(ctx)
        try:
            got = await cb.Ask(f"question {n}")
        except idlrt.RpcError as exc:
            self.errors.append(exc)
            raise
        assert isinstance(got, AskResult)
        return int(got.retval * 100 + got.answer)

    async def Nest(self, depth: int) -> int:
        if depth == 0:
            return 0
        return await RelayCallbackClient(idlrt.current_call()).Down(depth) + 1


class TaskLater(RelayManager):  # type: ignore[misc]
    """[async] RunLater, a plain body that starts a task: it calls back, then completes."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def RunLater(self, handle: RunLaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        task = asyncio.get_running_loop().create_task(self.later(handle, n))
        self.tasks.add(task)

    async def later(self, handle: RunLaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())  # inherited by the task
        handle.complete(await RelayCallbackClient(handle.context).Progress(n, n) + 1)


class ThreadLater(RelayManager):  # type: ignore[misc]
    """[async] RunLater, finished by a thread of the manager's own: ``wait`` there."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []

    def RunLater(self, handle: RunLaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        threading.Thread(target=self.later, args=(handle, n)).start()

    def later(self, handle: RunLaterHandle, n: int) -> None:
        cb = RelayCallbackClient(handle.context)
        handle.complete(cb.wait(cb.Progress(n, n)) + 1)


class CoroLater(RelayManager):  # type: ignore[misc]
    """[async] RunLater as an ``async def`` routine: it calls back, then completes."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []

    async def RunLater(self, handle: RunLaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        handle.complete(await RelayCallbackClient(handle.context).Progress(n, n) + 1)


class Keeper(RelayManager):  # type: ignore[misc]
    """Run keeps its context and returns at once; the test calls back later."""

    def __init__(self) -> None:
        self.kept: list[idlrt.CallContext] = []

    def Run(self, n: int) -> int:
        self.kept.append(idlrt.current_call())
        return n


# -- the client's callbacks -------------------------------------------------------------------


class Recorder(RelayCallbacks):  # type: ignore[misc]
    """Progress is plain (a worker thread), Ask and Down are ``async def`` (the loop)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[int] = []
        self.fail: Exception | None = None
        self.client: Any = None

    def Progress(self, done: int, total: int) -> int:
        self.calls.append(("Progress", done, total))
        self.threads.append(threading.get_ident())
        if self.fail is not None:
            raise self.fail
        return done * 10

    async def Ask(self, question: str) -> tuple[int, int]:
        self.calls.append(("Ask", question))
        self.threads.append(threading.get_ident())
        return len(question), 7

    async def Down(self, depth: int) -> int:
        self.calls.append(("Down", depth))
        return int(await self.client.Nest(depth - 1)) + 1


class BlockingRecorder(RelayCallbacks):  # type: ignore[misc]
    """For the blocking client: plain callbacks, Down calls the server again (blocking)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[int] = []
        self.client: Any = None

    def Progress(self, done: int, total: int) -> int:
        self.calls.append(("Progress", done, total))
        self.threads.append(threading.get_ident())
        return done * 10

    async def Ask(self, question: str) -> tuple[int, int]:
        self.threads.append(threading.get_ident())
        return len(question), 3

    def Down(self, depth: int) -> int:
        self.calls.append(("Down", depth))
        return int(self.client.Nest(depth - 1)) + 1


class Hanging(RelayCallbacks):  # type: ignore[misc]
    """Progress answers only once ``release`` is set."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def Progress(self, done: int, total: int) -> int:
        self.entered.set()
        await self.release.wait()
        return done


# -- calling back during a call ---------------------------------------------------------------


@msgpack_only
def test_a_thread_routine_calls_back_through_wait() -> None:
    async def body() -> None:
        impl = ThreadRelay()
        cbs = Recorder()
        async with relay(impl, cbs) as (_, client):
            assert await client.Run(3) == 10 + 20 + 30
            assert cbs.calls == [("Progress", 1, 3), ("Progress", 2, 3), ("Progress", 3, 3)]
            # a plain callback runs in a worker thread, never on the client's loop
            assert threading.get_ident() not in cbs.threads
        assert impl.contexts[0].procedure == "Run"

    run(body)


@msgpack_only
def test_a_coroutine_routine_calls_back_with_out_values() -> None:
    async def body() -> None:
        impl = CoroRelay()
        cbs = Recorder()
        async with relay(impl, cbs) as (_, client):
            # Ask returns (retval, [out] answer): len("question 4") = 10, 7
            assert await client.Run(4) == 1007
        assert cbs.calls == [("Ask", "question 4")]
        assert cbs.threads == [threading.get_ident()]  # async def: on the client's loop

    run(body)


@msgpack_only
@pytest.mark.parametrize("manager", [TaskLater, ThreadLater, CoroLater])
def test_an_async_routine_completes_after_its_callback(manager: type[Any]) -> None:
    async def body() -> None:
        impl = manager()
        cbs = Recorder()
        async with relay(impl, cbs) as (server, client):
            assert await client.RunLater(5) == 51
            await wait_until(lambda: quiet(server))
        assert cbs.calls == [("Progress", 5, 5)]
        for ctx in impl.contexts:  # current_call() in the routine's body (and its task)
            assert ctx.procedure == "RunLater"
            assert isinstance(ctx._record, RunLaterHandle)

    run(body)


@msgpack_only
def test_a_callback_may_be_called_many_times_and_concurrently() -> None:
    class Many(RelayManager):  # type: ignore[misc]
        async def Run(self, n: int) -> int:
            cb = RelayCallbackClient(idlrt.current_call())
            got = await asyncio.gather(*(cb.Progress(i, n) for i in range(n)))
            return sum(got)

    async def body() -> None:
        async with relay(Many(), Recorder()) as (_, client):
            results = await asyncio.gather(*(client.Run(20) for _ in range(5)))
            assert results == [sum(i * 10 for i in range(20))] * 5

    run(body)


@msgpack_only
def test_a_callback_awaited_on_another_loop_hops_to_the_servers() -> None:
    class OwnLoop(RelayManager):  # type: ignore[misc]
        def Run(self, n: int) -> int:
            cb = RelayCallbackClient(idlrt.current_call())
            return int(asyncio.run(cb.Progress(n, n)))  # a loop of this worker thread's own

    async def body() -> None:
        async with relay(OwnLoop(), Recorder()) as (_, client):
            assert await client.Run(4) == 40

    run(body)


# -- failures ---------------------------------------------------------------------------------


@msgpack_only
def test_a_callback_raising_rpc_error_gives_the_server_its_code() -> None:
    async def body() -> None:
        impl = ThreadRelay()
        cbs = Recorder()
        cbs.fail = idlrt.RpcError(1234, "refused by the client")
        async with relay(impl, cbs) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Run(2)
        assert info.value.code == 1234  # the routine let the callback's error through
        assert [(e.code, e.detail) for e in impl.errors] == [(1234, "refused by the client")]

    run(body)


@msgpack_only
def test_a_callback_raising_another_exception_is_1726_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        impl = ThreadRelay()
        cbs = Recorder()
        cbs.fail = KeyError("client secret")
        async with relay(impl, cbs) as (_, client):
            with pytest.raises(idlrt.RpcError):
                await client.Run(1)
        assert impl.errors[0].code == status.RPC_S_CALL_FAILED
        assert "client secret" not in (impl.errors[0].detail or "")

    with caplog.at_level(logging.ERROR, logger="idlrt"):
        run(body)
    assert any("callback Progress raised" in r.getMessage() for r in caplog.records)


@msgpack_only
def test_without_a_callbacks_object_the_client_answers_1764() -> None:
    async def body() -> None:
        impl = ThreadRelay()
        async with relay(impl) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Run(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        # the generated default of a callback not overridden: 1764 too
        async with relay(impl, RelayCallbacks()) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Run(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        assert [e.code for e in impl.errors] == [status.RPC_S_CANNOT_SUPPORT] * 2
        assert "no callbacks" in (impl.errors[0].detail or "")

    run(body)


@msgpack_only
def test_a_callback_after_its_call_ended_is_1725_and_sends_nothing() -> None:
    async def body() -> None:
        impl = Keeper()
        cbs = Recorder()
        async with relay(impl, cbs) as (server, client):
            assert await client.Run(1) == 1
            await wait_until(lambda: quiet(server))
            cb = RelayCallbackClient(impl.kept[0])
            with pytest.raises(idlrt.RpcError) as info:
                await cb.Progress(1, 1)
            assert info.value.code == status.RPC_S_NO_CALL_ACTIVE
            # and from a thread, through wait()
            coro = cb.Progress(1, 1)
            with pytest.raises(idlrt.RpcError) as info:
                await asyncio.to_thread(cb.wait, coro)
            assert info.value.code == status.RPC_S_NO_CALL_ACTIVE
            assert await client.Run(2) == 2  # the connection is fine
        assert cbs.calls == []

    run(body)


@msgpack_only
def test_a_client_that_disconnects_fails_the_pending_callback_with_1726() -> None:
    class Waits(RelayManager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.errors: list[int] = []
            self.failed = asyncio.Event()

        async def Run(self, n: int) -> int:
            try:
                return int(await RelayCallbackClient(idlrt.current_call()).Progress(n, n))
            except idlrt.RpcError as exc:
                self.errors.append(exc.code)
                self.failed.set()
                raise

    async def body() -> None:
        impl = Waits()
        cbs = Hanging()
        async with serving(impl) as (server, binding, _):
            client = await RelayAsyncClient.connect(binding, callbacks=cbs)
            call = asyncio.ensure_future(client.Run(1))
            await cbs.entered.wait()
            await client.close()
            assert client._conn.callbacks is None  # no reference cycle through the callbacks
            with pytest.raises(idlrt.RpcError) as info:
                await call
            assert info.value.code == status.RPC_S_CALL_FAILED
            await impl.failed.wait()
            assert impl.errors == [status.RPC_S_CALL_FAILED]
            await wait_until(lambda: quiet(server))
            cbs.release.set()  # the callback ends; its reply has nowhere to go

    run(body)


@msgpack_only
def test_a_callback_that_times_out_is_1818_and_its_late_reply_dropped() -> None:
    class Timed(RelayManager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.codes: list[int] = []

        async def Run(self, n: int) -> int:
            cb = RelayCallbackClient(idlrt.current_call())
            try:
                return int(await cb.Progress(n, n, timeout=0.05))
            except idlrt.RpcError as exc:
                self.codes.append(exc.code)
                return -1

    async def body() -> None:
        impl = Timed()
        cbs = Hanging()
        async with relay(impl, cbs) as (_, client):
            assert await client.Run(1) == -1
            assert impl.codes == [status.RPC_S_CALL_CANCELLED]
            cbs.release.set()  # the late reply crosses nothing: dropped by the server
            assert await client.Run(2) == 2  # answered at once now; the connection lives

    run(body)


@msgpack_only
def test_the_client_refuses_what_is_not_a_callback_or_does_not_decode() -> None:
    class Odd(RelayManager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.codes: list[int] = []

        async def Run(self, n: int) -> int:
            cb = RelayCallbackClient(idlrt.current_call())
            tries = [
                (dataclasses.replace(P_Progress, opnum=P_Run.opnum), (1, 2)),  # not a callback
                (dataclasses.replace(P_Progress, opnum=99), (1, 2)),  # no such opnum
                (dataclasses.replace(P_Progress, encode_in=lambda *a: ["x"]), (1, 2)),
            ]
            for proc, args in tries:
                try:
                    await cb._call(proc, args)
                except idlrt.RpcError as exc:
                    self.codes.append(exc.code)
            return len(self.codes)

    async def body() -> None:
        impl = Odd()
        cbs = Recorder()
        async with relay(impl, cbs) as (_, client):
            assert await client.Run(0) == 3
        assert impl.codes == [
            status.RPC_S_PROCNUM_OUT_OF_RANGE,
            status.RPC_S_PROCNUM_OUT_OF_RANGE,
            status.RPC_X_BAD_STUB_DATA,
        ]
        assert cbs.calls == []

    run(body)


def test_the_server_refuses_a_request_for_a_callback_opnum_with_1745(wire: str) -> None:
    async def body() -> None:
        async with relay(ThreadRelay()) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client._call(P_Progress, (1, 2))
            assert info.value.code == status.RPC_S_PROCNUM_OUT_OF_RANGE

    run(body)


def test_callbacks_on_each_wire(wire: str) -> None:
    """msgpack: the callback runs. DCE/RPC: not supported yet, ``CallbackClient`` says 1764."""

    async def body() -> None:
        impl = CoroRelay()
        cbs = Recorder()
        async with relay(impl, cbs) as (_, client):
            if wire == "msgpack":
                assert await client.Run(1) == 1007
                return
            with pytest.raises(idlrt.RpcError) as info:
                await client.Run(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        assert "DCE/RPC" in (impl.errors[0].detail or "")
        assert cbs.calls == []

    run(body)


# -- nesting ----------------------------------------------------------------------------------


@msgpack_only
@pytest.mark.parametrize("manager", [ThreadRelay, CoroRelay])
def test_callbacks_nest_three_deep(manager: type[Any]) -> None:
    """Nest(3) calls back Down(3), which calls Nest(2) on the same connection, ... Nest(0)."""

    async def body() -> None:
        cbs = Recorder()
        async with relay(manager(), cbs) as (server, client):
            cbs.client = client
            assert await client.Nest(3) == 6
            await wait_until(lambda: quiet(server))
        assert cbs.calls == [("Down", 3), ("Down", 2), ("Down", 1)]

    run(body)


# -- the blocking client ----------------------------------------------------------------------


@msgpack_only
def test_the_blocking_client_serves_callbacks_off_its_loop() -> None:
    with ServerThread(ThreadRelay()) as srv:
        cbs = BlockingRecorder()
        with RelayClient.connect(srv.binding, callbacks=cbs) as client:
            cbs.client = client
            assert client.Run(2) == 30
            assert client.Nest(3) == 6  # plain Down calls the server again, blocking
            loop_thread = client._conn.thread_id
        downs = [("Down", depth) for depth in (3, 2, 1)]
        assert cbs.calls == [("Progress", 1, 2), ("Progress", 2, 2), *downs]
        assert loop_thread not in cbs.threads  # the shared loop never ran a plain callback


@msgpack_only
def test_the_blocking_client_runs_async_callbacks_on_its_loop() -> None:
    with ServerThread(CoroRelay()) as srv:
        cbs = BlockingRecorder()
        with RelayClient.connect(srv.binding, callbacks=cbs) as client:
            assert client.Run(1) == 1003  # len("question 1") = 10, answer 3
            assert cbs.threads == [client._conn.thread_id]


# -- current_call() and the API's checks ------------------------------------------------------


@msgpack_only
def test_current_call_in_each_kind_of_routine() -> None:
    with pytest.raises(idlrt.RpcError) as info:
        idlrt.current_call()
    assert info.value.code == status.RPC_S_NO_CALL_ACTIVE

    async def body() -> None:
        thread, coro = ThreadRelay(), CoroRelay()
        async with relay(thread, Recorder()) as (_, client):
            await client.Run(1)
        async with relay(coro, Recorder()) as (_, client):
            await client.Run(1)
        for ctx in (thread.contexts[0], coro.contexts[0]):
            assert (ctx.interface, ctx.procedure, ctx.opnum) == ("Relay", "Run", P_Run.opnum)
        assert thread.threads[0] != threading.get_ident()

    run(body)


@pytest.mark.wire_free
def test_the_api_refuses_mistakes_before_anything_is_sent() -> None:
    class CalcCallbacks(idlrt.Callbacks):
        _idl_interface_ = CALC

    for wrong in (object(), CalcCallbacks()):
        with pytest.raises(TypeError):
            asyncio.run(RelayAsyncClient.connect("ncacn_ip_tcp:127.0.0.1[1]", callbacks=wrong))
        with pytest.raises(TypeError):
            RelayClient.connect("ncacn_ip_tcp:127.0.0.1[1]", callbacks=wrong)
    loose = idlrt.CallContext("ncacn_ip_tcp", None, None, "Relay", RELAY.uuid, (1, 0), 2, "Run")
    with pytest.raises(idlrt.RpcError) as info:
        RelayCallbackClient(loose)  # a context made by hand is of no call
    assert info.value.code == status.RPC_S_NO_CALL_ACTIVE


@msgpack_only
def test_wait_on_an_event_loop_is_refused() -> None:
    async def body() -> None:
        impl = CoroRelay()
        async with relay(impl, Recorder()) as (_, client):
            await client.Run(1)
        cb = RelayCallbackClient(impl.contexts[0])
        with pytest.raises(RuntimeError):
            cb.wait(cb.Progress(1, 1))

    run(body)


# -- the wire ---------------------------------------------------------------------------------


@msgpack_only
def test_the_callback_request_on_the_wire() -> None:
    """[REQUEST, cb_id, ctx_id, opnum, size, call_id] + arguments; a reply to a callback id
    never sent closes the connection."""

    async def body() -> None:
        async with serving(CoroRelay()) as (_, binding, _):
            raw = await RawClient.open(binding)
            assert (await raw.bind(RELAY.uuid, 1, 0))[0] == 1  # BIND_ACK
            raw.request(41, P_Run.opnum, [2])
            head = await raw.recv()
            assert head[0] == 3 and head[2:4] == [0, 1] and head[5] == 41  # Ask, for call 41
            assert await raw._next_value() == ["question 2"]
            payload = msgpack.packb([5, 6])
            raw.send_raw(msgpack.packb([4, head[1], len(payload)]) + payload)
            assert await raw.recv() == [4, 41, 4, [506]]
            raw.send([5, head[1] + 100, 1726])  # a FAULT for a callback never sent
            assert await raw.closed_by_peer()
            await raw.close()

    run(body)


@msgpack_only
def test_a_callback_reply_over_the_servers_limit_is_1783() -> None:
    async def body() -> None:
        impl = CoroRelay()
        async with serving(impl, max_request=256) as (_, binding, _):
            raw = await RawClient.open(binding)
            await raw.bind(RELAY.uuid, 1, 0)
            raw.request(7, P_Run.opnum, [1])
            head = await raw.recv()
            await raw._next_value()
            payload = msgpack.packb([1, "x" * 300])
            raw.send_raw(msgpack.packb([4, head[1], len(payload)]) + payload)
            assert (await raw.recv())[:3] == [5, 7, status.RPC_X_BAD_STUB_DATA]
            await raw.close()
        assert "over the server's limit" in (impl.errors[0].detail or "")

    run(body)


@msgpack_only
def test_the_server_still_refuses_replies_from_a_client_that_was_never_called_back() -> None:
    async def body() -> None:
        async with serving(CoroRelay()) as (_, binding, _):
            raw = await RawClient.open(binding)
            await raw.bind(RELAY.uuid, 1, 0)
            raw.send([5, 1, 1726])
            assert await raw.closed_by_peer()
            await raw.close()

    run(body)

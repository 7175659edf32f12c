"""[callback] procedures (issue 19): a manager calls the client back during a call, through
``<I>CallbackClient(ctx)``; the client serves them with the ``<I>Callbacks`` object it passed
to ``connect(callbacks=...)``. Interface Callbacks (idl/Callbacks.idl, callback_stubs.py):
Tick, Ask, Fill and Nest are callbacks; Count, Quiz, Gather, Inner and Later ([async]) are
served.

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
    CALLBACKS,
    AskResult,
    AsyncClient,
    CallbackClient,
    Callbacks,
    Client,
    FillResult,
    LaterHandle,
    Manager,
    P_Count,
    P_Quiz,
    P_Tick,
)
from rt_helpers import RawClient, ServerThread, quiet, run, serving, wait_until

import idlrt
from idlrt import status

msgpack_only = pytest.mark.msgpack_only


@asynccontextmanager
async def pair(manager: Any, callbacks: Any = None) -> AsyncIterator[tuple[idlrt.Server, Any]]:
    """A server of ``manager`` on this loop and an asyncio client serving ``callbacks``."""
    async with serving(manager) as (server, binding, _):
        client = await AsyncClient.connect(binding, callbacks=callbacks)
        try:
            yield server, client
        finally:
            await client.close()


# -- the managers -----------------------------------------------------------------------------


class ThreadManager(Manager):  # type: ignore[misc]  # generated at session start: Any here
    """Plain routines (worker threads): callbacks through ``wait``."""

    def __init__(self) -> None:
        self.errors: list[idlrt.RpcError] = []
        self.contexts: list[idlrt.CallContext] = []
        self.ticks: list[int] = []  # what the client's Tick returned
        self.threads: list[int] = []

    def Count(self, n: int) -> int:
        ctx = idlrt.current_call()
        self.contexts.append(ctx)
        self.threads.append(threading.get_ident())
        cb = CallbackClient(ctx)
        try:
            for i in range(n):
                self.ticks.append(cb.wait(cb.Tick(i, n)))
        except idlrt.RpcError as exc:
            self.errors.append(exc)
            raise
        return n

    def Gather(self, size: int) -> tuple[int, int]:
        cb = CallbackClient(idlrt.current_call())
        filled = cb.wait(cb.Fill(size))
        assert isinstance(filled, FillResult)
        return len(filled.text or ""), filled.total

    def Inner(self, depth: int) -> int:
        if depth == 0:
            return 0
        cb = CallbackClient(idlrt.current_call())
        return int(cb.wait(cb.Nest(depth))) + 1


class CoroManager(Manager):  # type: ignore[misc]
    """``async def`` routines (tasks of the server's loop)."""

    def __init__(self) -> None:
        self.errors: list[idlrt.RpcError] = []
        self.contexts: list[idlrt.CallContext] = []

    async def Quiz(self, question: int) -> int:
        ctx = idlrt.current_call()
        self.contexts.append(ctx)
        try:
            got = await CallbackClient(ctx).Ask(question)
        except idlrt.RpcError as exc:
            self.errors.append(exc)
            raise
        assert isinstance(got, AskResult)
        return int(got.retval + got.answer)

    async def Inner(self, depth: int) -> int:
        if depth == 0:
            return 0
        return await CallbackClient(idlrt.current_call()).Nest(depth) + 1


class TaskLater(Manager):  # type: ignore[misc]
    """[async] Later, a plain body that starts a task: it calls back, then completes."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def Later(self, handle: LaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        self.tasks.add(asyncio.get_running_loop().create_task(self.later(handle, n)))

    async def later(self, handle: LaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())  # inherited by the task
        handle.complete(await CallbackClient(handle.context).Tick(n, n) + 1)


class ThreadLater(Manager):  # type: ignore[misc]
    """[async] Later, finished by a thread of the manager's own: ``wait`` there."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []

    def Later(self, handle: LaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        threading.Thread(target=self.later, args=(handle, n)).start()

    def later(self, handle: LaterHandle, n: int) -> None:
        cb = CallbackClient(handle.context)
        handle.complete(cb.wait(cb.Tick(n, n)) + 1)


class CoroLater(Manager):  # type: ignore[misc]
    """[async] Later as an ``async def`` routine: it calls back, then completes."""

    def __init__(self) -> None:
        self.contexts: list[idlrt.CallContext] = []

    async def Later(self, handle: LaterHandle, n: int) -> None:
        self.contexts.append(idlrt.current_call())
        handle.complete(await CallbackClient(handle.context).Tick(n, n) + 1)


class Keeper(Manager):  # type: ignore[misc]
    """Count keeps its context and returns at once; the test calls back later."""

    def __init__(self) -> None:
        self.kept: list[idlrt.CallContext] = []

    def Count(self, n: int) -> int:
        self.kept.append(idlrt.current_call())
        return n


# -- the client's callbacks -------------------------------------------------------------------


class Recorder(Callbacks):  # type: ignore[misc]
    """Tick and Fill are plain (a worker thread), Ask and Nest ``async def`` (the loop)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[int] = []
        self.fail: Exception | None = None
        self.client: Any = None

    def Tick(self, i: int, n: int) -> int:
        self.calls.append(("Tick", i, n))
        self.threads.append(threading.get_ident())
        if self.fail is not None:
            raise self.fail
        return i * 10

    async def Ask(self, question: int) -> tuple[int, int]:
        self.calls.append(("Ask", question))
        self.threads.append(threading.get_ident())
        return question * 100, question + 7

    def Fill(self, size: int) -> tuple[int, str]:
        self.calls.append(("Fill", size))
        return size * 2, "x" * size

    async def Nest(self, depth: int) -> int:
        self.calls.append(("Nest", depth))
        return int(await self.client.Inner(depth - 1)) + 1


class BlockingRecorder(Callbacks):  # type: ignore[misc]
    """For the blocking client: plain callbacks; Nest calls the server again (blocking)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[int] = []
        self.client: Any = None

    def Tick(self, i: int, n: int) -> int:
        self.calls.append(("Tick", i, n))
        self.threads.append(threading.get_ident())
        return i * 10

    async def Ask(self, question: int) -> tuple[int, int]:
        self.threads.append(threading.get_ident())
        return question, 3

    def Nest(self, depth: int) -> int:
        self.calls.append(("Nest", depth))
        return int(self.client.Inner(depth - 1)) + 1


class Hanging(Callbacks):  # type: ignore[misc]
    """Tick answers only once ``release`` is set."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def Tick(self, i: int, n: int) -> int:
        self.entered.set()
        await self.release.wait()
        return i


# -- calling back during a call ---------------------------------------------------------------


@msgpack_only
def test_a_thread_routine_calls_back_through_wait() -> None:
    async def body() -> None:
        impl = ThreadManager()
        cbs = Recorder()
        async with pair(impl, cbs) as (_, client):
            assert await client.Count(3) == 3
        assert cbs.calls == [("Tick", 0, 3), ("Tick", 1, 3), ("Tick", 2, 3)]
        assert impl.ticks == [0, 10, 20]  # what the callbacks returned reached the server
        # a plain callback runs in a worker thread, never on the client's loop
        assert threading.get_ident() not in cbs.threads
        assert impl.contexts[0].procedure == "Count"

    run(body)


@msgpack_only
def test_callbacks_return_their_out_values() -> None:
    async def body() -> None:
        impl = ThreadManager()
        cbs = Recorder()
        async with pair(impl, cbs) as (_, client):
            # Fill(4) gives total 8 and text "xxxx"; Gather returns (len(text), total)
            got = await client.Gather(4)
            assert (got.retval, got.total) == (4, 8)
            got = await client.Gather(0)
            assert (got.retval, got.total) == (0, 0)

    run(body)


@msgpack_only
def test_a_coroutine_routine_calls_back_an_async_callback() -> None:
    async def body() -> None:
        cbs = Recorder()
        async with pair(CoroManager(), cbs) as (_, client):
            assert await client.Quiz(3) == 300 + 10  # Ask's return value + its [out] answer
        assert cbs.calls == [("Ask", 3)]
        assert cbs.threads == [threading.get_ident()]  # async def: on the client's loop

    run(body)


@msgpack_only
@pytest.mark.parametrize("manager", [TaskLater, ThreadLater, CoroLater])
def test_an_async_routine_completes_after_its_callback(manager: type[Any]) -> None:
    async def body() -> None:
        impl = manager()
        cbs = Recorder()
        async with pair(impl, cbs) as (server, client):
            assert await client.Later(5) == 51
            await wait_until(lambda: quiet(server))
        assert cbs.calls == [("Tick", 5, 5)]
        for ctx in impl.contexts:  # current_call() in the routine's body (and its task)
            assert ctx.procedure == "Later"
            assert isinstance(ctx._record, LaterHandle)

    run(body)


@msgpack_only
def test_a_callback_may_be_called_many_times_and_concurrently() -> None:
    class Many(Manager):  # type: ignore[misc]
        async def Count(self, n: int) -> int:
            cb = CallbackClient(idlrt.current_call())
            return sum(await asyncio.gather(*(cb.Tick(i, n) for i in range(n))))

    async def body() -> None:
        async with pair(Many(), Recorder()) as (_, client):
            results = await asyncio.gather(*(client.Count(20) for _ in range(5)))
            assert results == [sum(i * 10 for i in range(20))] * 5

    run(body)


@msgpack_only
def test_a_callback_awaited_on_another_loop_hops_to_the_servers() -> None:
    class OwnLoop(Manager):  # type: ignore[misc]
        def Count(self, n: int) -> int:
            cb = CallbackClient(idlrt.current_call())
            return int(asyncio.run(cb.Tick(n, n)))  # a loop of this worker thread's own

    async def body() -> None:
        async with pair(OwnLoop(), Recorder()) as (_, client):
            assert await client.Count(4) == 40

    run(body)


# -- failures ---------------------------------------------------------------------------------


@msgpack_only
def test_a_callback_raising_rpc_error_gives_the_server_its_code() -> None:
    async def body() -> None:
        impl = ThreadManager()
        cbs = Recorder()
        cbs.fail = idlrt.RpcError(1234, "refused by the client")
        async with pair(impl, cbs) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Count(2)
        assert info.value.code == 1234  # the routine let the callback's error through
        assert [(e.code, e.detail) for e in impl.errors] == [(1234, "refused by the client")]

    run(body)


@msgpack_only
def test_a_callback_raising_another_exception_is_1726_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        impl = ThreadManager()
        cbs = Recorder()
        cbs.fail = KeyError("client secret")
        async with pair(impl, cbs) as (_, client):
            with pytest.raises(idlrt.RpcError):
                await client.Count(1)
        assert impl.errors[0].code == status.RPC_S_CALL_FAILED
        assert "client secret" not in (impl.errors[0].detail or "")

    with caplog.at_level(logging.ERROR, logger="idlrt"):
        run(body)
    assert any("callback Tick raised" in r.getMessage() for r in caplog.records)


@msgpack_only
def test_without_a_callbacks_object_the_client_answers_1764() -> None:
    async def body() -> None:
        impl = ThreadManager()
        async with pair(impl) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Count(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        # the generated default of a callback not overridden: 1764 too
        async with pair(impl, Callbacks()) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client.Count(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        assert [e.code for e in impl.errors] == [status.RPC_S_CANNOT_SUPPORT] * 2
        assert "no callbacks" in (impl.errors[0].detail or "")

    run(body)


@msgpack_only
def test_a_callback_after_its_call_ended_is_1725_and_sends_nothing() -> None:
    async def body() -> None:
        impl = Keeper()
        cbs = Recorder()
        async with pair(impl, cbs) as (server, client):
            assert await client.Count(1) == 1
            await wait_until(lambda: quiet(server))
            cb = CallbackClient(impl.kept[0])
            with pytest.raises(idlrt.RpcError) as info:
                await cb.Tick(1, 1)
            assert info.value.code == status.RPC_S_NO_CALL_ACTIVE
            # and from a thread, through wait()
            coro = cb.Tick(1, 1)
            with pytest.raises(idlrt.RpcError) as info:
                await asyncio.to_thread(cb.wait, coro)
            assert info.value.code == status.RPC_S_NO_CALL_ACTIVE
            assert await client.Count(2) == 2  # the connection is fine
        assert cbs.calls == []

    run(body)


@msgpack_only
def test_a_client_that_disconnects_fails_the_pending_callback_with_1726() -> None:
    class Waits(Manager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.errors: list[int] = []
            self.failed = asyncio.Event()

        async def Count(self, n: int) -> int:
            try:
                return int(await CallbackClient(idlrt.current_call()).Tick(n, n))
            except idlrt.RpcError as exc:
                self.errors.append(exc.code)
                self.failed.set()
                raise

    async def body() -> None:
        impl = Waits()
        cbs = Hanging()
        async with serving(impl) as (server, binding, _):
            client = await AsyncClient.connect(binding, callbacks=cbs)
            call = asyncio.ensure_future(client.Count(1))
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
    class Timed(Manager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.codes: list[int] = []

        async def Count(self, n: int) -> int:
            cb = CallbackClient(idlrt.current_call())
            try:
                return int(await cb.Tick(n, n, timeout=0.05))
            except idlrt.RpcError as exc:
                self.codes.append(exc.code)
                return -1

    async def body() -> None:
        impl = Timed()
        cbs = Hanging()
        async with pair(impl, cbs) as (_, client):
            assert await client.Count(1) == -1
            assert impl.codes == [status.RPC_S_CALL_CANCELLED]
            cbs.release.set()  # the late reply crosses nothing: dropped by the server
            assert await client.Count(2) == 2  # answered at once now; the connection lives

    run(body)


@msgpack_only
def test_the_client_refuses_what_is_not_a_callback_or_does_not_decode() -> None:
    class Odd(Manager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.codes: list[int] = []

        async def Count(self, n: int) -> int:
            cb = CallbackClient(idlrt.current_call())
            tries = [
                dataclasses.replace(P_Tick, opnum=P_Count.opnum),  # not a callback
                dataclasses.replace(P_Tick, opnum=99),  # no such opnum
                dataclasses.replace(P_Tick, encode_in=lambda *a: ["x"]),  # bad arguments
            ]
            for proc in tries:
                try:
                    await cb._call(proc, (1, 2))
                except idlrt.RpcError as exc:
                    self.codes.append(exc.code)
            return len(self.codes)

    async def body() -> None:
        impl = Odd()
        cbs = Recorder()
        async with pair(impl, cbs) as (_, client):
            assert await client.Count(0) == 3
        assert impl.codes == [
            status.RPC_S_PROCNUM_OUT_OF_RANGE,
            status.RPC_S_PROCNUM_OUT_OF_RANGE,
            status.RPC_X_BAD_STUB_DATA,
        ]
        assert cbs.calls == []

    run(body)


def test_the_server_refuses_a_request_for_a_callback_opnum_with_1745(wire: str) -> None:
    async def body() -> None:
        async with pair(ThreadManager()) as (_, client):
            with pytest.raises(idlrt.RpcError) as info:
                await client._call(P_Tick, (1, 2))
            assert info.value.code == status.RPC_S_PROCNUM_OUT_OF_RANGE

    run(body)


def test_callbacks_on_each_wire(wire: str) -> None:
    """msgpack: the callback runs. DCE/RPC: not supported yet, ``CallbackClient`` says 1764."""

    async def body() -> None:
        impl = CoroManager()
        cbs = Recorder()
        async with pair(impl, cbs) as (_, client):
            if wire == "msgpack":
                assert await client.Quiz(1) == 108
                return
            with pytest.raises(idlrt.RpcError) as info:
                await client.Quiz(1)
            assert info.value.code == status.RPC_S_CANNOT_SUPPORT
        assert "DCE/RPC" in (impl.errors[0].detail or "")
        assert cbs.calls == []

    run(body)


# -- nesting ----------------------------------------------------------------------------------


@msgpack_only
@pytest.mark.parametrize("manager", [ThreadManager, CoroManager])
def test_callbacks_nest_three_deep(manager: type[Any]) -> None:
    """Inner(3) calls back Nest(3), which calls Inner(2) on the same connection, ... Inner(0)."""

    async def body() -> None:
        cbs = Recorder()
        async with pair(manager(), cbs) as (server, client):
            cbs.client = client
            assert await client.Inner(3) == 6
            await wait_until(lambda: quiet(server))
        assert cbs.calls == [("Nest", 3), ("Nest", 2), ("Nest", 1)]

    run(body)


# -- the blocking client ----------------------------------------------------------------------


@msgpack_only
def test_the_blocking_client_serves_callbacks_off_its_loop() -> None:
    with ServerThread(ThreadManager()) as srv:
        cbs = BlockingRecorder()
        with Client.connect(srv.binding, callbacks=cbs) as client:
            cbs.client = client
            assert client.Count(2) == 2
            assert client.Inner(3) == 6  # plain Nest calls the server again, blocking
            loop_thread = client._conn.thread_id
        nests = [("Nest", depth) for depth in (3, 2, 1)]
        assert cbs.calls == [("Tick", 0, 2), ("Tick", 1, 2), *nests]
        assert srv.impl.ticks == [0, 10]
        assert loop_thread not in cbs.threads  # the shared loop never ran a plain callback


@msgpack_only
def test_the_blocking_client_runs_async_callbacks_on_its_loop() -> None:
    with ServerThread(CoroManager()) as srv:
        cbs = BlockingRecorder()
        with Client.connect(srv.binding, callbacks=cbs) as client:
            assert client.Quiz(5) == 8  # Ask gives (5, 3)
            assert cbs.threads == [client._conn.thread_id]


# -- current_call() and the API's checks ------------------------------------------------------


@msgpack_only
def test_current_call_in_each_kind_of_routine() -> None:
    with pytest.raises(idlrt.RpcError) as info:
        idlrt.current_call()
    assert info.value.code == status.RPC_S_NO_CALL_ACTIVE

    async def body() -> None:
        thread, coro = ThreadManager(), CoroManager()
        async with pair(thread, Recorder()) as (_, client):
            await client.Count(1)
        async with pair(coro, Recorder()) as (_, client):
            await client.Quiz(1)
        ctx = thread.contexts[0]
        assert (ctx.interface, ctx.procedure, ctx.opnum) == ("Callbacks", "Count", P_Count.opnum)
        ctx = coro.contexts[0]
        assert (ctx.interface, ctx.procedure, ctx.opnum) == ("Callbacks", "Quiz", P_Quiz.opnum)
        assert thread.threads[0] != threading.get_ident()

    run(body)


@pytest.mark.wire_free
def test_the_api_refuses_mistakes_before_anything_is_sent() -> None:
    class CalcCallbacks(idlrt.Callbacks):
        _idl_interface_ = CALC

    for wrong in (object(), CalcCallbacks()):
        with pytest.raises(TypeError):
            asyncio.run(AsyncClient.connect("ncacn_ip_tcp:127.0.0.1[1]", callbacks=wrong))
        with pytest.raises(TypeError):
            Client.connect("ncacn_ip_tcp:127.0.0.1[1]", callbacks=wrong)
    loose = idlrt.CallContext(
        "ncacn_ip_tcp", None, None, "Callbacks", CALLBACKS.uuid, (1, 0), 0, "Count"
    )
    with pytest.raises(idlrt.RpcError) as info:
        CallbackClient(loose)  # a context made by hand is of no call
    assert info.value.code == status.RPC_S_NO_CALL_ACTIVE


@msgpack_only
def test_wait_on_an_event_loop_is_refused() -> None:
    async def body() -> None:
        impl = CoroManager()
        async with pair(impl, Recorder()) as (_, client):
            await client.Quiz(1)
        cb = CallbackClient(impl.contexts[0])
        with pytest.raises(RuntimeError):
            cb.wait(cb.Tick(1, 1))

    run(body)


# -- the wire ---------------------------------------------------------------------------------


@msgpack_only
def test_the_callback_request_on_the_wire() -> None:
    """[REQUEST, cb_id, ctx_id, opnum, size, call_id] + arguments; a reply to a callback id
    never sent closes the connection."""

    async def body() -> None:
        async with serving(CoroManager()) as (_, binding, _):
            raw = await RawClient.open(binding)
            assert (await raw.bind(CALLBACKS.uuid, 1, 0))[0] == 1  # BIND_ACK
            raw.request(41, P_Quiz.opnum, [2])
            head = await raw.recv()
            # Ask (opnum 6) on context 0, for call 41
            assert head[0] == 3 and head[2:4] == [0, 6] and head[5] == 41
            assert await raw._next_value() == [2]
            payload = msgpack.packb([200, 9])
            raw.send_raw(msgpack.packb([4, head[1], len(payload)]) + payload)
            assert await raw.recv() == [4, 41, 3, [209]]
            raw.send([5, head[1] + 100, 1726])  # a FAULT for a callback never sent
            assert await raw.closed_by_peer()
            await raw.close()

    run(body)


@msgpack_only
def test_a_callback_reply_over_the_servers_limit_is_1783() -> None:
    async def body() -> None:
        impl = CoroManager()
        async with serving(impl, max_request=256) as (_, binding, _):
            raw = await RawClient.open(binding)
            await raw.bind(CALLBACKS.uuid, 1, 0)
            raw.request(7, P_Quiz.opnum, [1])
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
        async with serving(CoroManager()) as (_, binding, _):
            raw = await RawClient.open(binding)
            await raw.bind(CALLBACKS.uuid, 1, 0)
            raw.send([5, 1, 1726])
            assert await raw.closed_by_peer()
            await raw.close()

    run(body)

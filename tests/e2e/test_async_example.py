"""End to end over real TCP sockets: the generated AsyncRPC example, client and server.

Each test compiles examples/async with idlc (once per session), starts an idlrt.Server on
127.0.0.1 with an ephemeral port in-process, and drives it through the generated clients.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import idlrt
from support import ROOT, compile_package, import_generated, on_wire

EXAMPLE = ROOT / "examples" / "async" / "AsyncRPC.idl"
TCP = "ncacn_ip_tcp:127.0.0.1[0]"


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("e2e") / "gen_async_e2e"
    compile_package(EXAMPLE, out)
    return import_generated(out, "asyncrpc")


def make_manager(gen: ModuleType) -> Any:
    """A manager whose [async] routines park their handles for the test to finish."""

    class Parking(gen.AsyncRPCManager):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.parked: asyncio.Queue[Any] = asyncio.Queue()
            self.messages: list[str] = []
            self.raise_in_routine: BaseException | None = None
            self.closed: list[str] = []
            self.rundowns: list[str] = []

        def NonAsyncFunc(self, hBinding: idlrt.CallContext, pszMessage: str) -> None:
            if self.raise_in_routine is not None:
                raise self.raise_in_routine
            self.messages.append(f"{hBinding.procedure}:{pszMessage}")

        def AsyncFunc(self, handle: Any, hBinding: idlrt.CallContext, nDelay: int) -> None:
            self.parked.put_nowait(handle)

        async def CheckedDelay(self, handle: Any, nDelay: int, total: int) -> None:
            if self.raise_in_routine is not None:
                raise self.raise_in_routine
            self.parked.put_nowait((handle, nDelay, total))

        def OpenSession(self, owner: str) -> tuple[object]:
            return ([owner, 0],)

        def Submit(self, session: Any, work: int) -> int:
            session[1] += work
            return int(session[1])

        def CloseSession(self, session: Any) -> tuple[object]:
            self.closed.append(session[0])
            return (None,)

        def PJOB_SESSION_rundown(self, session: Any) -> None:
            self.rundowns.append(session[0])

        async def Shutdown(self, hBinding: idlrt.CallContext) -> None:
            return None

    return Parking()


@asynccontextmanager
async def serving(gen: ModuleType, manager: Any) -> AsyncIterator[str]:
    """A server for ``manager`` on an ephemeral loopback port; yields its binding, on the
    test's wire."""
    async with idlrt.Server() as server:
        server.register(manager)
        yield on_wire(await server.listen(TCP))


@asynccontextmanager
async def connected(gen: ModuleType, manager: Any) -> AsyncIterator[Any]:
    """A server for ``manager`` and an asyncio client connected to it."""
    async with (
        serving(gen, manager) as binding,
        await gen.AsyncRPCAsyncClient.connect(binding) as client,
    ):
        yield client


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro_fn(), timeout=30))  # type: ignore[arg-type]


def report(gen: ModuleType, n: int) -> Any:
    return gen.JOB_REPORT(id=n, state=gen.JOB_STATE.JOB_DONE, seconds=0.5, note=None)


def test_sync_call_reaches_the_manager_with_its_context(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            assert await client.NonAsyncFunc("hi") is None
        assert manager.messages == ["NonAsyncFunc:hi"]

    run(main)


def test_async_call_completed_later_from_another_task(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(123)
            handle = await manager.parked.get()
            # Parked on the server: the client sees the call pending (rule 13).
            assert call.status() == idlrt.status.RPC_S_ASYNC_CALL_PENDING == 997
            assert not call.done()
            with pytest.raises(idlrt.RpcError) as pending:
                call.result()
            assert pending.value.code == 997
            assert call.status() == 997  # result() did not end the call

            async def finisher() -> None:
                handle.complete(7, report=report(gen, 1))

            await asyncio.create_task(finisher())
            result = await call
            assert result == gen.AsyncFuncResult(retval=7, report=report(gen, 1))
            assert call.status() == 0
            assert call.result() == result

    run(main)


def test_async_call_completed_from_another_thread(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.CheckedDelay(5, 100)
            handle, delay, total = await manager.parked.get()
            worker = threading.Thread(target=lambda: handle.complete(0, total=total + delay))
            worker.start()
            assert await call == gen.CheckedDelayResult(retval=0, total=105)
            worker.join()

    run(main)


def test_abort_sends_only_the_code(gen: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = make_manager(gen)
    encoded: list[object] = []

    def spying(encode: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*values: object) -> Any:
            encoded.append(values)
            return encode(*values)

        return spy

    # The server encodes a reply with the Procedure its manager's interface names (either
    # wire's encoder): watch both.
    proc = gen._AsyncRPC_CheckedDelay
    spied = dataclasses.replace(
        proc,
        encode_out=spying(proc.encode_out),
        ndr_encode_out=spying(proc.ndr_encode_out),
    )
    iface = gen._AsyncRPC_INTERFACE
    procs = tuple(spied if p is proc else p for p in iface.procedures)
    monkeypatch.setattr(
        type(manager), "_idl_interface_", dataclasses.replace(iface, procedures=procs)
    )

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.CheckedDelay(-1, 5)
            handle, _, _ = await manager.parked.get()
            handle.abort(gen.APP_ERROR_NEGATIVE_DELAY)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == gen.APP_ERROR_NEGATIVE_DELAY == 0x2001
            assert call.status() == 0x2001
            assert handle.done
            assert encoded == []  # abort marshalled no out argument
            call = client.CheckedDelay(1, 5)  # the spy sees what complete() marshals
            handle, _, _ = await manager.parked.get()
            handle.complete(0, total=6)
            assert (await call).total == 6
            assert len(encoded) == 1

    run(main)


def test_abort_with_zero_is_invalid_and_sends_nothing(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.CheckedDelay(1, 1)
            handle, _, _ = await manager.parked.get()
            with pytest.raises(idlrt.RpcError) as err:
                handle.abort(0)
            assert err.value.code == 87
            assert not handle.done and not call.done()
            handle.complete(0, total=2)
            assert (await call).total == 2

    run(main)


def test_second_complete_is_1914_and_sends_nothing(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(1)
            handle = await manager.parked.get()
            handle.complete(1, report=report(gen, 1))
            with pytest.raises(idlrt.RpcError) as second:
                handle.complete(2, report=report(gen, 2))
            assert second.value.code == 1914
            with pytest.raises(idlrt.RpcError) as third:
                handle.abort(5)
            assert third.value.code == 1914
            assert (await call).retval == 1
            # The connection is still healthy: nothing stray was sent.
            assert await client.NonAsyncFunc("after") is None

    run(main)


def test_invalid_out_value_is_refused_and_the_call_stays_open(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(1)
            handle = await manager.parked.get()
            with pytest.raises(idlrt.RpcError) as err:
                handle.complete(2**31, report=report(gen, 1))
            assert err.value.code == 1783
            assert "AsyncFunc.retval" in str(err.value)
            with pytest.raises(idlrt.RpcError) as null:
                handle.complete(1, report=None)
            assert null.value.code == 1780
            assert not handle.done and not call.done()
            handle.abort(1818)
            with pytest.raises(idlrt.RpcError) as aborted:
                await call
            assert aborted.value.code == 1818

    run(main)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (RuntimeError("secret detail"), 1726),
        (idlrt.RpcError(5), 5),
        (idlrt.RpcError(0x4711), 0x4711),
    ],
)
def test_exception_in_a_manager_routine(
    gen: ModuleType, exc: BaseException, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    manager = make_manager(gen)
    manager.raise_in_routine = exc

    async def main() -> None:
        async with connected(gen, manager) as client:
            with pytest.raises(idlrt.RpcError) as sync_err:
                await client.NonAsyncFunc("x")
            assert sync_err.value.code == code
            with pytest.raises(idlrt.RpcError) as async_err:
                await client.CheckedDelay(1, 1)
            assert async_err.value.code == code
            assert "secret detail" not in str(sync_err.value)

    with caplog.at_level(logging.ERROR, logger="idlrt"):
        run(main)
    if code == 1726:
        assert "secret detail" in caplog.text  # logged on the server, not sent


def test_add_done_callback_runs_exactly_once(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(1)
            seen: list[int] = []
            fired = asyncio.Event()

            def on_done(c: Any) -> None:
                seen.append(c.status())
                fired.set()

            call.add_done_callback(on_done)
            handle = await manager.parked.get()
            handle.complete(3, report=report(gen, 3))
            await fired.wait()
            await call
            late: list[int] = []
            call.add_done_callback(lambda c: late.append(c.status()))
            assert late == [0]  # registered after completion: runs at once
            await client.NonAsyncFunc("flush")  # a full round trip later, still once
            assert seen == [0]

    run(main)


def test_unknown_interface_version_is_1717(gen: ModuleType, tmp_path: Path) -> None:
    manager = make_manager(gen)
    text = EXAMPLE.read_text()
    variants = {}
    for version in ("2.0", "1.1"):
        src = tmp_path / f"v{version.replace('.', '_')}" / "AsyncRPC.idl"
        src.parent.mkdir()
        src.write_text(text.replace("version(1.0)", f"version({version})"))
        out = tmp_path / f"gen_version_{version.replace('.', '_')}"
        compile_package(src, out, "--no-acf")
        variants[version] = import_generated(out, "asyncrpc")

    async def main() -> None:
        async with serving(gen, manager) as binding:
            for version, module in variants.items():
                with pytest.raises(idlrt.RpcError) as err:
                    await module.AsyncRPCAsyncClient.connect(binding)
                assert err.value.code == 1717, version
            # The server still serves the right version.
            async with await gen.AsyncRPCAsyncClient.connect(binding) as client:
                await client.NonAsyncFunc("ok")

    run(main)


def test_blocking_client_from_a_thread(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with serving(gen, manager) as binding:

            def use_blocking_client() -> Any:
                with gen.AsyncRPCClient.connect(binding) as client:
                    client.NonAsyncFunc("blocking")
                    call = client.CheckedDelay(2, 3)
                    return call, call.wait(timeout=20)

            worker = asyncio.create_task(asyncio.to_thread(use_blocking_client))
            handle, delay, total = await manager.parked.get()
            handle.complete(0, total=delay * total)
            call, result = await worker
            assert result == gen.CheckedDelayResult(retval=0, total=6)
            assert call.status() == 0
        assert manager.messages == ["NonAsyncFunc:blocking"]

    run(main)


def test_dropped_handle_fails_the_call_with_1726(
    gen: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(1)
            handle = await manager.parked.get()
            del handle
            gc.collect()
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == 1726

    with caplog.at_level(logging.WARNING, logger="idlrt"):
        run(main)
    assert "AsyncFunc" in caplog.text


def test_context_handle_session_and_rundown(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with idlrt.Server() as server:
            server.register(manager)
            binding = on_wire(await server.listen(TCP))
            async with await gen.AsyncRPCAsyncClient.connect(binding) as client:
                (session,) = await client.OpenSession("closer")
                assert isinstance(session, idlrt.ContextHandle)
                assert [await client.Submit(session, n) for n in (1, 2)] == [1, 3]
                assert await client.CloseSession(session) == gen.CloseSessionResult(None)
                with pytest.raises(idlrt.RpcError) as closed:
                    await client.Submit(session, 1)
                assert closed.value.code == 6  # RPC_X_SS_CONTEXT_MISMATCH: it was closed
                # a null [in] context handle: the caller's mistake, refused before sending
                with pytest.raises(ValueError, match=r"^Submit\.session: null context handle$"):
                    await client.Submit(None, 1)
                (left_open,) = await client.OpenSession("leaver")
                assert server.stats().context_handles == 1
            # The client left without closing: the rundown runs once, the count returns to 0.
            async with await gen.AsyncRPCAsyncClient.connect(binding) as other:
                with pytest.raises(idlrt.RpcError) as foreign:
                    await other.Submit(left_open, 1)
                assert foreign.value.code == 6
            assert manager.rundowns == ["leaver"]
            assert manager.closed == ["closer"]
            stats = server.stats()
            assert (stats.context_handles, stats.calls_in_progress) == (0, 0)

    run(main)


def test_cancel_reaches_the_server_and_timeout_cancels(gen: ModuleType) -> None:
    manager = make_manager(gen)

    async def main() -> None:
        async with connected(gen, manager) as client:
            call = client.AsyncFunc(1)
            handle = await manager.parked.get()
            told = asyncio.Event()
            handle.on_cancel(lambda h: told.set())
            call.cancel()  # non-abortive: the client keeps waiting for the server's answer
            await told.wait()
            assert handle.cancelled and handle.test_cancel()
            assert not call.done()
            handle.abort(1818)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == 1818

            late = client.AsyncFunc(2, timeout=0.05)
            late_handle = await manager.parked.get()
            with pytest.raises(idlrt.RpcError) as timed_out:
                await late
            assert timed_out.value.code == 1818
            late_handle.complete(0, report=report(gen, 2))  # dropped quietly: nobody waits

    run(main)

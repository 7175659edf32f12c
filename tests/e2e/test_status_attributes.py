"""[comm_status] and [fault_status] (from the ACF) over TCP: a failure's code comes back as the
value of the result it names, instead of being raised; failures of the other kind still raise."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest

import idlrt
from support import ROOT, compile_package, import_generated, on_wire

IDL = ROOT / "tests" / "e2e" / "status" / "Status.idl"  # Status.acf beside it is read too


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("status") / "gen_status_e2e"
    compile_package(IDL, out)
    return import_generated(out, "status")


def make_manager(gen: ModuleType) -> Any:
    class Manager(gen.StatusManager):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.release = asyncio.Event()

        async def Fails(self, code: int) -> int:
            if code:
                raise idlrt.RpcError(code)
            return 0

        async def Slow(self, code: int) -> int:
            if code:
                raise idlrt.RpcError(code)
            await self.release.wait()
            return 0

        async def Both(self, code: int) -> tuple[int, int, int]:
            if code:
                raise idlrt.RpcError(code)
            return (7, 0, 8)

    return Manager()


def test_status_attributes_turn_failures_into_values(gen: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(gen)
        async with idlrt.Server() as server:
            server.register(manager)
            binding = on_wire(await server.listen("ncacn_ip_tcp:127.0.0.1[0]"))
            async with await gen.StatusAsyncClient.connect(binding) as client:
                # [fault_status] on the return value: the server's fault is the value.
                assert await client.Fails(0) == 0
                assert await client.Fails(5) == 5
                # [comm_status] on the return value: a communication failure (here the call
                # timing out on the client) is the value; a server fault still raises.
                assert await client.Slow(0, timeout=0.05) == idlrt.status.RPC_S_CALL_CANCELLED
                with pytest.raises(idlrt.RpcError) as fault:
                    await client.Slow(6)
                assert fault.value.code == 6
                # Both on an [out] parameter: the code lands there, the other results are absent.
                assert await client.Both(0) == gen.BothResult(retval=7, st=0, other=8)
                assert await client.Both(9) == gen.BothResult(retval=None, st=9, other=None)
            manager.release.set()

            def blocking() -> tuple[int, Any]:
                with gen.StatusClient.connect(binding) as client:
                    return client.Fails(5), client.Both(9)

            # The blocking client (in a thread of its own) behaves the same.
            assert await asyncio.to_thread(blocking) == (5, gen.BothResult(None, 9, None))

    asyncio.run(asyncio.wait_for(main(), timeout=30))

"""The DCE/RPC wire between our own client and server, over real loopback sockets: big
requests and replies in fragments, presentation contexts, version rules, bind-time feature
negotiation, object UUIDs, context handles, the endpoint mapper, and both wires on one port."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import idlrt
from dce.dcekit import IFACE, RawPeer, compile_dcetest, make_manager, serving
from idlrt.epm import resolve
from idlrt.wire import dcerpc as pdu


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_dcetest(tmp_path_factory.mktemp("dce") / "gen_dce_wire")


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), 60))


def test_ten_mebibytes_each_way_in_fragments(m: ModuleType) -> None:
    data = os.urandom(10 * 1024 * 1024)

    async def main() -> None:
        async with serving(m, make_manager(m)) as (server, binding):
            client = await m.DceTestAsyncClient.connect(binding, wire="dcerpc")
            async with client:
                stream = client._conn.stream
                assert stream.max_xmit < len(data) // 100  # so it took many fragments
                result = await client.Echo(len(data), data)
                assert result == (len(data), data[::-1])
            assert server.stats().calls_in_progress == 0

    run(main)


def test_one_port_serves_both_wires(m: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager) as (_, binding):
            for wire in ("msgpack", "dcerpc"):
                async with await m.DceTestAsyncClient.connect(binding, wire=wire) as c:
                    assert (await c.Who("ann")).whom == f"ann via {wire}"
            option = binding.replace("]", ",wire=dcerpc]")
            async with await m.DceTestAsyncClient.connect(option) as c:
                assert (await c.Who("bob")).whom == "bob via dcerpc"
                assert c.binding == option
        assert [ctx.wire for ctx in manager.contexts] == ["msgpack", "dcerpc", "dcerpc"]
        assert manager.contexts[1].auth_user is None and manager.contexts[1].auth_level == 0

    run(main)


def test_async_calls_are_multiplexed_and_complete_from_a_thread(m: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager) as (server, binding):
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c:
                parked = [c.Later(i) for i in range(20)]
                while len(manager.parked) < 20:  # the server has all of them
                    assert await c.Add(1, 1) == 2  # a parked call holds up no other
                assert [call.status() for call in parked] == [997] * 20
                done = threading.Event()

                def finish() -> None:
                    for handle, v in manager.parked:
                        if v % 2:
                            handle.abort(0x2001)
                        else:
                            handle.complete(v * 10)
                    done.set()

                threading.Thread(target=finish).start()
                outcomes = []
                for call in parked:
                    try:
                        outcomes.append(await call)
                    except idlrt.RpcError as exc:
                        outcomes.append(exc.code)
                assert done.is_set()
                assert outcomes == [v * 10 if v % 2 == 0 else 0x2001 for v in range(20)]
            assert server.stats().calls_in_progress == 0

    run(main)


def test_cancel_maps_onto_co_cancel_and_orphaned(m: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager) as (server, binding):
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c:
                gentle, abrupt = c.Later(1), c.Later(2)
                while len(manager.parked) < 2:
                    await c.Add(0, 0)
                (h1, _), (h2, _) = manager.parked
                seen: list[str] = []
                h1.on_cancel(lambda h: seen.append("h1"))
                h2.on_cancel(lambda h: seen.append("h2"))
                gentle.cancel()  # co_cancel: the call goes on until the server answers
                abrupt.cancel(abortive=True)  # orphaned: it ends now with 1818
                assert abrupt.status() == 1818
                while len(seen) < 2:
                    await c.Add(0, 0)
                assert h1.test_cancel() and h2.test_cancel() and gentle.status() == 997
                h1.abort(1818)
                with pytest.raises(idlrt.RpcError) as err:
                    await gentle
                assert err.value.code == 1818
                h2.complete(5)  # quietly dropped: the client is gone (rule 6)
                assert await c.Add(2, 3) == 5  # the association survived the orphaned call
            assert server.stats().calls_in_progress == 0

    run(main)


def test_context_handles_run_down_when_the_association_drops(m: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(m)
        async with serving(m, manager) as (server, binding):
            c = await m.DceTestAsyncClient.connect(binding, wire="dcerpc")
            counter = (await c.Open(7)).counter
            assert [await c.Next(counter), await c.Next(counter)] == [8, 9]
            assert server.stats().context_handles == 1
            manager.ran_down = asyncio.Event()
            await c.close()
            await manager.ran_down.wait()  # rundown runs when the server sees the close
            assert manager.runs_down == 1 and server.stats().context_handles == 0
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as other:
                with pytest.raises(idlrt.RpcError) as err:
                    await other.Next(counter)  # a handle of another association
                assert err.value.code == 6

    run(main)


def test_version_rules_and_unknown_interfaces(m: ModuleType) -> None:
    async def main() -> None:
        async with serving(m, make_manager(m)) as (_, binding):
            peer = await RawPeer.open(binding)
            # several contexts in one bind: 2.0 and 2.1 accepted, 2.2 and 3.1 not (rule 15)
            elems = [
                pdu.ContextElem(i, IFACE, v, ((pdu.NDR20, 2),))
                for i, v in enumerate([(2, 0), (2, 1), (2, 2), (3, 1)])
            ]
            elems.append(pdu.ContextElem(4, IFACE, (2, 1), ((pdu.NDR64, 1),)))
            bits = pdu.BTFN_KEEP_CONNECTION_ON_ORPHAN | pdu.BTFN_SECURITY_CONTEXT_MULTIPLEXING
            elems.append(pdu.ContextElem(5, IFACE, (2, 1), ((pdu.btfn_syntax(bits), 1),)))
            body = pdu.bind_body(5840, 5840, 0, elems)
            await peer.send(pdu.pdu(pdu.BIND, pdu.WHOLE, 1, body))
            got = await peer.pdu()
            assert got is not None
            h, data = got
            assert h.ptype == pdu.BIND_ACK
            ack = pdu.read_bind_ack(data, len(data))
            results = [(r.result, r.reason) for r in ack.results]
            assert results == [
                (pdu.ACCEPTANCE, 0),
                (pdu.ACCEPTANCE, 0),
                (pdu.PROVIDER_REJECTION, pdu.ABSTRACT_SYNTAX_NOT_SUPPORTED),
                (pdu.PROVIDER_REJECTION, pdu.ABSTRACT_SYNTAX_NOT_SUPPORTED),
                (pdu.PROVIDER_REJECTION, pdu.TRANSFER_SYNTAXES_NOT_SUPPORTED),
                (pdu.NEGOTIATE_ACK, pdu.BTFN_KEEP_CONNECTION_ON_ORPHAN),
            ]
            assert ack.results[0].transfer == pdu.NDR20
            peer.close()
            variant = m.DceTestAsyncClient
            for version in ((3, 0), (2, 2)):
                iface = m._DceTest_INTERFACE
                other = type(
                    "Other",
                    (variant,),
                    {
                        "_idl_interface_": idlrt.Interface(
                            iface.name, iface.uuid, version, iface.procedures
                        )
                    },
                )
                with pytest.raises(idlrt.RpcError) as err:
                    await other.connect(binding, wire="dcerpc")
                assert err.value.code == 1717

    run(main)


def test_alter_context_adds_a_second_interface(m: ModuleType) -> None:
    async def main() -> None:
        async with (
            serving(m, make_manager(m)) as (_, binding),
            await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c,
        ):
            # the endpoint mapper, which the server serves beside DceTest
            ept = idlrt.Interface("ept", resolve.EPT_UUID, (3, 0), ())
            second = await c._conn.bind(ept)
            assert second != c._ctx
            assert await c.Add(20, 22) == 42

    run(main)


def test_object_uuids_reach_the_manager(m: ModuleType) -> None:
    async def main() -> None:
        manager = make_manager(m)
        obj = "6c4d0a8e-5b0f-4c4e-8a61-3a9f3e0b7d52"
        async with serving(m, manager) as (_, binding):
            async with await m.DceTestAsyncClient.connect(
                binding, wire="dcerpc", object_uuid=obj
            ) as c:
                await c.Who("x")
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c:
                await c.Who("y")
        assert [ctx.object_uuid for ctx in manager.contexts] == [obj, None]

    run(main)


def test_a_binding_without_port_asks_the_endpoint_mapper(
    m: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        async with serving(m, make_manager(m)) as (_, binding):
            # the mapper answers on the server's own port; point the client's lookup there
            port = int(binding.rsplit("[", 1)[1].rstrip("]"))
            monkeypatch.setattr(resolve, "MAPPER_PORT", port)
            async with await m.DceTestAsyncClient.connect("ncacn_ip_tcp:127.0.0.1") as c:
                assert c._conn.ndr and c.binding == f"ncacn_ip_tcp:127.0.0.1[{port}]"
                assert await c.Add(1, 2) == 3
            stranger = idlrt.Interface("Nobody", "5a0c1f52-0d9b-4c1e-9fd5-52c7a4b1e0a3", (1, 0), ())
            nobody = type("Nobody", (m.DceTestAsyncClient,), {"_idl_interface_": stranger})
            with pytest.raises(idlrt.RpcError) as err:
                await nobody.connect("ncacn_ip_tcp:127.0.0.1")
            assert err.value.code == 1753  # EPT_S_NOT_REGISTERED

    run(main)


def test_the_blocking_client_speaks_dcerpc_too(m: ModuleType, tmp_path: Path) -> None:
    manager = make_manager(m)
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        async with serving(m, manager) as (_, binding):
            holder["binding"] = binding
            holder["stop"] = stop = asyncio.Event()
            holder["loop"] = asyncio.get_running_loop()
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(30)
        with m.DceTestClient.connect(holder["binding"], wire="dcerpc") as c:
            started = time.monotonic()
            assert c.Add(40, 2) == 42
            assert c.Echo(3, b"abc") == (3, b"cba")
            call = c.Later(4)
            while not manager.parked:
                assert time.monotonic() - started < 30
                c.Add(0, 0)
            manager.parked[0][0].complete(44)
            assert call.wait(30) == 44
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(30)


def test_a_server_that_wants_authentication_refuses_the_unauthenticated(m: ModuleType) -> None:
    async def main() -> None:
        async with serving(m, make_manager(m), min_auth_level=5) as (_, binding):
            with pytest.raises(idlrt.RpcError) as err:
                await m.DceTestAsyncClient.connect(binding)  # msgpack: no authentication
            assert err.value.code == 5
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c:
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Add(1, 2)
                assert err.value.code == 5

    run(main)

"""The endpoint mapper served by the runtime as it is today (its msgpack wire over loopback
TCP): the generated ept client pages through ept_map and ept_lookup with real context handles
in the server's table, closed by the last page or by ept_lookup_handle_free. The NDR octets of
the same calls are checked in test_mapper.py; DCE/RPC framing comes with its transport."""

from __future__ import annotations

import asyncio

import idlrt
from idlrt.epm import ept
from idlrt.epm.mapper import EPT_S_NOT_REGISTERED, Endpoint, EndpointMapper
from idlrt.wire import tower as tw

CALC = "12345678-1234-abcd-ef00-0123456789ab"


def test_paging_through_the_servers_handle_table() -> None:
    async def body() -> None:
        async with idlrt.Server() as server:
            binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
            port = int(binding.rpartition("[")[2].rstrip("]"))
            endpoints = [
                Endpoint(CALC, (1, 0), "ncacn_ip_tcp", "127.0.0.1", port, "calc"),
                Endpoint(CALC, (1, 1), "ncacn_ip_tcp", "127.0.0.1", port + 1),
            ]
            server.register(EndpointMapper(lambda: endpoints))
            async with await ept.eptAsyncClient.connect(binding) as c:
                want = tw.encode_tcp_tower(CALC, (1, 0), "0.0.0.0", 0)
                first = await c.ept_map(None, ept.twr_t(len(want), want), None, 1)
                assert first.entry_handle is not None and first.status == 0
                assert server.stats().context_handles == 1
                last = await c.ept_map(None, ept.twr_t(len(want), want), first.entry_handle, 1)
                assert (last.entry_handle, last.num_towers, last.status) == (None, 1, 0)
                assert server.stats().context_handles == 0
                found = [
                    tw.decode_tower(t.tower_octet_string).port for t in first.towers + last.towers
                ]
                assert found == [port, port + 1]

                page = await c.ept_lookup(0, None, None, 1, None, 1)
                assert page.entry_handle is not None and [e.annotation for e in page.entries] == [
                    "calc"
                ]
                freed = await c.ept_lookup_handle_free(page.entry_handle)
                assert (freed.entry_handle, freed.status) == (None, 0)
                assert server.stats().context_handles == 0

                other = tw.encode_tcp_tower(CALC, (2, 0), "0.0.0.0", 0)
                none = await c.ept_map(None, ept.twr_t(len(other), other), None, 4)
                assert none == ept.ept_mapResult(None, 0, [], EPT_S_NOT_REGISTERED)

    asyncio.run(asyncio.wait_for(body(), 15))

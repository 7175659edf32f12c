"""A bad DCE/RPC peer gets a fault, a refusal or a clean close, never takes the server down,
and costs no other connection anything: lying lengths, verifiers past the end, unknown PDU
types, requests before bind, context floods, fragments that never end, undecodable stubs."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest

from dce.dcekit import RawPeer, bind_pdu, compile_dcetest, make_manager, request_pdu, serving
from idlrt.wire import dcerpc as pdu


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_dcetest(tmp_path_factory.mktemp("dce") / "gen_dce_hostile")


ADD = struct.pack("<ll", 2, 3)  # the stub of Add(2, 3)


def run(m: ModuleType, body: Callable[[str, Any], Awaitable[None]], **options: Any) -> None:
    """Run ``body(binding, server)``, then check that a well-behaved client is still served."""

    async def main() -> None:
        async with serving(m, make_manager(m), **options) as (server, binding):
            await body(binding, server)
            async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as good:
                assert await good.Add(20, 22) == 42
            assert server.stats().calls_in_progress == 0

    asyncio.run(asyncio.wait_for(main(), 60))


async def bound(binding: str) -> RawPeer:
    peer = await RawPeer.open(binding)
    await peer.send(bind_pdu())
    got = await peer.pdu()
    assert got is not None and got[0].ptype == pdu.BIND_ACK
    return peer


async def fault_of(peer: RawPeer) -> int:
    got = await peer.pdu()
    assert got is not None
    h, data = got
    assert h.ptype == pdu.FAULT, pdu.PTYPE_NAMES.get(h.ptype)
    return pdu.read_fault(data)


@pytest.mark.parametrize(
    "octets",
    [
        pytest.param(pdu.header(pdu.BIND, 3, 10, 1), id="frag_length shorter than a header"),
        pytest.param(pdu.header(pdu.REQUEST, 3, 0xFFFF, 1) + bytes(100), id="over max_recv"),
        pytest.param(
            pdu.header(pdu.BIND, 3, 72, 1, auth_length=200) + bytes(56), id="auth past the end"
        ),
        pytest.param(pdu.header(99, 3, 16, 1), id="unknown PDU type"),
        pytest.param(b"\x05\x07" + bytes(14), id="RPC version 5.7"),
        pytest.param(
            b"\x05\x00\x0b\x03\x00\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00",
            id="big-endian data representation",
        ),
        pytest.param(pdu.pdu(pdu.BIND, 3, 1, bytes(8)), id="bind body cut short"),
        pytest.param(pdu.pdu(pdu.RESPONSE, 3, 1, bytes(8)), id="a response from a client"),
    ],
)
def test_malformed_pdus_close_the_connection(m: ModuleType, octets: bytes) -> None:
    async def body(binding: str, server: Any) -> None:
        peer = await RawPeer.open(binding)
        await peer.send(octets)
        await peer.closed()

    run(m, body)


def test_requests_before_bind_and_on_unbound_contexts_fault(m: ModuleType) -> None:
    async def body(binding: str, server: Any) -> None:
        peer = await RawPeer.open(binding)
        await peer.send(request_pdu(1, 1, ADD))
        assert await fault_of(peer) == 0x1C010003  # nca_s_unk_if: nothing is bound
        await peer.send(bind_pdu(call_id=2))
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.BIND_ACK
        await peer.send(request_pdu(3, 1, ADD, ctx_id=9))
        assert await fault_of(peer) == 0x1C010003
        await peer.send(request_pdu(4, 99, ADD))
        assert await fault_of(peer) == 0x1C010002  # nca_s_op_rng_error
        await peer.send(request_pdu(5, 1, ADD[:3]))
        assert await fault_of(peer) == 1783  # a stub that does not decode
        await peer.send(bind_pdu(call_id=6))  # a second bind on one association
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.BIND_NAK
        await peer.send(request_pdu(7, 1, ADD))
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.RESPONSE
        assert got[1][24:] == struct.pack("<l", 5)
        peer.close()

    run(m, body)


def test_a_flood_of_contexts_is_refused_past_the_limit(m: ModuleType) -> None:
    async def body(binding: str, server: Any) -> None:
        peer = await RawPeer.open(binding)
        accepted = 0
        for i in range(5):  # 5 x 255 = 1,275 contexts offered, 1,024 kept at most
            ptype = pdu.BIND if i == 0 else pdu.ALTER_CONTEXT
            await peer.send(bind_pdu(call_id=i + 1, contexts=255, first_id=i * 255, ptype=ptype))
            got = await peer.pdu()
            assert got is not None
            ack = pdu.read_bind_ack(got[1], len(got[1]))
            accepted += sum(r.result == pdu.ACCEPTANCE for r in ack.results)
            refused = [r.reason for r in ack.results if r.result != pdu.ACCEPTANCE]
            assert set(refused) <= {pdu.LOCAL_LIMIT_EXCEEDED}
        assert accepted == 1024
        await peer.send(request_pdu(9, 1, ADD, ctx_id=1023))
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.RESPONSE
        peer.close()

    run(m, body)


def test_fragments_that_never_end_are_bounded(m: ModuleType) -> None:
    limit = 256 * 1024

    async def body(binding: str, server: Any) -> None:
        peer = await bound(binding)
        chunk = bytes(60_000)
        await peer.send(request_pdu(1, 0, chunk, flags=pdu.PFC_FIRST_FRAG))
        for _ in range(10):  # 600 kB of middle fragments, never a last one
            await peer.send(request_pdu(1, 0, chunk, flags=0))
        assert await fault_of(peer) == 5  # over the request limit: access denied
        (conn,) = server._connections
        assert conn._partial_size == 0
        await peer.send(request_pdu(1, 0, chunk, flags=pdu.PFC_LAST_FRAG))  # ignored
        await peer.send(request_pdu(2, 1, ADD))
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.RESPONSE and got[0].call_id == 2
        peer.close()

    run(m, body, max_request=limit)


def test_a_peer_that_vanishes_mid_request_leaves_nothing(m: ModuleType) -> None:
    async def body(binding: str, server: Any) -> None:
        peer = await bound(binding)
        await peer.send(request_pdu(1, 0, bytes(1000), flags=pdu.PFC_FIRST_FRAG))
        await peer.send(pdu.header(pdu.REQUEST, 3, 500, 2) + bytes(100))  # cut mid-PDU
        peer.close()
        while server._connections:  # the server notices the close
            await asyncio.sleep(0)

    run(m, body)


def test_garbage_on_one_connection_costs_another_nothing(m: ModuleType) -> None:
    async def body(binding: str, server: Any) -> None:
        async with await m.DceTestAsyncClient.connect(binding, wire="dcerpc") as c:
            call = c.Later(1)
            bad = await RawPeer.open(binding)
            await bad.send(b"\x05" + bytes(range(200)))
            await bad.closed()
            manager = server.registrations()[0].manager
            while not manager.parked:
                await c.Add(0, 0)
            manager.parked[0][0].complete(11)
            assert await call == 11

    run(m, body)


def test_a_call_id_already_in_progress_is_refused(m: ModuleType) -> None:
    async def body(binding: str, server: Any) -> None:
        peer = await bound(binding)
        manager = server.registrations()[0].manager
        later = struct.pack("<l", 7)  # Later(7): parked until the manager finishes it
        await peer.send(request_pdu(5, 2, later))
        await peer.send(request_pdu(5, 1, ADD))  # the same call id while 5 is parked
        assert await fault_of(peer) == 1783
        manager.parked[0][0].complete(70)
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.RESPONSE and got[0].call_id == 5
        assert got[1][24:] == struct.pack("<l", 70)
        peer.close()

    run(m, body)

"""Pipes on the DCE/RPC wire (docs/pipes.md, "DCE/RPC"): the octets NDR gives them, read and
written by a raw peer that cuts them anywhere; a request that ends before its pipes do; and
flow control without acknowledgements: a slow reader or sink stops its connection's reading,
so what it holds is bounded whatever the stream's length; a chunk the stubs refuse. The
call-model tests of pipes (test_rt_pipes.py, test_rt_pipes_end.py) run on this wire too."""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections.abc import Iterator

import pipes_stubs
import pytest
from dce.dcekit import RawPeer, port_of, request_pdu
from pipes_helpers import GatedUpload, PipesImpl, pattern, session
from rt_helpers import run, serving, wait_until

import idlrt
import support
from idlrt import dcepipes
from idlrt.pipestate import PipeStats
from idlrt.wire import dcerpc as pdu

pytestmark = pytest.mark.wire_free  # these pick the DCE/RPC wire themselves

PIPEKINDS = "3f9a4c52-8e1d-4b7a-9c63-5d2e0f1a7b84"
UPLOAD, DOWNLOAD = 0, 1


class RawDce(RawPeer):
    """tests/dce's raw DCE/RPC peer, bound to PipeKinds: it sends a request in the fragments
    a test cuts, and reads a whole response."""

    @classmethod
    async def bound(cls, binding: str) -> RawDce:
        peer = cls(*await asyncio.open_connection("127.0.0.1", port_of(binding)))
        ctx = pdu.ContextElem(0, uuid.UUID(PIPEKINDS), (1, 0), ((pdu.NDR20, 2),))
        await peer.send(pdu.pdu(pdu.BIND, pdu.WHOLE, 1, pdu.bind_body(5840, 5840, 0, [ctx])))
        got = await peer.pdu()
        assert got is not None and got[0].ptype == pdu.BIND_ACK
        return peer

    async def request(self, call_id: int, opnum: int, pieces: list[bytes]) -> None:
        """A request whose stub is ``pieces``, one fragment each."""
        for i, piece in enumerate(pieces):
            flags = (pdu.PFC_FIRST_FRAG if i == 0 else 0) | (
                pdu.PFC_LAST_FRAG if i == len(pieces) - 1 else 0
            )
            await self.send(request_pdu(call_id, opnum, piece, flags))

    async def response(self) -> bytes:
        """The stub of a whole response, fragments joined; a fault's status as 4 octets."""
        stub = b""
        while True:
            got = await self.pdu()
            assert got is not None, "the server closed the connection"
            h, data = got
            if h.ptype == pdu.FAULT:
                return b"FAULT" + struct.pack("<L", pdu.status_of_fault(pdu.read_fault(data)))
            assert h.ptype == pdu.RESPONSE
            stub += data[pdu.RESPONSE_HEADER :]
            if h.flags & pdu.PFC_LAST_FRAG:
                return stub


def count(n: int) -> bytes:
    return struct.pack("<L", n)


def test_an_in_pipe_in_ndr_chunks_cut_anywhere_by_the_fragments() -> None:
    # Upload(tag, data): tag (4 octets), then chunks "abc" and "de" and the empty chunk, the
    # counts aligned to 4; then the reply: the [out] value, tag + 5
    stub = struct.pack("<l", 100) + count(3) + b"abc" + b"\0" + count(2) + b"de" + b"\0\0"
    stub += count(0)

    async def body() -> None:
        async with serving(PipesImpl()) as (_server, binding, _impl):
            peer = await RawDce.bound(binding)
            await peer.request(2, UPLOAD, [stub[:6], stub[6:13], stub[13:]])
            assert await peer.response() == struct.pack("<l", 105)
            await peer.request(3, UPLOAD, [stub])  # and in one fragment
            assert await peer.response() == struct.pack("<l", 105)
            peer.close()

    run(body)


def test_an_out_pipe_is_ndr_chunks_before_the_other_out_values() -> None:
    # Download(size=5, chunk=2): chunks of 2, 2 and 1 octets, then the empty chunk (void)
    want = count(2) + pattern(0, 2) + bytes(2) + count(2) + pattern(2, 2) + bytes(2)
    want += count(1) + pattern(4, 1) + bytes(3) + count(0)

    async def body() -> None:
        async with serving(PipesImpl()) as (_server, binding, _impl):
            peer = await RawDce.bound(binding)
            await peer.request(2, DOWNLOAD, [struct.pack("<ll", 5, 2)])
            assert await peer.response() == want
            peer.close()

    run(body)


def test_a_request_that_ends_before_its_pipes_faults_1783() -> None:
    async def body() -> None:
        async with serving(PipesImpl()) as (server, binding, impl):
            peer = await RawDce.bound(binding)
            short = struct.pack("<l", 1) + count(3) + b"abc"  # no empty chunk
            await peer.request(2, UPLOAD, [short[:5], short[5:]])
            fault = await peer.response()
            assert fault == b"FAULT" + struct.pack("<L", idlrt.status.RPC_X_BAD_STUB_DATA)
            assert await asyncio.to_thread(impl.errors.get, True, 10) == 1783
            await wait_until(lambda: server.stats().calls_in_progress == 0)
            long = struct.pack("<l", 1) + count(0) + b"more"  # octets after the pipe
            await peer.request(3, UPLOAD, [long])
            assert await peer.response() == b"FAULT" + struct.pack("<L", 1783)
            peer.close()

    run(body)


HOLD = 256 * 1024
CHUNK = 16 * 1024
# What one read can bring on top of HOLD before the reading stops (asyncio reads at most
# 256 KiB at a time), and one fragment more.
SLACK = 256 * 1024 + 64 * 1024


@pytest.fixture
def small_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' hold, session()'s client on DCE/RPC, the high-water mark at 0."""
    monkeypatch.setattr(dcepipes, "HOLD", HOLD)
    monkeypatch.setattr(support, "WIRE", "dcerpc")
    PipeStats.reset()


@pytest.mark.usefixtures("small_hold")
def test_a_slow_reader_stops_the_reading_of_its_dce_connection() -> None:
    total = 80 * HOLD

    def source() -> Iterator[bytes]:
        for offset in range(0, total, CHUNK):
            yield pattern(offset, CHUNK)

    async def body() -> None:
        async with session(GatedUpload()) as (_server, impl, client):
            assert client._conn.ndr  # on DCE/RPC
            call = asyncio.ensure_future(client.Upload(0, source()))
            await wait_until(lambda: PipeStats.high_water >= HOLD)
            assert not call.done()
            impl.go.set()
            assert await call == total
            assert PipeStats.high_water <= HOLD + SLACK

    run(body)


@pytest.mark.usefixtures("small_hold")
def test_a_slow_sink_stops_the_reading_of_its_dce_connection() -> None:
    total = 80 * HOLD

    async def body() -> None:
        async with session() as (_server, _impl, client):
            assert client._conn.ndr  # on DCE/RPC
            go = asyncio.Event()
            got = [0]

            async def sink(chunk: bytes) -> None:
                await go.wait()
                got[0] += len(chunk)

            call = asyncio.ensure_future(client.Download(total, CHUNK, sink))
            await wait_until(lambda: PipeStats.high_water >= HOLD)
            go.set()
            await call
            assert got[0] == total
            assert PipeStats.high_water <= HOLD + SLACK

    run(body)


def test_a_bad_chunk_leaves_the_stub_stream_as_it_was() -> None:
    class Conn:  # what DceCallPipes reads of its connection when it is made
        loop = None
        thread_id = 0

    copy = pipes_stubs._kinds._PipeKinds_INTERFACE.procedures[2]  # Copy: src; dst, sizes
    stream = dcepipes.DceCallPipes(Conn(), 1, copy, False, b"")  # type: ignore[arg-type]
    dst, sizes = stream.sent
    first = stream.encode_chunk(dst, b"ab")
    assert first == count(2) + b"ab"
    with pytest.raises(idlrt.RpcError):
        stream.encode_chunk(sizes, ["x"])  # not a long: refused, nothing moves
    assert stream.final_offset() == 6 + 2 + 4 + 4  # dst's end (after padding), sizes' end
    # the next good chunk of sizes still ends dst first, at the same place
    assert stream.encode_chunk(sizes, [7]) == bytes(2) + count(0) + count(1) + struct.pack("<l", 7)

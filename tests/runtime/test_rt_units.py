"""Pure units: status table, RpcError, codec helpers, bindings, framing over a fake transport."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

import idlrt
from idlrt import codec, status
from idlrt.connection import FramedProtocol
from idlrt.errors import caller_error
from idlrt.wire import msgpack as wire

pytestmark = pytest.mark.wire_free  # units: no connection (the framing ones: msgpack's)


def test_status_names_and_messages() -> None:
    assert status.RPC_S_CALL_CANCELLED == 1818
    assert status.name_of(1818) == "RPC_S_CALL_CANCELLED"
    assert status.name_of(1734) == "RPC_X_INVALID_BOUND" and status.RPC_S_INVALID_BOUND == 1734
    assert status.name_of(6) == "RPC_X_SS_CONTEXT_MISMATCH"
    assert status.message_of(1717) == "The interface is unknown."
    assert status.name_of(123456) == "RPC_STATUS_123456"
    assert not status.is_known(123456) and status.is_known(997)
    for code, name, _ in status._TABLE:
        assert getattr(status, name) == code


def test_rpc_error() -> None:
    err = idlrt.RpcError(1818)
    assert (err.code, err.name, err.detail) == (1818, "RPC_S_CALL_CANCELLED", None)
    assert str(err) == "The remote procedure call was cancelled (RPC_S_CALL_CANCELLED, 1818)"
    err = idlrt.RpcError(1783, "Put.x: 3 does not fit small")
    assert str(err).endswith(": Put.x: 3 does not fit small")
    assert repr(err) == "RpcError(1783, 'Put.x: 3 does not fit small')"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.detail) == (1783, "Put.x: 3 does not fit small")
    assert str(idlrt.RpcError(0x2001)) == "0x00002001 (application-defined)"  # not MS's


def test_codec_fields() -> None:
    assert codec.fields([1, 2], 2, "P") == [1, 2]
    assert codec.fields((1, 2), 2, "P") == [1, 2]
    for bad, text in (([1], "expected 2 items, got 1"), ("ab", "expected a list, got str")):
        with pytest.raises(idlrt.RpcError) as err:
            codec.fields(bad, 2, "P.s")
        assert err.value.code == 1783 and err.value.detail == f"P.s: {text}"


def test_codec_error_constructors() -> None:
    cases: list[tuple[idlrt.RpcError, int, str]] = [
        (
            codec.int_error(300, "unsigned small", "Put.item.tags[3]"),
            1783,
            "Put.item.tags[3]: 300 does not fit unsigned small",
        ),
        (codec.int_error("x", "long", "P.a"), 1783, "P.a: expected an int (long), got str"),
        (codec.int_error(True, "long", "P.a"), 1783, "P.a: expected an int (long), got bool"),
        (codec.type_error(None, "str", "P.s"), 1783, "P.s: expected str, got None"),
        (codec.null_ref("P.p"), 1780, "P.p: null [ref] pointer (None)"),
        (codec.enum_error(7, "COLOR", "P.c"), 1781, "P.c: 7 is not a COLOR"),
        (codec.enum_error(True, "COLOR", "P.c"), 1783, "P.c: expected an int (COLOR), got bool"),
        (
            codec.bound_error("P.a", "size_is(n) is 3, got 4 items"),
            1734,
            "P.a: size_is(n) is 3, got 4 items",
        ),
        (codec.range_error(11, 0, 10, "P.r"), 1783, "P.r: 11 is outside range(0, 10)"),
        (codec.unsupported("pipe", "P.p"), 1764, "P.p: pipe is not supported"),
    ]
    for err, code, detail in cases:
        assert isinstance(err, idlrt.RpcError)
        assert (err.code, err.detail) == (code, detail)
        # where the caller passed the value, the client raises TypeError or ValueError instead
        local = caller_error(err)
        if "expected" in detail:
            assert type(local) is TypeError and str(local) == detail
        elif code == 1764:
            assert local is err  # not the caller's mistake: the stubs cannot carry it
        else:
            assert type(local) is ValueError and str(local) == detail


def test_codec_result_tuple() -> None:
    assert codec.result_tuple((1, 2), 2, "P") == (1, 2)
    assert codec.result_tuple([1, 2], 2, "P") == (1, 2)
    for bad in ((1,), 5, None):
        with pytest.raises(idlrt.RpcError) as err:
            codec.result_tuple(bad, 2, "P")
        assert err.value.code == 1783 and "P:" in str(err.value)


def test_binding_parse_and_str() -> None:
    b = idlrt.Binding.parse("ncacn_ip_tcp:127.0.0.1[4747]")
    assert (b.protseq, b.host, b.port) == ("ncacn_ip_tcp", "127.0.0.1", 4747)
    assert str(b) == "ncacn_ip_tcp:127.0.0.1[4747]"
    assert idlrt.Binding.parse("NCACN_IP_TCP:::1[0]").host == "::1"
    assert idlrt.Binding.parse("ncacn_ip_tcp:host.example[endpoint=80]").port == 80
    empty = idlrt.Binding.parse("ncacn_ip_tcp:[5]")
    assert (empty.host, empty.connect_host, str(empty)) == ("", "localhost", "ncacn_ip_tcp:[5]")
    local = idlrt.Binding.parse("ncalrpc:[/tmp/x y.sock]")
    assert (local.protseq, local.path, str(local)) == (
        "ncalrpc",
        "/tmp/x y.sock",
        "ncalrpc:[/tmp/x y.sock]",
    )
    assert str(b.with_port(1)) == "ncacn_ip_tcp:127.0.0.1[1]"


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class _Recorder(FramedProtocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        super().__init__(loop, limit)
        self.got: list[Any] = []

    def on_message(self, header: list[Any]) -> None:
        self.got.append(header)

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        self.got.append((header, msgpack.unpackb(payload)))

    def on_oversize(self, header: list[Any], size: int) -> None:
        self.got.append(("oversize", header[1], size))


def _framed(header: list[Any], payload: object) -> bytes:
    data = msgpack.packb(payload)
    header = [*header, len(data)]
    return bytes(msgpack.packb(header) + data)


def test_framing_byte_by_byte_and_skipping() -> None:
    async def body() -> None:
        proto = _Recorder(asyncio.get_running_loop(), 100)
        transport = _Transport()
        proto.connection_made(transport)
        stream = (
            msgpack.packb([6, 1, True])
            + _framed([3, 2, 0, 1], [1, "two"])
            + _framed([3, 3, 0, 1], ["x" * 500])  # over the limit: skipped
            + _framed([4, 4], [])
        )
        for i in range(len(stream)):  # the worst case: one byte per read
            proto.data_received(stream[i : i + 1])
        assert proto.got == [
            [6, 1, True],
            ([3, 2, 0, 1, len(msgpack.packb([1, "two"]))], [1, "two"]),
            ("oversize", 3, len(msgpack.packb(["x" * 500]))),
            ([4, 4, 1], []),
        ]
        proto.got.clear()
        proto.data_received(stream)  # and everything in one read
        assert len(proto.got) == 4 and not transport.closed
        # coalesced writes: three sends in one loop pass make one write
        proto.send(b"a")
        proto.send2(b"b", b"c")
        await asyncio.sleep(0)
        assert transport.written == [b"abc"]
        proto.data_received(b"\xc1")  # never valid msgpack: the connection is closed
        assert transport.closed and proto.closed

    asyncio.run(body())


def test_framing_rejects_bad_headers() -> None:
    async def body() -> None:
        for data in (
            msgpack.packb(5),
            msgpack.packb([]),
            msgpack.packb([42]),
            msgpack.packb(["x", 1]),
            msgpack.packb([3, 1, 0]),  # short REQUEST
            msgpack.packb([3, -1, 0, 0, 1]),
            msgpack.packb([3, 1, 0, 0, "big"]),
            msgpack.packb([0, 0, "x" * 70_000, 1, 0, 1]),  # header over 64 KiB
            msgpack.packb([0, 0, "x" * 200_000])[:100_000],  # ... even incomplete
            msgpack.packb([0, list(range(100))]),  # too many items in a header
        ):
            proto = _Recorder(asyncio.get_running_loop(), 100)
            transport = _Transport()
            proto.connection_made(transport)
            proto.data_received(data)
            assert transport.closed, data
            assert proto.got == []

    asyncio.run(body())


def test_unpack_payload_limits() -> None:
    assert wire.unpack_payload(msgpack.packb([1, "a"])) == [1, "a"]
    # every length is bounded by the payload's size (maps by half of it): a lying header
    # allocates nothing, whatever its kind
    lying = (b"\xdd\x00\xff\xff\xff", b"\xdf\x00\x01\x00\x00", b"\xdb\x00\x01\x00\x00")
    for bad in (*lying, b"\xc6\x00\x01\x00\x00", b"\x92\x01", b"\x01\x02", b"\xc1"):
        with pytest.raises(idlrt.RpcError) as err:
            wire.unpack_payload(bad)
        assert err.value.code == 1783
    with pytest.raises(idlrt.RpcError) as err:
        wire.pack_payload([object()])
    assert err.value.code == 1783

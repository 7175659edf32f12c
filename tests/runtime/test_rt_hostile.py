"""What the wire fuzzer (fuzz/wire) found, kept fixed: every bad input gets a fault or a clean
close, never the "internal error" path; what a peer sent is echoed only cut short; and one
peer's bad input costs a few log lines a minute at most. Each case also checks that another
connection, with a call parked on it, is untouched."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from calc_stubs import CalcAsyncClient, SlowResult
from rt_helpers import Impl, RawClient, run, serving

import idlrt
from idlrt import codec, status
from idlrt.untrusted import ECHO_LIMIT, REASON_LIMIT, PeerLog, peer_log, safe_repr
from idlrt.wire.msgpack import MAX_HEADER_DEPTH, nested_too_deep

pytestmark = pytest.mark.msgpack_only

DEEP = 1000  # levels of nesting msgpack decodes (its own limit is 1024); repr() fails on them


def nested(levels: int, leaf: object = 1) -> Any:
    """``leaf`` in ``levels`` one-item lists, built without recursion."""
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def deep_octets(levels: int = DEEP) -> bytes:
    """A msgpack array nested ``levels`` deep (msgpack's packer refuses to make one)."""
    return b"\x91" * levels + b"\x01"


@asynccontextmanager
async def watched(
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[tuple[idlrt.Server, str]]:
    """A server, and a good client with a call parked on it; afterwards: the parked call
    finishes, the good client is still served, and no internal error was logged."""
    peer_log.flush()  # a fresh budget of log lines for 127.0.0.1
    with caplog.at_level(logging.INFO, logger="idlrt"):
        async with serving() as (server, binding, impl):
            assert isinstance(impl, Impl)
            good = await CalcAsyncClient.connect(binding)
            parked = good.Slow(5)
            handle = await impl.next_handle()
            yield server, binding
            handle.complete(5, c=5)
            assert await parked == SlowResult(5, 5)
            assert await good.Add(2, 2) == 4
            await good.close()
    assert "internal error" not in caplog.text
    assert "Traceback" not in caplog.text


def closing_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "closing connection" in r.getMessage()]


def test_deeply_nested_header_closes_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    """Was: RecursionError building the ProtocolError message (repr of the header), logged as
    an internal error. Now: a header nests at most MAX_HEADER_DEPTH deep, and a header that
    is bad in any other way is shown cut short."""
    headers = [
        b"\x93" + deep_octets() + b"\x01\x02",  # as the kind
        b"\x95\x03\x01" + deep_octets() + b"\x00\x00",  # as a REQUEST's context id
        b"\x94\x06\x01\xc3" + deep_octets(),  # as an extra item of a well-formed CANCEL
        msgpack.packb([6, 1, True, nested(MAX_HEADER_DEPTH)]),  # one level over the limit
    ]

    async def body() -> None:
        async with watched(caplog) as (server, binding):
            for octets in headers:
                raw = await RawClient.open(binding)
                raw.send_raw(octets)
                assert await raw.closed_by_peer()
                await raw.close()
            assert server.stats().connections == 1

    run(body)
    reasons = closing_reasons(caplog)
    assert len(reasons) == len(headers)
    assert "unknown message kind [[[[" in reasons[0]
    assert all(len(r) < REASON_LIMIT + 100 for r in reasons)
    assert sum("nested too deep" in r for r in reasons) == 3


@pytest.mark.wire_free
def test_header_depth_limit_itself() -> None:
    assert not nested_too_deep([3, 1, 0, 0, 5])
    assert not nested_too_deep([6, 1, True, nested(MAX_HEADER_DEPTH - 1)])
    assert nested_too_deep([6, 1, True, nested(MAX_HEADER_DEPTH)])
    assert nested_too_deep([6, {"k": [{"k": nested(MAX_HEADER_DEPTH)}]}])
    assert nested_too_deep([nested(100_000)])  # iterative: no RecursionError


def test_huge_announced_size_is_refused_with_5(caplog: pytest.LogCaptureFixture) -> None:
    """Was: OverflowError ("Python int too large to convert to C ssize_t") from msgpack's
    read_bytes for a REQUEST announcing over 2**63 octets, an internal error. Now: fault 5
    (over max_request), and the connection skips what the request announced."""

    async def body() -> None:
        async with watched(caplog) as (_server, binding):
            for size in (2**63, 2**64 - 1):
                raw = await RawClient.open(binding)
                assert (await raw.bind())[:3] == [1, 0, 1]
                raw.send_raw(msgpack.packb([3, 9, 0, 0, size]) + b"payload")
                assert (await raw.recv())[:3] == [5, 9, status.RPC_S_ACCESS_DENIED]
                await raw.close()

    run(body)


def test_echoed_values_are_cut_short(caplog: pytest.LogCaptureFixture) -> None:
    """A fault's detail and a log line show a peer's value in at most ECHO_LIMIT characters
    (was: the whole value, 60,000 characters here, back to the client and into the log)."""
    long_text = "x" * 60_000

    async def body() -> None:
        async with watched(caplog) as (_server, binding):
            raw = await RawClient.open(binding)
            assert (await raw.bind())[:3] == [1, 0, 1]
            raw.request(1, 0, [1, 2], ctx_id=long_text)  # type: ignore[arg-type]
            raw.send([*nested(5), 0])  # a kind that is no kind: closes the connection
            fault = await raw.recv()
            assert fault[:3] == [5, 1, status.RPC_S_UNKNOWN_IF]
            assert len(fault[3]) < ECHO_LIMIT + 30 and fault[3].endswith("... is not bound")
            await raw.close()
            raw = await RawClient.open(binding)
            assert (await raw.bind())[:3] == [1, 0, 1]
            raw.send_raw(msgpack.packb([3, 2, 0, long_text, 1]) + msgpack.packb([]))
            fault = await raw.recv()
            assert fault[:3] == [5, 2, status.RPC_S_PROCNUM_OUT_OF_RANGE]
            assert len(fault[3]) < ECHO_LIMIT + 30
            raw.send([6, long_text, True])  # a CANCEL whose call id is text: closes
            assert await raw.closed_by_peer()
            await raw.close()

    run(body)
    reasons = closing_reasons(caplog)
    assert len(reasons) == 2
    assert all(len(r) < REASON_LIMIT + 100 for r in reasons)
    assert "bad CANCEL call id 'xxx" in reasons[1]


@pytest.mark.wire_free
def test_safe_repr_never_fails_and_stays_short() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    cyclic: list[object] = []
    cyclic.append(cyclic)
    values: list[object] = [
        nested(100_000),
        {i: nested(50) for i in range(1000)},
        "y" * 10**6,
        b"\x00\xff" * 10**5,
        2**100_000,  # str() of it would fail: over sys.get_int_max_str_digits()
        Hostile(),
        cyclic,
        (1, [2, {3: (4,)}]),
    ]
    for value in values:
        text = safe_repr(value)
        assert len(text) <= ECHO_LIMIT, text
    assert safe_repr([1, "a", None, {"k": b"v"}]) == "[1, 'a', None, {'k': b'v'}]"
    assert safe_repr(2**100_000) == "<int of 100001 bits>"
    assert safe_repr(Hostile()) == "<Hostile>"
    assert safe_repr(nested(3)) == "[[[1]]]"
    assert safe_repr("z" * 100, limit=10) == "'zzzzzz..."


@pytest.mark.wire_free
def test_stub_errors_show_values_cut_short() -> None:
    """The generated decoders' errors (1781, 1734, 1783) name the bad value: cut short."""
    for err in (
        codec.enum_error(nested(DEEP), "COLOR", "Mix.c"),
        codec.range_error("r" * 10_000, 0, 8, "Put.n"),
        codec.union_error(nested(DEEP), "DETAIL", "Put.detail"),
    ):
        assert err.detail is not None and len(err.detail) < ECHO_LIMIT + 50, err.detail
    with pytest.raises(idlrt.RpcError) as bound:
        codec.check_count([1], "n" * 10_000, "Sum.v", "size_is")
    assert bound.value.detail is not None and len(bound.value.detail) < ECHO_LIMIT + 50


@pytest.mark.wire_free
def test_peer_log_budget() -> None:
    """At most ``per_interval`` lines per peer per interval; then one line saying how many
    were suppressed; peers do not share a budget, and the table of peers is bounded."""
    now = [0.0]
    logger = logging.getLogger("test_peer_log_budget")
    logger.setLevel(logging.INFO)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger.addHandler(Keep())
    log = PeerLog(logger, per_interval=3, interval=10.0, max_peers=2, clock=lambda: now[0])
    allowed = [log.log(logging.WARNING, "a", "bad input %d", i) for i in range(10)]
    assert allowed == [True] * 3 + [False] * 7
    assert log.log(logging.WARNING, "b", "another peer")
    assert log.log(logging.WARNING, "c", "a third peer: the shared budget")
    assert lines == ["bad input 0", "bad input 1", "bad input 2", "another peer", lines[-1]]
    now[0] = 10.0
    assert log.log(logging.WARNING, "a", "bad input again")
    assert lines[-2:] == ["idlrt: suppressed 7 more log lines about a in 10 s", "bad input again"]
    log.log(logging.DEBUG, "a", "below the logger's level: no budget spent")
    assert len(log._peers) <= 3  # max_peers, and the budget the others share


def test_one_peer_floods_the_log_with_at_most_ten_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """30 connections of junk on both wires from one host: 10 lines, then one "suppressed"
    line (at the end of the interval, or here when the budget is flushed)."""
    # msgpack, and a DCE/RPC header whose frag_length (10) is shorter than a header
    junk = [b"\xc1" * 8, b"\x05\x00\x0b\x03\x10\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\x00"]

    async def body() -> None:
        async with watched(caplog) as (_server, binding):
            for i in range(30):
                raw = await RawClient.open(binding)
                raw.send_raw(junk[i % 2])
                assert await raw.closed_by_peer()
                await raw.close()
            with caplog.at_level(logging.INFO, logger="idlrt"):
                peer_log.flush()

    run(body)
    assert len(closing_reasons(caplog)) == 10
    assert "suppressed 20 more log lines about 127.0.0.1" in caplog.text


def test_bad_input_never_reaches_the_event_loop(caplog: pytest.LogCaptureFixture) -> None:
    """A medley of what the fuzzer sends, one connection each: each gets a fault or a clean
    close, and the server has nothing left of them."""
    medley = [
        msgpack.packb([0, 0, "6b29fc40-ca47-1067-b31d-00dd010662da", 1, 0, 1])
        + msgpack.packb([3, 1, 0, 0, 0xFFFF_FFFF]),  # an announced size, then nothing
        b"\xdd\xff\xff\xff\xff" + b"\x03" * 8,  # an array bomb as the header
        msgpack.packb([3, 1, 0, 0, 2]) + b"\xdc\xff\xff",  # and as the payload
        b"\x92\x06\xa3\xff\xfe\xfd",  # not UTF-8
        b"\x93\x00\x81\x91\x01\x02\x00",  # a map key that cannot be hashed
        b"\x95\x03\x01\xc7\x03\xff\x00\x00\x00\x00\x00",  # a timestamp of 3 octets
    ]

    async def body() -> None:
        async with watched(caplog) as (server, binding):
            for octets in medley:
                raw = await RawClient.open(binding)
                raw.send_raw(octets)
                raw.writer.write_eof()
                assert await raw.closed_by_peer()
                await raw.close()
            for _ in range(100):
                if server.stats().connections == 1:
                    break
                await asyncio.sleep(0.01)
            assert server.stats().connections == 1

    run(body)

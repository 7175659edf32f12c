"""Protocol towers (``idlrt.wire.tower``): the octets C706 appendix L lays out, checked by hand
and against impacket's ``EPMTower``, both ways; towers of other protocols are read, not
refused; hostile octets raise 1783 and nothing else."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from impacket.dcerpc.v5 import epm  # test-only (the test extra)

import idlrt
from epmap.eptkit import impacket_tcp_tower
from idlrt.wire import tower as tw

IFACE = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab")


def test_a_tcp_tower_octet_by_octet() -> None:
    octets = tw.encode_tcp_tower(IFACE, (1, 2), "127.0.0.1", 0x1234)
    assert octets == (
        b"\x05\x00"  # five floors
        + b"\x13\x00\x0d" + IFACE.bytes_le + b"\x01\x00" + b"\x02\x00" + b"\x02\x00"
        + b"\x13\x00\x0d" + uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le
        + b"\x02\x00" + b"\x02\x00\x00\x00"
        + b"\x01\x00\x0b" + b"\x02\x00\x00\x00"  # connection-oriented RPC, minor version 0
        + b"\x01\x00\x07" + b"\x02\x00\x12\x34"  # TCP, the port big-endian
        + b"\x01\x00\x09" + b"\x04\x00\x7f\x00\x00\x01"  # IP
    )  # fmt: skip
    assert len(octets) == 75


@pytest.mark.parametrize(("host", "port"), [("0.0.0.0", 0), ("10.1.2.3", 49664), ("1.1.1.1", 1)])
def test_tcp_towers_are_impackets_both_ways(host: str, port: int) -> None:
    ours = tw.encode_tcp_tower(str(IFACE), (3, 7), host, port)
    theirs = impacket_tcp_tower(str(IFACE), "3.7", host, port)
    assert ours == theirs
    back = tw.decode_tower(theirs)
    assert (back.interface, back.version) == (IFACE, (3, 7))
    assert (back.syntax, back.syntax_version) == tw.NDR20_SYNTAX
    assert (back.protocol, back.protseq, back.port, back.host) == (0x0B, "ncacn_ip_tcp", port, host)
    assert back.endpoint is None and len(back.floors) == 5
    parsed = epm.EPMTower(ours)
    assert parsed["NumberOfFloors"] == 5
    assert epm.PrintStringBinding(parsed["Floors"]) == f"ncacn_ip_tcp:{host}[{port}]"


def _pipe_tower(pipe: bytes, host: bytes) -> bytes:
    return tw.encode_floors(
        [
            tw.Floor(b"\x0d" + IFACE.bytes_le + b"\x01\x00", b"\x00\x00"),
            tw.Floor(b"\x0d" + tw.NDR20_SYNTAX[0].bytes_le + b"\x02\x00", b"\x00\x00"),
            tw.Floor(b"\x0b", b"\x00\x00"),
            tw.Floor(b"\x0f", pipe),
            tw.Floor(b"\x11", host),
        ]
    )


def test_towers_of_other_protocols_are_read_with_their_floors() -> None:
    np = tw.decode_tower(_pipe_tower(b"\\PIPE\\lsass\0", b"\\\\DC1\0"))
    assert (np.protseq, np.endpoint, np.host, np.port) == (
        "ncacn_np",
        "\\PIPE\\lsass",
        "\\\\DC1",
        None,
    )
    assert (
        epm.PrintStringBinding(epm.EPMTower(_pipe_tower(b"x\0", b"h\0"))["Floors"])
        == "ncacn_np:h[x]"
    )
    lrpc = tw.decode_tower(
        tw.encode_floors(
            [
                tw.Floor(b"\x0d" + IFACE.bytes_le + b"\x01\x00", b"\x00\x00"),
                tw.Floor(b"\x0d" + tw.NDR20_SYNTAX[0].bytes_le + b"\x02\x00", b"\x00\x00"),
                tw.Floor(b"\x0c", b"\x00\x00"),
                tw.Floor(b"\x10", b"LRPC-0123\0"),
            ]
        )
    )
    assert (lrpc.protocol, lrpc.protseq, lrpc.endpoint) == (0x0C, "ncalrpc", "LRPC-0123")
    odd = tw.decode_tower(
        tw.encode_floors([*lrpc.floors[:2], tw.Floor(b"\x0b", b"\0\0"), tw.Floor(b"\x42", b"?")])
    )
    assert odd.protseq is None and odd.floors[3] == tw.Floor(b"\x42", b"?")


def test_encoding_refuses_what_a_tower_cannot_hold() -> None:
    for host in ("::1", "localhost", "1.2.3", "1.2.3.256"):
        with pytest.raises(ValueError):
            tw.encode_tcp_tower(IFACE, (1, 0), host, 1)
    with pytest.raises(ValueError):
        tw.encode_tcp_tower(IFACE, (1, 0), "1.2.3.4", 65536)
    with pytest.raises(ValueError):
        tw.encode_tcp_tower(IFACE, (65536, 0), "1.2.3.4", 1)


GOOD = tw.encode_tcp_tower(IFACE, (1, 0), "192.168.0.1", 135)


@pytest.mark.parametrize("cut", range(len(GOOD)))
def test_every_truncation_is_1783(cut: int) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        tw.decode_tower(GOOD[:cut])
    assert err.value.code == 1783


@pytest.mark.parametrize(
    "octets",
    [
        GOOD + b"\0",  # trailing octets
        b"\xff\xff" + GOOD[2:],  # a floor count far beyond the octets
        b"\x02\x00" + GOOD[2:52],  # two floors: no protocol floor
        GOOD[:2] + b"\x12\x00" + GOOD[4:],  # an interface floor one octet short
        GOOD[:-9] + b"\x01\x00\x09\x03\x00\x01\x02\x03",  # a 3-octet address
        GOOD[:-16] + b"\x01\x00\x07\x01\x00\x05" + GOOD[-9:],  # a 1-octet port
        b"\x01\x00\x00\x00\x00\x00",  # a floor with an empty left-hand side
    ],
)
def test_malformed_towers_are_1783(octets: bytes) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        tw.decode_tower(octets)
    assert err.value.code == 1783


@given(st.binary(max_size=120))
def test_random_octets_raise_only_rpc_errors(octets: bytes) -> None:
    try:
        tw.decode_tower(octets)
    except idlrt.RpcError as err:
        assert err.code == 1783


@given(st.binary(min_size=1, max_size=len(GOOD)), st.integers(0, len(GOOD) - 1))
def test_corrupted_towers_raise_only_rpc_errors(patch: bytes, at: int) -> None:
    octets = GOOD[:at] + patch + GOOD[at + len(patch) :]
    try:
        tw.decode_tower(octets)
    except idlrt.RpcError as err:
        assert err.code == 1783

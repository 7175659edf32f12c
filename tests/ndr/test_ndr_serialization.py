"""Type serialization ([MS-RPCE] 2.2.6, version 1): ``<Type>_encode``/``<Type>_decode`` for the
types an ACF marks ``[encode]``/``[decode]``, checked byte for byte against the spec and against
impacket's ``TypeSerialization1``, and refusing malformed headers with a status code."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from impacket.dcerpc.v5.dtypes import LONG, LPWSTR, SHORT  # test-only (the test extra)
from impacket.dcerpc.v5.ndr import NDRSTRUCT
from impacket.dcerpc.v5.rpcrt import TypeSerialization1

import idlrt
from idlc.cli import main
from support import import_generated

IDL = """
[uuid(5f0c1e2a-3b4c-4d5e-8f60-718293a4b5c6), version(1.0), pointer_default(unique)]
interface Store
{
    typedef struct _REC { long a; [string] wchar_t *name; short s; } REC;
    typedef REC REC_ALIAS;
    typedef union switch (long kind) u {
        case 1: long n;
        case 2: [string] char *text;
        default: ;
    } CHOICE;
    typedef enum { K0, K1 } KIND;
    void Ping(void);
}
"""
ACF = "interface Store { typedef [encode, decode] REC, CHOICE, KIND; typedef [decode] REC_ALIAS; }"

_MODULE: dict[str, ModuleType] = {}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    if "store" not in _MODULE:
        folder = tmp_path_factory.mktemp("serialization")
        (folder / "store.idl").write_text(IDL)
        (folder / "store.acf").write_text(ACF)
        assert main([str(folder / "store.idl"), "-o", str(folder / "gen")]) == 0
        _MODULE["store"] = import_generated(folder / "gen", "store")
    return _MODULE["store"]


def test_the_stream_is_headers_then_the_value_padded_to_8(store: ModuleType) -> None:
    data = store.REC_encode(store.REC(a=5, name="abcd", s=7))
    # 2.2.6.1: version 1, little-endian (0x10), header length 8, filler 0xcccccccc;
    # 2.2.6.2: the length of what follows, its padding included, and a filler of 0.
    assert data[:16] == bytes.fromhex("01100800cccccccc2800000000000000")
    body = bytes.fromhex(
        "05000000"  # a
        "04000200"  # name: the referent id of a unique pointer
        "0700"
        "0000"  # s, then the gap to the string's 4-byte alignment
        "05000000"
        "00000000"
        "05000000"  # max count, offset, actual count (the NUL counts)
        "61006200630064000000"  # "abcd\0" in UTF-16LE
        "000000000000"  # the stream padded to 8
    )
    assert data[16:] == body
    assert store.REC_decode(data) == store.REC(a=5, name="abcd", s=7)
    assert store.REC_ALIAS_decode(data) == store.REC(a=5, name="abcd", s=7)


class _Rec(NDRSTRUCT):  # type: ignore[misc]
    structure = (("a", LONG), ("name", LPWSTR), ("s", SHORT))


class _RecStream(TypeSerialization1):  # type: ignore[misc]
    structure = (("rec", _Rec),)


def _impacket_stream(a: int, name: str, s: int) -> bytes:
    t: Any = _RecStream()
    t["rec"]["a"], t["rec"]["name"], t["rec"]["s"] = a, name + "\0", s
    head = t.getData()
    return bytes(head + t.getDataReferents(len(head)))


def test_impacket_writes_the_same_value(store: ModuleType) -> None:
    ours = store.REC_encode(store.REC(a=-3, name="xyz", s=-2))
    theirs = bytearray(_impacket_stream(-3, "xyz", -2))
    # impacket's departures, none in the value: its referent ids are random; it fills gaps
    # with 0xab; it writes 0xcccccccc as the private header's filler and a length without the
    # padding, where 2.2.6.2 says the filler MUST be 0 and the length MUST include the padding.
    theirs[20:24] = ours[20:24]  # the referent id
    theirs[26:28] = b"\0\0"  # the alignment gap after s
    body = len(theirs) - 16
    theirs[8:16] = (body + (-body & 7)).to_bytes(4, "little") + bytes(4)
    theirs += bytes(-body & 7)
    assert bytes(theirs) == ours
    # and ours reads impacket's stream once its length counts the padding, as 2.2.6.2 says
    assert store.REC_decode(bytes(theirs)) == store.REC(a=-3, name="xyz", s=-2)


def test_impacket_reads_our_stream(store: ModuleType) -> None:
    got: Any = _RecStream(store.REC_encode(store.REC(a=11, name="q", s=12)))
    assert (got["rec"]["a"], got["rec"]["s"]) == (11, 12)
    assert got["CommonHeader"]["Version"] == 1 and got["CommonHeader"]["Endianness"] == 0x10


@settings(max_examples=50, deadline=None)
@given(
    a=st.integers(-(2**31), 2**31 - 1),
    name=st.none() | st.text(st.characters(codec="utf-16", exclude_characters="\0")),
    s=st.integers(-(2**15), 2**15 - 1),
    kind=st.sampled_from([1, 2, 3]),
    n=st.integers(-(2**31), 2**31 - 1),
    text=st.none() | st.text(st.characters(codec="latin-1", exclude_characters="\0")),
)
def test_round_trips(
    store: ModuleType, a: int, name: str | None, s: int, kind: int, n: int, text: str | None
) -> None:
    rec = store.REC(a=a, name=name, s=s)
    data = store.REC_encode(rec)
    assert len(data) % 8 == 0 and store.REC_decode(data) == rec
    arm: object = {1: n, 2: text, 3: None}[kind]
    choice = store.CHOICE(kind=kind, u=arm)
    assert store.CHOICE_decode(store.CHOICE_encode(choice)) == choice


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda d: d[:15], 1783),  # no room for the headers
        (lambda d: b"\x02" + d[1:], 1783),  # version 2
        (lambda d: d[:1] + b"\x00" + d[2:], 1764),  # big-endian: not supported
        (lambda d: d[:2] + b"\x10\x00" + d[4:], 1783),  # a common header of 16 octets
        (lambda d: d[:8] + b"\xff\xff\xff\x7f" + d[12:], 1783),  # longer than the stream
        (lambda d: d[:8] + b"\x21\x00\x00\x00" + d[12:], 1783),  # not a multiple of 8
        (lambda d: d[:36] + b"\xff\xff\xff\x7f" + d[40:], 1734),  # a lying actual count
        (lambda d: d[:40], 1783),  # the value cut short
    ],
)
def test_bad_streams_are_status_codes(store: ModuleType, mangle: Any, code: int) -> None:
    data = store.REC_encode(store.REC(a=1, name="abcdefgh", s=2))
    with pytest.raises(idlrt.RpcError) as err:
        store.REC_decode(mangle(data))
    assert err.value.code == code


def test_a_type_it_cannot_serialize_is_a_warning_and_1764(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: ModuleType
) -> None:
    (tmp_path / "store.idl").write_text(IDL)
    (tmp_path / "store.acf").write_text(ACF)
    assert main([str(tmp_path / "store.idl"), "-o", str(tmp_path / "gen")]) == 0
    assert "warning: NDR20: KIND: type serialization of an enum is not supported" in (
        capsys.readouterr().err
    )
    with pytest.raises(idlrt.RpcError) as err:
        store.KIND_encode(store.KIND.K1)
    assert err.value.code == 1764
    assert not hasattr(store, "REC_ALIAS_encode")  # [decode] alone

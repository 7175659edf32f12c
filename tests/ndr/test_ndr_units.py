"""Units of the NDR20 codec: the runtime's primitives (``idlrt.wire.ndr``), exact octets of
small cases worked out by hand from C706, full pointers, context handles, errors on encode,
and the warnings for what the generator does not support."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

import idlrt
from idlc.cli import main
from idlrt.ctxhandle import scope
from idlrt.wire import ndr
from ndr.ndrkit import CONFORMANCE, compile_idl
from support import import_generated


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return compile_idl(CONFORMANCE, tmp_path_factory.mktemp("ndr_units") / "gen_ndr_units")[1]


# -- runtime primitives ------------------------------------------------------------------------


def test_strings_carry_their_terminator() -> None:
    b = ndr.Buffer()
    b += b"\x01"
    ndr.put_str(b, "ab")
    assert bytes(b) == b"\x01\0\0\0" + struct.pack("<3L", 3, 0, 3) + b"ab\0"
    r = ndr.Reader(bytes(b))
    r.pos = 1
    assert ndr.get_str(r) == "ab" and r.pos == len(b)
    b = ndr.Buffer()
    ndr.put_wstr(b, "\U0001f600")  # a surrogate pair: 2 units and the terminator
    assert bytes(b)[:12] == struct.pack("<3L", 3, 0, 3)
    assert ndr.get_wstr(ndr.Reader(bytes(b))) == "\U0001f600"
    assert ndr.wlen("\U0001f600") == 3


def test_lone_surrogates_round_trip() -> None:
    b = ndr.Buffer()
    ndr.put_wstr(b, "a\ud800b")
    assert ndr.get_wstr(ndr.Reader(bytes(b))) == "a\ud800b"


def test_varying_strings_check_their_capacity() -> None:
    b = ndr.Buffer()
    ndr.put_vstr(b, "abc", 4)
    assert bytes(b) == struct.pack("<2L", 0, 4) + b"abc\0"
    with pytest.raises(idlrt.RpcError) as err:
        ndr.put_vstr(ndr.Buffer(), "abcd", 4)
    assert err.value.code == 1734
    with pytest.raises(idlrt.RpcError) as err:
        ndr.get_vstr(ndr.Reader(bytes(b)), 3)
    assert err.value.code == 1734


def test_char_strings_are_latin1() -> None:
    b = ndr.Buffer()
    ndr.put_str(b, "\xe9")
    assert bytes(b)[12:] == b"\xe9\0"
    with pytest.raises(UnicodeEncodeError):  # the encoder's caller turns it into 1783
        ndr.put_str(ndr.Buffer(), "\u20ac")


@pytest.mark.parametrize("code", ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d"])
def test_arrays_of_base_types(code: str) -> None:
    values = [0, 1, 2] if code not in "fd" else [0.5, -1.0, 2.0]
    b = ndr.Buffer()
    ndr.put_array(b, code, values)
    fmt = {"i": "l", "I": "L"}.get(code, code)
    assert bytes(b) == struct.pack(f"<3{fmt}", *values)
    assert ndr.get_array(ndr.Reader(bytes(b)), code, 3) == values
    with pytest.raises(idlrt.RpcError):
        ndr.get_array(ndr.Reader(bytes(b)[:-1]), code, 3)


def test_counts_are_checked_before_anything_is_built() -> None:
    r = ndr.Reader(struct.pack("<L", 0xFFFFFFFF) + bytes(8))
    with pytest.raises(idlrt.RpcError) as err:
        r.count(1)
    assert err.value.code == 1783
    with pytest.raises(idlrt.RpcError) as err:
        ndr.Reader(bytes(4)).take(5)
    assert err.value.code == 1783


def test_context_handles_are_20_octets() -> None:
    b = ndr.Buffer()
    b += b"\x01"
    ndr.put_ctx(b, bytes(range(16)))
    ndr.put_ctx(b, None)
    assert bytes(b) == b"\x01\0\0\0" + bytes(4) + bytes(range(16)) + bytes(20)
    r = ndr.Reader(bytes(b))
    r.pos = 1
    assert ndr.get_ctx(r) == bytes(range(16)) and ndr.get_ctx(r) is None


def test_enum_tables_refuse_undeclared_values(m: ModuleType) -> None:
    assert m._ndr_E_SHAPE[1] is m.SHAPE.SHAPE_SQUARE
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_E_SHAPE[2]
    assert err.value.code == 1781


# -- octets worked out by hand -----------------------------------------------------------


def test_structure_alignment_and_no_trailing_pad(m: ModuleType) -> None:
    # PADDED{short a; hyper b; char c}: b at 8, c at 16, 17 octets (C706 14.3.7.1)
    data = m._ndr_enc_PADDED(m.PADDED(a=1, b=2, c="z"))
    assert data == struct.pack("<h6xqc", 1, 2, b"z")
    # two of them in NESTED.pair: the second aligned to 8 again, at 24
    nested = m.NESTED(
        m.PADDED(1, 2, "a"), 3, b"xyz", [[1, 2, 3], [4, 5, 6]], [m.PADDED(7, 8, "b")] * 2
    )
    data = m._ndr_enc_NESTED(nested)
    assert data == (
        struct.pack("<h6xqc3xl3s", 1, 2, b"a", 3, b"xyz")
        + bytes(1)
        + struct.pack("<6l", 1, 2, 3, 4, 5, 6)
        + bytes(4)
        + struct.pack("<h6xqc7xh6xqc", 7, 8, b"b", 7, 8, b"b")
    )
    assert m._ndr_dec_NESTED(data) == nested


def test_embedded_referents_follow_the_top_level_construct(m: ModuleType) -> None:
    # POINTERS: five ids, then the referents in order; each referent's own (the strings of
    # STRINGS, twice's inner pointer) right after it (C706 14.3.12.3)
    value = m.POINTERS(
        maybe=5, always=6, strings=m.STRINGS("w", None, "f", ""), twice=7, padded=None
    )
    data = m._ndr_enc_POINTERS(value)
    ids = struct.unpack_from("<5L", data)
    assert ids[0] and ids[1] and ids[2] and ids[3] and ids[4] == 0
    assert len(set(ids[:4])) == 4
    rest = data[20:]
    assert rest[:8] == struct.pack("<2l", 5, 6)
    # STRINGS in place: wide id, narrow null, fixed "f" (offset 0, count 2), wfixed ""
    assert struct.unpack_from("<L", rest, 12) == (0,)
    assert m._ndr_dec_POINTERS(data) == value


def test_conformance_is_hoisted(m: ModuleType) -> None:
    data = m._ndr_enc_HASSID(m.HASSID(tag=9, sid=m.SID(1, 2, [5, 6])))
    assert data == struct.pack("<LlBB2x2L", 2, 9, 1, 2, 5, 6)
    data = m._ndr_enc_CSTRING(m.CSTRING(count=1, text="ab"))
    assert data == struct.pack("<Ll2L", 3, 1, 0, 3) + "ab\0".encode("utf-16-le")


def test_full_pointers_send_a_referent_once(m: ModuleType) -> None:
    shared = 10**12 + 1 - 10**12  # one object, two pointers
    data = m._ndr_enc_ALIASES(m.ALIASES(a=shared, b=shared))
    ida, idb = struct.unpack_from("<2L", data)
    assert ida == idb and len(data) == 12
    assert m._ndr_dec_ALIASES(data) == m.ALIASES(a=1, b=1)
    data = m._ndr_enc_ALIASES(m.ALIASES(a=10**20 // 10**19, b=None))
    assert struct.unpack_from("<2L", data)[1] == 0
    request = m._ndr_NdrConformance_Full_cin(m.ALIASES(None, None), 300 + shared, None)
    assert m._ndr_NdrConformance_Full_sin(request) == (m.ALIASES(None, None), 301, None)


def test_a_full_referent_goes_where_it_is_first_reached(m: ModuleType) -> None:
    """C706 14.3.12.3 sends a full pointer's referent once. Which occurrence carries it follows
    the order in which referents are marshalled, as in MIDL's engine (NdrFullPointerQueryPointer
    runs when a pointer's referent is due): ``p``'s id comes first in the stream, but ``q``'s
    referent slot, inside ``x``'s deferred referent, is reached before ``p``'s."""
    shared = 10**12 + 7 - 10**12
    data = m._ndr_enc_FULLORDER(m.FULLORDER(x=m.FULLINNER(q=shared, r=8), p=shared))
    ida, idb, idq, idr, first, second = struct.unpack("<6L", data)
    assert idb == idq and len({ida, idb, idr}) == 3
    assert (first, second) == (7, 8)  # q's referent, then r's; none left for p
    value = m._ndr_dec_FULLORDER(data)
    assert value == m.FULLORDER(x=m.FULLINNER(q=7, r=8), p=7)
    # the other placement (the shared referent at p's slot, after r's) reads differently
    swapped = struct.pack("<6L", ida, idb, idq, idr, 8, 7)
    assert m._ndr_dec_FULLORDER(swapped) == m.FULLORDER(x=m.FULLINNER(q=8, r=7), p=8)


def test_client_context_handles(m: ModuleType) -> None:
    handle = m._ndr_NdrConformance_Open_cout(bytes(4) + bytes(range(1, 17))).session
    assert isinstance(handle, idlrt.ContextHandle)
    assert m._ndr_NdrConformance_Open_cout(bytes(20)).session is None
    data = m._ndr_NdrConformance_Use_cin(handle, None)
    assert data == bytes(4) + bytes(range(1, 17)) + bytes(20)
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_NdrConformance_Use_cin(None, None)
    assert err.value.code == 1775  # an [in] handle may not be null


def test_server_context_handles(m: ModuleType) -> None:
    wire_id = bytes(range(1, 17))
    table = SimpleNamespace(handles={wire_id: SimpleNamespace(obj="session")})
    call = SimpleNamespace(_conn=SimpleNamespace(ctx_table=table), _ctx_ids=None)
    scope.call = call  # type: ignore[assignment]
    try:
        args = m._ndr_NdrConformance_Use_sin(bytes(4) + wire_id + bytes(20))
        assert args == ("session", None)
        with pytest.raises(idlrt.RpcError) as err:
            m._ndr_NdrConformance_Use_sin(bytes(4) + bytes(16) + bytes(20))
        assert err.value.code == 1775
    finally:
        scope.call = None
        scope.changes = None


# -- encoding errors ---------------------------------------------------------------------


def test_encode_errors_name_the_value(m: ModuleType) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_NdrConformance_Enums_cin(m.SHAPE.SHAPE_BIG, m.MODE.MODE_A, None)
    assert err.value.code == 1780  # the struct is behind a [ref] pointer
    bad = m.PADDED(a=70000, b=0, c="x")
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_enc_PADDED(bad)
    assert err.value.code == 1783 and "PADDED.a" in str(err.value)
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_NdrConformance_Arrays_cin(
            2, [1], None, m.ARRAYS(0, []), m.NAMES(0, []), m.RECORDS(0, []), m.MAXIS(-1, [])
        )
    assert err.value.code == 1734
    with pytest.raises(idlrt.RpcError) as err:  # a char beyond Latin-1: no NDR form
        m._ndr_enc_STRINGS(m.STRINGS(None, "\u20ac", "", ""))
    assert err.value.code == 1783 and "NDR20" in str(err.value)
    with pytest.raises(idlrt.RpcError) as err:  # a fixed [string] array too short for it
        m._ndr_enc_STRINGS(m.STRINGS(None, None, "x" * 8, ""))
    assert err.value.code == 1734


# -- what the generator does not support ------------------------------------------------


UNSUPPORTED = """
[uuid(9a1f0c52-7e3b-4d6a-8c21-5b4e3f2a1d0c), version(1.0), pointer_default(unique)]
interface NotYet
{
    typedef [switch_type(long)] union _U { [case(1)] long a; [case(2)] short b; } U;
    typedef union switch (long k) u { case 1: long a; } EU; typedef pipe EU UNIONS;
    typedef struct _HOLDER { long n; [size_is(n)] long *data; } HOLDER;
    long Guess([in] U u, [in] HOLDER *fine);
    long Stream([in] UNIONS values);
    long Unsized([in] long before, [in] byte *blobs[], [in] long after);
    typedef [string] wchar_t *LPWSTR;
    long Named([out] LPWSTR *name);
}
"""


def test_unsupported_constructs_are_warnings_and_raise_1764(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notyet.idl").write_text(UNSUPPORTED)
    assert main([str(tmp_path / "notyet.idl"), "-o", str(tmp_path / "gen_notyet")]) == 0
    err = capsys.readouterr().err
    assert "notyet.idl:8:23: warning: NDR20: Guess.u: a union without a [switch_is] in scope" in err
    # a pipe of elements of no fixed size: the pipe type has no NDR20 chunk codecs
    assert "warning: NDR20: UNIONS: a pipe of elements of no fixed size (a union)" in err
    module = import_generated(tmp_path / "gen_notyet", "notyet")
    with pytest.raises(idlrt.RpcError) as exc:
        module._ndr_NotYet_Guess_cin(1, module.HOLDER(0, []))
    assert exc.value.code == 1764
    (pipe,) = module._NotYet_Stream.pipes
    assert pipe.ndr_size == 0
    with pytest.raises(idlrt.RpcError) as exc:
        pipe.ndr_encode_chunk([])
    assert exc.value.code == 1764
    with pytest.raises(idlrt.RpcError) as exc:
        module._ndr_NotYet_Unsized_sin(bytes(16))
    assert exc.value.code == 1764
    # LPWSTR's own pointer is below the top under *name: it takes pointer_default (unique)
    # and travels as a referent id, then the string
    assert "Named" not in err
    reply = module._ndr_NotYet_Named_sout((), 0, "x")
    assert reply[:4] == (0x00020000).to_bytes(4, "little")
    assert module._ndr_NotYet_Named_cout(reply) == (0, "x")
    assert module._ndr_NotYet_Named_cout(module._ndr_NotYet_Named_sout((), 0, None)) == (0, None)
    # the rest of the module is unaffected
    assert module._ndr_dec_HOLDER(module._ndr_enc_HOLDER(module.HOLDER(1, [2]))).data == [2]
    # what the writers put after such a raise never runs, but it must still be clean Python:
    # an unsized array once came out as a loop over a literal None (a SyntaxWarning)
    source = (tmp_path / "gen_notyet" / "notyet.py").read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(source, "notyet.py", "exec")


# -- type serialization headers ([MS-RPCE] 2.2.6) -----------------------------------------


def test_type_serialization_version_1(m: ModuleType) -> None:
    body = m._ndr_enc_PADDED(m.PADDED(a=1, b=2, c="z"))  # 17 octets
    stream = ndr.serialize(body)
    assert stream[:16] == bytes.fromhex("01100800cccccccc") + struct.pack("<LL", 24, 0)
    assert len(stream) == 16 + 24 and stream[16 + 17 :] == bytes(7)
    assert m._ndr_dec_PADDED(ndr.deserialize(stream)) == m.PADDED(a=1, b=2, c="z")


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        (b"\x01\x10\x08\x00", 1783),  # no room for the headers
        (bytes.fromhex("02100800cccccccc") + bytes(8), 1783),  # version 2 is another format
        (bytes.fromhex("01000800cccccccc") + bytes(8), 1764),  # big-endian
        (bytes.fromhex("01100800cccccccc") + struct.pack("<LL", 0xFFFFFFF8, 0), 1783),
        (bytes.fromhex("01100800cccccccc") + struct.pack("<LL", 3, 0) + bytes(8), 1783),
    ],
)
def test_type_serialization_headers_are_checked(stream: bytes, code: int) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        ndr.deserialize(stream)
    assert err.value.code == code


MS_UNION = """
[uuid(4b7e2f10-9c3d-4e8a-b1f2-0a9d8c7b6e5f), version(1.0), ms_union, pointer_default(unique)]
interface MsUnion
{
    typedef [switch_type(short)] union _U { [case(1)] short small; [case(2)] hyper big; } U;
    typedef struct _S { short kind; [switch_is(kind)] U u; } S;
    long Put([in] S *s);
}
"""


def test_ms_union_aligns_the_arm_to_the_largest(tmp_path: Path) -> None:
    # [MS-RPCE] 2.2.4.5: with ms_union, the discriminant is aligned to its type and the arm
    # to the largest alignment of all arms (8 here), so the short arm starts at 8, not 4.
    (tmp_path / "msunion.idl").write_text(MS_UNION)
    assert main([str(tmp_path / "msunion.idl"), "-o", str(tmp_path / "gen_msunion")]) == 0
    module = import_generated(tmp_path / "gen_msunion", "msunion")
    data = module._ndr_enc_S(module.S(kind=1, u=7))
    assert data == struct.pack("<hh4xh", 1, 1, 7)
    assert module._ndr_dec_S(data) == module.S(kind=1, u=7)

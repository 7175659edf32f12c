"""Embedded [ref] pointers to arrays and strings, which the IR represents without their pointer
level (``ArrayType.pointer``/``StringType.pointer``): NDR writes a referent id where they stand
and the array or string after the structure (C706 14.3.12.3, [MS-RPCE] 2.2.5.3.4.1), where the
same array or string in place at the end makes a conformant structure, its maximum count first
(C706 14.3.7.2). Octets worked out by hand, then cross-checked against impacket.
"""

from __future__ import annotations

import struct
from types import ModuleType
from typing import Any

import pytest
from impacket.dcerpc.v5 import dtypes  # a test-only dependency (the test extra)
from impacket.dcerpc.v5 import ndr as N

import idlrt
from idlc.irdump import dump_type
from ndr.ndrkit import CONFORMANCE, compile_idl, program_of
from ndr.test_ndr_impacket import same_octets


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    _, module = compile_idl(CONFORMANCE, tmp_path_factory.mktemp("ndr_ref") / "gen_ndr_ref")
    return module


def wstr(text: str) -> bytes:
    """A conformant-varying wide string: maximum count, offset 0, actual count, characters."""
    n = len(text) + 1
    return struct.pack("<3L", n, 0, n) + (text + "\0").encode("utf-16-le")


def test_the_ir_tells_a_referent_from_an_array_in_place() -> None:
    program = program_of(CONFORMANCE)
    fields = {
        (d.name, f.name): dump_type(f.type)
        for d in program.module(program.root).decls
        if d.name in ("REFARRAY", "INARRAY", "REFSTRING", "INSTRING", "REFNAMES")
        for f in getattr(d, "fields", ())
    }
    assert fields[("REFARRAY", "p")] == "*array[size_is=n](long)"
    assert fields[("INARRAY", "p")] == "array[size_is=n](long)"
    assert fields[("REFSTRING", "s")] == "*wstring"
    assert fields[("INSTRING", "s")] == "wstring"
    # the elements' own pointer (LPWSTR's) is below the top: it takes pointer_default
    assert fields[("REFNAMES", "names")] == (
        "*array[size_is=count](unique*(ndr_conformance.LPWSTR))"
    )


def test_ref_array_member_is_a_pointer(m: ModuleType) -> None:
    value = m.REFARRAY(n=2, p=[7, 8])
    data = m._ndr_enc_REFARRAY(value)
    n, rid = struct.unpack_from("<lL", data)
    assert (n, rid != 0) == (2, True)
    assert data[8:] == struct.pack("<L2l", 2, 7, 8)  # deferred: maximum count, elements
    assert m._ndr_dec_REFARRAY(data) == value


def test_array_in_place_makes_a_conformant_structure(m: ModuleType) -> None:
    value = m.INARRAY(n=2, p=[7, 8])
    data = m._ndr_enc_INARRAY(value)
    assert data == struct.pack("<Ll2l", 2, 2, 7, 8)  # maximum count hoisted, no referent id
    assert m._ndr_dec_INARRAY(data) == value


def test_ref_string_member_is_a_pointer(m: ModuleType) -> None:
    value = m.REFSTRING(n=1, s="ab")
    data = m._ndr_enc_REFSTRING(value)
    assert struct.unpack_from("<l", data) == (1,) and struct.unpack_from("<L", data, 4) != (0,)
    assert data[8:] == wstr("ab")
    assert m._ndr_dec_REFSTRING(data) == value


def test_string_in_place_makes_a_conformant_structure(m: ModuleType) -> None:
    value = m.INSTRING(n=1, s="ab")
    data = m._ndr_enc_INSTRING(value)
    assert data == struct.pack("<Ll2L", 3, 1, 0, 3) + "ab\0".encode("utf-16-le")
    assert m._ndr_dec_INSTRING(data) == value


def test_array_of_floating_string_pointers(m: ModuleType) -> None:
    # [ref, size_is(count)] LPWSTR *names: one id for the array, one per element, then the
    # strings (each aligned to 4)
    value = m.REFNAMES(count=2, names=["a", "bc"])
    data = m._ndr_enc_REFNAMES(value)
    count, rid, maximum, id1, id2 = struct.unpack_from("<l4L", data)
    assert (count, maximum) == (2, 2) and 0 not in (rid, id1, id2)
    assert len({rid, id1, id2}) == 3
    assert data[20:] == wstr("a") + wstr("bc")
    assert m._ndr_dec_REFNAMES(data) == value


@pytest.mark.parametrize(
    ("kind", "arm", "tail"),
    [
        (1, "hi", struct.pack("<3L", 3, 0, 3) + b"hi\0"),  # [ref, string] char *
        (2, "h\u00e9", wstr("h\u00e9")),  # [ref] LPWSTR
    ],
)
def test_ref_union_arm_is_a_pointer(m: ModuleType, kind: int, arm: str, tail: bytes) -> None:
    value = m.REFARMS(kind=kind, arm=arm)
    data = m._ndr_enc_REFARMS(value)
    assert struct.unpack_from("<2l", data) == (kind, kind)  # the member, the discriminant
    assert struct.unpack_from("<L", data, 8) != (0,)
    assert data[12:] == tail
    assert m._ndr_dec_REFARMS(data) == value


def test_ref_members_refuse_null(m: ModuleType) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        m._ndr_enc_REFSTRING(m.REFSTRING(n=0, s=None))
    assert err.value.code == 1780
    with pytest.raises(idlrt.RpcError) as err:  # a null id where a [ref] pointer stands
        m._ndr_dec_REFARRAY(struct.pack("<lL", 0, 0))
    assert err.value.code == 1780


def test_in_a_request(m: ModuleType) -> None:
    args = (
        m.REFARRAY(1, [5]),
        m.INARRAY(1, [6]),
        m.REFSTRING(0, "x"),
        m.INSTRING(0, "y"),
        m.REFNAMES(1, ["z"]),
        m.REFARMS(1, "w"),
    )
    data = m._ndr_NdrConformance_RefPointers_cin(*args)
    assert m._ndr_NdrConformance_RefPointers_sin(data) == args


# -- impacket: NDRPOINTER of a conformant array vs the conformant array in place ----------------


class LONGS(N.NDRUniConformantArray):
    item = "<l"


class PLONGS(N.NDRPOINTER):
    referent = (("Data", LONGS),)


class REFARRAY(N.NDRSTRUCT):
    structure = (("n", N.NDRLONG), ("p", PLONGS))


class INARRAY(N.NDRSTRUCT):
    structure = (("n", N.NDRLONG), ("p", LONGS))


class REFSTRING(N.NDRSTRUCT):
    structure = (("n", N.NDRLONG), ("s", dtypes.LPWSTR))


class WSTRS(N.NDRUniConformantArray):
    item = dtypes.LPWSTR


class PWSTRS(N.NDRPOINTER):
    referent = (("Data", WSTRS),)


class REFNAMES(N.NDRSTRUCT):
    structure = (("count", N.NDRLONG), ("names", PWSTRS))


def call_of(cls: type) -> type:
    class Call(N.NDRCALL):
        structure = (("v", cls),)

    return Call


def _fill_names(v: Any) -> None:
    v["count"] = 2
    items = []
    for s in ("a", "bc"):
        p = dtypes.LPWSTR()
        p["Data"] = s + "\x00"
        items.append(p)
    v["names"] = items


CASES: list[tuple[str, type, Any, Any]] = [
    (
        "REFARRAY",
        REFARRAY,
        lambda m: m.REFARRAY(n=3, p=[1, -2, 3]),
        lambda v: [v.__setitem__("n", 3), v.__setitem__("p", [1, -2, 3])],
    ),
    (
        "INARRAY",
        INARRAY,
        lambda m: m.INARRAY(n=3, p=[1, -2, 3]),
        lambda v: [v.__setitem__("n", 3), v.__setitem__("p", [1, -2, 3])],
    ),
    (
        "REFSTRING",
        REFSTRING,
        lambda m: m.REFSTRING(n=4, s="h\u00e9"),
        lambda v: [v.__setitem__("n", 4), v.__setitem__("s", "h\u00e9\x00")],
    ),
    ("REFNAMES", REFNAMES, lambda m: m.REFNAMES(count=2, names=["a", "bc"]), _fill_names),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_ours_read_and_rewritten_by_impacket(case: Any, m: ModuleType) -> None:
    name, cls, value, _ = case
    ours = getattr(m, f"_ndr_enc_{name}")(value(m))
    same_octets(ours, call_of(cls)(ours).getData())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_impacket_read_by_ours(case: Any, m: ModuleType) -> None:
    name, cls, value, fill = case
    call = call_of(cls)()
    fill(call.fields["v"])
    assert getattr(m, f"_ndr_dec_{name}")(call.getData()) == value(m)

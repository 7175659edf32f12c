"""Cross-checks against an independent NDR20 implementation, impacket's ``dcerpc.v5.ndr``.

Each case is a value of the conformance IDL (``ndr_conformance.idl``) and the same type written
with impacket's classes, checked both ways:

- ours -> impacket: impacket parses the octets we made and writes them again; the result must
  be ours octet for octet, except alignment gaps, which impacket fills with marker octets
  (0xaa, 0xbf...) where we write zeros;
- impacket -> ours: the octets impacket makes from the same values decode to the value.

A value travels as a call's only [in] parameter (impacket's ``NDRCALL``), where both sides
follow a top-level construct by the referents of the pointers it embeds. Where impacket departs
from the specification, the case says so and why, citing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from impacket.dcerpc.v5 import dtypes  # a test-only dependency (the test extra)
from impacket.dcerpc.v5 import ndr as impacket_ndr

from ndr.ndrkit import CONFORMANCE, compile_idl

N = impacket_ndr
LPWSTR, LPSTR = dtypes.LPWSTR, dtypes.LPSTR
# What impacket writes in alignment gaps (ndr.py), where NDR says "octets of unspecified value".
GAP_MARKERS = frozenset(b"\xaa\xab\xbb\xbc\xbd\xbe\xbf\xca\xcb\xcc\xce\xdd\xee\xef")


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    _, module = compile_idl(CONFORMANCE, tmp_path_factory.mktemp("ndr_imp") / "gen_ndr_imp")
    return module


def same_octets(ours: bytes, theirs: bytes) -> None:
    """Equal, but for the gaps: where we wrote 0, impacket may have written its marker."""
    assert len(ours) == len(theirs), f"\n ours   {ours.hex()}\n theirs {theirs.hex()}"
    differ = [
        i
        for i, (a, b) in enumerate(zip(ours, theirs, strict=False))
        if a != b and not (a == 0 and b in GAP_MARKERS)
    ]
    assert not differ, f"at {differ}\n ours   {ours.hex()}\n theirs {theirs.hex()}"


def call_of(cls: type) -> type:
    """An impacket call whose only [in] parameter is of ``cls``: a top-level construct."""

    class Call(N.NDRCALL):
        structure = (("v", cls),)

    return Call


# -- impacket's spelling of the conformance IDL's types ----------------------------------------


class BASICS(N.NDRSTRUCT):
    structure = (
        ("s8", N.NDRSMALL),
        ("u8", N.NDRUSMALL),
        ("s16", N.NDRSHORT),
        ("u16", N.NDRUSHORT),
        ("s32", N.NDRLONG),
        ("u32", N.NDRULONG),
        ("s64", N.NDRHYPER),
        ("u64", N.NDRUHYPER),
        ("i3264", N.NDRLONG),  # __int3264 is 32 bits in NDR20
        ("by", N.NDRUSMALL),
        ("ch", N.NDRCHAR),
        ("wch", N.NDRUSHORT),
        ("flag", N.NDRBOOLEAN),
        ("f32", N.NDRFLOAT),
        ("f64", N.NDRDOUBLEFLOAT),
        ("status", N.NDRULONG),
    )


class ENUMS(N.NDRSTRUCT):
    structure = (
        ("shape", N.NDRENUM),  # 16 bits
        ("mode", N.NDRLONG),  # [v1_enum]: 32 bits
        ("shape0", N.NDRENUM),  # shapes[2]: a fixed array is its elements in order
        ("shape1", N.NDRENUM),
    )


class PADDED(N.NDRSTRUCT):
    structure = (("a", N.NDRSHORT), ("b", N.NDRHYPER), ("c", N.NDRCHAR))


class PLONG(N.NDRPOINTER):
    referent = (("Data", N.NDRLONG),)


class PPLONG(N.NDRPOINTER):
    referent = (("Data", PLONG),)


class PPADDED(N.NDRPOINTER):
    referent = (("Data", PADDED),)


class VSTR(N.NDRVaryingString):
    """[string] char fixed[8]: a varying array of characters (offset, count, characters)."""


class VWSTR(N.NDRUniVaryingArray):
    """[string] wchar_t wfixed[6], as varying 16-bit units (impacket has no class for it)."""

    item = "<H"


class STRINGS(N.NDRSTRUCT):
    structure = (("wide", LPWSTR), ("narrow", LPSTR), ("fixed", VSTR), ("wfixed", VWSTR))


class PSTRINGS(N.NDRPOINTER):
    referent = (("Data", STRINGS),)


class POINTERS(N.NDRSTRUCT):
    # impacket has no embedded [ref] pointer; its wire form is a unique pointer's (C706
    # 14.3.10: an embedded reference pointer is represented by a referent id too).
    structure = (
        ("maybe", PLONG),
        ("always", PLONG),
        ("strings", PSTRINGS),
        ("twice", PPLONG),
        ("padded", PPADDED),
    )


class LONGS(N.NDRUniConformantArray):
    item = "<l"


class PLONGS(N.NDRPOINTER):
    referent = (("Data", LONGS),)


class ARRAYS(N.NDRSTRUCT):
    structure = (("n", N.NDRLONG), ("numbers", PLONGS))


class WSTRS(N.NDRUniConformantArray):
    item = LPWSTR


class PWSTRS(N.NDRPOINTER):
    referent = (("Data", WSTRS),)


class NAMES(N.NDRSTRUCT):
    structure = (("count", N.NDRLONG), ("names", PWSTRS))


class PADDEDS(N.NDRUniConformantArray):
    item = PADDED


class PPADDEDS(N.NDRPOINTER):
    referent = (("Data", PADDEDS),)


class RECORDS(N.NDRSTRUCT):
    structure = (("count", N.NDRLONG), ("records", PPADDEDS))


class ULONGS(N.NDRUniConformantArray):
    item = "<L"


class SID(N.NDRSTRUCT):
    """A conformant structure: the conformance of ``sub`` goes before the structure."""

    structure = (("revision", N.NDRUSMALL), ("count", N.NDRUSMALL), ("sub", ULONGS))


class CHOICE(N.NDRUNION):
    commonHdr = (("tag", N.NDRULONG),)
    union = {
        1: ("number", N.NDRLONG),
        2: ("text", LPWSTR),
        3: ("padded", PADDED),
        4: ("big", N.NDRHYPER),
        5: ("big", N.NDRHYPER),
    }


class CHOOSER(N.NDRSTRUCT):
    structure = (("kind", N.NDRLONG), ("choice", CHOICE))


# -- the cases ---------------------------------------------------------------------------------


@dataclass
class Case:
    type_name: str
    impacket: type
    value: Callable[[ModuleType], Any]  # ours
    fill: Callable[[Any], None]  # sets the same value into impacket's instance ("v")


def _fill_basics(v: Any) -> None:
    for k, x in dict(
        s8=-128, u8=255, s16=-2, u16=65535, s32=-(2**31), u32=2**32 - 1, s64=-(2**63),
        u64=2**64 - 1, i3264=123, by=7, ch=b"A", wch=0x20AC, flag=1, f32=1.5, f64=-2.25,
        status=5,
    ).items():  # fmt: skip
        v[k] = x


def _fill_strings(v: Any) -> None:
    v["wide"] = "h\u00e9llo\x00"
    v["narrow"] = "abc\x00"
    v["fixed"] = b"xyz"
    v["wfixed"] = [ord("a"), ord("b"), 0]


def _fill_pointers(v: Any) -> None:
    v["maybe"] = N.NULL
    v["always"] = 7
    _fill_strings(v["strings"])
    v["strings"]["narrow"] = N.NULL
    v["twice"] = 9
    v["padded"]["a"], v["padded"]["b"], v["padded"]["c"] = 1, -2, b"z"


def _fill_names(v: Any) -> None:
    v["count"] = 2
    items = []
    for s in ("ab", "\u20ac"):
        p = LPWSTR()
        p["Data"] = s + "\x00"
        items.append(p)
    v["names"] = items


def _fill_records(v: Any) -> None:
    v["count"] = 2
    items = []
    for a in (1, 2):
        p = PADDED()
        p["a"], p["b"], p["c"] = a, a * 1000, b"q"
        items.append(p)
    v["records"] = items


def _fill_sid(v: Any) -> None:
    v["revision"], v["count"], v["sub"] = 1, 3, [21, 22, 500]


def _chooser(kind: int, value: Any) -> Callable[[Any], None]:
    def fill(v: Any) -> None:
        v["kind"] = kind
        v["choice"]["tag"] = kind
        key = CHOICE.union[kind][0]
        if key == "padded":
            for k, x in zip("abc", value, strict=True):
                v["choice"]["padded"][k] = x
        else:
            v["choice"][key] = value

    return fill


CASES = [
    Case(
        "BASICS",
        BASICS,
        lambda m: m.BASICS(
            s8=-128,
            u8=255,
            s16=-2,
            u16=65535,
            s32=-(2**31),
            u32=2**32 - 1,
            s64=-(2**63),
            u64=2**64 - 1,
            i3264=123,
            by=7,
            ch="A",
            wch="\u20ac",
            flag=True,
            f32=1.5,
            f64=-2.25,
            status=5,
        ),
        _fill_basics,
    ),
    Case(
        "ENUMS",
        ENUMS,
        lambda m: m.ENUMS(
            shape=m.SHAPE.SHAPE_BIG, mode=m.MODE.MODE_NEG, shapes=[m.SHAPE.SHAPE_SQUARE, 0]
        ),
        lambda v: [
            v.__setitem__(k, x)
            for k, x in (("shape", 32767), ("mode", -5), ("shape0", 1), ("shape1", 0))
        ],
    ),
    Case(
        "PADDED",
        PADDED,
        lambda m: m.PADDED(a=5, b=-2, c="x"),
        lambda v: [v.__setitem__(k, x) for k, x in (("a", 5), ("b", -2), ("c", b"x"))],
    ),
    Case(
        "STRINGS",
        STRINGS,
        lambda m: m.STRINGS(wide="h\u00e9llo", narrow="abc", fixed="xyz", wfixed="ab"),
        _fill_strings,
    ),
    Case(
        "POINTERS",
        POINTERS,
        lambda m: m.POINTERS(
            maybe=None,
            always=7,
            strings=m.STRINGS(wide="h\u00e9llo", narrow=None, fixed="xyz", wfixed="ab"),
            twice=9,
            padded=m.PADDED(1, -2, "z"),
        ),
        _fill_pointers,
    ),
    Case(
        "ARRAYS",
        ARRAYS,
        lambda m: m.ARRAYS(n=3, numbers=[1, -2, 3]),
        lambda v: [v.__setitem__("n", 3), v.__setitem__("numbers", [1, -2, 3])],
    ),
    Case("NAMES", NAMES, lambda m: m.NAMES(count=2, names=["ab", "\u20ac"]), _fill_names),
    Case(
        "RECORDS",
        RECORDS,
        lambda m: m.RECORDS(count=2, records=[m.PADDED(1, 1000, "q"), m.PADDED(2, 2000, "q")]),
        _fill_records,
    ),
    Case("SID", SID, lambda m: m.SID(revision=1, count=3, sub=[21, 22, 500]), _fill_sid),
    Case("CHOOSER", CHOOSER, lambda m: m.CHOOSER(kind=1, choice=-7), _chooser(1, -7)),
    Case(
        "CHOOSER",
        CHOOSER,
        lambda m: m.CHOOSER(kind=2, choice="t\u00e9"),
        _chooser(2, "t\u00e9\x00"),
    ),
    Case(
        "CHOOSER",
        CHOOSER,
        lambda m: m.CHOOSER(kind=3, choice=m.PADDED(3, 4, "c")),
        _chooser(3, (3, 4, b"c")),
    ),
    Case("CHOOSER", CHOOSER, lambda m: m.CHOOSER(kind=5, choice=2**40), _chooser(5, 2**40)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.type_name}{i}" for i, c in enumerate(CASES)])
def test_ours_read_and_rewritten_by_impacket(case: Case, m: ModuleType) -> None:
    ours = getattr(m, f"_ndr_enc_{case.type_name}")(case.value(m))
    theirs = call_of(case.impacket)(ours)
    same_octets(ours, theirs.getData())


@pytest.mark.parametrize("case", CASES, ids=[f"{c.type_name}{i}" for i, c in enumerate(CASES)])
def test_impacket_read_by_ours(case: Case, m: ModuleType) -> None:
    call = call_of(case.impacket)()
    case.fill(call["v"] if not isinstance(call.fields["v"], N.NDRSTRUCT) else call.fields["v"])
    data = call.getData()
    assert getattr(m, f"_ndr_dec_{case.type_name}")(data) == case.value(m)


# -- whole requests: several top-level parameters ----------------------------------------------


class WSTR_TOP(N.NDRCALL):
    """Strings(): [string] wchar_t* and char* (top-level [ref]: no referent id), a [unique]
    one (its referent right after its id) and a structure with embedded strings."""

    structure = (
        ("wide", dtypes.WSTR),
        ("narrow", dtypes.STR),
        ("maybe", LPWSTR),
        ("all", STRINGS),
    )


class SHORTS(N.NDRUniConformantArray):
    item = "<h"


class PSHORTS(N.NDRPOINTER):
    referent = (("Data", SHORTS),)


class ARRAYS_CALL(N.NDRCALL):
    """Arrays(): the in-parameters up to the unique array (the rest are structures above)."""

    structure = (("n", N.NDRLONG), ("values", LONGS), ("optional", PSHORTS))


class ContextHandle(N.NDRSTRUCT):
    """[MS-RPCE] 2.2.5.? / C706: a context handle on the wire, attributes and a uuid."""

    structure = (("Data", "20s=b''"),)


def test_request_with_top_level_strings(m: ModuleType) -> None:
    all_ = m.STRINGS(wide="w", narrow="n", fixed="f", wfixed="")
    ours = m._ndr_NdrConformance_Strings_cin("wide\u20ac", "narrow", None, all_)
    theirs = WSTR_TOP(ours)
    assert theirs["wide"] == "wide\u20ac\x00" and theirs["narrow"] == "narrow\x00"
    same_octets(ours, theirs.getData())
    call = WSTR_TOP()
    call["wide"], call["narrow"], call["maybe"] = "wide\u20ac\x00", "narrow\x00", N.NULL
    _fill_strings(call.fields["all"])
    back = m._ndr_NdrConformance_Strings_sin(call.getData())
    assert back[:3] == ("wide\u20ac", "narrow", None)
    assert back[3] == m.STRINGS(wide="h\u00e9llo", narrow="abc", fixed="xyz", wfixed="ab")


def test_request_with_top_level_arrays(m: ModuleType) -> None:
    ours = m._ndr_NdrConformance_Arrays_cin(
        3, [1, 2, 3], [-1, -2, -3], m.ARRAYS(0, []), m.NAMES(0, []), m.RECORDS(0, []),
        m.MAXIS(-1, []),
    )  # fmt: skip
    prefix = 4 + 4 + 12 + 4 + 4 + 6  # n, max + values, id, max + shorts
    theirs = ARRAYS_CALL(ours[:prefix])
    assert theirs["values"] == [1, 2, 3] and theirs["optional"] == [-1, -2, -3]
    same_octets(ours[:prefix], theirs.getData())
    call = ARRAYS_CALL()
    call["n"], call["values"], call["optional"] = 3, [1, 2, 3], [-1, -2, -3]
    data = call.getData()
    assert len(data) == prefix
    args = m._ndr_NdrConformance_Arrays_sin(data + ours[prefix:])
    assert args[:3] == (3, [1, 2, 3], [-1, -2, -3])


def test_context_handle_octets(m: ModuleType) -> None:
    from idlrt import ContextHandle as Handle

    handle = Handle(bytes(range(16)))
    ours = m._ndr_NdrConformance_Use_cin(handle, None)
    theirs = call_of(ContextHandle)(ours[:20])
    assert theirs["v"] == bytes(4) + bytes(range(16))
    assert ours[20:] == bytes(20)  # a null [in, out] handle: 20 zero octets


# -- varying and conformant-varying arrays, encapsulated unions, arrays of structures ----------


class WINDOW(N.NDRUniVaryingArray):
    item = "<l"


class VARYING(N.NDRSTRUCT):
    structure = (("first", N.NDRLONG), ("length", N.NDRLONG), ("window", WINDOW))


class PARTS(N.NDRUniConformantVaryingArray):
    item = "<h"


class PPARTS(N.NDRPOINTER):
    referent = (("Data", PARTS),)


class CONFVARYING(N.NDRSTRUCT):
    structure = (("size", N.NDRLONG), ("length", N.NDRLONG), ("part", PPARTS))


def test_varying_array(m: ModuleType) -> None:
    value = m.VARYING(first=2, length=3, window=[7, 8, 9])
    ours = m._ndr_enc_VARYING(value)
    theirs = call_of(VARYING)(ours)
    assert theirs["v"]["window"] == [7, 8, 9]
    assert theirs["v"].fields["window"]["Offset"] == 2
    same_octets(ours, theirs.getData())
    call = call_of(VARYING)()
    call.fields["v"]["first"], call.fields["v"]["length"] = 2, 3
    call.fields["v"]["window"] = [7, 8, 9]
    call.fields["v"].fields["window"]["Offset"] = 2
    assert m._ndr_dec_VARYING(call.getData()) == value


def test_conformant_varying_array(m: ModuleType) -> None:
    value = m.CONFVARYING(size=5, length=2, part=[-1, 1])
    ours = m._ndr_enc_CONFVARYING(value)
    theirs = call_of(CONFVARYING)(ours)
    assert theirs["v"]["part"] == [-1, 1]
    assert theirs["v"].fields["part"].fields["Data"].fields["MaximumCount"] == 5
    same_octets(ours, theirs.getData())


class TAGGED(N.NDRUNION):
    commonHdr = (("tag", N.NDRUSHORT),)
    union = {1: ("number", N.NDRLONG), 2: ("text", LPSTR), "default": ("other", N.NDRDOUBLEFLOAT)}


@pytest.mark.parametrize(("tag", "value"), [(1, -3), (2, "abc"), (9, 2.5)])
def test_encapsulated_union(m: ModuleType, tag: int, value: Any) -> None:
    ours = m._ndr_enc_TAGGED(m.TAGGED(tag=tag, value=value))
    theirs = call_of(TAGGED)(ours)
    rewritten = theirs.getData()
    if tag == 9:
        # impacket writes the default arm's tag as 0xffff, not the discriminant it read
        # (NDRUNION.__setitem__); C706 14.3.8: the discriminant is the value's own.
        rewritten = rewritten[:0] + ours[:2] + rewritten[2:]
    same_octets(ours, rewritten)


def test_encapsulated_union_empty_arm(m: ModuleType) -> None:
    # C706 14.3.8: a union is its discriminant and the selected arm, nothing for an empty one;
    # impacket pads every union after its discriminant to 4 (ndr.py: "from seeing the packets
    # in the wire"), so an empty arm after a short discriminant takes 2 octets more there.
    ours = m._ndr_enc_TAGGED(m.TAGGED(tag=3, value=None))
    assert ours == b"\x03\x00"
    assert m._ndr_dec_TAGGED(b"\x03\x00\xbd\xbd") == m.TAGGED(tag=3, value=None)


class ENTRY(N.NDRSTRUCT):
    structure = (
        ("id", N.NDRULONG),
        ("name", LPWSTR),
        ("extra", PPADDED),
        ("kind", N.NDRLONG),
        ("value", CHOICE),
    )

    # A structure is aligned to its largest member (C706 14.3.7.1) and a union to its largest
    # arm (C706 14.3.8; Samba's pidl alike): CHOICE has a hyper arm, so ENTRY aligns to 8.
    # impacket counts a union's discriminant only (NDRUNION.getAlignment), so ENTRY aligns to 4
    # there; the entries below all take a multiple of 8 octets, where the two agree.


class ENTRIES(N.NDRUniConformantArray):
    item = ENTRY


class ENTRIES_CALL(N.NDRCALL):
    structure = (("count", N.NDRLONG), ("entries", ENTRIES))


def test_array_of_structures_with_strings_pointers_and_a_union(m: ModuleType) -> None:
    entries = [
        m.ENTRY(id=1, name="one", extra=None, kind=1, value=-1),
        # extra stays null: impacket counts the offsets of the referents of a top-level array's
        # items 4 short (the maximum count), so it misplaces an 8-aligned one (C706 14.2.2).
        m.ENTRY(id=2, name="two", extra=None, kind=2, value="zwei"),
        # Not a hyper arm: impacket would align it from the start of the array, not of the
        # stub (C706 14.2.2 aligns every primitive to its size in the octet stream).
        m.ENTRY(id=3, name="three", extra=None, kind=1, value=0),
    ]
    ours = m._ndr_NdrConformance_Entries_cin(3, entries)
    theirs = ENTRIES_CALL(ours)
    assert [e["name"] for e in theirs["entries"]] == ["one\x00", "two\x00", "three\x00"]
    same_octets(ours, theirs.getData())
    assert m._ndr_NdrConformance_Entries_sin(theirs.getData()) == (3, entries)

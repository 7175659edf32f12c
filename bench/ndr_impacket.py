"""impacket's spelling of ``ndr_bench.idl`` (N1's peer): the calls built from Python values and
read back into the generated types, as an impacket user writes them.

Imported only where impacket is installed (it is untyped: everything here is ``Any`` to mypy).
The classes mirror the IDL member for member, as tests/ndr/test_ndr_impacket.py mirrors the
conformance IDL. Two choices keep the octets comparable with idlc's:

- impacket draws every referent id at random (``NDRPOINTER.__init__``: 1-65535); the builder
  gives each pointer the id idlc gives it (``idlrt.wire.ndr.REFERENT_BASE`` plus the pointer's
  offset in the stub data; any distinct non-zero ids are valid NDR), one dict store each;
- impacket writes marker octets (0xaa, 0xbf...) in alignment gaps where idlc writes zeros, so
  the benchmark's values leave no gaps (strings of an odd length: see ndr_bench.idl).
"""

from __future__ import annotations

from typing import Any

from impacket.dcerpc.v5 import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    ndr as N,
)
from impacket.dcerpc.v5.dtypes import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
    LPWSTR,
)

from idlrt.wire.ndr import REFERENT_BASE

# The fixed part of a RECORD in the array (id, name, score, flags, level, kind, the union's
# discriminant and arm) and the offsets of its pointers in it; the array's items start after
# count and the conformance.
RECORD_SIZE = 28
FIRST_RECORD = 8
NAME_AT, SCORE_AT, TEXT_AT = 4, 8, 24


class PLONG(N.NDRPOINTER):  # type: ignore[misc]
    referent = (("Data", N.NDRLONG),)


class VALUE(N.NDRUNION):  # type: ignore[misc]
    commonHdr = (("tag", N.NDRLONG),)  # [switch_type(long)]
    union = {1: ("number", N.NDRLONG), 2: ("text", LPWSTR)}


class RECORD(N.NDRSTRUCT):  # type: ignore[misc]
    structure = (
        ("id", N.NDRULONG),
        ("name", LPWSTR),
        ("score", PLONG),
        ("flags", N.NDRUSHORT),
        ("level", N.NDRSHORT),
        ("kind", N.NDRLONG),
        ("value", VALUE),
    )


class RECORDS(N.NDRUniConformantArray):  # type: ignore[misc]
    item = RECORD


class Submit(N.NDRCALL):  # type: ignore[misc]
    opnum = 0
    structure = (("count", N.NDRLONG), ("records", RECORDS))


class Ping(N.NDRCALL):  # type: ignore[misc]
    opnum = 1
    structure = (
        ("a", N.NDRLONG),
        ("b", N.NDRULONG),
        ("c", N.NDRHYPER),
        ("d", N.NDRDOUBLEFLOAT),
        ("e", N.NDRUSHORT),
    )


def _set_id(pointer: Any, rid: int) -> None:
    pointer.fields["ReferentID"] = rid


def encode_submit(count: int, records: list[Any]) -> bytes:
    """Submit's request: a call built from the values (the generated RECORDs), then getData."""
    call = Submit()
    call["count"] = count
    items = []
    at = REFERENT_BASE + FIRST_RECORD
    for v in records:
        r = RECORD()
        r["id"] = v.id
        if v.name is None:
            r["name"] = N.NULL
        else:
            r["name"] = v.name + "\x00"
            _set_id(r.fields["name"], at + NAME_AT)
        if v.score is None:
            r["score"] = N.NULL
        else:
            r["score"] = v.score
            _set_id(r.fields["score"], at + SCORE_AT)
        r["flags"] = v.flags
        r["level"] = v.level
        r["kind"] = v.kind
        u = r["value"]
        u["tag"] = v.kind
        if v.kind == 1:
            u["number"] = v.value
        elif v.value is None:
            u["text"] = N.NULL
        else:
            u["text"] = v.value + "\x00"
            _set_id(u.fields["text"], at + TEXT_AT)
        items.append(r)
        at += RECORD_SIZE
    call["records"] = items
    data: bytes = call.getData()
    return data


def _string(pointer: Any) -> str | None:
    """A unique ``[string] wchar_t*`` read by impacket: None, or the text without its NUL."""
    if pointer.fields["ReferentID"] == 0:
        return None
    text: str = pointer["Data"]
    return text[:-1]


def decode_submit(data: bytes, record: type) -> tuple[int, list[Any]]:
    """Submit's request parsed by impacket (``fromString``) and read back into ``record``s."""
    call = Submit(data)
    out = []
    for e in call["records"]:
        score = e.fields["score"]
        u = e.fields["value"]
        kind = e["kind"]
        value = u["number"] if kind == 1 else _string(u.fields["text"])
        out.append(
            record(
                e["id"],
                _string(e.fields["name"]),
                None if score.fields["ReferentID"] == 0 else score["Data"],
                e["flags"],
                e["level"],
                kind,
                value,
            )
        )
    return call["count"], out


def encode_ping(a: int, b: int, c: int, d: float, e: int) -> bytes:
    call = Ping()
    call["a"], call["b"], call["c"], call["d"], call["e"] = a, b, c, d, e
    data: bytes = call.getData()
    return data


def decode_ping(data: bytes) -> tuple[int, int, int, float, int]:
    call = Ping(data)
    return call["a"], call["b"], call["c"], call["d"], call["e"]

"""Values for both wires: well-formed arguments of every WireFuzz procedure, and hostile
msgpack values as raw octets (so that they can lie: arrays that announce more items than
follow, nesting deeper than any packer allows, strings that are not UTF-8).

Everything is drawn from a ``random.Random`` the caller seeds, so a seed gives the same
octets every run.
"""

from __future__ import annotations

import random
import struct
from typing import Any

import msgpack  # type: ignore[import-untyped]

import idlrt

LONG_PARK = 5000  # as fuzz.wire.target: Park(ms) this long waits for a cancel or a disconnect

BOUNDARY_INTS = (
    0,
    1,
    -1,
    127,
    128,
    255,
    256,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**32 - 1,
    2**32,
    2**63 - 1,
    2**63,
    -(2**63),
    2**64 - 1,
)


def small_text(rng: random.Random, n: int = 40, latin1: bool = False) -> str:
    """A short string, sometimes beyond ASCII (beyond Latin-1 too, unless ``latin1``: an
    IDL ``char`` string is Latin-1 in NDR)."""
    alphabet = "abcxyz019 _-\u00e9\t" if latin1 else "abcxyz019 _-\u00e9\u4e2d\U0001f600\t"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(n)))


def long_value(rng: random.Random) -> int:
    """A value that fits an IDL ``long`` (mostly small, sometimes a boundary)."""
    if rng.random() < 0.2:
        return rng.choice((0, 1, -1, 2**31 - 1, -(2**31)))
    return rng.randrange(-1000, 1000)


DOWNLOAD_CHUNKS = 8  # the most chunks Download pushes, whatever it is asked


def valid_args(rng: random.Random, m: Any, name: str) -> tuple[Any, ...]:
    """Arguments a well-behaved client could pass to procedure ``name`` of the stubs ``m``."""
    if name == "Add":
        return (long_value(rng), long_value(rng))
    if name == "Echo":
        return (small_text(rng, latin1=True),)
    if name == "Sum":
        v = [long_value(rng) for _ in range(rng.randrange(20))]
        return (len(v), v)
    if name == "Put":
        n = rng.randrange(17)
        name_value = small_text(rng, latin1=True) if rng.random() < 0.8 else None
        point = m.POINT(long_value(rng), long_value(rng))
        values = [long_value(rng) for _ in range(n)] if n or rng.random() < 0.5 else None
        return (m.ITEM(rng.randrange(2**32), name_value, point, n, values),)
    if name == "Park":
        return (rng.choice((0, 0, 1, 5, 20, LONG_PARK)),)
    if name == "Open":
        return (long_value(rng),)
    if name == "Upload":  # the pipe is no argument: its chunks follow the request
        return ()
    if name == "Download":
        return (rng.randrange(-2, DOWNLOAD_CHUNKS + 3),)
    # Next and Close: a handle this connection never opened (the server answers 6)
    return (idlrt.ContextHandle(rng.randbytes(16)),)


# -- raw msgpack octets -------------------------------------------------------------------------


def packb(value: object) -> bytes:
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def array_head(n: int) -> bytes:
    """The head of a msgpack array of ``n`` items (which the caller may not send)."""
    if n < 16:
        return bytes((0x90 | n,))
    if n < 0x10000:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n & 0xFFFFFFFF)


def raw_scalar(rng: random.Random) -> bytes:
    """One well-formed msgpack scalar of some awkward kind."""
    pick = rng.randrange(9)
    if pick == 0:
        return packb(rng.choice(BOUNDARY_INTS))
    if pick == 1:
        return packb(rng.choice((0.0, -0.0, 1e308, float("inf"), float("nan"))))
    if pick == 2:
        return packb(small_text(rng, 100))
    if pick == 3:
        return packb(rng.randbytes(rng.randrange(40)))
    if pick == 4:
        return packb(rng.choice((None, True, False)))
    if pick == 5:  # an extension type, and a timestamp (ext -1) of every length msgpack knows
        return packb(msgpack.ExtType(rng.randrange(128), rng.randbytes(rng.choice((1, 2, 4)))))
    if pick == 6:
        n = rng.choice((4, 8, 12))
        return b"\xc7" + bytes((n, 0xFF)) + rng.randbytes(n)
    if pick == 7:
        return packb(rng.randrange(-(2**63), 2**64))
    return packb(small_text(rng, 10) * rng.choice((1, 100, 1000)))


def raw_value(rng: random.Random, depth: int = 0) -> bytes:
    """A msgpack value, well-formed or not, for a header field or a payload."""
    pick = rng.random()
    if pick < 0.45 or depth > 2:
        return raw_scalar(rng)
    if pick < 0.6:  # a small array or map of values
        n = rng.randrange(5)
        items = b"".join(raw_value(rng, depth + 1) for _ in range(n))
        if rng.random() < 0.7:
            return array_head(n) + items
        pairs = b"".join(raw_scalar(rng) + raw_value(rng, depth + 1) for _ in range(n))
        return bytes((0x80 | n,)) + pairs
    if pick < 0.7:  # deep nesting: msgpack itself refuses over 1024 levels
        levels = rng.choice((9, 50, 500, 1000, 1023, 1024, 1100, 5000))
        return b"\x91" * levels + raw_scalar(rng)
    if pick < 0.8:  # an array, a map, a string or a binary that announces far more than follows
        head = rng.choice(
            (b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff", b"\xdb\x7f\xff\xff\xff")
        )
        return head + b"".join(raw_scalar(rng) for _ in range(rng.randrange(3)))
    if pick < 0.9:  # not msgpack, or not UTF-8, or a key that cannot be hashed
        return rng.choice(
            (b"\xc1", b"\xa3\xff\xfe\xfd", b"\x81\x91\x01\x02", b"\xd9\x05\xed\xa0\x80\xed\xb0")
        )
    return array_head(rng.choice((20, 64, 65, 1000))) + raw_scalar(rng) * rng.randrange(70)

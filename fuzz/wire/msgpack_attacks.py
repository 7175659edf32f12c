"""Hostile bursts on idlrt's msgpack wire (docs/protocol.md, first part).

A burst is the list of messages one connection sends: usually a BIND first, then messages a
server must survive on an open connection (well-formed calls, payloads of the wrong shape,
requests on unbound contexts, cancels of unknown ids, duplicate call ids, forged context
handles, extra and nested header items, calls with pipes and their chunks and
acknowledgements, right or wrong), and, half the time, one last message after which
the connection cannot be trusted (random octets, deep nesting, lying sizes, array bombs,
headers of the right kind with random fields, huge announced sizes, a cut message).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .values import (
    LONG_PARK,
    array_head,
    packb,
    raw_scalar,
    raw_value,
    valid_args,
)

BIND, BIND_ACK, BIND_NAK, REQUEST, RESPONSE, FAULT, CANCEL, PIPE, PIPE_ACK = range(9)
MAX_REQUEST = 1024 * 1024  # the target's max_request (fuzz.wire.target)


class Msgpack:
    """Builds bursts for the procedures of the stubs module ``m``."""

    def __init__(self, m: Any) -> None:
        iface = m.WireFuzzManager._idl_interface_
        self.m = m
        self.uuid = iface.uuid
        self.procs = list(iface.procedures)
        self.named = {p.name: p for p in self.procs}
        self.survivable: list[tuple[float, Callable[[random.Random, Conn], list[bytes]]]] = [
            (30, self.call),
            (4, self.upload),
            (3, self.download),
            (6, self.wrong_shape),
            (3, self.unbound_context),
            (3, self.bad_opnum),
            (3, self.cancel_unknown),
            (3, self.park_and_cancel),
            (3, self.duplicate_id),
            (3, self.extra_items),
            (2, self.bad_bind),
            (1, self.oversize_skipped),
        ]
        self.fatal: list[Callable[[random.Random, Conn], list[bytes]]] = [
            self.random_octets,
            self.random_header,
            self.random_header,
            self.deep_header,
            self.lying_size,
            self.header_bomb,
            self.wrong_kind,
            self.cut,
            self.huge_size,
            self.over_ack,
        ]

    def burst(self, rng: random.Random, length: int) -> list[bytes]:
        conn = Conn()
        out: list[bytes] = []
        if rng.random() < 0.9:
            out.append(self.bind(conn, 0))
        weights = [w for w, _ in self.survivable]
        makers = [f for _, f in self.survivable]
        while len(out) < length:
            (make,) = rng.choices(makers, weights)
            out.extend(make(rng, conn))
        if rng.random() < 0.5:
            out.extend(rng.choice(self.fatal)(rng, conn))
        return out

    # -- survivable ---------------------------------------------------------------------------

    def bind(self, conn: Conn, ctx_id: int) -> bytes:
        conn.bound.add(ctx_id)
        return packb([BIND, ctx_id, self.uuid, 1, 0, 1])

    def request(self, call_id: int, ctx_id: object, opnum: object, payload: bytes) -> bytes:
        return packb([REQUEST, call_id, ctx_id, opnum, len(payload)]) + payload

    def call(self, rng: random.Random, conn: Conn) -> list[bytes]:
        proc = rng.choice(self.procs)
        payload = packb(proc.encode_in(*valid_args(rng, self.m, proc.name)))
        return [self.request(conn.next_id(), 0, proc.opnum, payload)]

    def wrong_shape(self, rng: random.Random, conn: Conn) -> list[bytes]:
        proc = rng.choice(self.procs)
        if rng.random() < 0.5:
            payload = raw_value(rng)
        else:  # the right number of arguments, each of any kind
            n = len(valid_args(rng, self.m, proc.name))
            if rng.random() < 0.3:
                n = rng.choice((1, 2, 3))
            payload = array_head(n) + b"".join(raw_scalar(rng) for _ in range(n))
        return [self.request(conn.next_id(), 0, proc.opnum, payload)]

    def unbound_context(self, rng: random.Random, conn: Conn) -> list[bytes]:
        ctx = rng.choice((1, 7, 0xFFFF, -1, "0", None, [0], 2**64 - 1))
        return [self.request(conn.next_id(), ctx, 0, packb([1, 2]))]

    def bad_opnum(self, rng: random.Random, conn: Conn) -> list[bytes]:
        opnum = rng.choice((len(self.procs), 255, -1, 2**32, 1.5, "Add", None, [1], "x" * 500))
        return [self.request(conn.next_id(), 0, opnum, packb([1, 2]))]

    def cancel_unknown(self, rng: random.Random, conn: Conn) -> list[bytes]:
        call_id = rng.choice((0, conn.call_id + 100, 2**64 - 1, rng.randrange(2**64)))
        return [packb([CANCEL, call_id, rng.choice((True, False, None, 1))])]

    def park(self, call_id: int, ms: int) -> bytes:
        park = next(p for p in self.procs if p.name == "Park")
        return self.request(call_id, 0, park.opnum, packb(park.encode_in(ms)))

    def park_and_cancel(self, rng: random.Random, conn: Conn) -> list[bytes]:
        call_id = conn.next_id()
        cancel = packb([CANCEL, call_id, rng.random() < 0.5])
        return [self.park(call_id, rng.choice((LONG_PARK, 20))), cancel]

    def duplicate_id(self, rng: random.Random, conn: Conn) -> list[bytes]:
        call_id = conn.next_id()
        return [self.park(call_id, LONG_PARK), self.park(call_id, 0)]

    def extra_items(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """A request whose header has more items than it needs (ignored), some nested."""
        proc = rng.choice(self.procs)
        payload = packb(proc.encode_in(*valid_args(rng, self.m, proc.name)))
        extra = [rng.choice((1, "x", None, [1, [2, [3]]], {"k": [1]})) for _ in range(3)]
        header = packb([REQUEST, conn.next_id(), 0, proc.opnum, len(payload), *extra])
        return [header + payload]

    def bad_bind(self, rng: random.Random, conn: Conn) -> list[bytes]:
        ctx = rng.randrange(1, 2000)
        pick = rng.randrange(4)
        if pick == 0:
            fields = [ctx, "not-a-uuid", 1, 0, 1]
        elif pick == 1:
            fields = [ctx, self.uuid, 9, 0, 1]
        elif pick == 2:
            fields = [ctx, self.uuid, 1, 0, 0]
        else:
            fields = [ctx, self.uuid.upper(), 1, 0, 2]
            conn.bound.add(ctx)
        return [packb([BIND, *fields])]

    def oversize_skipped(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """A request just over the limit, sent whole: refused with 5, skipped, in sync."""
        size = MAX_REQUEST + rng.randrange(1, 100)
        return [packb([REQUEST, conn.next_id(), 0, 0, size]) + bytes(size)]

    def pipe(self, call_id: int, index: object, payload: bytes) -> bytes:
        return packb([PIPE, call_id, len(payload), index]) + payload

    def upload(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """An Upload and the chunks of its [in] pipe: well-formed and ended, or never ended,
        or with a chunk of a pipe it does not have, of the wrong type (not octets), after
        the pipe's end, or for a call that is not in progress."""
        up = self.named["Upload"]
        call_id = conn.next_id()
        out = [self.request(call_id, 0, up.opnum, packb([]))]
        for _ in range(rng.randrange(5)):
            out.append(self.pipe(call_id, 0, packb(rng.randbytes(rng.randrange(1, 64)))))
        end = self.pipe(call_id, 0, b"")
        pick = rng.random()
        if pick < 0.6:
            out.append(end)
        elif pick < 0.7:
            out.append(self.pipe(call_id, rng.choice((1, 7, -1, "0", None, [0])), packb(b"x")))
        elif pick < 0.8:
            out.append(self.pipe(call_id, 0, raw_value(rng)))
        elif pick < 0.9:
            out += [end, self.pipe(call_id, 0, packb(b"late"))]
        else:
            out.append(self.pipe(call_id + rng.randrange(1, 1000), 0, packb(b"stray")))
        return out

    def download(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """A Download (its [out] pipe comes back in chunks), maybe with acknowledgements of
        nothing, or of a pipe it does not have."""
        down = self.named["Download"]
        call_id = conn.next_id()
        args = packb(down.encode_in(*valid_args(rng, self.m, "Download")))
        out = [self.request(call_id, 0, down.opnum, args)]
        if rng.random() < 0.5:
            index = rng.choice((1, 1, 0, 3, "x", None))
            out.append(packb([PIPE_ACK, call_id, index, 0]))
        return out

    # -- fatal --------------------------------------------------------------------------------

    def over_ack(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """A Download, then an acknowledgement of more than the server can have sent."""
        down = self.named["Download"]
        call_id = conn.next_id()
        args = packb(down.encode_in(rng.randrange(1, 9)))
        octets = rng.choice((1 << 20, 2**32, 2**64 - 1))
        return [self.request(call_id, 0, down.opnum, args), packb([PIPE_ACK, call_id, 1, octets])]

    def random_octets(self, rng: random.Random, conn: Conn) -> list[bytes]:
        data = rng.randbytes(rng.randrange(1, 200))
        if data[0] == 5:
            data = b"\x06" + data[1:]  # stay on this wire
        return [data]

    def random_header(self, rng: random.Random, conn: Conn) -> list[bytes]:
        """A header of a real kind, with random fields and maybe a random payload."""
        kind = rng.randrange(9)
        n = rng.randrange(1, 8)
        fields = b"".join(raw_value(rng) for _ in range(n - 1))
        tail = raw_value(rng) if rng.random() < 0.5 else b""
        return [array_head(n) + packb(kind) + fields + tail]

    def deep_header(self, rng: random.Random, conn: Conn) -> list[bytes]:
        levels = rng.choice((8, 9, 100, 999, 1000, 1023, 1100))
        deep = b"\x91" * levels + b"\x01"
        where = rng.randrange(5)
        fields = [packb(REQUEST), packb(conn.next_id()), packb(0), packb(0), packb(0)]
        if where == 0:
            fields = [deep]  # as the message kind
        else:
            fields[where] = deep
        if rng.random() < 0.3:  # as an extra item of a CANCEL, which is otherwise fine
            fields = [packb(CANCEL), packb(1), packb(True), deep]
        return [array_head(len(fields)) + b"".join(fields)]

    def lying_size(self, rng: random.Random, conn: Conn) -> list[bytes]:
        payload = packb([1, 2])
        size = len(payload) + rng.choice((-3, -1, 1, 10, 1000))
        return [packb([REQUEST, conn.next_id(), 0, 0, max(size, 0)]) + payload]

    def header_bomb(self, rng: random.Random, conn: Conn) -> list[bytes]:
        head = rng.choice((b"\xdd\xff\xff\xff\xff", b"\xdf\x7f\xff\xff\xff", b"\xdc\xff\xff"))
        return [head + packb(REQUEST) * rng.randrange(10)]

    def wrong_kind(self, rng: random.Random, conn: Conn) -> list[bytes]:
        kind = rng.choice((BIND_ACK, BIND_NAK, RESPONSE, FAULT, 7, 255, -1, 2**64 - 1, "3"))
        return [packb([kind, conn.next_id(), 0, 0, 2]) + packb([1])]

    def cut(self, rng: random.Random, conn: Conn) -> list[bytes]:
        (whole,) = self.call(rng, conn)
        return [whole[: rng.randrange(1, len(whole))]]

    def huge_size(self, rng: random.Random, conn: Conn) -> list[bytes]:
        size = rng.choice((MAX_REQUEST + 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1))
        return [packb([REQUEST, conn.next_id(), 0, 0, size]) + rng.randbytes(rng.randrange(50))]


class Conn:
    """What a burst knows of its connection: the call ids used, the contexts bound."""

    __slots__ = ("bound", "call_id")

    def __init__(self) -> None:
        self.call_id = 0
        self.bound: set[int] = set()

    def next_id(self) -> int:
        self.call_id += 1
        return self.call_id

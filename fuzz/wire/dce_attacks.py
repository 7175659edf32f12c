"""Hostile bursts on the DCE/RPC wire (docs/protocol.md, second part): PDUs.

As on the msgpack wire, a burst is usually a bind first, then PDUs a server must survive on
an open association (well-formed requests, requests on unbound contexts or with opnums out
of range, truncated and mutated stubs, NDR array bombs with huge conformance, fragment
sequences that never end, alter_context floods, co_cancel and orphaned of unknown calls,
duplicate call ids, garbage verifiers), and half the time one last PDU after which the
association cannot be trusted (flipped header octets, lying frag_length and auth_length,
random PDU types, NTLM binds and auth3 with garbage tokens, a cut PDU, random octets).
"""

from __future__ import annotations

import random
import struct
import uuid
from collections.abc import Callable
from typing import Any

from idlrt.wire import dcerpc as pdu
from idlrt.wire.ndrpipe import ChunkEncoder

from .values import LONG_PARK, valid_args

MAX_RECV = 0xFFF8  # the target's largest fragment (idlrt.dceserver.MAX_FRAG)


class Dce:
    """Builds bursts of PDUs for the procedures of the stubs module ``m``."""

    def __init__(self, m: Any) -> None:
        iface = m.WireFuzzManager._idl_interface_
        self.m = m
        self.abstract = uuid.UUID(iface.uuid)
        self.procs = list(iface.procedures)
        self.named = {p.name: p for p in self.procs}
        self.survivable: list[tuple[float, Callable[[random.Random, Assoc], list[bytes]]]] = [
            (30, self.call),
            (4, self.upload),
            (4, self.truncated_stub),
            (4, self.mutated_stub),
            (4, self.array_bomb),
            (2, self.unbound_context),
            (2, self.bad_opnum),
            (3, self.fragments),
            (2, self.endless_fragments),
            (2, self.alter_context),
            (3, self.cancel_unknown),
            (3, self.park_and_cancel),
            (2, self.duplicate_id),
            (2, self.garbage_verifier),
            (1, self.second_bind),
        ]
        self.fatal: list[Callable[[random.Random, Assoc], list[bytes]]] = [
            self.flipped_header,
            self.flipped_header,
            self.lying_frag_length,
            self.lying_auth_length,
            self.random_ptype,
            self.ntlm_bind,
            self.auth3,
            self.cut,
            self.random_octets,
        ]

    def burst(self, rng: random.Random, length: int) -> list[bytes]:
        assoc = Assoc()
        out: list[bytes] = []
        if rng.random() < 0.9:
            out.append(self.bind(rng, assoc))
        elif rng.random() < 0.5:
            out.extend(self.ntlm_bind(rng, assoc))
        weights = [w for w, _ in self.survivable]
        makers = [f for _, f in self.survivable]
        while len(out) < length:
            (make,) = rng.choices(makers, weights)
            out.extend(make(rng, assoc))
        if rng.random() < 0.5:
            out.extend(rng.choice(self.fatal)(rng, assoc))
        return out

    # -- building blocks ----------------------------------------------------------------------

    def context(self, ctx_id: int, abstract: uuid.UUID | None = None) -> pdu.ContextElem:
        return pdu.ContextElem(
            ctx_id, abstract or self.abstract, (1, 0), ((pdu.NDR20, pdu.NDR20_VERSION),)
        )

    def bind(self, rng: random.Random, assoc: Assoc) -> bytes:
        contexts = [self.context(0)]
        if rng.random() < 0.3:  # with bind-time feature negotiation
            btfn = pdu.ContextElem(1, self.abstract, (1, 0), ((pdu.btfn_syntax(3), 1),))
            contexts.append(btfn)
        body = pdu.bind_body(rng.choice((pdu.MIN_FRAG, 5840, MAX_RECV)), 5840, 0, contexts)
        return pdu.pdu(pdu.BIND, pdu.WHOLE, assoc.next_id(), body)

    def request(
        self,
        call_id: int,
        opnum: int,
        stub: bytes,
        ctx_id: int = 0,
        flags: int = pdu.WHOLE,
        obj: uuid.UUID | None = None,
    ) -> bytes:
        head = pdu.request_head(len(stub), ctx_id, opnum)
        if obj is not None:
            flags |= pdu.PFC_OBJECT_UUID
            head += obj.bytes_le
        return pdu.pdu(pdu.REQUEST, flags, call_id, head + stub)

    def valid_stub(self, rng: random.Random) -> tuple[Any, bytes]:
        proc = rng.choice(self.procs)
        return proc, proc.ndr_encode_in(*valid_args(rng, self.m, proc.name))

    def with_verifier(
        self, ptype: int, call_id: int, body: bytes, trailer: bytes, token: bytes
    ) -> bytes:
        pad = -len(body) % 4
        length = pdu.HEADER_SIZE + len(body) + pad + len(trailer) + len(token)
        return (
            pdu.header(ptype, pdu.WHOLE, length, call_id, len(token))
            + body
            + bytes(pad)
            + trailer
            + token
        )

    # -- survivable ---------------------------------------------------------------------------

    def call(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        proc, stub = self.valid_stub(rng)
        obj = uuid.UUID(bytes=rng.randbytes(16)) if rng.random() < 0.1 else None
        return [self.request(assoc.next_id(), proc.opnum, stub, obj=obj)]

    def truncated_stub(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        proc, stub = self.valid_stub(rng)
        return [self.request(assoc.next_id(), proc.opnum, stub[: rng.randrange(len(stub) + 1)])]

    def mutated_stub(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        proc, stub = self.valid_stub(rng)
        data = bytearray(stub + rng.randbytes(rng.randrange(8)))
        for _ in range(rng.randrange(1, 5)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return [self.request(assoc.next_id(), proc.opnum, bytes(data))]

    def array_bomb(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """A well-formed stub whose conformance (array or string size) is then made huge."""
        huge = rng.choice((0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x10000000, 1 << 20))
        procs = {p.name: p for p in self.procs}
        pick = rng.randrange(3)
        if pick == 0:  # Sum(n, v[n]): [n][max_count][items]
            proc = procs["Sum"]
            stub = bytearray(proc.ndr_encode_in(3, [1, 2, 3]))
            struct.pack_into("<L", stub, rng.choice((0, 4)), huge)
        elif pick == 1:  # Echo(string): [max_count][offset][actual_count] chars
            proc = procs["Echo"]
            stub = bytearray(proc.ndr_encode_in("abc"))
            struct.pack_into("<L", stub, rng.choice((0, 4, 8)), huge)
        else:  # Put(ITEM*): the deferred values array ends the stub: [max_count][2 items]
            proc = procs["Put"]
            item = self.m.ITEM(1, None, self.m.POINT(1, 2), 2, [5, 6])
            stub = bytearray(proc.ndr_encode_in(item))
            struct.pack_into("<L", stub, len(stub) - 12, huge)
        return [self.request(assoc.next_id(), proc.opnum, bytes(stub))]

    def unbound_context(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        proc, stub = self.valid_stub(rng)
        ctx = rng.choice((1, 2, 77, 0xFFFF))
        return [self.request(assoc.next_id(), proc.opnum, stub, ctx_id=ctx)]

    def bad_opnum(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        opnum = rng.choice((len(self.procs), 255, 0xFFFF))
        return [self.request(assoc.next_id(), opnum, b"\0" * 8)]

    def in_fragments(
        self, rng: random.Random, call_id: int, opnum: int, stub: bytes, cuts: int
    ) -> list[bytes]:
        """A request whose stub is cut at up to ``cuts`` random places, in order."""
        at = sorted(rng.sample(range(len(stub) + 1), min(cuts, len(stub) + 1)))
        pieces = [stub[a:b] for a, b in zip([0, *at], [*at, len(stub)], strict=True)]
        out = []
        for i, piece in enumerate(pieces):
            flags = (pdu.PFC_FIRST_FRAG if i == 0 else 0) | (
                pdu.PFC_LAST_FRAG if i == len(pieces) - 1 else 0
            )
            out.append(self.request(call_id, opnum, piece, flags=flags))
        return out

    def fragments(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """A request in several fragments, in order."""
        proc, stub = self.valid_stub(rng)
        return self.in_fragments(rng, assoc.next_id(), proc.opnum, stub, 3)

    def upload(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """An Upload whose [in] pipe's NDR chunks follow in one to three fragments: ended, or
        never ended, or with a count over the server's limit, octets after its end, or
        octets flipped."""
        up = self.named["Upload"]
        octets = up.pipes[0]
        e = ChunkEncoder(0)
        stub = b"".join(
            e.chunk(octets, rng.randbytes(rng.randrange(1, 40))) for _ in range(rng.randrange(4))
        )
        pick = rng.random()
        if pick < 0.6:
            stub += e.end()
        elif pick < 0.7:
            stub += e.end()[:-4] + struct.pack("<L", rng.choice((2**32 - 1, 1 << 21, 1 << 30)))
        elif pick < 0.8:
            stub += e.end() + rng.randbytes(rng.randrange(1, 9))
        elif pick < 0.9:
            flipped = bytearray(stub + e.end())
            for _ in range(rng.randrange(1, 4)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            stub = bytes(flipped)
        return self.in_fragments(rng, assoc.next_id(), up.opnum, stub, rng.randrange(3))

    def endless_fragments(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """First fragments without a last one, middle fragments of calls never begun."""
        call_id = assoc.next_id()
        size = rng.choice((0, 16, 4000, 60000))
        first = self.request(call_id, 0, bytes(size), flags=pdu.PFC_FIRST_FRAG)
        middle = self.request(call_id + rng.randrange(2), 0, bytes(size), flags=0)
        return [first, middle, middle]

    def alter_context(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """An alter_context offering many contexts, of this interface or unknown ones."""
        n = rng.choice((1, 10, 255))
        contexts = [
            self.context(
                rng.randrange(0x10000), None if rng.random() < 0.3 else uuid.UUID(int=i + 1)
            )
            for i in range(n)
        ]
        body = pdu.bind_body(5840, 5840, 0, contexts)
        return [pdu.pdu(pdu.ALTER_CONTEXT, pdu.WHOLE, assoc.next_id(), body)]

    def cancel_unknown(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        ptype = rng.choice((pdu.CO_CANCEL, pdu.ORPHANED))
        return [pdu.pdu(ptype, pdu.WHOLE, rng.randrange(2**32))]

    def park(self, call_id: int, ms: int) -> bytes:
        proc = next(p for p in self.procs if p.name == "Park")
        return self.request(call_id, proc.opnum, proc.ndr_encode_in(ms))

    def park_and_cancel(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        call_id = assoc.next_id()
        ptype = rng.choice((pdu.CO_CANCEL, pdu.ORPHANED))
        return [self.park(call_id, rng.choice((LONG_PARK, 20))), pdu.pdu(ptype, 3, call_id)]

    def duplicate_id(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        call_id = assoc.next_id()
        return [self.park(call_id, LONG_PARK), self.park(call_id, 0)]

    def garbage_verifier(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """A request with an auth verifier on an association without security context."""
        proc, stub = self.valid_stub(rng)
        body = pdu.request_head(len(stub), 0, proc.opnum) + stub
        pad = rng.randrange(16)
        trailer = pdu.sec_trailer(rng.choice((10, 9, 0, 255)), rng.randrange(8), pad, 0)
        return [
            self.with_verifier(
                pdu.REQUEST, assoc.next_id(), body, trailer, rng.randbytes(rng.choice((0, 16)))
            )
        ]

    def second_bind(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        return [self.bind(rng, assoc)]

    # -- fatal --------------------------------------------------------------------------------

    def flipped_header(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        (whole,) = self.call(rng, assoc)
        data = bytearray(whole)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(min(len(data), pdu.REQUEST_HEADER))] ^= 1 << rng.randrange(8)
        return [bytes(data)]

    def lying_frag_length(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        data = bytearray(self.call(rng, assoc)[0])
        lie = rng.choice((0, 1, 15, 16, len(data) - 1, len(data) + 1, 0xFFFF, MAX_RECV + 1))
        struct.pack_into("<H", data, 8, lie)
        return [bytes(data)]

    def lying_auth_length(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        data = bytearray(self.call(rng, assoc)[0])
        lie = rng.choice((1, 8, len(data) - 24, len(data) - 16, len(data), 0xFFFF))
        struct.pack_into("<H", data, 10, max(lie, 1))
        return [bytes(data)]

    def random_ptype(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        ptype = rng.choice((1, 2, 3, 4, 12, 13, 15, 17, 20, 99, 255))
        body = rng.randbytes(rng.randrange(64))
        return [pdu.pdu(ptype, rng.randrange(256), assoc.next_id(), body)]

    def ntlm_token(self, rng: random.Random, message_type: int) -> bytes:
        """Something that starts like an NTLM message and then goes wrong."""
        head = b"NTLMSSP\0" + struct.pack("<L", message_type)
        fields = b"".join(
            struct.pack("<HHL", rng.choice((0, 8, 0xFFFF)), rng.choice((0, 8, 0xFFFF)), off)
            for off in (rng.choice((0, 64, 0xFFFFFFFF)) for _ in range(6))
        )
        return (head + fields + rng.randbytes(rng.randrange(64)))[: rng.randrange(8, 200)]

    def ntlm_bind(
        self, rng: random.Random, assoc: Assoc, negotiate: bytes | None = None
    ) -> list[bytes]:
        body = pdu.bind_body(5840, 5840, 0, [self.context(0)])
        level = rng.choice((2, 5, 6, 0, 9)) if negotiate is None else rng.choice((2, 5, 6))
        auth_type = rng.choice((10, 10, 10, 9, 16)) if negotiate is None else 10
        trailer = pdu.sec_trailer(auth_type, level, -len(body) % 4, 0)
        token = negotiate or (self.ntlm_token(rng, 1) if rng.random() < 0.7 else rng.randbytes(40))
        return [self.with_verifier(pdu.BIND, assoc.next_id(), body, trailer, token)]

    def auth3(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        """A well-formed NTLM NEGOTIATE at bind, then an AUTHENTICATE that goes wrong, then a
        request on the association that did not authenticate."""
        flags = 0xE2088297  # what Windows clients offer
        negotiate = b"NTLMSSP\0" + struct.pack("<LL", 1, flags) + bytes(16)
        body = bytes(4)
        trailer = pdu.sec_trailer(10, rng.choice((2, 5, 6)), 0, 0)
        token = self.ntlm_token(rng, 3)
        if rng.random() < 0.3:  # a plausible AUTHENTICATE with random fields
            token = b"NTLMSSP\0" + struct.pack("<L", 3) + rng.randbytes(rng.randrange(56, 200))
        return [
            *self.ntlm_bind(rng, assoc, negotiate),
            self.with_verifier(pdu.AUTH3, assoc.next_id(), body, trailer, token),
            *self.call(rng, assoc),
        ]

    def cut(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        (whole,) = self.call(rng, assoc)
        return [whole[: rng.randrange(1, len(whole))]]

    def random_octets(self, rng: random.Random, assoc: Assoc) -> list[bytes]:
        return [b"\x05" + rng.randbytes(rng.randrange(1, 200))]


class Assoc:
    """What a burst knows of its association: the call ids used."""

    __slots__ = ("call_id",)

    def __init__(self) -> None:
        self.call_id = 0

    def next_id(self) -> int:
        self.call_id += 1
        return self.call_id

"""NDR20 pipe chunks (``idlrt.wire.ndrpipe``): the octets of chunks at every stub offset, and
a parser that gets them back whatever the pieces they arrive in."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idlrt import RpcError
from idlrt.wire.ndrpipe import ChunkEncoder, ChunkParser

pytestmark = pytest.mark.wire_free


@dataclass(frozen=True)
class Codec:
    """A pipe of unsigned longs (size 4) or hypers (size 8), or of octets."""

    name: str
    ndr_size: int
    ndr_align: int
    ndr_tail: int = 0

    @property
    def letter(self) -> str:
        return "L" if self.ndr_size == 4 else "q"

    def ndr_encode_chunk(self, chunk: Any) -> bytes:
        if self.ndr_tail:  # (long, short) pairs, each padded to 8
            return b"".join(struct.pack("<lh2x", *pair) for pair in chunk)
        if self.ndr_size == 1:
            return bytes(chunk)
        code = f"<{len(chunk)}{self.letter}"
        return struct.pack(code, *chunk)

    def ndr_decode_chunk(self, data: bytes, count: int) -> Any:
        if self.ndr_tail:
            data += bytes(self.ndr_tail)
            return [struct.unpack_from("<lh", data, 8 * i) for i in range(count)]
        if self.ndr_size == 1:
            return data
        code = f"<{count}{self.letter}"
        return list(struct.unpack(code, data))


OCTETS = Codec("octets", 1, 1)
LONGS = Codec("longs", 4, 4)
HYPERS = Codec("hypers", 8, 8)
PAIRS = Codec("pairs", 8, 4, 2)


def test_the_last_structure_of_a_chunk_goes_without_its_padding() -> None:
    e = ChunkEncoder(0)
    assert e.chunk(PAIRS, [(1, 2), (3, 4)]) == struct.pack("<Llh2xlh", 2, 1, 2, 3, 4)
    assert e.offset == 18
    assert e.end() == bytes(6)  # the count realigns to 4


def test_a_chunk_is_an_aligned_count_then_its_elements() -> None:
    e = ChunkEncoder(1)
    assert e.chunk(OCTETS, b"ab") == bytes(3) + struct.pack("<L", 2) + b"ab"
    assert e.offset == 10
    assert e.chunk(HYPERS, [7]) == bytes(2) + struct.pack("<Lq", 1, 7)  # the count ends at 16
    assert e.offset == 24
    assert e.chunk(HYPERS, [8]) == struct.pack("<L", 1) + bytes(4) + struct.pack("<q", 8)
    assert e.offset == 40
    assert e.end() == bytes(4)
    assert e.offset == 44


def test_hypers_after_a_count_that_ends_on_an_eight_octet_boundary_need_no_padding() -> None:
    assert ChunkEncoder(4).chunk(HYPERS, [1, 2]) == struct.pack("<Lqq", 2, 1, 2)


chunks = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5)
hchunks = st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=5)
ochunks = st.binary(min_size=1, max_size=9)


@settings(deadline=None)  # a loaded machine must not fail it on time alone
@given(
    offset=st.integers(0, 15),
    a=st.lists(ochunks, max_size=3),
    p=st.lists(
        st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=3),
        max_size=3,
    ),
    b=st.lists(hchunks, max_size=4),
    c=st.lists(chunks, max_size=4),
    tail=st.binary(max_size=9),
    cuts=st.lists(st.integers(1, 7), max_size=20),
)
def test_the_parser_reads_back_what_the_encoder_wrote_in_any_pieces(
    offset: int,
    a: list[bytes],
    p: list[list[tuple[int, int]]],
    b: list[list[int]],
    c: list[list[int]],
    tail: bytes,
    cuts: list[int],
) -> None:
    pipes = [OCTETS, PAIRS, HYPERS, LONGS]
    e = ChunkEncoder(offset)
    stub = bytearray()
    for pipe, values in zip(pipes, (a, p, b, c), strict=True):
        for v in values:
            stub += e.chunk(pipe, v)
        stub += e.end()
    rest_at = e.offset
    stub += tail
    parser = ChunkParser(pipes, offset, 1 << 20)
    got: list[tuple[int, Any]] = []
    pos = 0
    for n in cuts:
        got += parser.feed(stub[pos : pos + n])
        pos += n
    got += parser.feed(stub[pos:])
    want = [(i, v) for i, values in enumerate((a, p, b, c)) for v in [*values, None]]
    assert got == want
    assert parser.done
    assert parser.rest() == (tail, rest_at)


def test_a_count_over_the_limit_is_refused_before_anything_is_kept() -> None:
    parser = ChunkParser([LONGS], 0, 1000)
    with pytest.raises(RpcError) as err:
        parser.feed(struct.pack("<L", 251))
    assert err.value.code == 1783
    assert "over the limit of 1000 octets" in str(err.value)
    assert parser.buffered() == 0

"""The msgpack framing of big payloads (docs/protocol.md): a payload of ``BIG_FRAME`` octets
or more that is not all in one read is collected around the Unpacker, and a PIPE header in
its plainest form is read without it. Whatever the reads, the messages that come out are
those of the stream decoded whole; what is held follows what was received, not what a
header announced; anything else than the plainest form goes through the Unpacker as before.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from idlrt.connection import FramedProtocol
from idlrt.pipeframes import BIG_FRAME
from idlrt.wire.msgpack import PIPE, REQUEST, RESPONSE, pack_bin

pytestmark = pytest.mark.wire_free

LIMIT = 1 << 20  # the recorder's max payload


class _Recorder(FramedProtocol):
    """A framing layer without a transport that records what it decodes."""

    def __init__(self) -> None:
        super().__init__(asyncio.new_event_loop(), LIMIT)
        self.loop.close()  # never used: nothing is sent
        self.got: list[tuple[list[Any], bytes]] = []
        self.oversize: list[list[Any]] = []
        self.errors: list[str] = []

    def on_payload(self, header: list[Any], payload: bytes) -> None:
        assert type(payload) is bytes
        self.got.append((header, payload))

    def on_message(self, header: list[Any]) -> None:
        self.got.append((header, b""))

    def on_oversize(self, header: list[Any], size: int) -> None:
        self.oversize.append(header)

    def protocol_error(self, reason: str) -> None:
        self.errors.append(reason)
        self.closed = True

    def held(self) -> int:
        """Octets of an unfinished message held, in the Unpacker or collected."""
        unpacker = self._unpacker
        held = 0 if unpacker is None else self._fed - unpacker.tell()
        return held + (0 if self._big is None else self._big.held())


def _uint(value: int, width: int) -> bytes:
    """``value`` as a msgpack uint of ``width`` octets after its type (0: a fixint)."""
    if width == 0:
        return bytes((value,))
    code = {1: 0xCC, 2: 0xCD, 4: 0xCE, 8: 0xCF}[width]
    return bytes((code,)) + value.to_bytes(width, "big")


def _stream(rng: random.Random) -> tuple[bytes, list[tuple[list[Any], bytes]]]:
    """Messages of every size and form, and what decoding them must give."""
    out: list[bytes] = []
    want: list[tuple[list[Any], bytes]] = []
    for call_id in range(1, 40):
        pick = rng.randrange(6)
        size = rng.choice((0, 1, 100, BIG_FRAME - 1, BIG_FRAME, BIG_FRAME + 7, 70_000, 300_000))
        payload = rng.randbytes(size)
        if pick == 0:  # the plainest PIPE, ints in any uint width msgpack allows
            index = rng.randrange(3)
            w = [rng.choice((0, 1, 2, 4, 8)) for _ in range(3)]
            if size >= 0x80:
                w[1] = max(w[1], 4)
            head = b"\x94\x07" + _uint(call_id, w[0]) + _uint(size, w[1]) + _uint(index, w[2])
            out.append(head + payload)
            want.append(([PIPE, call_id, size, index], payload))
        elif pick == 1:  # a PIPE of another form: a negative index, an extra item
            header = [PIPE, call_id, size, -1]
            if rng.random() < 0.5:
                header = [PIPE, call_id, size, 0, 9]
            out.append(msgpack.packb(header) + payload)
            want.append((header, payload))
        elif pick == 2:
            header = [REQUEST, call_id, 0, 1, size]
            out.append(msgpack.packb(header) + payload)
            want.append((header, payload))
        elif pick == 3:
            header = [RESPONSE, call_id, size]
            out.append(msgpack.packb(header) + payload)
            want.append((header, payload))
        else:  # messages without payload
            header = [8, call_id, 0, 5]
            out.append(msgpack.packb(header))
            want.append((header, b""))
    return b"".join(out), want


@pytest.mark.parametrize("seed", range(12))
def test_any_reads_give_the_messages_of_the_whole_stream(seed: int) -> None:
    rng = random.Random(seed)
    data, want = _stream(rng)
    p = _Recorder()
    pos = 0
    while pos < len(data):
        step = rng.choice((1, 7, 100, 5000, BIG_FRAME, 65536, 200_000, 262_144))
        p.data_received(data[pos : pos + step])
        pos += step
    assert not p.errors
    assert p.got == want
    assert p.held() == 0 and p._unpacker is None and p._big is None


def test_a_big_payload_is_held_as_it_comes_not_as_announced() -> None:
    p = _Recorder()
    size = LIMIT
    head = b"\x94\x07\x01" + _uint(size, 4) + b"\x00"
    p.data_received(head + b"x" * 10)
    assert p._big is not None and p._big.need == size - 10  # nothing allocated for the rest
    assert p.held() == 10
    received = 10
    for step in (1, 1, 3, 1000, 50_000, 1, 200_000):
        p.data_received(b"y" * step)
        received += step
        assert p.held() == received
    rest = size - received
    p.data_received(b"z" * rest + msgpack.packb([8, 1, 0, 1]))
    assert p.got[0][0] == [PIPE, 1, size, 0] and len(p.got[0][1]) == size
    assert p.got[1] == ([8, 1, 0, 1], b"")
    assert p.held() == 0 and p._big is None


def test_a_plain_pipe_over_the_limit_is_refused_and_skipped() -> None:
    p = _Recorder()
    size = LIMIT + 1
    p.data_received(b"\x94\x07\x01" + _uint(size, 4) + b"\x00" + bytes(size))
    p.data_received(msgpack.packb([8, 1, 0, 1]))
    assert p.oversize == [[PIPE, 1, size, 0]]
    assert p.got == [([8, 1, 0, 1], b"")]


def test_a_bad_pipe_header_is_a_protocol_error_as_before() -> None:
    p = _Recorder()
    p.data_received(msgpack.packb([PIPE, -1, BIG_FRAME, 0]) + bytes(BIG_FRAME))
    assert p.errors and "bad PIPE header" in p.errors[0]


def test_a_bytes_chunk_is_packed_as_msgpack_packs_it() -> None:
    for n in (0, 1, 0xFF, 0x100, 0xFFFF, 0x10000, 100_000):
        value = bytes(range(256)) * (n // 256 + 1)
        assert pack_bin(value[:n]) == msgpack.packb(value[:n], use_bin_type=True)

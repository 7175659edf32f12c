"""The msgpack framing of pipes: what ``connection.FramedProtocol`` sends of them
(``PipeFraming``: PIPE, PIPE_ACK and the chunk codecs of ``pipestate.PipeChannel``), and how
it reads big payloads, pipe chunks above all, around its Unpacker.

A payload of ``BIG_FRAME`` octets or more that is not all in one read would cost three copies
through a streaming Unpacker (into its buffer, out of it, and the buffer's growth), and a
grown Unpacker is dropped: instead its octets are taken from the reads themselves
(``Collecting``), in one copy. A stream of pipe chunks spares the Unpacker altogether: a PIPE
header in its plainest form, ``[7, call_id, size, index]`` with every item a msgpack uint, is
read here (``plain_pipe``); any other form, or one cut short, goes through the Unpacker as
before, so what is accepted and refused does not change. What is held follows what arrived,
never what a header announced.

Layer 3 (connection and transport): imports only ``wire.msgpack`` (layer 2).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from .wire.msgpack import PIPE, PIPE_ACK, PIPE_WINDOW, pack_bin, pack_payload, unpack_payload

BIG_FRAME = 16 * 1024  # payload bytes from which a frame is not coalesced with others

_UINT = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}  # msgpack's uint 8 to 64: the octets that follow


def _uint(data: bytes, pos: int) -> tuple[int, int]:
    """The msgpack uint at ``pos`` and where it ends; ``IndexError`` if there is none (cut
    short, or another type)."""
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    end = pos + 1 + _UINT[b] if b in _UINT else 0
    if not pos < end <= len(data):
        raise IndexError(pos)
    return int.from_bytes(data[pos + 1 : end], "big"), end


def plain_pipe(data: bytes, pos: int, limit: int) -> tuple[list[Any], int] | None:
    """The header of the PIPE at ``pos`` and where its payload starts, if it is in its
    plainest form, whole in ``data``, with a payload of ``BIG_FRAME`` to ``limit`` octets;
    else None (the Unpacker reads it, as any other message)."""
    if data[pos] != 0x94 or pos + 1 >= len(data) or data[pos + 1] != PIPE:
        return None
    try:
        call_id, p = _uint(data, pos + 2)
        size, p = _uint(data, p)
        index, p = _uint(data, p)
    except IndexError:
        return None
    if size < BIG_FRAME or size > limit:
        return None
    return [PIPE, call_id, size, index], p


class Collecting:
    """A payload whose octets are still to come: ``header``, its ``size``, and ``need``, the
    octets still missing. ``take`` adds what a read holds of it; once ``need`` is 0,
    ``payload()`` is the whole.

    The pieces are kept as they came, and joined once: each is a whole read but the first,
    which may be a view of a read (so at most one read is held beyond the payload's own
    octets). From ``PIECES`` on, a payload that comes in many small reads is joined as it
    comes instead (its memory and its cost stay in proportion to what arrived).
    """

    __slots__ = ("acc", "header", "need", "pieces", "size")

    def __init__(self, header: list[Any], size: int, head: bytes) -> None:
        self.header = header
        self.size = size
        self.pieces: list[bytes | memoryview] = [head] if head else []
        self.acc: bytearray | None = None  # the pieces joined, once there are many
        self.need = size - len(head)

    def held(self) -> int:
        """Octets received and held."""
        return sum(map(len, self.pieces)) + (0 if self.acc is None else len(self.acc))

    def take(self, data: bytes, view: memoryview, pos: int) -> int:
        """Take what ``data`` (and ``view``, a memoryview of it) holds of the payload from
        ``pos``; returns where that ends."""
        n = len(data)
        k = min(self.need, n - pos)
        self.add(data if k == n else view[pos : pos + k])
        return pos + k

    def add(self, piece: bytes | memoryview) -> None:
        """Add a piece of the payload (all of a read, or a view of it)."""
        self.need -= len(piece)
        if self.acc is not None:
            self.acc += piece
            return
        pieces = self.pieces
        pieces.append(piece)
        if len(pieces) >= PIECES and self.need:
            acc = self.acc = bytearray()
            for piece in pieces:
                acc += piece
            pieces.clear()

    def payload(self) -> bytes:
        """The whole payload (once ``need`` is 0)."""
        if self.acc is not None:
            return bytes(self.acc)
        pieces = self.pieces
        if len(pieces) == 1:
            piece = pieces[0]
            return piece if type(piece) is bytes else bytes(piece)
        return b"".join(pieces)


PIECES = 32  # pieces of a payload kept apart before they are joined as they come


class ChunkCodec(Protocol):
    """A pipe's chunk codecs (``model.Pipe``), as the msgpack framing of pipes uses them."""

    @property
    def encode_chunk(self) -> Callable[[object], object]: ...

    @property
    def decode_chunk(self) -> Callable[[object], Any]: ...


class PipeFraming:
    """The msgpack framing of ``pipestate.PipeChannel``, a base of ``FramedProtocol``."""

    packer: Any  # its thread's msgpack Packer (loop thread)
    thread_id: int  # its loop's thread
    pipe_window = PIPE_WINDOW  # octets of a pipe sent and not yet acknowledged

    def send(self, data: bytes) -> None:
        raise NotImplementedError

    def send2(self, header: bytes, payload: bytes) -> None:
        raise NotImplementedError

    def send_pipe_chunk(self, call_id: int, index: int, payload: bytes) -> None:
        """Queue a chunk of pipe ``index`` of call ``call_id``: PIPE + payload."""
        self.send2(self.packer.pack((PIPE, call_id, len(payload), index)), payload)

    def send_pipe_end(self, call_id: int, index: int) -> None:
        """Queue the end of pipe ``index`` of call ``call_id``: a PIPE of size 0."""
        self.send(self.packer.pack((PIPE, call_id, 0, index)))

    def send_pipe_ack(self, call_id: int, index: int, octets: int) -> None:
        """Queue a PIPE_ACK: ``octets`` more of pipe ``index`` were handed over."""
        self.send(self.packer.pack((PIPE_ACK, call_id, index, octets)))

    def encode_chunk(self, pipe: ChunkCodec, chunk: object) -> bytes:
        """A chunk as a PIPE payload, checked (any thread; ``RpcError`` if bad)."""
        value = pipe.encode_chunk(chunk)
        if type(value) is bytes:  # a pipe of bytes: in one copy, not the Packer's two
            return pack_bin(value)
        on_loop = threading.get_ident() == self.thread_id
        return pack_payload(value, self.packer if on_loop else None)

    def decode_chunk(self, pipe: ChunkCodec, payload: bytes) -> Any:
        """A PIPE payload as a chunk, checked (any thread; ``RpcError(1783)`` if bad)."""
        return pipe.decode_chunk(unpack_payload(payload))

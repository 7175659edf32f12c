"""NDR20 pipes (C706 14.3.11, docs/pipes.md): a pipe is a sequence of chunks, each an unsigned
long count, aligned to 4, then that many elements; a chunk of count 0 ends the pipe. In a stub
the [in] pipes follow every other [in] value, and the [out] pipes come before every other [out]
value, each pipe to its end before the next one. Positions are counted from the start of the
stub data, as everywhere in NDR, so the encoder and the parser carry the stream's offset.

Layer 2 (wire codecs): pure, no asyncio; imports ``status`` and ``errors``. The elements of a
pipe have a fixed size (idlc refuses any other element type), which the generated
``idlrt.Pipe`` records give with their own codecs for the elements of one chunk: element
``i`` at ``i * ndr_size``, the last one without the ``ndr_tail`` octets of padding that
would bring a structure up to the next element.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

from ..errors import RpcError
from ..status import RPC_X_BAD_STUB_DATA

_COUNT = struct.Struct("<L")
_PAD = tuple(bytes(i) for i in range(8))
MAX_COUNT = 0xFFFF_FFFF


class PipeCodec(Protocol):
    """What a pipe's chunks need of its ``idlrt.Pipe`` record."""

    @property
    def name(self) -> str: ...

    @property
    def ndr_size(self) -> int: ...

    @property
    def ndr_align(self) -> int: ...

    @property
    def ndr_tail(self) -> int: ...

    def ndr_encode_chunk(self, chunk: Any) -> bytes: ...

    def ndr_decode_chunk(self, data: bytes, count: int) -> Any: ...


class ChunkEncoder:
    """Writes chunks into a stub whose next octet is at ``offset``."""

    __slots__ = ("offset",)

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def chunk(self, pipe: PipeCodec, chunk: Any) -> bytes:
        """One chunk of ``pipe`` (which must not be empty: an empty chunk ends a pipe)."""
        elements = pipe.ndr_encode_chunk(chunk)
        if pipe.ndr_tail:  # the last element goes without its padding
            elements = elements[: -pipe.ndr_tail]
        count = len(chunk)
        o = self.offset
        pad = -o & 3
        o += pad + 4
        pad2 = -o & (pipe.ndr_align - 1)
        out = b"".join((_PAD[pad], _COUNT.pack(count), _PAD[pad2], elements))
        self.offset = o + pad2 + len(elements)
        return out

    def end(self) -> bytes:
        """The empty chunk that ends a pipe."""
        pad = -self.offset & 3
        self.offset += pad + 4
        return _PAD[pad] + bytes(4)


class ChunkParser:
    """Reads the chunks of ``pipes``, one pipe after the other, from stub octets that arrive in
    pieces, the first of them at stub offset ``offset``. ``feed`` returns what each piece
    completes: ``(i, chunk)`` for a chunk of ``pipes[i]``, ``(i, None)`` when it ends. Once
    every pipe has ended, what follows is kept (``rest``): the stub's other values.

    The pieces are held as they came (views of them, which must not change), so a chunk's
    octets are copied once, when it is whole, even when it spans several pieces. A chunk is
    handed on whole, so its size is bounded: a count whose elements would take more than
    ``max_chunk`` octets is ``RpcError(1783)``, before anything is held for it.
    """

    __slots__ = ("_count", "_held", "_parts", "index", "max_chunk", "offset", "pipes", "raw")

    def __init__(
        self, pipes: Sequence[PipeCodec], offset: int, max_chunk: int, raw: bool = False
    ) -> None:
        """``raw``: hand each chunk on as the octets of its elements, undecoded (``count``
        says how many elements such octets hold)."""
        self.pipes = pipes
        self.raw = raw
        self.offset = offset  # stub offset of the first octet held
        self.max_chunk = max_chunk
        self.index = 0  # the pipe being read; len(pipes) once all have ended
        self._parts: deque[memoryview] = deque()
        self._held = 0
        self._count = -1  # elements of the chunk being read, -1: its count is still to come

    @property
    def done(self) -> bool:
        """Whether every pipe has ended."""
        return self.index >= len(self.pipes)

    def buffered(self) -> int:
        """Octets held that are not yet part of a whole chunk."""
        return self._held

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[int, Any]]:
        if len(data):
            self._parts.append(memoryview(data))
            self._held += len(data)
        out: list[tuple[int, Any]] = []
        pipes = self.pipes
        while self.index < len(pipes):
            o = self.offset
            if self._count < 0:
                pad = -o & 3
                if self._held < pad + 4:
                    break
                (count,) = _COUNT.unpack_from(self._take(pad + 4), pad)
                self.offset = o + pad + 4
                if count == 0:
                    out.append((self.index, None))
                    self.index += 1
                    continue
                pipe = pipes[self.index]
                if count * pipe.ndr_size > self.max_chunk:
                    raise RpcError(
                        RPC_X_BAD_STUB_DATA,
                        f"{pipe.name}: a chunk of {count} elements is over the limit of "
                        f"{self.max_chunk} octets",
                    )
                self._count = count
                continue
            pipe = pipes[self.index]
            pad = -o & (pipe.ndr_align - 1)
            size = self._count * pipe.ndr_size - pipe.ndr_tail
            if self._held < pad + size:
                break
            if pad:
                self._take(pad)
            octets = self._take(size)
            chunk = octets if self.raw else pipe.ndr_decode_chunk(octets, self._count)
            self.offset = o + pad + size
            self._count = -1
            out.append((self.index, chunk))
        return out

    def _take(self, n: int) -> bytes:
        """The next ``n`` octets held (there are that many), copied once."""
        self._held -= n
        pieces = take(self._parts, n)
        return bytes(pieces[0]) if len(pieces) == 1 else b"".join(pieces)

    def rest(self) -> tuple[bytes, int]:
        """The octets after the last pipe, and the stub offset of the first of them."""
        return b"".join(self._parts), self.offset


def take(parts: deque[Any], n: int) -> list[Any]:
    """The first ``n`` octets of ``parts`` (octets in pieces: bytes or views; there are that
    many), as the pieces or views of pieces they are in; the rest of the last one stays."""
    pieces = []
    while n:
        part = parts[0]
        if len(part) <= n:
            pieces.append(parts.popleft())
            n -= len(part)
        else:
            view = memoryview(part)
            pieces.append(view[:n])
            parts[0] = view[n:]
            n = 0
    return pieces


def count(pipe: PipeCodec, octets: bytes) -> int:
    """How many elements of ``pipe`` the octets of a chunk hold."""
    return (len(octets) + pipe.ndr_tail) // pipe.ndr_size


# The [out] values after [out] pipes, as the client hands them to ``Procedure.ndr_decode_out``
# (``call.decode_result``): eight octets, the first of which says where the values start,
# then padding that gives them their stub offset's alignment modulo 8, then the values.
def after_pipes(values: bytes, offset: int) -> bytes:
    """``values``, found at stub offset ``offset``, for ``ndr_decode_out(data, start)``."""
    lead = offset & 7
    return bytes((8 + lead,)) + _PAD[7] + _PAD[lead] + values


def values_start(data: bytes) -> int:
    """Where ``after_pipes`` put the values: the ``start`` for ``ndr_decode_out``."""
    return data[0] if data else 0

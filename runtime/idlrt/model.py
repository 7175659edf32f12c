"""What generated modules declare: procedures, interfaces, the manager base class.
Layer 4 (call and handle objects), above ``handle``: a procedure's default handle class is
``AsyncHandle``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from .errors import RpcError
from .handle import AsyncHandle
from .status import RPC_S_CANNOT_SUPPORT

R = TypeVar("R")


def _no_ndr(*values: object) -> Any:
    raise RpcError(RPC_S_CANNOT_SUPPORT, "this procedure has no NDR20 stubs")


@dataclass(frozen=True, slots=True)
class Pipe:
    """One pipe parameter of a procedure (``typedef pipe T NAME``), with its chunk codecs.

    ``index``: its place among the procedure's pipes (declaration order), as the wire names
    it. ``position``: where its ``PipeReader`` ([in]) or ``PipeWriter`` ([out]) goes in the
    manager's argument list (not counting the async handle), as ``context_positions`` count.
    ``encode_chunk``/``decode_chunk``: a chunk (``list[T]``, or ``bytes`` for a pipe of
    ``byte``/``char``/``unsigned char``) to and from the msgpack wire's value, checked; each
    raises ``RpcError`` on bad data, with ``path`` in its message. NDR20 (DCE/RPC): the
    elements have a fixed size, ``ndr_size`` octets each, aligned to ``ndr_align``;
    ``ndr_encode_chunk(chunk) -> bytes`` writes the elements (not the count) as they follow an
    aligned count, and ``ndr_decode_chunk(data, count) -> chunk`` reads ``count`` of them from
    ``data`` (which starts at the first element).
    """

    name: str
    index: int
    direction: str  # "in" or "out"
    position: int
    is_bytes: bool
    encode_chunk: Callable[[object], object]
    decode_chunk: Callable[[object], Any]
    ndr_size: int = 0
    ndr_align: int = 1
    # The padding after an element that the last one of a chunk goes without: NDR pads a
    # structure only up to the next one (``ndr_encode_chunk`` writes it; the wire does not).
    ndr_tail: int = 0
    ndr_encode_chunk: Callable[[Any], bytes] = _no_ndr
    ndr_decode_chunk: Callable[[bytes, int], Any] = _no_ndr


@dataclass(frozen=True, slots=True)
class Procedure(Generic[R]):
    """One procedure of an interface, with its generated wire functions, for both wires.

    The msgpack wire's: ``encode_in`` (client) turns the arguments into the wire argument
    list; ``decode_out`` (client) turns the wire result list into the Python result;
    ``decode_in`` (server) turns the wire arguments into the manager's arguments;
    ``encode_out`` (server) turns the return value and out values into the wire result list,
    and ``encode_result`` does the same from a synchronous routine's return value. Each raises
    ``RpcError`` on bad data. The ``ndr_*`` functions do the same in NDR20 octets (the DCE/RPC
    wire); the server's take the decoded [in] values first, which size the [out] arrays.
    ``context_positions`` are the positions, in the manager's
    argument list (not counting the async handle), where a ``CallContext`` is inserted for the
    explicit ``handle_t`` parameters. ``context_handles`` must be True when the generated
    functions call the server-side context-handle helpers (``codec.ctx_from_client`` and
    ``codec.ctx_to_client``): only then does the runtime give them the call's state, so
    procedures without context handles pay nothing for them.
    """

    name: str
    opnum: int
    is_async: bool
    method: str
    encode_in: Callable[..., list[object]]
    decode_out: Callable[[object], R]
    decode_in: Callable[[object], tuple[object, ...]]
    encode_out: Callable[..., list[object]]
    encode_result: Callable[[object], list[object]]
    handle_class: type[AsyncHandle] = AsyncHandle
    context_positions: tuple[int, ...] = ()
    context_handles: bool = False
    # [comm_status]/[fault_status]: the result that carries a failure code instead of raising
    # (``fault``: the server sent it), or RpcError when this kind of failure is not covered.
    status_result: Callable[[int, bool], R] | None = None
    # NDR20 (a procedure written without them cannot be called over DCE/RPC: 1764)
    ndr_encode_in: Callable[..., bytes] = _no_ndr
    ndr_decode_out: Callable[[bytes], R] = _no_ndr
    ndr_decode_in: Callable[[bytes], tuple[Any, ...]] = _no_ndr
    ndr_encode_out: Callable[..., bytes] = _no_ndr
    ndr_encode_result: Callable[[tuple[Any, ...], object], bytes] = _no_ndr
    # The procedure's pipe parameters, in declaration order (left out of the codecs above).
    pipes: tuple[Pipe, ...] = ()
    # A [callback]: declared in the interface, served by the client (its ``Callbacks``), called
    # by the server's ``CallbackClient``; the roles of the four codecs above are swapped.
    is_callback: bool = False


@dataclass(frozen=True, slots=True)
class Interface:
    """An IDL interface: its name, UUID (lower-case canonical form), version and procedures.

    ``procedures[i].opnum == i``: the tuple is indexed by opnum; ``[callback]`` procedures
    (``is_callback``) take their opnums in the same sequence.
    """

    name: str
    uuid: str
    version: tuple[int, int]
    procedures: tuple[Procedure[Any], ...]

    def __post_init__(self) -> None:
        canonical = str(uuid.UUID(self.uuid))
        if canonical != self.uuid.lower():
            raise ValueError(f"{self.name}: {self.uuid!r} is not a canonical UUID")
        object.__setattr__(self, "uuid", canonical)
        for i, proc in enumerate(self.procedures):
            if proc.opnum != i:
                raise ValueError(
                    f"{self.name}: procedure {proc.name} has opnum {proc.opnum}, not {i}"
                )


class Manager:
    """Base of the generated ``XManager`` classes; a server subclasses those.

    The generated subclass sets ``_idl_interface_`` and defines one method per procedure that
    raises ``RpcError(1764)`` until overridden.
    """

    _idl_interface_: ClassVar[Interface]

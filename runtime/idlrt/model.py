"""What generated modules declare: procedures, interfaces, the manager base class.
Layer 4 (call and handle objects), above ``handle``: a procedure's default handle class is
``AsyncHandle``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from .handle import AsyncHandle

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Procedure(Generic[R]):
    """One procedure of an interface, with its generated wire functions.

    ``decode_out`` (client) turns the wire result list into the Python result; ``decode_in``
    (server) turns the wire arguments into the manager's arguments; ``encode_result`` (server)
    turns a synchronous routine's return value into the wire result list. Each raises
    ``RpcError`` on bad data. ``context_positions`` are the positions, in the manager's
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
    decode_out: Callable[[object], R]
    decode_in: Callable[[object], tuple[object, ...]]
    encode_result: Callable[[object], list[object]]
    handle_class: type[AsyncHandle] = AsyncHandle
    context_positions: tuple[int, ...] = ()
    context_handles: bool = False
    # [comm_status]/[fault_status]: the result that carries a failure code instead of raising
    # (``fault``: the server sent it), or RpcError when this kind of failure is not covered.
    status_result: Callable[[int, bool], R] | None = None


@dataclass(frozen=True, slots=True)
class Interface:
    """An IDL interface: its name, UUID (lower-case canonical form), version and procedures.

    ``procedures[i].opnum == i``: the tuple is indexed by opnum.
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

"""What generated modules declare: procedures, interfaces, the manager base, the call context."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from .handle import AsyncHandle, CallRecord

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


@dataclass(frozen=True, slots=True)
class PeerCredentials:
    """The credentials of the process at the other end of a local (ncalrpc) connection."""

    pid: int
    uid: int
    gid: int


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a manager routine may learn about the call it serves (MS: the binding handle).

    ``peer`` is the client's address: ``(host, port, ...)`` for TCP, the socket path (often
    empty) for ncalrpc. ``credentials`` are the peer's process credentials on ncalrpc where the
    system reports them (Linux), else None. ``peer_certificate`` is the client's TLS
    certificate as ``ssl.SSLSocket.getpeercert()`` gives it (TLS with a verified client
    certificate only, else None). ``test_cancel()`` tells whether the client cancelled the call
    (MS ``RpcServerTestCancel``); a routine without a ``handle_t`` parameter reaches its
    context through ``idlrt.call_context()``.
    """

    protseq: str
    peer: object
    credentials: PeerCredentials | None
    interface: str
    uuid: str
    version: tuple[int, int]
    opnum: int
    procedure: str
    peer_certificate: dict[str, Any] | None = None
    _record: CallRecord | None = field(default=None, repr=False, compare=False)

    def test_cancel(self) -> bool:
        """Whether the client cancelled this call, or went away (False outside a call)."""
        rec = self._record
        return rec is not None and rec.test_cancel()

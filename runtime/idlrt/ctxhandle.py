"""Context handles, the part below the codec (SEMANTICS rules 18-19): the client's opaque
``ContextHandle`` and the per-thread ``scope`` through which the codec helpers reach the call
they serve. Layer 2 (beside the wire codecs): imports nothing of idlrt; no asyncio here.

On the wire a context handle is ``nil`` (closed / null) or a 16-byte ``bin`` id that the server
chose at random when its manager first returned the object. The server keeps, per connection,
``id -> (object, rundown routine)`` (``ctxtable``, with the server); ids are never valid on
another connection.

The server-side codec helpers (``codec.ctx_from_client``/``ctx_to_client``) run inside the
generated decoders/encoders, which know nothing of the call; the runtime puts the call in
``scope`` (a ``threading.local``: an async handle may be completed in any thread) around
``decode_in``, ``encode_result`` and ``AsyncHandle._reply``'s encoder. An encoder only *records*
what it decided (``scope.changes``); the runtime commits the changes on the event-loop thread
once the whole reply is encoded, so a reply that fails to encode (rule 7) changes nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from typing import Final, Protocol

ID_SIZE: Final = 16

# (wire id, object or None for "closed", type name, whether the id is new in this reply)
Change = tuple[bytes, object, str, bool]
Changes = list[Change]


class ContextHandle:
    """A context handle as the client holds it: opaque, immutable, compared by identity on the
    server (its wire id). Pass it back to the procedures that take it; a procedure that closes
    it returns None instead. Valid only on the client (connection) that received it."""

    __slots__ = ("_id",)

    _id: bytes

    def __init__(self, wire_id: bytes) -> None:
        if type(wire_id) is not bytes or len(wire_id) != ID_SIZE:
            raise ValueError(f"a context handle id is {ID_SIZE} bytes")
        object.__setattr__(self, "_id", wire_id)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ContextHandle is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("ContextHandle is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not ContextHandle:
            return NotImplemented
        return self._id == other._id

    def __hash__(self) -> int:
        return hash(self._id)

    def __reduce__(self) -> tuple[type[ContextHandle], tuple[bytes]]:
        return ContextHandle, (self._id,)

    def __repr__(self) -> str:
        # A digest, not the id: logs must not let a reader forge the handle.
        return f"<ContextHandle {hashlib.blake2b(self._id, digest_size=4).hexdigest()}>"


# -- what the codec reads of the call in scope ----------------------------------------------
# The call record, its connection and the connection's table of open handles belong to the
# server, layers above; these are the codec's view of them (static types, free at run time).


class OpenHandle(Protocol):
    """An open context handle on the server (``ctxtable.CtxEntry``)."""

    @property
    def obj(self) -> object: ...


class HandleTable(Protocol):
    """The open context handles of one connection (``ctxtable.ContextTable``)."""

    @property
    def handles(self) -> Mapping[bytes, OpenHandle]: ...


class HandleOwner(Protocol):
    """A server connection, as the codec sees it: its table, once it has one."""

    @property
    def ctx_table(self) -> HandleTable | None: ...


class ScopedCall(Protocol):
    """The call being decoded or encoded (the server's ``handle.CallRecord``): its connection,
    and the wire id of each context handle it received, by path (None until it has one)."""

    _ctx_ids: dict[str, bytes | None] | None

    @property
    def _conn(self) -> HandleOwner: ...


class _Scope(threading.local):
    """The call whose values the current thread is decoding or encoding, if any."""

    call: ScopedCall | None = None
    changes: Changes | None = None


scope: Final = _Scope()


def record_change(change: Change) -> None:
    """Remember a decision of the encoder running in this thread (see the module docstring)."""
    changes = scope.changes
    if changes is None:
        scope.changes = [change]
    else:
        changes.append(change)

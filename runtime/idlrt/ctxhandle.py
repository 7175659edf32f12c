"""Context handles (SEMANTICS rules 18-19): the client's opaque ``ContextHandle``, the per-call
state the codec helpers read, and the server's table of open handles per connection.

On the wire a context handle is ``nil`` (closed / null) or a 16-byte ``bin`` id that the server
chose at random when its manager first returned the object. The server keeps, per connection,
``id -> (object, rundown routine)``; ids are never valid on another connection.

The server-side codec helpers (``codec.ctx_from_client``/``ctx_to_client``) run inside the
generated decoders/encoders, which know nothing of the call; the runtime puts the call in
``scope`` (a ``threading.local``: an async handle may be completed in any thread) around
``decode_in``, ``encode_result`` and ``AsyncHandle._reply``'s encoder. An encoder only *records*
what it decided (``scope.changes``); the runtime commits the changes on the event-loop thread
once the whole reply is encoded, so a reply that fails to encode (rule 7) changes nothing.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .handle import CallRecord
    from .server import Server

log = logging.getLogger("idlrt")

ID_SIZE: Final = 16

# (wire id, object or None for "closed", type name, whether the id is new in this reply)
Change = tuple[bytes, object, str, bool]
Changes = list[Change]
Rundown = Callable[[Any], object]


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


class _Scope(threading.local):
    """The call whose values the current thread is decoding or encoding, if any."""

    call: CallRecord | None = None
    changes: Changes | None = None


scope: Final = _Scope()


def record_change(change: Change) -> None:
    """Remember a decision of the encoder running in this thread (see the module docstring)."""
    changes = scope.changes
    if changes is None:
        scope.changes = [change]
    else:
        changes.append(change)


class CtxEntry:
    """An open context handle on the server: the manager's object and its rundown routine."""

    __slots__ = ("obj", "rundown")

    def __init__(self, obj: object, rundown: Rundown | None) -> None:
        self.obj = obj
        self.rundown = rundown


def rundown_of(manager: object, type_name: str) -> Rundown | None:
    """The manager's ``<type_name>_rundown`` method, if the type is named and it has one."""
    if not type_name:
        return None
    fn = getattr(manager, f"{type_name}_rundown", None)
    return fn if callable(fn) else None


async def _await_rundown(aw: Awaitable[object], fn: Rundown) -> None:
    try:
        await aw
    except Exception:
        log.exception("idlrt: context handle rundown %r raised", fn)


class ContextTable:
    """The open context handles of one connection (event-loop thread only)."""

    __slots__ = ("handles", "server")

    def __init__(self, server: Server) -> None:
        self.server = server
        self.handles: dict[bytes, CtxEntry] = {}

    def commit(self, changes: Changes, manager: object, delivered: bool, live: bool) -> None:
        """Apply what a reply's encoder decided. ``delivered``: the reply goes to the client;
        ``live``: the connection is still up. A new handle the client will never learn of is
        run down at once; changes to existing handles apply while the connection lives."""
        handles = self.handles
        server = self.server
        for cid, obj, type_name, new in changes:
            if not (delivered and live):
                if new and obj is not None:
                    self.run_down(rundown_of(manager, type_name), obj)
                    continue
                if not live:
                    continue
            entry = handles.get(cid)
            if obj is None:
                if entry is not None:
                    del handles[cid]
                    server.context_handles -= 1
            elif entry is None:
                handles[cid] = CtxEntry(obj, rundown_of(manager, type_name))
                server.context_handles += 1
            else:
                entry.obj = obj

    def run_down_all(self) -> None:
        """The connection dropped: run every open handle's rundown once, forget them all."""
        handles, self.handles = self.handles, {}
        self.server.context_handles -= len(handles)
        for entry in handles.values():
            self.run_down(entry.rundown, entry.obj)

    def run_down(self, fn: Rundown | None, obj: object) -> None:
        """Call ``fn(obj)``; log (never raise) its exception; an awaitable result is awaited
        in a task of the server."""
        if fn is None:
            return
        try:
            result = fn(obj)
        except Exception:
            log.exception("idlrt: context handle rundown %r raised", fn)
            return
        if inspect.isawaitable(result):
            self.server.spawn(_await_rundown(result, fn))

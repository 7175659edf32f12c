"""The server's table of the open context handles of one connection, and their rundowns
(SEMANTICS rules 11, 18-19; the wire ids and the codec's side are in ``ctxhandle``).
Layer 5 (server): imports ``ctxhandle``; reaches its server through ``TableServer``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from .ctxhandle import Changes

log = logging.getLogger("idlrt")

Rundown = Callable[[Any], object]


class TableServer(Protocol):
    """What a table needs of its server (``server.Server``): the count of open handles on all
    connections, and a task runner for rundowns that return an awaitable."""

    context_handles: int

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...


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

    def __init__(self, server: TableServer) -> None:
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

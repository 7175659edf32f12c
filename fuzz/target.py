"""The server side of the load tools: interface Soak (``soak.idl``), its manager, and a server
process that answers commands on its stdin with one JSON line each.

``python -m fuzz.target [--trace]`` listens on 127.0.0.1 (an ephemeral port), prints its
binding, then reads commands: ``stats`` (RSS, traced memory with ``--trace``, the server's
counts, live connection objects), ``release`` (complete every parked call), ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import importlib
import json
import os
import shutil
import sys
import tempfile
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import Any

import idlrt
from idlrt.status import RPC_S_CALL_CANCELLED

IDL = Path(__file__).resolve().parent / "soak.idl"
_stubs: ModuleType | None = None


def stubs() -> ModuleType:
    """The generated module of ``soak.idl``, compiled once per process into a temp dir."""
    global _stubs
    if _stubs is None:
        from idlc.cli import main

        tmp = tempfile.mkdtemp(prefix="idlrt-soak-")
        atexit.register(shutil.rmtree, tmp, True)
        out = Path(tmp) / "soak_stubs"
        if main([str(IDL), "-o", str(out)]):
            raise RuntimeError(f"idlc failed on {IDL}")
        sys.path.insert(0, str(out.parent))
        _stubs = importlib.import_module("soak_stubs.soak")
    return _stubs


def rss() -> int:
    """This process's resident set size, in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live(*names: str) -> dict[str, int]:
    """How many objects of each class name the cyclic GC tracks right now (no collection)."""
    counts = dict.fromkeys(names, 0)
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
    return counts


class Session:
    """The object behind a PSESSION context handle; ``rundowns``: how often it was run down."""

    __slots__ = ("rundowns", "tag")

    def __init__(self, tag: int) -> None:
        self.tag = tag
        self.rundowns = 0


def make_manager(keep_sessions: bool = False) -> Any:
    """A fresh Soak manager. [async] calls are parked until ``release``; a cancelled one is
    aborted with 1818 at once (the convention, rule 9). Rundowns are counted, and with
    ``keep_sessions`` every Session opened is kept in ``sessions`` (for tests)."""
    base: Any = stubs().SoakManager

    class SoakImpl(base):  # type: ignore[misc]
        def __init__(self) -> None:
            self.parked: set[idlrt.AsyncHandle] = set()
            self.arrivals = 0  # [async] calls started so far
            self._arrived: asyncio.Future[None] | None = None
            self.sessions: list[Session] | None = [] if keep_sessions else None
            self.opened = 0
            self.closed = 0
            self.rundowns = 0

        async def Add(self, a: int, b: int) -> int:
            return a + b

        def Park(self, handle: idlrt.AsyncHandle, tag: int) -> None:
            self._park(handle)

        async def Open(self, tag: int) -> tuple[int, object]:
            self.opened += 1
            session = Session(tag)
            if self.sessions is not None:
                self.sessions.append(session)
            return 0, session

        async def Close(self, ph: object) -> tuple[object]:
            self.closed += 1
            return (None,)

        def Hold(self, handle: idlrt.AsyncHandle, h: object) -> None:
            self._park(handle)

        async def Put(self, n: int, data: bytes) -> int:
            return len(data)

        def PSESSION_rundown(self, obj: Session) -> None:
            self.rundowns += 1
            obj.rundowns += 1

        def _park(self, handle: idlrt.AsyncHandle) -> None:
            self.parked.add(handle)
            handle.on_cancel(self._cancelled)
            self.arrivals += 1
            arrived = self._arrived
            if arrived is not None and not arrived.done():
                arrived.set_result(None)

        def _cancelled(self, handle: idlrt.AsyncHandle) -> None:
            self.parked.discard(handle)
            handle.abort(RPC_S_CALL_CANCELLED)  # returns quietly if the client is gone

        async def arrived(self, n: int) -> None:
            """Wait until ``n`` [async] calls have started in all (this loop)."""
            while self.arrivals < n:
                self._arrived = asyncio.get_running_loop().create_future()
                await self._arrived
            self._arrived = None

        def release(self) -> int:
            """Complete every parked call (quietly, for the clients that are gone)."""
            parked, self.parked = self.parked, set()
            for handle in parked:
                handle.complete(7)
            return len(parked)

    return SoakImpl()


def stats(server: idlrt.Server, impl: Any, traced: bool) -> dict[str, Any]:
    """What the ``stats`` command prints."""
    s = server.stats()
    out: dict[str, Any] = {
        "rss": rss(),
        "in_progress": s.calls_in_progress,
        "connections": s.connections,
        "context_handles": s.context_handles,
        "calls_total": s.calls_total,
        "parked": len(impl.parked),
        "opened": impl.opened,
        "closed": impl.closed,
        "rundowns": impl.rundowns,
        "gc_objects": len(gc.get_objects()),
    }
    out.update(live("ServerConnection", "DceServerConnection"))
    if traced:
        out["traced"] = tracemalloc.get_traced_memory()[0]
    return out


async def serve(traced: bool) -> None:
    """Serve Soak and answer commands on stdin until ``quit`` or end of input."""
    impl = make_manager()
    server = idlrt.Server()
    server.register(impl)
    binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
    print(binding, flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            break
        if line == "stats":
            reply: Any = stats(server, impl, traced)
        elif line == "collect":
            reply = {"collected": gc.collect()}
        elif line == "release":
            reply = {"released": impl.release()}
        else:
            reply = {"error": f"unknown command {line!r}"}
        print(json.dumps(reply), flush=True)
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.target", description=__doc__)
    parser.add_argument("--trace", action="store_true", help="run tracemalloc")
    args = parser.parse_args(argv)
    stubs()  # compile before listening
    if args.trace:
        tracemalloc.start()
    asyncio.run(serve(args.trace))
    return 0


if __name__ == "__main__":
    sys.exit(main())

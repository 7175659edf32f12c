"""A benchmark server process: ``python -m bench.server SYSTEM MODE GEN_DIR LOOP``.

It listens on an ephemeral loopback port, tells the runner (``BENCH {"port": ...}`` on stdout)
and serves until its stdin reaches end of file (the runner closed it, or died): no orphans.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Awaitable, Callable

from bench.common import emit, run_loop
from bench.profiling import profiled

_STOP_GRACE = 5.0  # seconds to stop cleanly once told to, before exiting the hard way


async def _start(system: str, mode: str, gen_dir: str) -> tuple[int, Callable[[], Awaitable[None]]]:
    if system == "idlc":
        from bench.systems import idlc

        return await idlc.serve(gen_dir, mode)
    if system == "grpc":
        from bench.systems import grpc_peer

        return await grpc_peer.serve(gen_dir, mode)
    if system == "raw":
        from bench.systems import raw

        return await raw.serve(mode)
    raise SystemExit(f"unknown server {system!r}")


def _watch_stdin(loop: asyncio.AbstractEventLoop, stopping: asyncio.Event) -> None:
    """Thread: block on stdin until EOF, then ask the loop to stop (or exit if it is stuck)."""
    sys.stdin.buffer.read()
    try:
        loop.call_soon_threadsafe(stopping.set)
    except RuntimeError:  # the loop is already closed
        return
    threading.Event().wait(_STOP_GRACE)
    os._exit(3)


async def _main(system: str, mode: str, gen_dir: str) -> None:
    port, stop = await _start(system, mode, gen_dir)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_watch_stdin, args=(loop, stopping), daemon=True).start()
    emit({"port": port, "pid": os.getpid()})
    await stopping.wait()
    await stop()


def main() -> None:
    system, mode, gen_dir, loop_name = sys.argv[1:5]
    with profiled("server"):
        run_loop(_main(system, mode, gen_dir), loop_name)


if __name__ == "__main__":
    main()

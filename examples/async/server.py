"""The AsyncRPC example server.

``python server.py [BINDING]`` listens (default ``ncacn_ip_tcp:127.0.0.1[0]``), prints the real
binding on its first line of output, and serves until a client calls Shutdown.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import asyncrpc

import idlrt


def log(message: str) -> None:
    print(f"server: {message}", flush=True)


class AsyncRPCServer(asyncrpc.AsyncRPCManager):
    """The manager routines. AsyncFunc and CheckedDelay park their handle and finish later."""

    def __init__(self) -> None:
        self.shutdown = asyncio.Event()
        self.jobs = 0
        self.pending: set[asyncio.Task[None]] = set()  # keeps the timers' tasks alive

    def NonAsyncFunc(self, hBinding: idlrt.CallContext, pszMessage: str) -> None:
        # A plain def: runs in a worker thread, the event loop keeps serving.
        log(f"NonAsyncFunc({pszMessage!r}) from {hBinding.peer}")

    def AsyncFunc(
        self, handle: asyncrpc.AsyncFuncHandle, hBinding: idlrt.CallContext, nDelay: int
    ) -> None:
        # An [async] routine returns at once; the handle is completed later by another task.
        self.jobs += 1
        job = self.jobs
        started = time.monotonic()
        log(f"AsyncFunc #{job}: parked, will complete in {nDelay} ms")

        async def finish() -> None:
            await asyncio.sleep(nDelay / 1000)
            elapsed = time.monotonic() - started
            report = asyncrpc.JOB_REPORT(
                id=job, state=asyncrpc.JOB_STATE.JOB_DONE, seconds=elapsed, note="on time"
            )
            log(f"AsyncFunc #{job}: completing after {elapsed:.3f} s")
            handle.complete(nDelay, report=report)

        task = asyncio.create_task(finish())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def CheckedDelay(self, handle: asyncrpc.CheckedDelayHandle, nDelay: int, total: int) -> None:
        if nDelay < 0:
            log(f"CheckedDelay({nDelay}): aborting with {asyncrpc.APP_ERROR_NEGATIVE_DELAY:#x}")
            handle.abort(asyncrpc.APP_ERROR_NEGATIVE_DELAY)
            return

        def work() -> None:
            # complete() is safe from any thread.
            time.sleep(nDelay / 1000)
            log(f"CheckedDelay({nDelay}): completing from thread {threading.current_thread().name}")
            handle.complete(0, total=total + nDelay)

        threading.Thread(target=work, name="worker", daemon=True).start()

    async def Shutdown(self, hBinding: idlrt.CallContext) -> None:
        log("Shutdown requested")
        self.shutdown.set()


async def main(binding: str) -> None:
    manager = AsyncRPCServer()
    async with idlrt.Server() as server:
        server.register(manager)
        real = await server.listen(binding)
        print(real, flush=True)
        log(f"listening on {real}")
        await manager.shutdown.wait()
        await server.stop(grace=5.0)
    log("stopped")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ncacn_ip_tcp:127.0.0.1[0]"))

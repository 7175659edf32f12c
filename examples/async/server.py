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


class Session:
    """What a PJOB_SESSION context handle stands for on the server."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.total = 0


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

        def cancelled(h: asyncrpc.AsyncFuncHandle) -> None:
            # The client asked to cancel: stop the work and say so, as MS servers do by
            # convention. After an abortive cancel or a disconnect, abort() returns quietly.
            task.cancel()
            log(f"AsyncFunc #{job}: the client cancelled it, aborting with 1818")
            h.abort(idlrt.status.RPC_S_CALL_CANCELLED)

        handle.on_cancel(cancelled)

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

    def OpenSession(self, owner: str) -> tuple[object]:
        log(f"session opened for {owner!r}")
        return (Session(owner),)

    def Submit(self, session: object, work: int) -> int:
        assert isinstance(session, Session)  # the runtime hands back what OpenSession returned
        session.total += work
        return session.total

    def CloseSession(self, session: object) -> tuple[object]:
        assert isinstance(session, Session)
        log(f"session of {session.owner!r} closed with total {session.total}")
        return (None,)  # None closes the handle: no rundown

    def PJOB_SESSION_rundown(self, session: object) -> None:
        """Called once for each session whose client went away without closing it."""
        assert isinstance(session, Session)
        log(f"rundown: the client of {session.owner!r} left with total {session.total}")

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

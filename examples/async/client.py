"""The AsyncRPC example client: ``python client.py BINDING``.

It makes a synchronous call, starts [async] calls without blocking and is told when each
completes, sees one aborted with the server's application code, cancels one and lets another time
out, uses a session behind a context handle, leaves one session open for the server to run down,
then asks the server to stop.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import asyncrpc

import idlrt


def log(message: str) -> None:
    print(f"client: {message}", flush=True)


async def main(binding: str) -> None:
    async with await asyncrpc.AsyncRPCAsyncClient.connect(binding) as client:
        await client.NonAsyncFunc("hello from the asyncio client")
        log("NonAsyncFunc returned")

        started = time.monotonic()
        slow = client.AsyncFunc(asyncrpc.DEFAULT_ASYNC_DELAY)
        slow.add_done_callback(
            lambda call: log(f"notified: AsyncFunc done, status {call.status()}")
        )
        log(f"AsyncFunc started; status() = {slow.status()} (997 = RPC_S_ASYNC_CALL_PENDING)")

        checked = client.CheckedDelay(50, total=1000)
        refused = client.CheckedDelay(-1, total=0)
        try:
            await refused
        except idlrt.RpcError as error:
            log(f"CheckedDelay(-1) aborted by the server: code {error.code:#x}")

        result = await checked
        log(f"CheckedDelay(50) -> retval {result.retval}, total {result.total}")

        report = await slow
        log(
            f"AsyncFunc -> retval {report.retval}, job {report.report.id} "
            f"{report.report.state.name}, {report.report.note!r}, "
            f"{time.monotonic() - started:.3f} s after the call"
        )

        # Cancellation: non-abortive (the server is told and answers), abortive by timeout.
        doomed = client.AsyncFunc(60_000)
        doomed.cancel()
        try:
            await doomed
        except idlrt.RpcError as error:
            log(f"cancelled AsyncFunc ended with {error.code} ({error.name})")
        try:
            await client.AsyncFunc(60_000, timeout=0.1)
        except idlrt.RpcError as error:
            log(f"AsyncFunc with a 0.1 s timeout ended with {error.code} ({error.name})")

        # A session behind a context handle, opened, used and closed.
        (session,) = await client.OpenSession("asyncio client")
        for work in (1, 2, 3):
            total = await client.Submit(session, work)
        log(f"session total after three submissions: {total}")
        (session,) = await client.CloseSession(session)
        log(f"closed session handle is {session}")


def blocking_part(binding: str) -> None:
    """The blocking client, in plain synchronous code (not on a thread running an event loop,
    where it would raise RuntimeError)."""
    with asyncrpc.AsyncRPCClient.connect(binding) as blocking:
        blocking.NonAsyncFunc("hello from the blocking client")
        (session,) = blocking.OpenSession("blocking client")
        blocking.Submit(session, 42)
        log("blocking client leaves without closing its session: the server runs it down")
    with asyncrpc.AsyncRPCClient.connect(binding) as last:
        log("asking the server to shut down")
        last.Shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
    blocking_part(sys.argv[1])

"""The systems under test: each module starts a server and makes client peers.

A system's server runs in ``bench.server``'s process, its client in ``bench.client``'s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class System:
    """One row group of the table: which server to start, which client to drive."""

    name: str
    server: str  # "idlc", "raw" or "grpc"
    server_mode: str  # passed to the server ("coro"/"thread" for idlc)
    client: str  # how bench.client connects: "idlc", "idlc-async-proc", "idlc-blocking"...
    scenarios: frozenset[str]
    blurb: str
    # scenario -> the most calls this system can do there (full mode), when below the norm
    caps: tuple[tuple[str, int], ...] = ()


NET = frozenset({"S1", "S2", "S3", "S4", "S5"})

SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System(
            "idlc",
            "idlc",
            "coro",
            "idlc",
            NET,
            "XAsyncClient; manager routines are `async def` (Park: [async], parked handles)",
        ),
        System(
            "idlc-async",
            "idlc",
            "coro",
            "idlc-async-proc",
            frozenset({"S1", "S2", "S3"}),
            "AddAsync, an [async] procedure whose manager completes the handle at once",
        ),
        System(
            "idlc-thread",
            "idlc",
            "thread",
            "idlc",
            frozenset({"S1", "S2"}),
            "plain `def` manager routines (run in the server's thread pool)",
        ),
        System(
            "idlc-blocking",
            "idlc",
            "coro",
            "idlc-blocking",
            frozenset({"S1", "S2", "S4"}),
            "blocking XClient, one thread per call in flight, one shared connection",
        ),
        System(
            "grpc",
            "grpc",
            "",
            "grpc",
            NET,
            "grpc.aio unary calls, async servicer (protobuf stubs generated at bench time)",
            # grpc.aio hangs with a few thousand calls parked on one channel (1000 works,
            # 4000 never completes, even with grpc.max_concurrent_streams lifted).
            caps=(("S5", 1000),),
        ),
        System(
            "raw",
            "raw",
            "",
            "raw",
            NET,
            "asyncio.Protocol + msgpack, one write per message: the practical limit",
        ),
    )
}

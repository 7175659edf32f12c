"""``python -m fuzz.soak [--minutes 10] [--workers 16] [--sample 10] [--seed N]``: mixed
traffic against a server process for a while, sampling its RSS; after the warm-up (the
first ``--warm-up`` samples) the RSS must stay flat.

Each worker loops until the time is up, each round on a new connection of either wire:
plain calls; [async] calls completed (the server completes what is parked twice a second),
cancelled abortively or not; a drop with calls parked; context handles closed or left to
be run down; a 256 KiB request. Every ``--sample`` seconds the server process reports its
RSS, connections, calls in progress and gc-tracked objects. The exit status is 1 if RSS grew
by more than ``--tolerance`` MiB after the warm-up, a call ended in a way it should not, or
calls were left in progress at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from typing import Any

import idlrt
from fuzz.connmem import ServerProcess
from fuzz.target import stubs
from idlrt import status

EXPECTED = {0, status.RPC_S_CALL_CANCELLED, status.RPC_S_CALL_FAILED}
BIG = bytes(256 * 1024)


class Soak:
    """The workers' shared state: the server process, the clock and what went wrong."""

    def __init__(self, server: ServerProcess, deadline: float, seed: int) -> None:
        self.server = server
        self.deadline = deadline
        self.rng = random.Random(seed)
        self.lock = asyncio.Lock()  # one command at a time on the server's stdin
        self.rounds = 0
        self.calls = 0
        self.unexpected: list[str] = []
        self.finished = False  # every worker has stopped

    async def ask(self, command: str) -> dict[str, Any]:
        async with self.lock:
            return await asyncio.to_thread(self.server.ask, command)

    async def outcome(self, call: Any) -> int:
        self.calls += 1
        try:
            await call
        except idlrt.RpcError as exc:
            return exc.code
        return 0

    def check(self, what: str, code: int, allowed: set[int]) -> None:
        if code not in allowed and len(self.unexpected) < 20:
            self.unexpected.append(f"{what}: {code}")

    async def round(self) -> None:
        """One connection's worth of traffic, of a kind chosen at random."""
        rng = self.rng
        wire = rng.choice(("msgpack", "dcerpc"))
        c: Any = await stubs().SoakAsyncClient.connect(self.server.binding, wire=wire)
        kind = rng.randrange(6)
        try:
            for i in range(rng.randrange(1, 20)):
                self.check("Add", await self.outcome(c.Add(i, 1)), {0})
            if kind == 0:  # [async] calls, completed by the server's release
                for call in [c.Park(i) for i in range(rng.randrange(1, 5))]:
                    self.check("Park", await self.outcome(call), {0})
            elif kind == 1:  # cancelled
                calls = [c.Park(i) for i in range(rng.randrange(1, 5))]
                for call in calls:
                    call.cancel(abortive=rng.random() < 0.5)
                for call in calls:
                    code = await self.outcome(call)
                    self.check("cancelled Park", code, {0, status.RPC_S_CALL_CANCELLED})
            elif kind == 2:  # dropped with calls parked and a context handle open
                r = await c.Open(1)
                calls = [c.Park(1), c.Hold(r.ph)]
                await c.Add(1, 1)  # both requests have left
                c._conn.abort()
                for call in calls:
                    code = await self.outcome(call)
                    self.check("dropped call", code, {0, status.RPC_S_CALL_FAILED})
            elif kind == 3:  # context handles: closed, or left open to be run down
                for i in range(rng.randrange(1, 4)):
                    r = await c.Open(i)
                    self.check("Hold", await self.outcome(c.Hold(r.ph)), {0})
                    if rng.random() < 0.5:
                        await c.Close(r.ph)
            elif kind == 4:  # a big request
                self.check("Put", await self.outcome(c.Put(len(BIG), BIG)), {0})
        finally:
            await c.close()
        self.rounds += 1

    async def worker(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                await self.round()
            except idlrt.RpcError as exc:
                self.check("round", exc.code, set())

    async def releaser(self) -> None:
        """Complete what is parked twice a second, until the workers have all stopped (a
        round begun just before the deadline may still park calls)."""
        while not self.finished:
            await self.ask("release")
            await asyncio.sleep(0.5)  # pacing: how long a parked call waits, not a sync point


async def soak(args: argparse.Namespace) -> int:
    server = ServerProcess()
    try:
        started = time.monotonic()
        deadline = started + args.minutes * 60
        state = Soak(server, deadline, args.seed)
        workers = [asyncio.create_task(state.worker()) for _ in range(args.workers)]
        releaser = asyncio.create_task(state.releaser())
        samples: list[dict[str, Any]] = []
        print(f"server pid {server.pid}, {args.workers} workers, {args.minutes} min", flush=True)
        print("   t/s  RSS/MiB  conns  in-prog  gc-objs  rounds    calls", flush=True)
        while time.monotonic() < deadline:
            await asyncio.sleep(min(args.sample, max(deadline - time.monotonic(), 0)))
            s = await state.ask("stats")
            s["t"] = time.monotonic() - started
            samples.append(s)
            print(
                f"{s['t']:6.0f} {s['rss'] / 2**20:8.1f} {s['connections']:6} "
                f"{s['in_progress']:8} {s['gc_objects']:8} {state.rounds:7} {state.calls:8}",
                flush=True,
            )
        await asyncio.gather(*workers)
        state.finished = True
        await releaser
        await state.ask("release")
        end = await state.ask("stats")
        for _ in range(100):  # the last connections' close may still be under way
            if end["connections"] == 0 and end["in_progress"] == 0:
                break
            await asyncio.sleep(0.05)
            end = await state.ask("stats")
    finally:
        server.close()
    after = [s["rss"] for s in samples[args.warm_up :]] or [samples[-1]["rss"]]
    growth = (after[-1] - after[0]) / 2**20
    spread = (max(after) - min(after)) / 2**20
    print(
        f"after warm-up: RSS {after[0] / 2**20:.1f} -> {after[-1] / 2**20:.1f} MiB "
        f"(growth {growth:+.1f}, spread {spread:.1f}); {state.rounds} connections, "
        f"{state.calls} calls; at the end {end['connections']} connections, "
        f"{end['in_progress']} in progress, {end['context_handles']} context handles"
    )
    for line in state.unexpected:
        print("unexpected:", line)
    ok = growth <= args.tolerance and not state.unexpected and end["in_progress"] == 0
    print("flat" if ok else "NOT FLAT or errors")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--warm-up", type=int, default=3, help="samples before RSS must be flat")
    parser.add_argument("--tolerance", type=float, default=4.0, help="MiB of growth allowed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    stubs()
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())

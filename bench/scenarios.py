"""The client side of scenarios S1-S5 and D1: the same drivers for every system.

Each driver warms up, then measures, and returns a record of raw numbers (the runner derives
the table). CPU time of both processes over the measured section is recorded too.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import AsyncPeer, BlockingPeer

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Params:
    """What one scenario run does."""

    scenario: str
    count: int  # calls measured (S5: calls parked)
    inflight: int  # calls in flight per connection
    conns: int  # connections
    size: int  # S4: bytes per array
    warmup: int  # calls (S5: parked calls) before measuring
    proc: str = "Add"  # D1: the procedure the calls make ("Add" or "Mirror")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """CPU seconds spent by this process and the server over a measured section."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.client0 = time.process_time()
        self.server0 = cpu_seconds(server_pid)

    def record(self, calls: int) -> dict[str, float]:
        client = time.process_time() - self.client0
        server = cpu_seconds(self.server_pid) - self.server0
        return {"cpu_client_us": client / calls * 1e6, "cpu_server_us": server / calls * 1e6}


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000


def latency_result(
    p: Params, lat: list[int], seconds: float, cpu: dict[str, float]
) -> dict[str, object]:
    """S1's figures (and D1's sequential legs'), for every client alike."""
    lat.sort()
    return {
        "calls": p.count,
        "seconds": seconds,
        "p50_us": _percentile(lat, 0.50),
        "p99_us": _percentile(lat, 0.99),
        **cpu,
    }


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise RuntimeError(f"wrong reply in {what}")


# -- asyncio clients ------------------------------------------------------------------------


async def latency(peer: AsyncPeer, p: Params, server_pid: int) -> dict[str, object]:
    """S1 (and D1's sequential legs): one call in flight; per-call latency."""
    add = peer.add
    for i in range(p.warmup):
        _check(await add(i, 1) == i + 1, "warm-up")
    clock = time.perf_counter_ns
    lat = [0] * p.count
    cpu = CpuMeter(server_pid)
    t0 = clock()
    for i in range(p.count):
        s = clock()
        r = await add(i, 1)
        lat[i] = clock() - s
        _check(r == i + 1, "S1")
    return latency_result(p, lat, (clock() - t0) / 1e9, cpu.record(p.count))


async def _spread(peers: list[AsyncPeer], p: Params, total: int, echo: bool) -> float:
    """Run ``total`` calls with ``p.inflight`` workers per peer; the seconds it took."""
    left = total
    size = p.size
    data = os.urandom(size) if echo else b""

    async def adder(peer: AsyncPeer) -> None:
        nonlocal left
        add = peer.add
        while left > 0:
            left -= 1
            i = left
            _check(await add(i, 1) == i + 1, p.scenario)

    async def echoer(peer: AsyncPeer) -> None:
        nonlocal left
        call = peer.echo
        while left > 0:
            left -= 1
            _check(len(await call(data)) == size, p.scenario)

    worker = echoer if echo else adder
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(peer) for peer in peers for _ in range(p.inflight)))
    return time.perf_counter() - t0


async def throughput(peers: list[AsyncPeer], p: Params, server_pid: int) -> dict[str, object]:
    """S2, S3, D1's 64-in-flight legs (Add) and S4 (Echo): ``inflight`` calls in flight on
    each connection."""
    echo = p.scenario == "S4"
    await _spread(peers, p, p.warmup, echo)
    cpu = CpuMeter(server_pid)
    seconds = await _spread(peers, p, p.count, echo)
    return {"calls": p.count, "seconds": seconds, "bytes": p.count * p.size, **cpu.record(p.count)}


async def _park_round(peer: AsyncPeer, n: int) -> tuple[int, int, float]:
    """Park ``n`` calls; (monotonic ns of the last reply, bad replies, seconds in all)."""
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[int] = loop.create_future()
    left = n
    bad = 0

    def done(ok: bool) -> None:
        nonlocal left, bad
        left -= 1
        if not ok:
            bad += 1
        if left == 0:
            finished.set_result(time.monotonic_ns())

    t0 = time.perf_counter()
    for _ in range(n):
        peer.park(n, done)
    t_last = await finished
    return t_last, bad, time.perf_counter() - t0


async def parked(peer: AsyncPeer, p: Params, server_pid: int) -> dict[str, object]:
    """S5: park ``count`` calls; the server completes them all once the last one arrives."""
    await _park_round(peer, p.warmup)
    t_last, bad, seconds = await _park_round(peer, p.count)
    _check(bad == 0, "S5")
    return {"calls": p.count, "t_last": t_last, "seconds": seconds}


# -- blocking clients -------------------------------------------------------------------------


def _threads(n: int, fn: Callable[[], None]) -> float:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - t0


def latency_blocking(peer: BlockingPeer, p: Params, server_pid: int) -> dict[str, object]:
    """S1 with the blocking client."""
    add = peer.add
    for i in range(p.warmup):
        _check(add(i, 1) == i + 1, "warm-up")
    clock = time.perf_counter_ns
    lat = [0] * p.count
    cpu = CpuMeter(server_pid)
    t0 = clock()
    for i in range(p.count):
        s = clock()
        r = add(i, 1)
        lat[i] = clock() - s
        _check(r == i + 1, "S1")
    return latency_result(p, lat, (clock() - t0) / 1e9, cpu.record(p.count))


def _spread_blocking(peer: BlockingPeer, p: Params, total: int, echo: bool) -> float:
    ticket = itertools.count()  # next() is atomic under the GIL
    size = p.size
    data = os.urandom(size)

    def adder() -> None:
        while (i := next(ticket)) < total:
            _check(peer.add(i, 1) == i + 1, p.scenario)

    def echoer() -> None:
        while next(ticket) < total:
            _check(len(peer.echo(data)) == size, p.scenario)

    return _threads(p.inflight, echoer if echo else adder)


def throughput_blocking(peer: BlockingPeer, p: Params, server_pid: int) -> dict[str, object]:
    """S2 and S4 with the blocking client: one thread per call in flight."""
    echo = p.scenario == "S4"
    _spread_blocking(peer, p, p.warmup, echo)
    cpu = CpuMeter(server_pid)
    seconds = _spread_blocking(peer, p, p.count, echo)
    return {"calls": p.count, "seconds": seconds, "bytes": p.count * p.size, **cpu.record(p.count)}

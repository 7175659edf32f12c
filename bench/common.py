"""What the server and client processes of every system share: options, peers, parking, RSS."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

HOST = "127.0.0.1"  # loopback only
BENCH_DIR = Path(__file__).resolve().parent
IDL = BENCH_DIR / "bench.idl"
PROTO = BENCH_DIR / "bench.proto"

T = TypeVar("T")

# Park's reply value: what every system's manager completes a parked call with.
PARK_VALUE = 7


@dataclass(frozen=True, slots=True)
class AsyncPeer:
    """An asyncio client of one system, reduced to the calls the scenarios make.

    ``park(target, done)`` starts one Park call and returns at once; ``done(ok)`` is called
    when its reply arrives.
    """

    add: Callable[[int, int], Awaitable[int]]
    echo: Callable[[bytes], Awaitable[bytes]]
    park: Callable[[int, Callable[[bool], None]], None]
    close: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BlockingPeer:
    """A blocking client shared by the threads of a scenario."""

    add: Callable[[int, int], int]
    echo: Callable[[bytes], bytes]
    close: Callable[[], None]


def emit(record: dict[str, object]) -> None:
    """Hand one JSON record to the runner (it reads the processes' stdout line by line)."""
    sys.stdout.write("BENCH " + json.dumps(record) + "\n")
    sys.stdout.flush()


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process, from /proc (no psutil needed)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


class ParkLot:
    """The server's side of S5: keeps parked calls until ``target`` are parked, then
    releases them all (``release(items)``) and reports RSS growth and the release time."""

    def __init__(self, release: Callable[[list[T]], None]) -> None:
        self._release: Callable[[list[Any]], None] = release
        self._items: list[Any] = []
        self._rss_first = 0

    def park(self, item: object, target: int) -> None:
        items = self._items
        items.append(item)
        n = len(items)
        if n == 1:
            self._rss_first = rss_bytes()
        if n < target:
            return
        rss_full = rss_bytes()
        self._items = []
        t_release = time.monotonic_ns()  # CLOCK_MONOTONIC: comparable across processes
        self._release(items)
        emit({"parked": n, "rss_first": self._rss_first, "rss_full": rss_full, "t0": t_release})


def load_generated(gen_dir: str, name: str) -> ModuleType:
    """Import a module generated at bench time (idlc's or grpc_tools') from ``gen_dir``."""
    if gen_dir not in sys.path:
        sys.path.insert(0, gen_dir)
    return importlib.import_module(name)


def run_loop(main: Coroutine[Any, Any, T], loop_name: str) -> T:
    """Run ``main`` on asyncio's default loop or on uvloop."""
    if loop_name == "uvloop":
        import uvloop  # type: ignore[import-not-found, unused-ignore]

        result: T = uvloop.run(main)  # untyped where uvloop is not installed
        return result
    return asyncio.run(main)

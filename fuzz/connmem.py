"""``python -m fuzz.connmem [-n 1000] [--wires msgpack,dcerpc] [--trace]``: what an idle
bound connection costs, server and client, per wire.

A server process (``fuzz.target``) and this process, the client: after a warm-up of 20
connections opened, used and closed, the client opens ``n`` connections, each bound and with
one call done, and keeps them open. The cost per connection is the growth of each process's
memory divided by ``n``: RSS, and with ``--trace`` the memory tracemalloc sees (Python objects
and the buffers C extensions take from Python's allocator; tracemalloc's own bookkeeping then
inflates RSS, so take RSS from a run without it). Kernel socket buffers are in neither.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tracemalloc
from typing import Any

from fuzz.target import rss, stubs

WARM_UP = 20


class ServerProcess:
    """``python -m fuzz.target`` in a child process, driven through its stdin and stdout."""

    def __init__(self, trace: bool = False) -> None:
        cmd = [sys.executable, "-m", "fuzz.target"] + (["--trace"] if trace else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.binding = self.proc.stdout.readline().strip()
        if not self.binding:
            raise RuntimeError("the server process did not start")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ask(self, command: str) -> dict[str, Any]:
        """Send one command; its JSON answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the server process ended (exit {self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _mine(trace: bool) -> tuple[int, int]:
    gc.collect()
    return rss(), tracemalloc.get_traced_memory()[0] if trace else 0


async def measure(server: ServerProcess, wire: str, n: int, trace: bool) -> dict[str, Any]:
    """Open ``n`` idle bound connections on ``wire``; the growth of both processes."""
    cls: Any = stubs().SoakAsyncClient
    for i in range(WARM_UP):
        c = await cls.connect(server.binding, wire=wire)
        assert await c.Add(i, 1) == i + 1
        await c.close()
    server.ask("collect")
    before = server.ask("stats")
    mine_before = _mine(trace)
    clients = []
    for i in range(n):
        c = await cls.connect(server.binding, wire=wire)
        assert await c.Add(i, 1) == i + 1
        clients.append(c)
    server.ask("collect")
    after = server.ask("stats")
    mine_after = _mine(trace)
    for c in clients:
        await c.close()
    clients.clear()
    out = {
        "wire": wire,
        "n": n,
        "server_rss": (after["rss"] - before["rss"]) / n,
        "client_rss": (mine_after[0] - mine_before[0]) / n,
        "server_connections": after["connections"] - before["connections"],
    }
    if trace:
        out["server_traced"] = (after["traced"] - before["traced"]) / n
        out["client_traced"] = (mine_after[1] - mine_before[1]) / n
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.connmem", description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="idle connections (default 1000)")
    parser.add_argument("--wires", default="msgpack,dcerpc")
    parser.add_argument("--trace", action="store_true", help="also measure with tracemalloc")
    args = parser.parse_args(argv)
    stubs()
    if args.trace:
        tracemalloc.start()
    for wire in args.wires.split(","):
        server = ServerProcess(args.trace)  # a fresh server per wire
        try:
            result = asyncio.run(measure(server, wire, args.n, args.trace))
        finally:
            server.close()
        line = f"{wire:8} n={result['n']}: per connection, server RSS {result['server_rss']:,.0f} B"
        line += f", client RSS {result['client_rss']:,.0f} B"
        if args.trace:
            line += f"; traced: server {result['server_traced']:,.0f} B"
            line += f", client {result['client_traced']:,.0f} B"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

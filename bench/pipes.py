"""P1, pipes: 256 MiB through an ``[in]`` pipe and through an ``[out]`` pipe (bench/pipes.idl),
against a raw asyncio socket loop that sends the same octets in the same chunks, measured in
the same run. Each leg runs in a fresh server process and a fresh client process, and each
process reports its peak RSS (VmHWM) when it ends.

``python -m bench --only P1`` runs it (the runner calls ``run``); the processes are this
module's own: ``python -m bench.pipes serve SYSTEM GEN_DIR`` and
``python -m bench.pipes client SYSTEM DIRECTION PORT GEN_DIR TOTAL CHUNK``.

The raw loop: an ``asyncio.Protocol`` at each end; the sender writes each chunk with
``transport.write`` and waits while the transport is paused (``pause_writing``), the receiver
counts octets and drops them. In: the client sends, the server answers with an 8-octet count
once it has all of them. Out: the client sends an 8-octet total, the server sends that many.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

from bench.common import BENCH_DIR, HOST, emit, load_generated
from bench.procs import ROOT, BenchError, _env
from bench.stubs import idlc_command

IDL = BENCH_DIR / "pipes.idl"
FULL_TOTAL = 256 * 1024 * 1024
QUICK_TOTAL = 8 * 1024 * 1024
CHUNK = 64 * 1024
# system -> (server, client wire); the idlc server answers both wires on one port
SYSTEMS = {"raw": ("raw", ""), "msgpack": ("idlc", "msgpack"), "dcerpc": ("idlc", "dcerpc")}
GOAL_RATIO = 0.7  # MB/s of a pipe against the raw loop's, each direction
GOAL_RSS = 64 * 1024 * 1024  # peak RSS of either process


def peak_rss() -> int:
    """This process's peak resident set size (VmHWM), in octets."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# -- the raw loop -----------------------------------------------------------------------------


class _Flow(asyncio.Protocol):
    """Counts what arrives; lets a sender wait while the transport's buffer is full."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = 0
        self._writable = asyncio.Event()
        self._writable.set()
        self.want = -1  # octets to receive before ``done`` is set
        self.done = asyncio.Event()
        self.head = b""  # the first 8 octets, where the other side sends a number

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def send(self, total: int, chunk: bytes) -> None:
        assert self.transport is not None
        write = self.transport.write
        left = total
        while left > 0:
            piece = chunk if left >= len(chunk) else chunk[:left]
            write(piece)
            left -= len(piece)
            if not self._writable.is_set():
                await self._writable.wait()

    def data_received(self, data: bytes) -> None:
        if len(self.head) < 8:
            self.head += data[: 8 - len(self.head)]
        self.received += len(data)
        if self.want >= 0 and self.received >= self.want:
            self.done.set()


class _RawServer(_Flow):
    """In: count ``total`` octets (announced in the first 8), answer with the count. Out: the
    first 8 octets say how many to send."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.want < 0 and len(self.head) == 8:
            mode, total = self.head[0], int.from_bytes(self.head[1:8], "little")
            if mode == 0:  # in: the total is followed by that many octets
                self.want = total + 8
            else:
                self.want = 8
                asyncio.get_running_loop().create_task(self.send(total, _CHUNK_DATA))
        if self.want > 8 and self.received >= self.want and self.transport is not None:
            self.transport.write((self.received - 8).to_bytes(8, "little"))
            self.want = 1 << 62


_CHUNK_DATA = os.urandom(CHUNK)


async def _raw_client(direction: str, port: int, total: int) -> float:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(_Flow, HOST, port)
    assert proto.transport is not None
    t0 = time.perf_counter()
    if direction == "in":
        proto.transport.write(b"\0" + total.to_bytes(7, "little"))
        proto.want = 8
        await proto.send(total, _CHUNK_DATA)
        await proto.done.wait()
        if int.from_bytes(proto.head, "little") != total:
            raise RuntimeError("raw: wrong count")
    else:
        proto.want = total
        proto.transport.write(b"\1" + total.to_bytes(7, "little"))
        await proto.done.wait()
    seconds = time.perf_counter() - t0
    proto.transport.close()
    return seconds


# -- idlc -------------------------------------------------------------------------------------


def _manager(gen_dir: str) -> Any:
    m = load_generated(gen_dir, "pipegen.pipes")

    class Manager(m.PipeBenchManager):  # type: ignore[misc, name-defined]
        async def Upload(self, data: Any) -> int:
            n = 0
            async for chunk in data:
                n += len(chunk)
            return n

        async def Download(self, total: int, chunk: int, data: Any) -> None:
            piece = _CHUNK_DATA[:chunk]
            left = total
            while left > 0:
                if left < chunk:
                    piece = piece[:left]
                await data.push(piece)
                left -= len(piece)

    return Manager()


async def _idlc_client(gen_dir: str, wire: str, direction: str, port: int, total: int) -> float:
    m = load_generated(gen_dir, "pipegen.pipes")
    client = await m.PipeBenchAsyncClient.connect(f"ncacn_ip_tcp:{HOST}[{port}]", wire=wire)
    t0 = time.perf_counter()
    if direction == "in":

        async def source() -> AsyncIterator[bytes]:
            left = total
            while left > 0:
                piece = _CHUNK_DATA if left >= CHUNK else _CHUNK_DATA[:left]
                left -= len(piece)
                yield piece

        n = await client.Upload(source())
        if n != total:
            raise RuntimeError(f"Upload counted {n}, not {total}")
    else:
        got = 0

        def sink(chunk: bytes) -> None:
            nonlocal got
            got += len(chunk)

        await client.Download(total, CHUNK, sink)
        if got != total:
            raise RuntimeError(f"Download gave {got}, not {total}")
    seconds = time.perf_counter() - t0
    await client.close()
    return seconds


# -- the processes ----------------------------------------------------------------------------


async def _serve(system: str, gen_dir: str) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    if system == "raw":
        server = await loop.create_server(_RawServer, HOST, 0)
        port = int(server.sockets[0].getsockname()[1])
    else:
        import idlrt

        srv = idlrt.Server()
        srv.register(_manager(gen_dir))
        binding = await srv.listen(f"ncacn_ip_tcp:{HOST}[0]")
        port = int(binding.rsplit("[", 1)[1].split("]")[0].split(",")[0])

    def watch() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stopping.set)

    threading.Thread(target=watch, daemon=True).start()
    emit({"port": port, "pid": os.getpid()})
    await stopping.wait()
    emit({"hwm": peak_rss()})
    if system == "raw":
        server.close()
    else:
        await srv.stop(1.0)


def _client(system: str, direction: str, port: int, gen_dir: str, total: int) -> None:
    wire = SYSTEMS[system][1]
    if system == "raw":
        seconds = asyncio.run(_raw_client(direction, port, total))
    else:
        seconds = asyncio.run(_idlc_client(gen_dir, wire, direction, port, total))
    emit({"seconds": seconds, "octets": total, "hwm": peak_rss()})


def _records(out: bytes) -> list[dict[str, Any]]:
    import json

    return [json.loads(ln[6:]) for ln in out.splitlines() if ln.startswith(b"BENCH ")]


def _leg(system: str, direction: str, gen_dir: str, total: int) -> dict[str, Any]:
    """One measurement in fresh processes: MB/s and both processes' peak RSS."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.pipes", "serve", SYSTEMS[system][0], gen_dir],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(None),
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith(b"BENCH "):
            raise BenchError(f"P1 server did not start: {line!r}")
        port = _records(line)[0]["port"]
        argv = ["client", system, direction, str(port), gen_dir, str(total)]
        client = subprocess.run(
            [sys.executable, "-m", "bench.pipes", *argv],
            capture_output=True,
            cwd=ROOT,
            env=_env(None),
            timeout=600,
        )
        if client.returncode:
            raise BenchError(f"P1 {system} {direction}: {client.stderr.decode()[-2000:]}")
        record = _records(client.stdout)[-1]
        out, err = server.communicate(b"", timeout=60)
        found = _records(out)
        if not found:
            raise BenchError(f"P1 server: {err.decode()[-2000:]}")
        return {
            "system": system,
            "direction": direction,
            "mb_s": record["octets"] / record["seconds"] / 1e6,
            "client_hwm": record["hwm"],
            "server_hwm": found[-1]["hwm"],
        }
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def run(quick: bool, reps: int = 3, systems: tuple[str, ...] = tuple(SYSTEMS)) -> dict[str, Any]:
    """Every system, both directions, ``reps`` times (rotating the order); medians and goals."""
    total = QUICK_TOTAL if quick else FULL_TOTAL
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="idlc-bench-pipes-") as tmp:
        gen = Path(tmp)
        subprocess.run([*idlc_command(), str(IDL), "-o", str(gen / "pipegen")], check=True)
        legs = [(s, d) for d in ("in", "out") for s in systems]
        for rep in range(1 if quick else reps):
            k = rep % len(legs)
            for system, direction in legs[k:] + legs[:k]:
                print(f"[rep {rep + 1}] P1 {system} {direction} ...", end=" ", file=sys.stderr)
                try:
                    r = _leg(system, direction, str(gen), total)
                except (BenchError, subprocess.TimeoutExpired) as exc:
                    print(f"FAILED\n{exc}", file=sys.stderr)
                    runs.append({"system": system, "direction": direction, "error": str(exc)})
                    continue
                print(f"{r['mb_s']:,.0f} MB/s", file=sys.stderr, flush=True)
                runs.append(r)
    return summarize(runs, total)


def summarize(runs: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """Medians per (system, direction), the largest peak RSS seen, and the goals."""
    table: dict[str, dict[str, Any]] = {}
    for r in runs:
        if "error" in r:
            continue
        key = f"{r['system']}/{r['direction']}"
        t = table.setdefault(key, {"mb_s": [], "client_hwm": 0, "server_hwm": 0})
        t["mb_s"].append(r["mb_s"])
        t["client_hwm"] = max(t["client_hwm"], r["client_hwm"])
        t["server_hwm"] = max(t["server_hwm"], r["server_hwm"])
    for t in table.values():
        t["median"] = statistics.median(t["mb_s"])
    goals: list[dict[str, Any]] = []
    for direction in ("in", "out"):
        raw = table.get(f"raw/{direction}")
        for system in ("msgpack", "dcerpc"):
            leg = table.get(f"{system}/{direction}")
            if leg is None:
                continue
            ratio = leg["median"] / raw["median"] if raw else None
            goals.append(
                {
                    "goal": f"P1 {system} {direction} pipe / raw >= {GOAL_RATIO}",
                    "value": ratio,
                    "ok": ratio is not None and ratio >= GOAL_RATIO,
                }
            )
            peak = max(leg["client_hwm"], leg["server_hwm"])
            goals.append(
                {
                    "goal": f"P1 {system} {direction} peak RSS < 64 MiB",
                    "value": peak / 2**20,
                    "ok": peak < GOAL_RSS,
                }
            )
    return {"octets": total, "chunk": CHUNK, "runs": runs, "table": table, "goals": goals}


def render(result: dict[str, Any]) -> str:
    """P1's table, in Markdown (its goals are in the runner's table of goals)."""
    lines = [
        f"\nP1: {result['octets'] // 2**20} MiB in chunks of {result['chunk'] // 1024} KiB",
        "",
        "| system | direction | MB/s median [min-max] | x raw | peak RSS client / server MiB |",
        "|---|---|---|---|---|",
    ]
    table = result["table"]
    for key, t in table.items():
        system, direction = key.split("/")
        raw = table.get(f"raw/{direction}")
        ratio = f"{t['median'] / raw['median']:.2f}" if raw and system != "raw" else "-"
        lines.append(
            f"| {system} | {direction} | {t['median']:,.0f} [{min(t['mb_s']):,.0f}-"
            f"{max(t['mb_s']):,.0f}] | {ratio} | {t['client_hwm'] / 2**20:.1f} / "
            f"{t['server_hwm'] / 2**20:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[0] == "serve":
        asyncio.run(_serve(argv[1], argv[2]))
    elif argv[0] == "client":
        _client(argv[1], argv[2], int(argv[3]), argv[4], int(argv[5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

"""A benchmark client process: ``python -m bench.client SPEC_JSON``.

It connects to the server the runner started, runs one scenario and prints its record
(``BENCH {...}``) on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench import scenarios
from bench.common import AsyncPeer, emit, run_loop
from bench.profiling import profiled
from bench.scenarios import Params


async def _connect(kind: str, gen_dir: str, port: int, proc: str) -> AsyncPeer:
    if kind in ("idlc", "idlc-async-proc", "idlc-dce"):
        from bench.systems import idlc

        wire = "dcerpc" if kind == "idlc-dce" else "msgpack"
        return await idlc.connect(gen_dir, port, kind == "idlc-async-proc", wire, proc)
    if kind == "grpc":
        from bench.systems import grpc_peer

        return await grpc_peer.connect(gen_dir, port)
    if kind == "raw":
        from bench.systems import raw

        return await raw.connect(port)
    raise SystemExit(f"unknown client {kind!r}")


async def _run_async(spec: dict[str, Any], p: Params) -> dict[str, object]:
    port, pid = spec["port"], spec["server_pid"]
    kind, gen_dir = spec["client"], spec["gen_dir"]
    peers = [await _connect(kind, gen_dir, port, p.proc) for _ in range(p.conns)]
    try:
        if p.scenario == "S1" or (p.scenario == "D1" and p.inflight == 1):
            return await scenarios.latency(peers[0], p, pid)
        if p.scenario == "S5":
            return await scenarios.parked(peers[0], p, pid)
        return await scenarios.throughput(peers, p, pid)
    finally:
        for peer in peers:
            await peer.close()


def _run_blocking(spec: dict[str, Any], p: Params) -> dict[str, object]:
    from bench.systems import idlc

    peer = idlc.connect_blocking(spec["gen_dir"], spec["port"])
    try:
        if p.scenario == "S1":
            return scenarios.latency_blocking(peer, p, spec["server_pid"])
        return scenarios.throughput_blocking(peer, p, spec["server_pid"])
    finally:
        peer.close()


def main() -> None:
    spec: dict[str, Any] = json.loads(sys.argv[1])
    p = Params(**spec["params"])
    with profiled("client"):
        if spec["client"] == "impacket":
            from bench.systems import impacket_peer

            record = impacket_peer.latency(spec["gen_dir"], spec["port"], p, spec["server_pid"])
        elif spec["client"] == "idlc-blocking":
            record = _run_blocking(spec, p)
        else:
            record = run_loop(_run_async(spec, p), spec["loop"])
    emit(record)


if __name__ == "__main__":
    main()

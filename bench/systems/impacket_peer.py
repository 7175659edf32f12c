"""impacket's DCE/RPC client, D1's outside peer: ``DCERPCTransportFactory``, ``get_dce_rpc()``,
``connect()``, ``bind()``, then ``call(opnum, stub)`` and ``recv()`` for every call, as an
impacket user writes a raw call.

The request stub is built once, by our generated NDR20 encoder, and every reply is checked
against the reply stub expected: what is measured is impacket's transport and PDU handling per
call, not its NDR (N1 measures that). impacket is untyped: everything here is ``Any`` to mypy.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import HOST, load_generated
from bench.scenarios import CpuMeter, Params, latency_result

# The call every iteration makes: Add(A, B).
A, B = 41, 1


def latency(gen_dir: str, port: int, p: Params, server_pid: int) -> dict[str, object]:
    """D1's sequential leg for impacket: one call in flight; per-call latency."""
    from impacket.dcerpc.v5 import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        transport,
    )
    from impacket.uuid import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        uuidtup_to_bin,
    )

    mod: Any = load_generated(gen_dir, "idlcgen.bench")
    iface = mod.BenchAsyncClient._idl_interface_
    proc = mod._Bench_Add
    stub = proc.ndr_encode_in(A, B)
    rpc: Any = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{HOST}[{port}]")
    dce = rpc.get_dce_rpc()
    dce.connect()
    try:
        version = f"{iface.version[0]}.{iface.version[1]}"
        dce.bind(uuidtup_to_bin((iface.uuid, version)))
        opnum = proc.opnum
        call, recv = dce.call, dce.recv
        call(opnum, stub)
        expected = recv()  # the octets of a good reply: every later one must be the same
        if proc.ndr_decode_out(expected) != A + B:
            raise RuntimeError("wrong reply in D1 (impacket)")
        for _ in range(p.warmup):
            call(opnum, stub)
            recv()
        clock = time.perf_counter_ns
        lat = [0] * p.count
        bad = 0
        cpu = CpuMeter(server_pid)
        t0 = clock()
        for i in range(p.count):
            s = clock()
            call(opnum, stub)
            reply = recv()
            lat[i] = clock() - s
            if reply != expected:
                bad += 1
        seconds = (clock() - t0) / 1e9
        if bad:
            raise RuntimeError(f"{bad} wrong replies in D1 (impacket)")
        return latency_result(p, lat, seconds, cpu.record(p.count))
    finally:
        dce.disconnect()

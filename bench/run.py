"""The runner: ``python -m bench [--quick] [--uvloop] [--reps N] [--only S1,S2,D1,N1,P1] ...``.

For every event loop, repetition and scenario it runs every system in turn (the order rotates
with the repetition), each in a fresh server process and a fresh client process, then prints
the table and writes the JSON (bench/results/latest.json by default). D1 runs its legs (the
DCE/RPC wire, the msgpack wire and impacket) each in a fresh client process against one
server process per repetition.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import compile as s6
from bench import pipes, report, wire_codecs
from bench.procs import ROOT, BenchError, ServerProcess, run_client
from bench.scenarios import Params
from bench.stubs import generate, have
from bench.systems import SYSTEMS, System

SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "D1")
RESULTS = ROOT / "bench" / "results"

# scenario -> (count, in flight per connection, connections, bytes, warm-up count)
FULL: dict[str, tuple[int, int, int, int, int]] = {
    "S1": (5000, 1, 1, 0, 500),
    "S2": (50_000, 64, 1, 0, 2000),
    "S3": (50_000, 16, 8, 0, 2000),
    "S4": (2000, 8, 1, 64 * 1024, 50),
    "S5": (10_000, 1, 1, 0, 100),
    "D1": (5000, 1, 1, 0, 500),  # D1's sequential legs
    "D1-64": (50_000, 64, 1, 0, 2000),  # D1's legs with 64 calls in flight
}
QUICK: dict[str, tuple[int, int, int, int, int]] = {
    "S1": (200, 1, 1, 0, 20),
    "S2": (1000, 64, 1, 0, 64),
    "S3": (1000, 16, 8, 0, 128),
    "S4": (40, 8, 1, 64 * 1024, 8),
    "S5": (500, 1, 1, 0, 10),
    "D1": (200, 1, 1, 0, 20),
    "D1-64": (1000, 64, 1, 0, 64),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Leg:
    """One of D1's measurements: a client (as ``bench.client`` names it) and calls in flight."""

    name: str
    client: str
    inflight: int
    blurb: str
    proc: str = "Add"


# D1: Add (and Mirror, a struct) over each wire of one idlc server process (`coro` managers),
# and impacket's client.
D1_LEGS = (
    Leg("msgpack", "idlc", 1, "BenchAsyncClient, msgpack wire, 1 call in flight"),
    Leg("dcerpc", "idlc-dce", 1, "BenchAsyncClient, wire='dcerpc' (NDR20), 1 call in flight"),
    Leg("impacket", "impacket", 1, "impacket DCERPC_v5 call() + recv(), stub built once"),
    Leg("msgpack-64", "idlc", 64, "BenchAsyncClient, msgpack wire, 64 calls in flight"),
    Leg("dcerpc-64", "idlc-dce", 64, "BenchAsyncClient, wire='dcerpc', 64 calls in flight"),
    Leg("msgpack-struct", "idlc", 1, "Mirror (a 24-octet struct each way), msgpack", "Mirror"),
    Leg("dcerpc-struct", "idlc-dce", 1, "Mirror, wire='dcerpc', 1 call in flight", "Mirror"),
)


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny counts, one repetition")
    ap.add_argument("--reps", type=int, help="repetitions (default 3, --quick 1)")
    ap.add_argument("--uvloop", action="store_true", help="also run everything on uvloop")
    ap.add_argument("--only", default="", help="scenarios, e.g. S1,S2,S6,N1 (default: all)")
    ap.add_argument("--systems", default="", help="systems, e.g. idlc,raw (default: all)")
    ap.add_argument("--json", type=Path, default=RESULTS / "latest.json", help="where to write")
    ap.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile both processes of each run into DIR/<loop>-<scenario>-<system>/ "
        "(N1: each codec and request into DIR/N1/)",
    )
    return ap.parse_args(argv)


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?"
            )
    except OSError:
        pass
    import os

    versions: dict[str, str] = {}
    for dist in ("idlc", "idlc-runtime", "msgpack", "grpcio", "protobuf", "uvloop", "impacket"):
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:
            continue
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
        "widl": shutil.which(s6.WIDL) or None,
    }


def _run_one(
    system: System, scenario: str, loop: str, gen: Path, quick: bool, profile: Path | None
) -> dict[str, Any]:
    count, inflight, conns, size, warmup = (QUICK if quick else FULL)[scenario]
    count = min(count, dict(system.caps).get(scenario, count))
    params = Params(scenario, count, inflight, conns, size, warmup)
    pdir = None
    if profile is not None:
        pdir = profile / f"{loop}-{scenario}-{system.name}"
        pdir.mkdir(parents=True, exist_ok=True)
    argv = [system.server, system.server_mode, str(gen), loop]
    with ServerProcess(argv, pdir) as server:
        ready = server.record()
        spec = {
            "client": system.client,
            "gen_dir": str(gen),
            "port": ready["port"],
            "server_pid": ready["pid"],
            "loop": loop,
            "params": dataclasses.asdict(params),
        }
        record = run_client(spec, timeout=60 if quick else 180, profile_dir=pdir)
        if scenario == "S5":
            while True:  # the warm-up round reports too: take the measured round's record
                parked = server.record(timeout=30)
                if parked["parked"] == count:
                    break
            record["rss_first"] = parked["rss_first"]
            record["rss_full"] = parked["rss_full"]
            record["t0"] = parked["t0"]
    return record


def _run_d1(
    legs: list[Leg], rep: int, loop: str, gen: Path, quick: bool, profile: Path | None
) -> list[dict[str, Any]]:
    """One repetition of D1: every leg in a fresh client process (the order rotating with
    ``rep``), all against ONE server process; a record (or an error) per leg."""
    counts = QUICK if quick else FULL
    pdir = None
    if profile is not None:
        pdir = profile / f"{loop}-D1-server"
        pdir.mkdir(parents=True, exist_ok=True)
    k = rep % len(legs)
    order = legs[k:] + legs[:k]
    out: list[dict[str, Any]] = []
    try:
        with ServerProcess(["idlc", "coro", str(gen), loop], pdir) as server:
            ready = server.record()
            for leg in order:
                key = "D1" if leg.inflight == 1 else "D1-64"
                count, _, conns, size, warmup = counts[key]
                params = Params("D1", count, leg.inflight, conns, size, warmup, leg.proc)
                cdir = None
                if profile is not None:
                    cdir = profile / f"{loop}-D1-{leg.name}"
                    cdir.mkdir(parents=True, exist_ok=True)
                spec = {
                    "client": leg.client,
                    "gen_dir": str(gen),
                    "port": ready["port"],
                    "server_pid": ready["pid"],
                    "loop": loop,
                    "params": dataclasses.asdict(params),
                }
                label = f"[{loop} rep {rep + 1}] D1 {leg.name}"
                print(label, end=" ... ", file=sys.stderr, flush=True)
                try:
                    record = run_client(spec, timeout=60 if quick else 180, profile_dir=cdir)
                except BenchError as exc:
                    print(f"FAILED\n{exc}", file=sys.stderr)
                    out.append({"system": leg.name, "error": str(exc)[-1000:]})
                    continue
                record["system"] = leg.name
                out.append(record)
                print(report.brief({**record, "scenario": "D1"}), file=sys.stderr, flush=True)
    except BenchError as exc:  # the server did not start
        print(f"D1 server FAILED\n{exc}", file=sys.stderr)
        done = {r["system"] for r in out}
        out += [
            {"system": leg.name, "error": str(exc)[-1000:]} for leg in order if leg.name not in done
        ]
    for r in out:
        r.update(loop=loop, rep=rep, scenario="D1")
    return out


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    reps = args.reps or (1 if args.quick else 3)
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    scenarios = [s for s in SCENARIOS if not only or s in only]
    wanted = [s.strip() for s in args.systems.split(",") if s.strip()]
    notes: list[str] = []
    systems = [s for s in SYSTEMS.values() if not wanted or s.name in wanted]
    # D1's legs: those named by --systems, or all of them when it names none
    legs = [g for g in D1_LEGS if g.name in wanted] or list(D1_LEGS)
    if "D1" in scenarios and not have("impacket"):
        legs = [g for g in legs if g.client != "impacket"]
        notes.append("D1 without impacket: not installed (pip install '.[bench]')")
    if not have("grpc") or not have("grpc_tools"):
        systems = [s for s in systems if s.server != "grpc"]
        notes.append("gRPC skipped: grpcio / grpcio-tools not installed (pip install '.[bench]')")
    for s in systems:
        for scenario, cap in s.caps:
            if not args.quick and scenario in scenarios and cap < FULL[scenario][0]:
                notes.append(f"{s.name} does only {cap} calls in {scenario} (it cannot do more)")
    loops = ["asyncio"]
    if args.uvloop:
        if have("uvloop"):
            loops.append("uvloop")
        else:
            notes.append("uvloop not installed: --uvloop ignored")
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="idlc-bench-") as tmp:
        gen = Path(tmp)
        generate(gen, any(s.server == "grpc" for s in systems))
        for loop in loops if scenarios else []:
            for rep in range(reps):
                for scenario in scenarios:
                    if scenario == "D1":
                        runs += _run_d1(legs, rep, loop, gen, args.quick, args.profile)
                        continue
                    todo = [s for s in systems if scenario in s.scenarios]
                    if loop == "uvloop":  # the blocking client runs on idlrt's own loop thread
                        todo = [s for s in todo if s.client != "idlc-blocking"]
                    k = rep % len(todo) if todo else 0
                    for system in todo[k:] + todo[:k]:
                        label = f"[{loop} rep {rep + 1}/{reps}] {scenario} {system.name}"
                        print(label, end=" ... ", file=sys.stderr, flush=True)
                        try:
                            record = _run_one(system, scenario, loop, gen, args.quick, args.profile)
                        except BenchError as exc:
                            print(f"FAILED\n{exc}", file=sys.stderr)
                            runs.append(
                                {
                                    "loop": loop,
                                    "rep": rep,
                                    "scenario": scenario,
                                    "system": system.name,
                                    "error": str(exc)[-1000:],
                                }
                            )
                            continue
                        record.update(loop=loop, rep=rep, scenario=scenario, system=system.name)
                        runs.append(record)
                        print(report.brief(record), file=sys.stderr, flush=True)
    compile_result = None
    if not only or "S6" in only:
        print("S6 compile ...", file=sys.stderr, flush=True)
        compile_result = s6.run(args.quick)
    codecs_result = None
    if not only or "N1" in only:
        print("N1 codecs ...", file=sys.stderr, flush=True)
        if not have("impacket"):
            notes.append("N1 without impacket: not installed (pip install '.[bench]')")
        profile = args.profile / "N1" if args.profile is not None else None
        codecs_result = wire_codecs.run(args.quick, profile=profile)
    pipes_result = None
    if not only or "P1" in only:
        print("P1 pipes ...", file=sys.stderr, flush=True)
        pipes_result = pipes.run(args.quick, reps)
    summary = report.summarize(runs)
    goals = report.goals(summary, compile_result, codecs_result)
    if pipes_result is not None:
        goals += [{"loop": "asyncio", "target": None, **g} for g in pipes_result["goals"]]
    doc = {
        "machine": machine(),
        "config": {
            "quick": args.quick,
            "reps": reps,
            "loops": loops,
            "counts": QUICK if args.quick else FULL,
        },
        "systems": {s.name: s.blurb for s in systems},
        "d1_legs": {g.name: g.blurb for g in legs} if "D1" in scenarios else {},
        "notes": notes,
        "seconds": time.perf_counter() - started,
        "runs": runs,
        "summary": summary,
        "compile": compile_result,
        "codecs": codecs_result,
        "pipes": pipes_result,
        "goals": goals,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=1) + "\n")
    print(report.render(doc))
    if pipes_result is not None:
        print(pipes.render(pipes_result))
    print(f"\nwritten: {args.json}")
    failed = [r for r in runs if "error" in r]
    return 1 if failed else 0

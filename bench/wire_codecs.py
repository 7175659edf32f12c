"""N1: the wire codecs, impacket's NDR beside idlc's NDR20 and msgpack codecs, in one process.

Two requests of ``ndr_bench.idl``: ``Submit`` with 1,000 records (a string, a unique pointer,
scalars and a non-encapsulated union each) and ``Ping`` with five scalars. For each, the same
values are encoded as the client does and decoded as the server does, by

- impacket: the ``NDRCALL`` built from the values, ``getData()``; ``fromString`` and the values
  read back into the generated types (``bench.ndr_impacket``);
- idlc's NDR20: ``_ndr_NdrBench_P_cin(...)``, then ``_ndr_NdrBench_P_sin(data)``;
- idlc's msgpack: ``_NdrBench_P_cin(...)`` packed by the connection's Packer
  (``pack_payload``), then ``unpack_payload`` and ``_NdrBench_P_sin``, as the runtime does.

First the octets are checked: impacket's must equal idlc's NDR20 octets, and every codec must
decode its own octets to the values sent. Then each (request, codec, direction) is timed in
blocks of calls long enough to read the clock (``number``, calibrated once, which also warms
up), repeated with the codecs' order rotating; the garbage collector stays on, as in a server.

``run()`` generates the stubs with the idlc command into a scratch folder and measures in a
fresh process (``python -m bench.wire_codecs SPEC``): the runner's process holds the other
scenarios' objects, which every full collection would walk.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.common import BENCH_DIR, emit, load_generated
from bench.procs import ROOT
from bench.stubs import have, idlc_command

IDL = BENCH_DIR / "ndr_bench.idl"
PACKAGE = "ndrbenchgen"
CODECS = ("impacket", "ndr", "msgpack")
REQUESTS = ("big", "small")
COUNT = 1000  # records in the big request
# (repetitions, seconds a timed block lasts at least)
FULL = (7, 0.1)
QUICK = (2, 0.02)

PING_ARGS = (-123_456, 4_000_000_000, -(2**40) - 3, 3.25, 65535)
WORDS = ("café", "Zürich", "node", "日本", "ab", "réseau")  # even lengths: odd strings below


@dataclass(frozen=True, slots=True)
class Codec:
    """One codec on one request: ``encode()`` makes the request's octets, ``decode(data)``
    returns what the server's stub hands on (the tuple of [in] values)."""

    encode: Callable[[], bytes]
    decode: Callable[[bytes], object]


def submit_values(m: ModuleType, n: int) -> list[Any]:
    """``n`` records: every 10th name null, every 3rd score null, kinds alternating between
    the union's number and text arms (one text in 10 null). Every string has an odd length,
    so no alignment gap follows it (see ndr_bench.idl)."""
    out = []
    for i in range(n):
        name = None if i % 10 == 9 else f"{WORDS[i % len(WORDS)]}-{i:04d}"
        score = None if i % 3 == 0 else (i * 37) % 1000 - 500
        kind = 1 if i % 2 == 0 else 2
        value: object
        if kind == 1:
            value = i * 1000 - 7
        else:
            value = None if i % 10 == 5 else f"note {i:04d}" + "!" * (2 * (i % 3))
        out.append(m.RECORD(1_000_000 + i, name, score, i & 0xFFFF, i % 7 - 3, kind, value))
    return out


def codecs(m: ModuleType, n: int, with_impacket: bool) -> dict[str, dict[str, Codec]]:
    """request -> codec name -> the codec on the benchmark's values of that request."""
    from idlrt.wire.msgpack import new_packer, pack_payload, unpack_payload

    packer = new_packer()
    records = submit_values(m, n)
    out: dict[str, dict[str, Codec]] = {"big": {}, "small": {}}
    if with_impacket:
        from bench import ndr_impacket as imp

        record = m.RECORD
        out["big"]["impacket"] = Codec(
            lambda: imp.encode_submit(n, records), lambda d: imp.decode_submit(d, record)
        )
        out["small"]["impacket"] = Codec(
            lambda: imp.encode_ping(*PING_ARGS), lambda d: imp.decode_ping(d)
        )
    ndr_submit_cin, ndr_submit_sin = m._ndr_NdrBench_Submit_cin, m._ndr_NdrBench_Submit_sin
    ndr_ping_cin, ndr_ping_sin = m._ndr_NdrBench_Ping_cin, m._ndr_NdrBench_Ping_sin
    out["big"]["ndr"] = Codec(lambda: ndr_submit_cin(n, records), lambda d: ndr_submit_sin(d))
    out["small"]["ndr"] = Codec(lambda: ndr_ping_cin(*PING_ARGS), lambda d: ndr_ping_sin(d))
    mp_submit_cin, mp_submit_sin = m._NdrBench_Submit_cin, m._NdrBench_Submit_sin
    mp_ping_cin, mp_ping_sin = m._NdrBench_Ping_cin, m._NdrBench_Ping_sin
    out["big"]["msgpack"] = Codec(
        lambda: pack_payload(mp_submit_cin(n, records), packer),
        lambda d: mp_submit_sin(unpack_payload(d)),
    )
    out["small"]["msgpack"] = Codec(
        lambda: pack_payload(mp_ping_cin(*PING_ARGS), packer),
        lambda d: mp_ping_sin(unpack_payload(d)),
    )
    return out


def _first_difference(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return (
        f"{len(a)} and {len(b)} octets, first difference at {at}:\n"
        f" idlc     {a[max(0, at - 16) : at + 16].hex()}\n"
        f" impacket {b[max(0, at - 16) : at + 16].hex()}"
    )


def check(cs: dict[str, dict[str, Codec]], expected: dict[str, object]) -> dict[str, Any]:
    """The benchmark of a wrong codec means nothing: impacket's octets must be idlc's NDR20
    octets, and each codec must decode its own octets to the values sent. Returns the sizes."""
    sizes: dict[str, dict[str, int]] = {}
    for request, by_codec in cs.items():
        sizes[request] = {}
        octets = {name: c.encode() for name, c in by_codec.items()}
        for name, c in by_codec.items():
            sizes[request][name] = len(octets[name])
            back = c.decode(octets[name])
            if back != expected[request]:
                raise AssertionError(f"N1 {request}: {name} decodes to another value")
        if "impacket" in octets and octets["impacket"] != octets["ndr"]:
            raise AssertionError(
                f"N1 {request}: impacket's octets are not idlc's NDR20 octets: "
                + _first_difference(octets["ndr"], octets["impacket"])
            )
    return sizes


def _per_call(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``number`` calls of ``fn``."""
    t0 = time.perf_counter()
    for _ in itertools.repeat(None, number):
        fn()
    return (time.perf_counter() - t0) / number


def _calibrate(fn: Callable[[], object], target: float) -> int:
    """The number of calls that last ``target`` seconds or more (1, 2, 5, 10, 20...)."""
    scale = 1
    while True:
        for k in (1, 2, 5):
            if _per_call(fn, k * scale) * k * scale >= target:
                return k * scale
        scale *= 10


def measure(
    cs: dict[str, dict[str, Codec]], reps: int, target: float
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """request -> codec -> encode_us / decode_us / total_us, one figure per repetition
    (total: that repetition's encode + decode)."""
    jobs: dict[tuple[str, str, str], tuple[Callable[[], object], int]] = {}
    for request, by_codec in cs.items():
        for name, c in by_codec.items():
            fns: dict[str, Callable[[], object]] = {
                "encode": c.encode,
                "decode": functools.partial(c.decode, c.encode()),  # no Python frame more
            }
            for direction, fn in fns.items():
                jobs[request, name, direction] = (fn, _calibrate(fn, target))
    out: dict[str, dict[str, dict[str, list[float]]]] = {
        request: {name: {"encode_us": [], "decode_us": [], "total_us": []} for name in by_codec}
        for request, by_codec in cs.items()
    }
    for rep in range(reps):
        for request, by_codec in cs.items():
            names = list(by_codec)
            k = rep % len(names)
            for name in names[k:] + names[:k]:
                row = out[request][name]
                us = []
                for direction in ("encode", "decode"):
                    fn, number = jobs[request, name, direction]
                    gc.collect()
                    us.append(_per_call(fn, number) * 1e6)
                    row[f"{direction}_us"].append(us[-1])
                row["total_us"].append(us[0] + us[1])
    return out


def _profile(cs: dict[str, dict[str, Codec]], out: Path, seconds: float) -> None:
    """cProfile each codec's encode + decode of each request for about ``seconds``, into
    ``out/<request>-<codec>.prof``."""
    out.mkdir(parents=True, exist_ok=True)
    for request, by_codec in cs.items():
        for name, c in by_codec.items():

            def both(c: Codec = c) -> object:
                return c.decode(c.encode())

            number = max(1, int(seconds / _per_call(both, 1)))
            prof = cProfile.Profile()
            prof.enable()
            _per_call(both, number)
            prof.disable()
            prof.dump_stats(str(out / f"{request}-{name}.prof"))


def _worker(spec: dict[str, Any]) -> None:
    """In this fresh process: check, measure and emit one record."""
    m = load_generated(spec["gen_dir"], f"{PACKAGE}.ndr_bench")
    n = int(spec["count"])
    with_impacket = have("impacket")
    cs = codecs(m, n, with_impacket)
    records = submit_values(m, n)
    expected: dict[str, object] = {"big": (n, records), "small": PING_ARGS}
    sizes = check(cs, expected)
    reps, target = spec["reps"], spec["target"]
    times = measure(cs, reps, target)
    if spec.get("profile"):
        _profile(cs, Path(spec["profile"]), 1.0)
    emit(
        {
            "count": n,
            "reps": reps,
            "target_s": target,
            "impacket": with_impacket,
            "identical": with_impacket,  # check() raised otherwise
            "bytes": sizes,
            "times": times,
        }
    )


def run(quick: bool, count: int = COUNT, profile: Path | None = None) -> dict[str, Any]:
    """N1's record: the sizes, and the microseconds per request of every codec, direction and
    repetition (``times[request][codec]["total_us"]``...)."""
    reps, target = QUICK if quick else FULL
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="idlc-bench-n1-") as tmp:
        subprocess.run([*idlc_command(), str(IDL), "-o", str(Path(tmp) / PACKAGE)], check=True)
        spec = {"gen_dir": tmp, "count": count, "reps": reps, "target": target}
        if profile is not None:
            spec["profile"] = str(profile)
        proc = subprocess.run(
            [sys.executable, "-m", "bench.wire_codecs", json.dumps(spec)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    if proc.returncode:
        raise RuntimeError(f"N1 worker failed: {proc.stderr[-3000:]}")
    record = next(
        json.loads(line[6:])
        for line in reversed(proc.stdout.splitlines())
        if line.startswith("BENCH ")
    )
    assert isinstance(record, dict)
    record["seconds"] = time.perf_counter() - t0
    return record


def median_us(record: dict[str, Any], request: str, codec: str, key: str = "total_us") -> float:
    """The median of one figure over the repetitions."""
    return float(statistics.median(record["times"][request][codec][key]))


def ratios(record: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """request -> ``impacket/ndr`` (how many times faster idlc's NDR is) and ``ndr/msgpack``
    (how many times slower than idlc's msgpack codec), from the medians of encode + decode."""
    out: dict[str, dict[str, float | None]] = {}
    for request in REQUESTS:
        by_codec = record["times"].get(request, {})
        ndr = median_us(record, request, "ndr") if "ndr" in by_codec else None
        imp = median_us(record, request, "impacket") if "impacket" in by_codec else None
        mp = median_us(record, request, "msgpack") if "msgpack" in by_codec else None
        out[request] = {
            "impacket/ndr": imp / ndr if imp and ndr else None,
            "ndr/msgpack": ndr / mp if ndr and mp else None,
        }
    return out


if __name__ == "__main__":
    _worker(json.loads(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)

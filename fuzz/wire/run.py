"""The wire fuzzer's run: a target server in another process, hostile connections against it,
health checks in between, and a report.

Connection ``i`` draws its burst from ``random.Random(f"{seed}/{i}")``: the octets sent are the
same for a seed whatever the timing. The run ends after ``messages`` messages or
``time_limit`` seconds, whichever comes first; every wait in it is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import socket
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .dce_attacks import Dce
from .msgpack_attacks import Msgpack
from .target import load_stubs

ROOT = Path(__file__).resolve().parents[2]
IDL = Path(__file__).with_name("WireFuzz.idl")
HEALTH_EVERY = 200  # connections between two health checks (of both wires)
WAIT = 10.0  # the longest any single wait of the harness lasts
EOF_WAIT = 5.0  # how long the server may take to close after our end of input
# what in the target's log means a bug of ours rather than a bad peer
BAD_LOG = re.compile(r"internal error|Traceback|Exception in callback|never retrieved")


@dataclass
class Options:
    messages: int = 20_000
    seed: int = 0
    time_limit: float = 60.0
    wire: str = "both"  # "msgpack", "dcerpc" or "both"
    concurrency: int = 32
    burst: int = 24  # mean messages per connection
    log: Path | None = None  # where the target logs (default: a temporary file)


@dataclass
class Report:
    messages: int = 0
    messages_by_wire: dict[str, int] = field(default_factory=dict)
    connections: int = 0
    seconds: float = 0.0
    messages_per_s: float = 0.0
    rss_start_kib: int = 0
    rss_warm_kib: int = 0  # after the first health checks
    rss_peak_kib: int = 0
    rss_end_kib: int = 0
    # (messages sent, RSS in KiB) at each health check, thinned to at most 21 points
    rss_samples: list[tuple[int, int]] = field(default_factory=list)
    internal_errors: int = 0  # lines of the target's log that BAD_LOG matches
    log_examples: list[str] = field(default_factory=list)
    log_lines: int = 0
    health_checks: int = 0
    health_failures: list[str] = field(default_factory=list)
    not_closed_after_eof: int = 0  # connections the server kept open after our end of input
    harness_errors: list[str] = field(default_factory=list)  # the fuzzer's own failures
    calls_in_progress: int = -1
    connections_left: int = -1
    context_handles_left: int = -1
    parked_left: int = -1
    calls_served: int = 0
    rundowns: int = 0
    decoder_surprises: dict[str, int] = field(default_factory=dict)
    target_exit: int | None = None

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_end_kib - self.rss_start_kib

    def clean(self) -> bool:
        """What a run must end with: no bug seen, nothing left behind."""
        return (
            self.internal_errors == 0
            and not self.health_failures
            and self.not_closed_after_eof == 0
            and not self.harness_errors
            and self.calls_in_progress == 0
            and self.connections_left == 0
            and self.context_handles_left == 0
            and self.parked_left == 0
            and self.target_exit == 0
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rss_growth_kib": self.rss_growth_kib, "clean": self.clean()}

    def summary(self) -> str:
        mib = 1024
        lines = [
            f"messages          {self.messages} {self.messages_by_wire}",
            f"connections       {self.connections}",
            f"time              {self.seconds:.1f} s, {self.messages_per_s:.0f} messages/s",
            f"server RSS        {self.rss_start_kib / mib:.1f} MiB at start, "
            f"{self.rss_warm_kib / mib:.1f} after warm-up, {self.rss_peak_kib / mib:.1f} peak, "
            f"{self.rss_end_kib / mib:.1f} at the end "
            f"(growth {self.rss_growth_kib / mib:+.1f} MiB)",
            "RSS by messages   "
            + ", ".join(f"{n // 1000}k: {kib / mib:.0f}" for n, kib in self.rss_samples),
            f"internal errors   {self.internal_errors} (log: {self.log_lines} lines)",
            f"health checks     {self.health_checks}, failures {len(self.health_failures)}",
            f"left at the end   {self.calls_in_progress} calls in progress, "
            f"{self.connections_left} connections, {self.context_handles_left} context handles, "
            f"{self.parked_left} parked",
            f"not closed on EOF {self.not_closed_after_eof}",
            f"calls served      {self.calls_served}, rundowns {self.rundowns}",
            f"decoder surprises {self.decoder_surprises or 0}",
            f"verdict           {'clean' if self.clean() else 'NOT CLEAN'}",
        ]
        lines += [f"  health: {f}" for f in self.health_failures[:10]]
        lines += [f"  harness: {e}" for e in self.harness_errors]
        lines += [f"  log: {line}" for line in self.log_examples]
        return "\n".join(lines)


def compile_stubs(out: Path) -> Path:
    """Compile WireFuzz.idl with idlc (in-process) into the package ``out/gen_wirefuzz``."""
    from idlc.cli import main as idlc

    gen = out / "gen_wirefuzz"
    status = idlc([str(IDL), "-o", str(gen)])
    if status != 0:
        raise RuntimeError(f"idlc exited {status} for {IDL}")
    return gen


class Target:
    """The server process: its port, its stats and its RSS."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port
        self.binding = f"ncacn_ip_tcp:127.0.0.1[{port}]"

    @classmethod
    async def start(cls, gen: Path, log: Path) -> Target:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), str(ROOT / "runtime"), env.get("PYTHONPATH", "")) if p
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fuzz.wire.target",
            str(gen),
            str(log),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        if not line.startswith(b"PORT "):
            proc.kill()
            raise RuntimeError(f"the target did not start: {line!r}")
        return cls(proc, int(line.split()[1]))

    async def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"stats\n")
        line = await asyncio.wait_for(self.proc.stdout.readline(), WAIT)
        return json.loads(line)  # type: ignore[no-any-return]

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    async def stop(self) -> int | None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            return await asyncio.wait_for(self.proc.wait(), WAIT)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            return None


class Fuzzer:
    def __init__(self, options: Options, m: Any, target: Target, report: Report) -> None:
        self.o = options
        self.m = m
        self.target = target
        self.report = report
        self.wires: dict[str, Any] = {}
        self.samples: list[tuple[int, int]] = []
        if options.wire in ("msgpack", "both"):
            self.wires["msgpack"] = Msgpack(m)
        if options.wire in ("dcerpc", "both"):
            self.wires["dcerpc"] = Dce(m)

    # -- one hostile connection ----------------------------------------------------------------

    def plan(self, index: int) -> tuple[random.Random, str, list[bytes]]:
        rng = random.Random(f"{self.o.seed}/{index}")
        wire = rng.choice(sorted(self.wires))
        length = rng.randrange(1, 2 * self.o.burst)
        return rng, wire, self.wires[wire].burst(rng, length)

    async def attack(self, rng: random.Random, messages: list[bytes]) -> None:
        data = b"".join(messages)
        pieces = rng.choice((1, 1, 2, 3, 8))
        cuts = sorted(rng.sample(range(1, len(data)), min(pieces - 1, len(data) - 1)))
        ending = rng.random()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.target.port), WAIT
        )
        drained = asyncio.ensure_future(_read_all(reader))
        try:
            for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
                writer.write(data[a:b])
                await asyncio.wait_for(writer.drain(), WAIT)
                if pieces > 2:
                    await asyncio.sleep(0)
            if ending < 0.7:  # end of input: the server closes its end
                writer.write_eof()
                done, _ = await asyncio.wait([drained], timeout=EOF_WAIT)
                if not done:
                    self.report.not_closed_after_eof += 1
            elif ending < 0.9:  # read for a moment, then close
                await asyncio.wait([drained], timeout=0.02)
            else:  # drop the connection at once (a reset)
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        except (OSError, TimeoutError):
            pass  # the server closed on us: expected after a fatal message
        finally:
            drained.cancel()
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), WAIT)

    async def guarded(self, rng: random.Random, messages: list[bytes]) -> None:
        try:
            await self.attack(rng, messages)
        except Exception as exc:  # the harness's own trouble: reported, never hidden
            if len(self.report.harness_errors) < 10:
                self.report.harness_errors.append(f"{type(exc).__name__}: {exc}")

    # -- health ---------------------------------------------------------------------------------

    async def health(self, wire: str) -> None:
        """A well-behaved client of ``wire`` checks every procedure's answer."""
        m = self.m
        self.report.health_checks += 1
        try:
            c = await m.WireFuzzAsyncClient.connect(
                self.target.binding, wire=wire, timeout=WAIT, call_timeout=WAIT
            )
            async with c:
                text = "health-" + "\u00e9x" * 500
                item = m.ITEM(7, "seven", m.POINT(-1, 2), 3, [4, 5, 6])
                checks = [
                    ("Add", await c.Add(40, 2), 42),
                    ("Echo", await c.Echo(text), text),
                    ("Sum", await c.Sum(4, [1, 2, 3, -4]), 2),
                    ("Put", tuple(await c.Put(item)), (3, item)),
                    ("Park 0", tuple(await c.Park(0)), (0, 0)),
                    ("Park 5", tuple(await c.Park(5)), (5, 5)),
                ]
                opened = await c.Open(10)
                checks.append(("Open", opened.retval, 10))
                checks.append(("Next", await c.Next(opened.h), 11))
                checks.append(("Close", tuple(await c.Close(opened.h)), (None,)))
            for name, got, expected in checks:
                if got != expected:
                    self.report.health_failures.append(f"{wire} {name}: {got!r} != {expected!r}")
        except Exception as exc:  # any failure of a well-behaved client is a finding
            self.report.health_failures.append(f"{wire}: {type(exc).__name__}: {exc}")

    async def check(self) -> None:
        await asyncio.gather(*(self.health(wire) for wire in sorted(self.wires)))
        rss = self.target.rss_kib()
        self.report.rss_peak_kib = max(self.report.rss_peak_kib, rss)
        self.samples.append((self.report.messages, rss))

    # -- the run ----------------------------------------------------------------------------------

    async def run(self) -> None:
        o, report = self.o, self.report
        start = time.monotonic()
        deadline = start + o.time_limit
        slots = asyncio.Semaphore(o.concurrency)
        running: set[asyncio.Task[None]] = set()
        checks: list[asyncio.Task[None]] = []
        warm_at = max(HEALTH_EVERY, min(2000, o.messages // o.burst // 20))
        index = 0
        while report.messages < o.messages and time.monotonic() < deadline:
            if index % HEALTH_EVERY == 0:
                checks.append(asyncio.ensure_future(self.check()))
            if index == warm_at:
                report.rss_warm_kib = self.target.rss_kib()
            rng, wire, messages = self.plan(index)
            report.messages += len(messages)
            report.messages_by_wire[wire] = report.messages_by_wire.get(wire, 0) + len(messages)
            await slots.acquire()
            task = asyncio.ensure_future(self.guarded(rng, messages))
            running.add(task)
            task.add_done_callback(running.discard)
            task.add_done_callback(lambda _: slots.release())
            index += 1
        report.connections = index
        if running:
            await asyncio.wait(running, timeout=WAIT + EOF_WAIT + 5)
        report.seconds = time.monotonic() - start
        report.messages_per_s = report.messages / report.seconds if report.seconds else 0.0
        await asyncio.wait(checks, timeout=WAIT * 3)
        await self.check()  # and once more, after the last hostile connection
        if not report.rss_warm_kib:
            report.rss_warm_kib = self.target.rss_kib()
        step = max(1, len(self.samples) // 20)
        thinned = self.samples[::step]
        report.rss_samples = thinned + [s for s in self.samples[-1:] if s is not thinned[-1]]


async def _read_all(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(OSError):
        while await reader.read(65536):
            pass


async def settle(target: Target, report: Report) -> None:
    """Wait (bounded) until the target has nothing left in progress, then record it."""
    stats: dict[str, Any] = {}
    until = time.monotonic() + WAIT
    while time.monotonic() < until:
        stats = await target.stats()
        left = (
            stats["calls_in_progress"],
            stats["connections"],
            stats["context_handles"],
            stats["parked"],
        )
        if not any(left):
            break
        await asyncio.sleep(0.1)
    report.calls_in_progress = stats["calls_in_progress"]
    report.connections_left = stats["connections"]
    report.context_handles_left = stats["context_handles"]
    report.parked_left = stats["parked"]
    report.calls_served = stats["calls_total"]
    report.rundowns = stats["rundowns"]
    report.decoder_surprises = stats["decoder_surprises"]


def scan_log(log: Path, report: Report) -> None:
    with open(log, errors="replace") as f:
        for line in f:
            report.log_lines += 1
            if BAD_LOG.search(line):
                report.internal_errors += 1
                if len(report.log_examples) < 10:
                    report.log_examples.append(line.rstrip()[:300])


async def fuzz(options: Options) -> Report:
    """Run the wire fuzzer as ``options`` say; the report says how the target fared."""
    report = Report()
    with tempfile.TemporaryDirectory(prefix="wirefuzz-") as tmp:
        gen = compile_stubs(Path(tmp))
        m = load_stubs(gen)
        log = options.log or Path(tmp) / "target.log"
        target = await Target.start(gen, log)
        try:
            await asyncio.sleep(0.2)
            report.rss_start_kib = report.rss_peak_kib = target.rss_kib()
            await Fuzzer(options, m, target, report).run()
            await settle(target, report)
            report.rss_end_kib = target.rss_kib()
            report.rss_peak_kib = max(report.rss_peak_kib, report.rss_end_kib)
        finally:
            report.target_exit = await target.stop()
        scan_log(log, report)
    return report

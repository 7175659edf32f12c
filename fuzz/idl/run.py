"""The IDL fuzzer's loop: mutate, compile in-process, classify, report.

Mutant ``i`` of a run with ``--seed S`` comes from ``random.Random(f"{S}:{i}")`` alone, so
``--seed S --only i`` makes it again whatever the count or the time limit. A finding (an exit
status other than 0 or 1, "internal error" or a traceback on stderr, an exception out of
``main``, or a compile over the per-mutant time limit) is saved under ``--crash-dir`` with its
files, the command line that replays it and the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import resource
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from .mutate import Mutant, mutate
from .seeds import CORPUS, Seed, corpus_seeds, example_seeds


class MutantTimeout(BaseException):
    """Raised by the alarm in a compile that takes too long (a BaseException: ``main`` turns
    every Exception into an internal error)."""


@dataclass
class Finding:
    index: int
    seed: str
    ops: list[str]
    kind: str  # "exit N", "internal error", "escaped", "timeout"
    detail: str  # the traceback, or stderr's end
    saved: str = ""


@dataclass
class Report:
    mutants: int = 0
    seconds: float = 0.0
    exit_codes: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    seeds: int = 0
    max_rss_mib: float = 0.0

    @property
    def rate(self) -> float:
        return self.mutants / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.exit_codes.items()))
        lines = [
            f"idl fuzz: {self.mutants} mutants of {self.seeds} seeds in {self.seconds:.1f} s "
            f"({self.rate:.1f} mutants/s), max RSS {self.max_rss_mib:.0f} MiB",
            f"exit codes: {codes or 'none'}",
            f"findings: {len(self.findings)}",
        ]
        for f in self.findings:
            lines.append(f"--- mutant {f.index} of {f.seed} {f.ops}: {f.kind} {f.saved}")
            lines.append(f.detail.rstrip())
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "mutants": self.mutants,
            "seconds": round(self.seconds, 2),
            "rate": round(self.rate, 2),
            "exit_codes": {str(k): v for k, v in sorted(self.exit_codes.items())},
            "findings": [f.__dict__ for f in self.findings],
            "seeds": self.seeds,
            "max_rss_mib": round(self.max_rss_mib, 1),
        }


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise MutantTimeout


def _write(folder: Path, seed: Seed, m: Mutant) -> list[str]:
    """The mutant's files in ``folder``; the idlc arguments that compile them."""
    folder.mkdir(parents=True)
    idl = folder / seed.idl.name
    idl.write_bytes(m.idl)
    for name, data in m.extra.items():
        (folder / name).write_bytes(data)
    argv = [str(idl), "-o", str(folder / "out"), "-I", str(seed.idl.parent)]
    for folder_in in seed.include_dirs:
        argv += ["-I", str(folder_in)]
    for define in seed.defines:
        argv += ["-D", define]
    if m.acf is not None and seed.acf is not None:
        acf = folder / seed.acf.name
        acf.write_bytes(m.acf)
        argv += ["--acf", str(acf)]
    else:
        argv.append("--no-acf")
    return argv


def _compile(argv: list[str], timeout: float) -> tuple[int | None, str, str]:
    """``idlc.cli.main(argv)``: its status (None if it did not return), its stderr, and the
    kind and traceback of anything that went wrong."""
    from idlc import cli

    err = io.StringIO()
    status: int | None = None
    problem = ""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(argv)
    except MutantTimeout:
        problem = f"timeout: no answer in {timeout:g} s\n"
    except KeyboardInterrupt:
        raise
    except BaseException:
        problem = "escaped: " + traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    text = err.getvalue()
    if not problem and (status not in (0, 1) or "internal error" in text or "Traceback" in text):
        problem = f"exit {status}: " + _traceback_of(argv, timeout) + text[-2000:]
    return status, text, problem


def _traceback_of(argv: list[str], timeout: float) -> str:
    """The traceback ``main`` turned into "internal error", by running ``_main`` again."""
    from idlc import cli

    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            cli._main(argv)
    except BaseException:
        return traceback.format_exc(limit=-12)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return ""


def _save(crash_dir: Path, folder: Path, index: int, argv: list[str], finding: Finding) -> str:
    target = crash_dir / f"{Path(finding.seed).stem}-{index}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("out"))
    replay = [a.replace(str(folder), str(target)) for a in argv]
    (target / "command.sh").write_text("idlc " + shlex.join(replay) + "\n")
    (target / "finding.txt").write_text(f"{finding.kind}\n{finding.ops}\n{finding.detail}\n")
    return str(target)


def fuzz(
    seeds: list[Seed],
    *,
    count: int,
    seed: int = 0,
    time_limit: float = 0.0,
    timeout: float = 30.0,
    crash_dir: Path | None = None,
    only: int | None = None,
    progress: bool = False,
) -> Report:
    """Compile ``count`` mutants (or those made within ``time_limit`` seconds, when set)."""
    from idlc.pipeline import cache

    report = Report(seeds=len(seeds))
    if not seeds:
        return report
    previous = signal.signal(signal.SIGALRM, _alarm)
    start = last = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="idlfuzz-") as tmp:
            root = Path(tmp)
            for index in range(count) if only is None else [only]:
                now = time.monotonic()
                if time_limit and now - start > time_limit:
                    break
                if progress and now - last > 10:
                    last = now
                    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    rate = index / (now - start)
                    line = f"  {index} mutants, {rate:.1f}/s, max RSS {rss:.0f} MiB"
                    print(line, file=sys.stderr)
                rng = random.Random(f"{seed}:{index}")
                base, donor = rng.choice(seeds), rng.choice(seeds)
                m = mutate(rng, base, donor)
                folder = root / f"m{index}"
                argv = _write(folder, base, m)
                status, _, problem = _compile(argv, timeout)
                report.mutants += 1
                if status is not None:
                    report.exit_codes[status] += 1
                if problem:
                    kind, _, detail = problem.partition(": ")
                    finding = Finding(index, base.label, m.ops, kind, detail)
                    if crash_dir is not None:
                        finding.saved = _save(crash_dir, folder, index, argv, finding)
                    report.findings.append(finding)
                shutil.rmtree(folder, ignore_errors=True)
                cache.forget(root)
    finally:
        signal.signal(signal.SIGALRM, previous)
    report.seconds = time.monotonic() - start
    report.max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fuzz.idl", description=__doc__)
    p.add_argument("--count", type=int, default=1000, help="mutants to compile (1000)")
    p.add_argument("--seed", type=int, default=0, help="the run's random seed (0)")
    p.add_argument("--time-limit", type=float, default=0.0, help="stop after T s (0: none)")
    p.add_argument("--timeout", type=float, default=30.0, help="per mutant, in s (30)")
    p.add_argument("--only", type=int, help="compile mutant I of the seed only (to replay)")
    p.add_argument("--corpus", type=Path, default=CORPUS, help=f"the corpus ({CORPUS})")
    p.add_argument("--no-corpus", action="store_true", help="the examples only")
    p.add_argument("--max-seed-kib", type=float, help="only seeds of at most this size")
    p.add_argument("--crash-dir", type=Path, default=Path("fuzz-crashes"))
    p.add_argument("--json", type=Path, help="write the report as JSON here")
    p.add_argument("--progress", action="store_true", help="a line every 10 s on stderr")
    args = p.parse_args(argv)
    seeds = example_seeds() + ([] if args.no_corpus else corpus_seeds(args.corpus))
    if args.max_seed_kib is not None:
        seeds = [s for s in seeds if s.idl.stat().st_size <= args.max_seed_kib * 1024]
    if not args.no_corpus and not corpus_seeds(args.corpus):
        print(f"idl fuzz: no corpus at {args.corpus}: the examples only", file=sys.stderr)
    report = fuzz(
        seeds,
        count=args.count,
        seed=args.seed,
        time_limit=args.time_limit,
        timeout=args.timeout,
        crash_dir=args.crash_dir,
        only=args.only,
        progress=args.progress,
    )
    print(report.summary())
    if args.json is not None:
        args.json.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return 1 if report.findings else 0

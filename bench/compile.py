"""S6: the compiler's start-up and its throughput over the visible corpus, beside widl's.

Start-up: ``idlc bench.idl`` in a fresh process, several times. Corpus: every recipe of
``../shared/corpus/recipes.tsv`` (its include dirs, defines, ``--acf`` or ``--no-acf``) compiled
in ONE process (``python -m bench.compile corpus CORPUS OUT [LIMIT]``), timed inside it and as a
whole process, with the time of each stage (``idlc.pipeline.timing``: preprocess, parse, lower with
its checks, generate, write) and lines per second (the distinct source lines read). widl
(``x86_64-w64-mingw32-widl``, mingw-w64-tools), when installed, does the same work one process
per recipe (it is a C program: start-up costs it nothing).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import IDL, emit
from bench.stubs import idlc_command

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
WIDL = "x86_64-w64-mingw32-widl"
EXPECTED = {"accept", "accept-unverified", "reject", "skip"}  # as tests/corpus runs them


@dataclass(frozen=True, slots=True)
class Recipe:
    idl: str
    acf: str
    include_dirs: tuple[str, ...]
    defines: tuple[str, ...]


def recipes(corpus: Path, limit: int | None = None) -> list[Recipe]:
    """The corpus rows idlc is run on, in file order (the first ``limit`` only, if given)."""
    with (corpus / "recipes.tsv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["expected"] in EXPECTED]
    out = [
        Recipe(
            r["idl"],
            r["acf"],
            tuple(d for d in r["include_dirs"].split(",") if d),
            tuple(d for d in r["defines"].split(",") if d),
        )
        for r in rows
    ]
    return out[:limit] if limit else out


def idlc_argv(r: Recipe, out: Path) -> list[str]:
    args = [r.idl, "-o", str(out)]
    for d in r.include_dirs:
        args += ["-I", d]
    for d in r.defines:
        args += ["-D", d]
    return args + (["--acf", r.acf] if r.acf else ["--no-acf"])


def widl_argv(r: Recipe, corpus: Path) -> list[str]:
    args = [WIDL, "-h", "-c", "-s"]
    for d in r.include_dirs:
        args += ["-I", str(corpus / d)]
    for d in r.defines:
        args += ["-D", d]
    if r.acf:
        args.append(f"--acf={corpus / r.acf}")
    return [*args, str(corpus / r.idl)]


def _corpus_worker(corpus: Path, out: Path, limit: int | None) -> None:
    """In this one process: compile every recipe; emit the time and the exit statuses."""
    t_import = time.perf_counter()
    from idlc.cli import main as idlc_main
    from idlc.pipeline import timing
    from idlc.preprocess.tokens import lines_read

    os.chdir(corpus)
    timing.reset()
    # As `idlc a.idl b.idl ...` does for its whole run (idlc.cli.main): no cycle collection
    # between the recipes either. Re-enabled between them, the collector walked everything each
    # run had added to the process-wide caches: 85 collections, 0.25 s over the corpus.
    gc.disable()
    t0 = time.perf_counter()
    statuses: dict[str, int] = {}
    for i, r in enumerate(recipes(corpus, limit)):
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            rc = idlc_main(idlc_argv(r, out / f"r{i}"))
        statuses[str(rc)] = statuses.get(str(rc), 0) + 1
    t1 = time.perf_counter()
    emit(
        {
            "import_s": t0 - t_import,
            "compile_s": t1 - t0,
            "stages_s": dict(timing.seconds),
            "lines": lines_read(),
            "statuses": statuses,
        }
    )


def _timed(argv: list[str], cwd: Path | None = None) -> tuple[float, int]:
    t0 = time.perf_counter()
    rc = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=300).returncode
    return time.perf_counter() - t0, rc


def _record(line: str) -> dict[str, object]:
    import json

    for text in reversed(line.splitlines()):
        if text.startswith("BENCH "):
            value: dict[str, object] = json.loads(text[6:])
            return value
    raise RuntimeError("no record from the corpus worker")


def _compile_bytecode() -> None:
    """Write idlc's bytecode, as installing it does (pip compiles what it installs): an editable
    install under PYTHONDONTWRITEBYTECODE (set on some CI machines) would otherwise compile
    every module at every start, about 70 ms that no installed copy pays."""
    import idlc

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    folder = str(Path(idlc.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", folder], env=env, check=False)


def run(quick: bool, corpus: Path = CORPUS) -> dict[str, object]:
    """S6's numbers: start-up times (seconds, one per run) and corpus times."""
    starts = 2 if quick else 7
    reps = 1 if quick else 3
    limit = 4 if quick else None
    have_widl = shutil.which(WIDL) is not None
    result: dict[str, object] = {"widl": have_widl}
    _compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="idlc-bench-s6-") as tmp:
        scratch = Path(tmp)
        idlc_starts, widl_starts = [], []
        for i in range(starts):
            idlc_starts.append(_timed([*idlc_command(), str(IDL), "-o", str(scratch / "s")])[0])
            if have_widl:
                widl_starts.append(_timed([WIDL, "-h", "-c", "-s", str(IDL)], scratch)[0])
            if i == 0 and not quick:  # the first run fills the page cache: not "cold" start-up
                idlc_starts.clear()
                widl_starts.clear()
        result["idlc_start_s"] = idlc_starts
        result["widl_start_s"] = widl_starts
        if not corpus.is_dir():
            result["corpus"] = None
            return result
        rows = recipes(corpus, limit)
        result["corpus_rows"] = len(rows)
        in_process, whole, widl_total = [], [], []
        stages: list[dict[str, float]] = []
        statuses: object = None
        lines = 0
        for k in range(reps):
            out = scratch / f"c{k}"
            argv = [sys.executable, "-m", "bench.compile", "corpus", str(corpus), str(out)]
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*argv, str(limit or 0)], capture_output=True, text=True, timeout=600
            )
            whole.append(time.perf_counter() - t0)
            if proc.returncode:
                raise RuntimeError(f"corpus worker failed: {proc.stderr[-2000:]}")
            rec = _record(proc.stdout)
            in_process.append(float(rec["compile_s"]))  # type: ignore[arg-type]
            stages.append(rec["stages_s"])  # type: ignore[arg-type]
            lines = int(rec["lines"])  # type: ignore[call-overload]
            statuses = rec["statuses"]
            if have_widl:
                wdir = scratch / f"w{k}"
                wdir.mkdir()
                widl_total.append(sum(_timed(widl_argv(r, corpus), wdir)[0] for r in rows))
        result.update(
            corpus_compile_s=in_process,
            corpus_process_s=whole,
            corpus_statuses=statuses,
            corpus_stages_s=stages,
            corpus_lines=lines,
            widl_corpus_s=widl_total,
        )
    return result


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


if __name__ == "__main__" and sys.argv[1:2] == ["corpus"]:
    _corpus_worker(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]) or None)
    sys.stdout.flush()
    os._exit(0)  # as the idlc command ends (idlc.cli.run): no teardown of the caches

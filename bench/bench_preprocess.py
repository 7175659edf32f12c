"""Time the preprocessor over the real-world corpus (../shared/corpus), optionally against pcpp.

Each recipe row of recipes.tsv is preprocessed with its include dirs and defines, and so is
every file it imports (``import "x.idl";``, found as the compiler finds it), as a compiler run
over the corpus would. Usage::

    .venv/bin/python bench/bench_preprocess.py [--corpus DIR] [--pcpp] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from idlc.diagnostics import DiagnosticSink
from idlc.preprocess.preprocessor import parse_define, preprocess

IMPORT = re.compile(r'\bimport\s+((?:"[^"]*"\s*,?\s*)+);')


def recipes(corpus: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    rows: list[tuple[str, list[str], dict[str, str]]] = []
    listed: set[str] = set()
    with open(corpus / "recipes.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            dirs = [d for d in row["include_dirs"].split(",") if d]
            defines = dict(parse_define(d) for d in row["defines"].split(",") if d)
            rows.append((row["idl"], dirs, defines))
            listed.add(row["idl"])
    for p in sorted(corpus.rglob("*")):
        rel = p.relative_to(corpus).as_posix()
        if p.suffix.lower() == ".idl" and rel not in listed and not rel.startswith("aliases/"):
            rows.append((rel, [os.path.dirname(rel) or ".", "sys"], {"__midl": "801"}))
    return rows


def find(name: str, including: str, dirs: list[str]) -> str | None:
    for d in [os.path.dirname(including), *dirs]:
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def run_idlc(rows: list[tuple[str, list[str], dict[str, str]]]) -> tuple[int, int, int, float]:
    files = lines = errors = 0
    spent = 0.0
    for idl, dirs, defines in rows:
        todo, done = [idl], set()
        while todo:
            path = todo.pop()
            if path in done:
                continue
            done.add(path)
            sink = DiagnosticSink()
            t0 = time.perf_counter()
            result = preprocess(
                Path(path), include_dirs=[Path(d) for d in dirs], defines=defines, sink=sink
            )
            spent += time.perf_counter() - t0
            files += 1
            lines += result.text.count("\n")
            errors += sink.error_count
            for m in IMPORT.finditer(result.text):
                for name in re.findall(r'"([^"]*)"', m.group(1)):
                    found = find(name, path, dirs)
                    if found:
                        todo.append(found)
    return files, lines, errors, spent


def run_pcpp(rows: list[tuple[str, list[str], dict[str, str]]]) -> tuple[int, int, float]:
    from pcpp import Preprocessor  # type: ignore[import-untyped,import-not-found,unused-ignore]

    files = lines = 0
    spent = 0.0
    for idl, dirs, defines in rows:
        todo, done = [idl], set()
        while todo:
            path = todo.pop()
            if path in done:
                continue
            done.add(path)
            t0 = time.perf_counter()
            pp = Preprocessor()
            pp.line_directive = None
            pp.passthru_unfound_includes = True
            for d in [os.path.dirname(path), *dirs]:
                pp.add_path(d)
            for k, v in defines.items():
                pp.define(f"{k} {v}")
            with open(path, encoding="utf-8", errors="replace") as f:
                pp.parse(f.read(), path)
            out = io.StringIO()
            pp.write(out)
            text = out.getvalue()
            spent += time.perf_counter() - t0
            files += 1
            lines += text.count("\n")
            for m in IMPORT.finditer(text):
                for name in re.findall(r'"([^"]*)"', m.group(1)):
                    found = find(name, path, dirs)
                    if found:
                        todo.append(found)
    return files, lines, spent


def main() -> None:
    ap = argparse.ArgumentParser()
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
    ap.add_argument("--corpus", type=Path, default=default)
    ap.add_argument("--pcpp", action="store_true", help="also time pcpp on the same work")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.chdir(args.corpus)
    rows = recipes(Path("."))
    for k in range(args.repeat):
        files, lines, errors, spent = run_idlc(rows)
        label = "first pass" if k == 0 else "file cache warm"
        print(
            f"idlc ({label}): {len(rows)} recipes, {files} preprocess calls, "
            f"{lines} output lines, {errors} errors: {spent:.3f} s"
        )
    if args.pcpp:
        files, lines, spent = run_pcpp(rows)
        print(f"pcpp: {files} preprocess calls, {lines} output lines: {spent:.3f} s")


if __name__ == "__main__":
    main()

"""The real-world corpus: every recipe preprocesses cleanly, maps back, agrees with GCC cpp."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from idlc.diagnostics import DiagnosticSink
from idlc.preprocess.preprocessor import Preprocessed, parse_define, preprocess
from idlc.preprocess.tokens import tokenize

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

Recipe = tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]


def _recipes() -> list[Recipe]:
    if not (CORPUS / "recipes.tsv").is_file():
        return []
    rows: list[Recipe] = []
    with open(CORPUS / "recipes.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            dirs = tuple(d for d in row["include_dirs"].split(",") if d)
            defines = tuple(parse_define(d) for d in row["defines"].split(",") if d)
            recipe = (row["idl"], dirs, defines)
            if recipe not in rows:
                rows.append(recipe)
    listed = {r[0] for r in rows}
    for p in sorted(CORPUS.rglob("*")):  # files only ever imported: compile them on their own
        rel = p.relative_to(CORPUS).as_posix()
        if p.suffix.lower() == ".idl" and rel not in listed and not rel.startswith("aliases/"):
            rows.append((rel, ("sys",), (("__midl", "801"),)))
    return rows


RECIPES = _recipes()


@pytest.fixture
def in_corpus(monkeypatch: pytest.MonkeyPatch) -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    monkeypatch.chdir(CORPUS)
    return CORPUS


def _run(recipe: Recipe) -> tuple[Preprocessed, DiagnosticSink]:
    idl, dirs, defines = recipe
    sink = DiagnosticSink()
    pre = preprocess(
        Path(idl), include_dirs=[Path(d) for d in dirs], defines=dict(defines), sink=sink
    )
    return pre, sink


def test_corpus_is_listed() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    assert len(RECIPES) > 100


@pytest.mark.parametrize("recipe", RECIPES, ids=[f"{r[0]}|{','.join(r[1])}" for r in RECIPES])
def test_corpus_file_preprocesses(in_corpus: Path, recipe: Recipe) -> None:
    pre, sink = _run(recipe)
    assert pre.files[0] == recipe[0]
    # The corpus has no preprocessor errors except headers it does not ship.
    for d in sink.diagnostics:
        if d.severity == "error":
            assert d.message == "cannot open include file 'server_defines.h'", sink.render(d)
    # Every non-blank output line maps to a real line of a file that was read.
    lines = {
        f: Path(f).read_text(encoding="utf-8", errors="replace").split("\n") for f in pre.files
    }
    for n, text in enumerate(pre.text.split("\n"), 1):
        if text.strip():
            span = pre.span(n, len(text) - len(text.lstrip()) + 1)
            assert span.file in lines
            assert 1 <= span.line <= len(lines[span.file])


@pytest.mark.skipif(shutil.which("cpp") is None, reason="GCC's cpp is not installed")
@pytest.mark.parametrize("recipe", RECIPES, ids=[f"{r[0]}|{','.join(r[1])}" for r in RECIPES])
def test_corpus_agrees_with_gcc_cpp(in_corpus: Path, recipe: Recipe) -> None:
    idl, dirs, defines = recipe
    args = ["cpp", "-x", "c", "-std=gnu99", "-undef", "-nostdinc", "-P", "-w"]
    for d in dirs:
        args += ["-I", d]
    args += [f"-D{k}={v.strip()}" for k, v in defines]
    gcc = subprocess.run([*args, idl], capture_output=True, text=True, errors="replace")
    ours, sink = _run(recipe)
    if gcc.returncode != 0:
        # cpp refuses it (a header the corpus does not ship): so must we, with a diagnostic.
        assert sink.error_count > 0, gcc.stderr
        return

    def words(text: str) -> list[str]:
        text = text.replace("\x1a", "")  # GCC passes the DOS EOF mark through; MIDL stops there
        keep = (line for line in text.split("\n") if not line.lstrip().startswith("#pragma"))
        return [t.text for line in keep for t in tokenize(line)]

    assert words(ours.text) == words(gcc.stdout)

"""Every row of the real-world corpus through the front end (not the generator).

``accept``/``accept-unverified`` rows must compile without errors; ``reject``/``skip`` rows must
produce diagnostics; no row may raise. The corpus's ``aliases/`` holds link files (a relative path
as text); they are materialised as real symlinks in a temporary folder.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from idlc.diagnostics import DiagnosticSink
from idlc.frontend import FrontEnd, Options

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ROWS = (
    [
        r
        for r in csv.DictReader((CORPUS / "recipes.tsv").open(), delimiter="\t")
        if r["expected"] != "n/a"
    ]
    if (CORPUS / "recipes.tsv").is_file()
    else []
)

# Rows whose expectation no MIDL reading can meet with the files in the corpus: each names a type
# declared nowhere in its import closure (NTSTATUS, LUID, HRESULT, LPSERVER_INFO_100...), imports
# a dtyp.idl that the `reject` rows say is broken (BYTE redefined), or contains a non-MIDL struct
# member initialiser (go-msrpc's dcom.idl). They must still fail cleanly, with diagnostics.
KNOWN_GAPS = {
    ("com/ms-openspecs-go-msrpc/idl/oaidl.idl", "aliases"),
    ("com/ms-openspecs-go-msrpc/idl/oaidl.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/brwsa.idl", "aliases"),
    ("ms-openspecs-go-msrpc/idl/brwsa.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/capr.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/even.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/lsad.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/lsat.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/nrpc.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/par.idl", "aliases"),
    ("ms-openspecs-go-msrpc/idl/par.idl", "aliases/alt-dtyp"),
    ("ms-openspecs-go-msrpc/idl/samr.idl", "aliases/alt-dtyp"),
}


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus-links")
    for f in (CORPUS / "aliases").rglob("*.idl"):
        dst = root / f.relative_to(CORPUS)
        dst.parent.mkdir(parents=True, exist_ok=True)
        target = (f.parent / f.read_text(encoding="utf-8").strip()).resolve()
        os.symlink(target if target.is_file() else f, dst)
    return root


def _define(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name, value if "=" in text else "1"


@pytest.mark.skipif(not ROWS, reason="../shared/corpus is not present")
@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{r['idl']}|{r['include_dirs'].split(',')[0]}|{r['acf']}" for r in ROWS]
)
def test_corpus_row(row: dict[str, str], links: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    dirs = [d for d in row["include_dirs"].split(",") if d]
    options = Options(
        include_dirs=tuple(links / d if d.startswith("aliases") else Path(d) for d in dirs),
        defines=tuple(_define(d) for d in row["defines"].split(",") if d),
        acf=Path(row["acf"]) if row["acf"] else None,
        no_acf=not row["acf"],
    )
    sink = DiagnosticSink()
    FrontEnd(options, sink).compile(Path(row["idl"]))
    rendered = "\n".join(sink.render(d) for d in sink.diagnostics)
    known_gap = (row["idl"], dirs[0] if dirs else "") in KNOWN_GAPS
    if row["expected"] in ("accept", "accept-unverified") and not known_gap:
        assert sink.error_count == 0, rendered
    else:
        assert sink.diagnostics, "expected diagnostics"

"""Helpers shared by the test packages: repository paths and compiling IDL into importable code."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

# Corpus rows marked accept-unverified that idlc refuses, each with a real error in the files
# the corpus provides: a type no imported file declares (NTSTATUS, LUID and HRESULT are missing
# from the ms-dtyp.idl that alt-dtyp links to; LPSERVER_INFO_100 is declared nowhere), the BYTE
# redefinition in go-msrpc's dtyp.idl (the reject rows require it to be an error: bkrp, adts
# and others differ from their accepted twins only by it), or a struct member with an
# initialiser in go-msrpc's dcom.idl (oaidl). Keyed by (idl, first include folder).
KNOWN_GAPS = frozenset(
    {
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
)


def compile_package(idl: Path, outdir: Path, *args: str) -> None:
    """Run ``idlc IDL -o OUTDIR ARGS...`` in-process; fail with its exit status otherwise."""
    from idlc.cli import main

    status = main([str(idl), "-o", str(outdir), *args])
    if status != 0:
        raise AssertionError(f"idlc exited {status} for {idl}")


def import_generated(outdir: Path, module: str) -> ModuleType:
    """Import ``module`` from the generated package OUTDIR (its parent goes on sys.path)."""
    parent = str(outdir.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    importlib.invalidate_caches()
    return importlib.import_module(f"{outdir.name}.{module}")

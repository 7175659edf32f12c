"""Helpers shared by the test packages: repository paths and compiling IDL into importable code."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

# The wire the running test's clients speak, "msgpack" or "dcerpc": set by the ``wire`` fixture
# (tests/conftest.py) for the tests that run once per wire.
WIRE = "msgpack"


def on_wire(binding: str) -> str:
    """``binding`` (a TCP string binding) with the running test's wire as its option."""
    import idlrt

    return str(dataclasses.replace(idlrt.Binding.parse(binding), wire=WIRE))


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


def sending(proc: Any, payload: object, ndr: bytes | None = None) -> Any:
    """``proc`` (an ``idlrt.Procedure``) with its client encoder replaced: a call sends
    ``payload`` as the msgpack wire's argument list, unchecked, whatever the arguments; and
    ``ndr``, if given, as the DCE/RPC wire's stub octets."""
    if ndr is None:
        return dataclasses.replace(proc, encode_in=lambda *_: payload)
    return dataclasses.replace(proc, encode_in=lambda *_: payload, ndr_encode_in=lambda *_: ndr)

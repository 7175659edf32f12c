"""The pipe tests' stubs: what idlc generates from idl/PipeKinds.idl (every kind of routine,
pipes around a ``handle_t`` and ordinary arguments) and idl/Pipes.idl (the compiler side's
interface of pipes), compiled once per test session into a temporary directory.

The client classes connect over the running test's wire (``support.WIRE``), as calc_stubs'.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from calc_stubs import _AsyncOnTestWire, _BlockingOnTestWire

import idlrt
from support import compile_package, import_generated

IDL = Path(__file__).resolve().parent / "idl"


def _compile() -> tuple[Any, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="idlrt-test-pipe-stubs-"))
    atexit.register(shutil.rmtree, tmp, True)
    out = tmp / "rt_pipe_stubs"
    for name in ("PipeKinds", "Pipes"):
        compile_package(IDL / f"{name}.idl", out)
    return import_generated(out, "pipekinds"), import_generated(out, "pipes")


_kinds, _pipes = _compile()

# --- interface PipeKinds --------------------------------------------------------------------

PIPES: idlrt.Interface = _kinds._PipeKinds_INTERFACE
BYTE_PIPE = _kinds.BYTE_PIPE
LONG_PIPE = _kinds.LONG_PIPE
PAIR = _kinds.PAIR
PAIR_PIPE = _kinds.PAIR_PIPE
SumResult = _kinds.SumResult
SumHandle = _kinds.SumHandle
PipesManager: Any = _kinds.PipeKindsManager


class PipesAsyncClient(_AsyncOnTestWire, _kinds.PipeKindsAsyncClient):  # type: ignore[misc,name-defined]
    pass


class PipesClient(_BlockingOnTestWire, _kinds.PipeKindsClient):  # type: ignore[misc,name-defined]
    pass


# --- interface Pipes (idl/Pipes.idl) -----------------------------------------------------------

ITEM = _pipes.ITEM
PipesSumResult = _pipes.SumResult
PipesSumHandle = _pipes.SumHandle
CompilerPipesManager: Any = _pipes.PipesManager


class CompilerPipesAsyncClient(_AsyncOnTestWire, _pipes.PipesAsyncClient):  # type: ignore[misc,name-defined]
    pass


class CompilerPipesClient(_BlockingOnTestWire, _pipes.PipesClient):  # type: ignore[misc,name-defined]
    pass

"""The pipe tests' stubs for interface Pipes (idl/Pipes.idl).

Until idlc generates pipes they come from pipes_hand.py, written by hand to the shape the
compiler will generate; then this module compiles idl/Pipes.idl as calc_stubs.py does. The
client classes connect over the running test's wire (``support.WIRE``).
"""

from __future__ import annotations

from typing import Any

import pipes_hand as _pipes
from calc_stubs import _AsyncOnTestWire, _BlockingOnTestWire

import idlrt

PIPES: idlrt.Interface = _pipes._Pipes_INTERFACE
BYTE_PIPE = _pipes.BYTE_PIPE
LONG_PIPE = _pipes.LONG_PIPE
PAIR = _pipes.PAIR
PAIR_PIPE = _pipes.PAIR_PIPE
SumResult = _pipes.SumResult
SumHandle = _pipes.SumHandle
PipesManager: Any = _pipes.PipesManager
P_Upload, P_Download, P_Copy, P_Sum, P_Pairs, P_Plain = PIPES.procedures


class PipesAsyncClient(_AsyncOnTestWire, _pipes.PipesAsyncClient):  # type: ignore[misc]
    pass


class PipesClient(_BlockingOnTestWire, _pipes.PipesClient):  # type: ignore[misc]
    pass

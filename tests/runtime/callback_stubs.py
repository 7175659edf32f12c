"""The stubs of idl/Callbacks.idl (interface Callbacks: [callback] procedures) for the runtime
tests, compiled once per test session as calc_stubs does. The clients speak the running test's
wire (``support.WIRE``) unless told otherwise.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import idlrt
import support
from support import compile_package, import_generated


def _compile() -> Any:
    tmp = Path(tempfile.mkdtemp(prefix="idlrt-test-callbacks-"))
    atexit.register(shutil.rmtree, tmp, True)
    out = tmp / "cb_stubs"
    compile_package(Path(__file__).resolve().parent / "idl" / "Callbacks.idl", out)
    return import_generated(out, "callbacks")


_cb = _compile()

CALLBACKS: idlrt.Interface = _cb._Callbacks_INTERFACE
AskResult = _cb.AskResult
FillResult = _cb.FillResult
GatherResult = _cb.GatherResult
LaterHandle = _cb.LaterHandle
Manager = _cb.CallbacksManager
Callbacks = _cb.CallbacksCallbacks
CallbackClient = _cb.CallbacksCallbackClient
(P_Count, P_Quiz, P_Gather, P_Inner, P_Later, P_Tick, P_Ask, P_Fill, P_Nest) = CALLBACKS.procedures


class AsyncClient(_cb.CallbacksAsyncClient):
    @classmethod
    async def connect(cls, binding: str, **kwargs: Any) -> Any:
        kwargs.setdefault("wire", support.WIRE)
        return await super().connect(binding, **kwargs)


class Client(_cb.CallbacksClient):
    @classmethod
    def connect(cls, binding: str, **kwargs: Any) -> Any:
        kwargs.setdefault("wire", support.WIRE)
        return super().connect(binding, **kwargs)

"""The stubs of idl/Callbacks.idl (interface Callbacks: [callback] procedures) for the runtime
tests.

Until idlc on main generates [callback] procedures they come from callbacks_handwritten.py,
of the generated shape of /work/spec19.md; then this module compiles the IDL as calc_stubs
does. The clients speak the running test's wire (``support.WIRE``) unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import callbacks_handwritten as _cb

import idlrt
import support

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

"""The stubs of idl/Callbacks.idl (interface Relay: [callback] procedures) for the runtime
tests.

Until idlc generates [callback] procedures, they come from relay_handwritten.py, written to
the generated shape of /work/spec19.md; then this module compiles the IDL as calc_stubs does.
The clients speak the running test's wire (``support.WIRE``) unless told otherwise.
"""

from __future__ import annotations

from typing import Any

import relay_handwritten as _relay

import idlrt
import support

RELAY: idlrt.Interface = _relay._Relay_INTERFACE
AskResult = _relay.AskResult
RunLaterHandle = _relay.RunLaterHandle
RelayManager = _relay.RelayManager
RelayCallbacks = _relay.RelayCallbacks
RelayCallbackClient = _relay.RelayCallbackClient
P_Progress, P_Ask, P_Run, P_RunLater, P_Nest, P_Down = RELAY.procedures


class RelayAsyncClient(_relay.RelayAsyncClient):
    @classmethod
    async def connect(cls, binding: str, **kwargs: Any) -> Any:
        kwargs.setdefault("wire", support.WIRE)
        return await super().connect(binding, **kwargs)


class RelayClient(_relay.RelayClient):
    @classmethod
    def connect(cls, binding: str, **kwargs: Any) -> Any:
        kwargs.setdefault("wire", support.WIRE)
        return super().connect(binding, **kwargs)

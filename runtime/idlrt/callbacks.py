"""Callbacks: the bases of the generated ``<I>Callbacks`` and ``<I>CallbackClient`` classes.

PLACEHOLDER (issue 19, compiler side): only the typed names, so that generated code imports
and type-checks. The runtime's callback machinery replaces this module; a callback made
through it fails with 1764.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import ClassVar, TypeVar

from .callcontext import CallContext
from .errors import RpcError
from .model import Interface, Procedure
from .status import RPC_S_CANNOT_SUPPORT

R = TypeVar("R")


class Callbacks:
    """Base of the generated ``<I>Callbacks``: the client's implementation of the
    ``[callback]`` procedures of interface ``_idl_interface_``."""

    _idl_interface_: ClassVar[Interface]


class CallbackClient:
    """Base of the generated ``<I>CallbackClient``: calls the client's callbacks during the
    call ``ctx`` serves (placeholder: 1764)."""

    _idl_interface_: ClassVar[Interface]

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx

    async def _call(
        self, proc: Procedure[R], args: tuple[object, ...], timeout: float | None = None
    ) -> R:
        raise RpcError(RPC_S_CANNOT_SUPPORT, f"callback {proc.name}: not implemented yet")

    def wait(self, awaitable: Awaitable[R]) -> R:
        raise RpcError(RPC_S_CANNOT_SUPPORT, "CallbackClient.wait: not implemented yet")

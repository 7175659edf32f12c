"""What ``Server.register`` resolves once per manager: the registration and its procedures.
Layer 5 (server), its lowest module: imports ``callcontext`` and ``model`` (layer 4).
"""

from __future__ import annotations

import dis
import inspect
import sys
from collections.abc import Callable
from typing import Any

from .callcontext import CallContext
from .model import Interface, Procedure

SecurityCallback = Callable[[CallContext], bool]


class Registration:
    """A registered manager: its interface, security callback and resolved routines."""

    __slots__ = ("interface", "manager", "ops", "security_callback")

    def __init__(
        self, interface: Interface, manager: object, security_callback: SecurityCallback | None
    ) -> None:
        self.interface = interface
        self.manager = manager
        self.security_callback = security_callback
        self.ops: tuple[Op, ...] = ()


class Op:
    """One procedure of a registered manager, resolved once at ``register()``."""

    __slots__ = ("ctx", "fast", "fn", "inline", "is_coro", "positions", "proc", "reg")

    def __init__(
        self, proc: Procedure[Any], fn: Callable[..., Any], is_coro: bool, reg: Registration
    ) -> None:
        self.proc = proc
        self.fn = fn
        self.is_coro = is_coro
        self.reg = reg
        self.positions = tuple(sorted(proc.context_positions))
        self.ctx = proc.context_handles  # the codec's context-handle helpers need the call
        # Before 3.12 (no eager tasks), an ``async def`` routine that cannot suspend is run to
        # its end where the request is dispatched, with no Task and no extra loop pass.
        self.inline = is_coro and sys.version_info < (3, 12) and never_suspends(fn)
        # The plainest calls take dispatch's short path: an inline routine with no security
        # callback, no context handles and no ``handle_t`` parameter to fill in.
        self.fast = (
            self.inline
            and not proc.is_async
            and not self.ctx
            and not self.positions
            and reg.security_callback is None
        )


# Opcodes through which a coroutine can give control back to the event loop.
_SUSPENDING = frozenset(
    ("YIELD_VALUE", "SEND", "GET_AWAITABLE", "BEFORE_ASYNC_WITH", "GET_AITER", "GET_ANEXT")
)


def never_suspends(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` is an ``async def`` function (or bound method) without any ``await``,
    ``async with`` or ``async for``: its coroutine always finishes in its first step."""
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if code is None or not inspect.iscoroutinefunction(func):
        return False
    return not any(ins.opname in _SUSPENDING for ins in dis.get_instructions(code))

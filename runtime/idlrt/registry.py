"""What ``Server.register`` resolves once per manager: the registration and its procedures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import CallContext, Interface, Procedure

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

    __slots__ = ("ctx", "fn", "is_coro", "positions", "proc", "reg")

    def __init__(
        self, proc: Procedure[Any], fn: Callable[..., Any], is_coro: bool, reg: Registration
    ) -> None:
        self.proc = proc
        self.fn = fn
        self.is_coro = is_coro
        self.reg = reg
        self.positions = tuple(sorted(proc.context_positions))
        self.ctx = proc.context_handles  # the codec's context-handle helpers need the call

"""What ``Server.register`` resolves once per manager: the registration and its procedures.
Layer 5 (server), its lowest module: imports ``callcontext`` and ``model`` (layer 4).
"""

from __future__ import annotations

import difflib
import dis
import inspect
import sys
from collections.abc import Callable
from typing import Any

from .callcontext import CallContext
from .model import Interface, Procedure

SecurityCallback = Callable[[CallContext], bool]


class Registration:
    """A registered manager: its interface, security callback and resolved routines.
    ``debug``: the server's debug mode (a routine's exception is sent with its 1726)."""

    __slots__ = ("debug", "interface", "manager", "ops", "security_callback")

    def __init__(
        self,
        interface: Interface,
        manager: object,
        security_callback: SecurityCallback | None,
        debug: bool = False,
    ) -> None:
        self.interface = interface
        self.manager = manager
        self.security_callback = security_callback
        self.debug = debug
        self.ops: tuple[Op, ...] = ()


def routines(manager: object, iface: Interface) -> list[Callable[..., Any]]:
    """The routine of each procedure of ``iface`` (in opnum order), checked as ``register()``
    promises (docs/runtime.md, "Manager checks"): present and callable; not left as the
    generated default while the manager defines a method of nearly that name (wrong case, a
    typo); and taking the arguments the runtime will pass, which are those of the generated
    default (the async handle first for an ``[async]`` procedure, then the ``[in]`` and
    ``[in, out]`` parameters, a ``CallContext`` for each ``handle_t``). TypeError if not.
    A routine left as the generated default is fine: its calls fail with 1764. A
    ``[callback]`` procedure (served by the client) needs no routine: its place holds one
    that dispatch never runs."""
    cls = type(manager)
    generated = next((c for c in cls.__mro__ if "_idl_interface_" in c.__dict__), cls)
    own = {
        name
        for c in cls.__mro__[: cls.__mro__.index(generated)]
        for name, value in vars(c).items()
        if callable(value) and not name.startswith("_") and not name.endswith("_rundown")
    }
    methods = {proc.method for proc in iface.procedures if not proc.is_callback}
    strays = sorted(own - methods)
    found: list[Callable[..., Any]] = []
    for proc in iface.procedures:
        if proc.is_callback:  # the client serves it: dispatch refuses it with 1745
            found.append(_served_by_the_client)
            continue
        where = f"{cls.__name__}.{proc.method}"
        fn = getattr(manager, proc.method, None)
        if not callable(fn):
            raise TypeError(
                f"{cls.__name__} has no method {proc.method} ({iface.name} opnum "
                f"{proc.opnum}){_did_you_mean(proc.method, strays)}"
            )
        default = generated.__dict__.get(proc.method)
        if default is not None and getattr(fn, "__func__", None) is default:
            hint = _did_you_mean(proc.method, strays)
            if hint:
                raise TypeError(f"{where} is left as the generated default{hint}")
        elif default is not None:
            _check_arity(where, fn, default)
        found.append(fn)
    return found


def _served_by_the_client(*args: object) -> None:
    """The routine of a ``[callback]`` procedure's opnum, which never runs."""
    raise AssertionError("a [callback] procedure is never dispatched to a manager")


def _did_you_mean(name: str, candidates: list[str]) -> str:
    """'': no method of ``candidates`` is ``name`` in another case or a near miss."""
    same = [c for c in candidates if c.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    if not close:
        return ""
    return f", but the class defines {close[0]}: did you mean {name}? (IDL names are exact)"


def _check_arity(where: str, fn: Callable[..., Any], default: Callable[..., Any]) -> None:
    """TypeError unless ``fn`` accepts as many positional arguments as ``default`` takes."""
    try:
        expected = list(inspect.signature(default).parameters)[1:]  # without self
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an odd callable: nothing to check
        return
    try:
        sig.bind(*expected)
    except TypeError:
        raise TypeError(
            f"{where}({', '.join(sig.parameters)}) cannot take the {len(expected)} arguments "
            "the runtime passes: "
            f"({', '.join(expected)})"
        ) from None


class Op:
    """One procedure of a registered manager, resolved once at ``register()``."""

    __slots__ = ("calls_back", "ctx", "fast", "fn", "inline", "is_coro", "positions", "proc", "reg")

    def __init__(
        self, proc: Procedure[Any], fn: Callable[..., Any], is_coro: bool, reg: Registration
    ) -> None:
        self.proc = proc
        self.fn = fn
        self.is_coro = is_coro
        self.reg = reg
        self.positions = tuple(sorted(proc.context_positions))
        self.ctx = proc.context_handles  # the codec's context-handle helpers need the call
        # an [async] routine of an interface with callbacks gets idlrt.current_call() in its body
        self.calls_back = proc.is_async and any(p.is_callback for p in reg.interface.procedures)
        # Before 3.12 (no eager tasks), an ``async def`` routine that cannot suspend is run to
        # its end where the request is dispatched, with no Task and no extra loop pass.
        self.inline = is_coro and sys.version_info < (3, 12) and never_suspends(fn)
        # The plainest calls take dispatch's short path: an inline routine with no security
        # callback, no context handles, no ``handle_t`` parameter to fill in and no pipes.
        self.fast = (
            self.inline
            and not proc.is_async
            and not self.ctx
            and not self.positions
            and not proc.pipes
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

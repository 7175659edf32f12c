"""``AsyncCall``: the client's side of an ``[async]`` call (MS: its RPC_ASYNC_STATE), and how
a reply or a failure becomes a call's outcome. Layer 4 (call and handle objects): imports
layers 1-2 and ``model``; it reaches its client connection through the ``CallChannel``
Protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Generator
from typing import Any, Generic, Protocol, TypeVar, cast

from .errors import RpcError
from .model import Procedure
from .status import RPC_S_ASYNC_CALL_PENDING, RPC_S_CALL_CANCELLED, RPC_X_BAD_STUB_DATA
from .wire.msgpack import unpack_payload
from .wire.ndrpipe import values_start

R = TypeVar("R")
log = logging.getLogger("idlrt")

PENDING = RPC_S_ASYNC_CALL_PENDING
_lock = threading.Lock()  # guards the one transition pending -> done, for every call


class CallChannel(Protocol):
    """What a call needs of the connection it was made on (``client.ClientConnection``): the
    thread of its event loop, its wire, and a way to tell the server to cancel."""

    @property
    def thread_id(self) -> int: ...

    @property
    def ndr(self) -> bool: ...

    def cancel_call(self, call_id: int, abortive: bool) -> None: ...


def decode_result(proc: Procedure[R], payload: bytes, ndr: bool) -> R:
    """The result in a reply's payload, in NDR20 (``ndr``) or msgpack; raises on bad data."""
    if ndr:
        if proc.pipes:  # the [out] values after the [out] pipes, where ndrpipe says
            decode: Any = proc.ndr_decode_out
            return cast(R, decode(payload, values_start(payload)))
        return proc.ndr_decode_out(payload)
    return proc.decode_out(unpack_payload(payload))


def decode_reply(
    proc: Procedure[Any], payload: bytes, ndr: bool = False
) -> tuple[int, Any, str | None]:
    """``(0, result, None)`` for a good reply, ``(code, None, detail)`` for a bad one."""
    try:
        return 0, decode_result(proc, payload, ndr), None
    except RpcError as exc:
        return exc.code, None, exc.detail
    except Exception as exc:  # a decoder that did not expect this data
        return RPC_X_BAD_STUB_DATA, None, f"{proc.name}: {type(exc).__name__}: {exc}"


def _wake(loop: asyncio.AbstractEventLoop, thread_id: int, fut: asyncio.Future[None]) -> None:
    """Wake ``fut`` of ``loop`` from any thread."""
    if threading.get_ident() == thread_id:
        if not fut.done():
            fut.set_result(None)
        return
    with contextlib.suppress(
        RuntimeError
    ):  # the awaiting loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(_set_none, fut)


def failure_outcome(
    proc: Procedure[Any], code: int, detail: str | None, fault: bool
) -> tuple[int, Any, str | None]:
    """How a failed call ends: as an ``RpcError(code)``, or, for a procedure with
    ``[comm_status]``/``[fault_status]`` covering this kind of failure, as a result that
    carries the code (status 0)."""
    convert = proc.status_result
    if convert is not None:
        try:
            return 0, convert(code, fault), None
        except RpcError:
            pass
    return code, None, detail


def _set_none(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class AsyncCall(Generic[R]):
    """An RPC in progress. Every method may be called from any thread.

    ``status()`` is 997 while pending, then 0 or the failure code. Completion is signalled
    once: ``await call``, ``call.wait()`` and ``add_done_callback`` all see the same outcome.
    Callbacks run in the thread that completes the call (the connection's event-loop thread,
    or the thread that calls ``cancel(abortive=True)``); they must not block.
    """

    __slots__ = ("_call_id", "_callbacks", "_code", "_conn", "_detail", "_proc", "_value")

    def __init__(self, conn: CallChannel, call_id: int, proc: Procedure[R]) -> None:
        self._conn = conn
        self._call_id = call_id
        self._proc = proc
        self._code = PENDING
        self._value: R | None = None
        self._detail: str | None = None
        self._callbacks: list[Callable[[AsyncCall[R]], object]] | None = None

    @property
    def procedure(self) -> str:
        """The IDL name of the procedure called."""
        return self._proc.name

    def status(self) -> int:
        """997 RPC_S_ASYNC_CALL_PENDING while pending, then 0 or the failure code."""
        return self._code

    def done(self) -> bool:
        """Whether the call has finished (successfully or not)."""
        return self._code != PENDING

    def result(self) -> R:
        """The result; ``RpcError(997)`` while pending (the call goes on), else the failure."""
        code = self._code
        if code == 0:
            return cast(R, self._value)
        if code == PENDING:
            raise RpcError(PENDING, f"{self._proc.name} is still in progress")
        raise RpcError(code, self._detail)

    def wait(self, timeout: float | None = None) -> R:
        """Block this thread until the call is done and return ``result()``.

        ``TimeoutError`` after ``timeout`` seconds (the call stays pending). Calling it on the
        event-loop thread that runs the call would deadlock, and raises ``RuntimeError``.
        """
        if self._code == PENDING:
            if threading.get_ident() == self._conn.thread_id:
                raise RuntimeError("AsyncCall.wait() on the event loop running the call; await it")
            waiter = threading.Lock()
            waiter.acquire()
            self.add_done_callback(lambda _call: waiter.release())
            if not waiter.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
                raise TimeoutError(f"{self._proc.name} did not finish within {timeout} s")
        return self.result()

    def __await__(self) -> Generator[Any, None, R]:
        if self._code == PENDING:
            loop = asyncio.get_running_loop()
            fut: asyncio.Future[None] = loop.create_future()
            thread_id = threading.get_ident()
            self.add_done_callback(lambda _call: _wake(loop, thread_id, fut))
            yield from fut
        return self.result()

    def add_done_callback(self, fn: Callable[[AsyncCall[R]], object]) -> None:
        """Run ``fn(call)`` once when the call is done (now, if it already is)."""
        with _lock:
            if self._code == PENDING:
                if self._callbacks is None:
                    self._callbacks = [fn]
                else:
                    self._callbacks.append(fn)
                return
        self._run(fn)

    def cancel(self, abortive: bool = False) -> None:
        """Ask the server to cancel the call (SEMANTICS rules 8-9).

        Abortive: the call ends now with 1818 RPC_S_CALL_CANCELLED and a late reply is dropped.
        Otherwise the call goes on until the server replies (often with ``abort(1818)``).
        A finished call is left alone.
        """
        if self._code != PENDING:
            return
        if abortive and not self._set(RPC_S_CALL_CANCELLED, None, "cancelled by the client"):
            return
        self._conn.cancel_call(self._call_id, abortive)

    # -- completion (the connection's side) ---------------------------------------------------

    def is_pending(self) -> bool:
        return self._code == PENDING

    def resolve(self, payload: bytes) -> None:
        """The RESPONSE payload arrived."""
        if self._code == PENDING:
            self._set(*decode_reply(self._proc, payload, self._conn.ndr))

    def fail(self, code: int, detail: str | None, fault: bool = False) -> None:
        """The call failed with ``code`` (``fault``: the server sent it)."""
        self._set(*failure_outcome(self._proc, code, detail, fault))

    def _set(self, code: int, value: R | None, detail: str | None) -> bool:
        with _lock:
            if self._code != PENDING:
                return False
            self._value = value
            self._detail = detail
            self._code = code
            callbacks, self._callbacks = self._callbacks, None
        if callbacks is not None:
            for fn in callbacks:
                self._run(fn)
        return True

    def _run(self, fn: Callable[[AsyncCall[R]], object]) -> None:
        try:
            fn(self)
        except Exception:
            log.exception("idlrt: done callback %r of %s raised", fn, self)

    def __repr__(self) -> str:
        return f"<AsyncCall {self._proc.name} call {self._call_id} status {self._code}>"

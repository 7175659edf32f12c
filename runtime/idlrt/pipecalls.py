"""Calls with pipes, as both clients make them: checking the pipe arguments, starting the call
and driving its pipes (``clientpipes.ClientPipes``), turning its outcome into a result, and
routing the server's PIPE and PIPE_ACK messages to the call (docs/pipes.md).

Layer 5 (client), below ``client`` and ``blocking``: imports layers 1-4 and ``clientpipes``;
it reaches its connection (``client.ClientConnection``) through ``PipeConnection``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast

from .call import AsyncCall, decode_reply, failure_outcome
from .clientpipes import ClientPipes
from .connection import ProtocolError
from .errors import RpcError
from .model import Procedure
from .pipestate import BAD, OVER, PipeChannel
from .status import RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED_DNE
from .untrusted import safe_repr
from .wire.msgpack import MAX_ID, is_uint

R = TypeVar("R")


class PipeConnection(PipeChannel, Protocol):
    """What calls with pipes need of their client connection (``client.ClientConnection``)."""

    @property
    def ndr(self) -> bool: ...

    @property
    def ids(self) -> itertools.count[int]: ...

    def encode_args(self, proc: Procedure[Any], args: tuple[object, ...]) -> Any: ...

    def request(
        self, ctx_id: int, proc: Procedure[Any], args: Any, call: Any, call_id: int
    ) -> None: ...

    def expire(self, call_id: int, call: Any, timeout: float) -> None: ...

    def pending(self, call_id: int) -> object | None: ...

    def bad_pipe(self, call_id: int, detail: str) -> None: ...

    def pipe_channel(
        self, call_id: int, proc: Procedure[Any], ctx_id: int, args: Any
    ) -> PipeChannel: ...


class PipedCall(AsyncCall[R]):
    """The ``AsyncCall`` of an ``[async]`` procedure with pipes: a task of the connection's
    loop drives its pipes; what a source or sink raised is its outcome."""

    __slots__ = ("_error",)

    def __init__(self, conn: Any, call_id: int, proc: Procedure[R]) -> None:
        super().__init__(conn, call_id, proc)
        self._error: BaseException | None = None

    def result(self) -> R:
        if self._error is not None and self.done():
            raise self._error
        return super().result()


_drivers: set[asyncio.Task[None]] = set()  # the tasks that drive PipedCalls' pipes


def check_pipes(conn: PipeConnection, proc: Procedure[Any], pipes: Sequence[object]) -> None:
    """TypeError unless ``pipes`` has one source or sink per pipe of ``proc``."""
    if len(pipes) != len(proc.pipes):
        raise TypeError(f"{proc.name} takes {len(proc.pipes)} pipes, got {len(pipes)}")


def outcome(proc: Procedure[R], pipes: ClientPipes, ndr: bool) -> R:
    """The result of a call with pipes from its ``outcome`` (raises its failure)."""
    found = pipes.outcome
    if type(found) is tuple:
        code, value, detail = failure_outcome(proc, *found)
    else:
        assert isinstance(found, bytes)
        code, value, detail = decode_reply(proc, found, ndr)
    if code:
        raise RpcError(code, detail)
    return cast(R, value)


async def call(
    conn: PipeConnection,
    ctx_id: int,
    proc: Procedure[R],
    args: tuple[object, ...],
    timeout: float | None,
    pipes: Sequence[object],
) -> R:
    """``AsyncClient._call`` with pipes (loop thread): the caller's task feeds the sinks, a
    task of its own pumps the sources; the result comes after the last chunk reached its
    sink. Cancelling the caller's task cancels the call abortively."""
    check_pipes(conn, proc, pipes)
    data = conn.encode_args(proc, args)
    call_id = next(conn.ids)
    piped = ClientPipes(conn.pipe_channel(call_id, proc, ctx_id, data), call_id, proc, pipes)
    conn.request(ctx_id, proc, data, piped, call_id)
    timer = None
    if timeout is not None and piped.is_pending():
        timer = conn.loop.call_later(timeout, conn.expire, call_id, piped, timeout)
    try:
        await piped.run()
    except asyncio.CancelledError:
        if conn.pending(call_id) is not None:
            conn.cancel_call(call_id, True)
        raise
    finally:
        if timer is not None:
            timer.cancel()
    return outcome(proc, piped, conn.ndr)


def call_blocking(
    conn: PipeConnection,
    ctx_id: int,
    proc: Procedure[R],
    args: tuple[object, ...],
    timeout: float | None,
    pipes: Sequence[object],
) -> R:
    """``Client._call`` with pipes (the caller's thread, not the loop's): this thread pumps
    the sources and calls the sinks."""
    check_pipes(conn, proc, pipes)
    data = conn.encode_args(proc, args)
    call_id = next(conn.ids)
    piped = ClientPipes(conn.pipe_channel(call_id, proc, ctx_id, data), call_id, proc, pipes)
    try:
        conn.loop.call_soon_threadsafe(conn.request, ctx_id, proc, data, piped, call_id)
    except RuntimeError:
        raise RpcError(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed") from None
    piped.run_blocking(timeout)
    return outcome(proc, piped, conn.ndr)


def start(
    conn: PipeConnection,
    ctx_id: int,
    proc: Procedure[R],
    args: tuple[object, ...],
    timeout: float | None,
    pipes: Sequence[object],
) -> AsyncCall[R]:
    """Start an ``[async]`` call with pipes from any thread (both clients' ``_start``)."""
    check_pipes(conn, proc, pipes)
    data = conn.encode_args(proc, args)
    started: PipedCall[R] = PipedCall(conn, next(conn.ids), proc)
    channel = conn.pipe_channel(started._call_id, proc, ctx_id, data)
    piped = ClientPipes(channel, started._call_id, proc, pipes)
    if threading.get_ident() == conn.thread_id:
        _start(conn, ctx_id, proc, data, started, piped, timeout)
    else:
        try:
            conn.loop.call_soon_threadsafe(
                _start, conn, ctx_id, proc, data, started, piped, timeout
            )
        except RuntimeError:
            started.fail(RPC_S_CALL_FAILED_DNE, "the client's event loop is closed")
    return started


def _start(
    conn: PipeConnection,
    ctx_id: int,
    proc: Procedure[Any],
    data: Any,
    started: PipedCall[Any],
    piped: ClientPipes,
    timeout: float | None,
) -> None:
    """Loop thread: send the REQUEST (the pipes are the call's entry in the table), arm the
    timeout, and start the task that drives the pipes and then finishes ``started``."""
    call_id = started._call_id
    if not started.is_pending():
        return  # cancelled (abortively) before it could be sent
    conn.request(ctx_id, proc, data, piped, call_id)
    loop = conn.loop
    if timeout is not None and piped.is_pending():
        timer = loop.call_later(timeout, conn.expire, call_id, started, timeout)
        started.add_done_callback(lambda _call: _disarm(loop, timer))
    # the AsyncCall may end first (cancel, timeout): its pipes then end too
    started.add_done_callback(lambda _call: _drop(conn, call_id, piped))
    task = loop.create_task(_drive(started, piped))
    _drivers.add(task)
    task.add_done_callback(_drivers.discard)


def _drop(conn: PipeConnection, call_id: int, piped: ClientPipes) -> None:
    if piped.is_pending():
        conn.cancel_call(call_id, True)


def _disarm(loop: asyncio.AbstractEventLoop, timer: asyncio.TimerHandle) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed
        loop.call_soon_threadsafe(timer.cancel)


async def _drive(started: PipedCall[Any], piped: ClientPipes) -> None:
    try:
        await piped.run()
    except asyncio.CancelledError:
        raise
    except BaseException as exc:
        started._error = exc
        started.fail(RPC_S_CALL_CANCELLED, str(exc))
        return
    found = piped.outcome
    if type(found) is tuple:
        started.fail(*found)
    else:
        assert isinstance(found, bytes)
        started.resolve(found)


def running() -> int:
    """How many tasks drive the pipes of ``[async]`` calls (for tests)."""
    return len(_drivers)


def on_pipe(conn: PipeConnection, h: list[Any], payload: bytes) -> None:
    """A chunk of an [out] pipe from the server: to its call's sinks (loop thread); dropped
    for a call that is over; 1783 for a bad one; past the window, a protocol error."""
    piped = conn.pending(h[1])
    if type(piped) is not ClientPipes:
        if piped is not None:
            conn.bad_pipe(h[1], "a PIPE for a call without [out] pipes")
        return
    fed = piped.on_chunk(h[3], payload)
    if fed == BAD:
        conn.bad_pipe(h[1], f"PIPE {safe_repr(h[3])}: not an [out] pipe, or past its end")
    elif fed == OVER:
        raise ProtocolError(f"PIPE of call {h[1]} past its window")


def on_pipe_ack(conn: PipeConnection, h: list[Any]) -> None:
    """The server handed over more of an [in] pipe (loop thread)."""
    call_id, index, octets = h[1], h[2], h[3]
    if not is_uint(call_id, MAX_ID) or not is_uint(octets, MAX_ID):
        raise ProtocolError(f"bad PIPE_ACK {safe_repr(h[:4])}")
    piped = conn.pending(call_id)
    if type(piped) is not ClientPipes:
        if piped is not None:
            conn.bad_pipe(call_id, "a PIPE_ACK for a call without [in] pipes")
        return
    acked = piped.on_ack(index, octets)
    if acked == BAD:
        conn.bad_pipe(call_id, f"PIPE_ACK {safe_repr(index)}: not an [in] pipe")
    elif acked == OVER:
        raise ProtocolError(f"PIPE_ACK of call {call_id} for more than was sent")

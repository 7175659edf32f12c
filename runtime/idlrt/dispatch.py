"""``ServerConnection``: starting the calls a client requests, and collecting what their
routines return (SEMANTICS rules 5, 16-17). Everything else a connection does is in its base,
``session.ServerSession``.

A REQUEST is checked in the order docs/protocol.md gives; then the plainest calls take a
short path inline, and the others start their routine the way it runs: an ``[async]``
routine with its handle, a coroutine (run inline when it cannot suspend, else in a task), or
a plain function in the server's executor. What a routine returns becomes an ``Outcome``.

Layer 5 (server): imports layers 1-4, ``registry`` and ``session``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

from .callcontext import CallContext
from .connection import FLUSH_AT, ProtocolError
from .ctxhandle import Changes, scope
from .errors import RpcError
from .handle import AsyncHandle, CallRecord, CallSite, current_call
from .model import Procedure
from .pipeframes import BIG_FRAME
from .pipes import ServerPipes
from .pipestate import BAD, OVER
from .registry import Op, Registration
from .session import HandleRef, ServerSession
from .status import (
    RPC_S_ACCESS_DENIED,
    RPC_S_CALL_FAILED,
    RPC_S_PROCNUM_OUT_OF_RANGE,
    RPC_S_SERVER_TOO_BUSY,
    RPC_S_SERVER_UNAVAILABLE,
    RPC_S_UNKNOWN_IF,
    RPC_X_BAD_STUB_DATA,
)
from .untrusted import safe_repr
from .wire.msgpack import (
    FAULT,
    KIND_NAMES,
    MAX_CODE,
    MAX_ID,
    PIPE,
    REQUEST,
    RESPONSE,
    is_uint,
    unpack_payload,
)

log = logging.getLogger("idlrt")

# (RESPONSE, payload, None, changes) or (FAULT, code, detail, None); changes: context handles
Outcome = tuple[int, "bytes | int", "str | None", "Changes | None"]


def run_inline(rec: CallRecord, fn: Any, args: Any) -> object:
    """Run the coroutine of a routine that never suspends (``Op.inline``) to its end."""
    _set_current_call(rec)  # in the caller's fresh context
    coro = fn(*args)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()  # unreachable for such a routine; never leave a coroutine half run
    raise RuntimeError(f"{rec._op.proc.name}: the routine suspended")


_set_current_call = current_call.set
_copy_context = contextvars.copy_context


def routine_failure(op: CallSite, exc: Exception) -> Outcome:
    """The fault for an exception raised by a manager routine."""
    if isinstance(exc, RpcError) and type(exc.code) is int and 0 < exc.code <= MAX_CODE:
        return FAULT, exc.code, exc.detail, None
    log.error("idlrt: manager routine %s raised", op.proc.name, exc_info=exc)
    return FAULT, RPC_S_CALL_FAILED, _debug_detail(op, exc), None


def _debug_detail(op: CallSite, exc: BaseException) -> str | None:
    """What the 1726 of an exception says in the server's debug mode (``Server(debug=True)``):
    the exception's type and message. None (no detail) otherwise."""
    if not isinstance(op, Op) or not op.reg.debug:
        return None
    return f"{op.proc.name} raised {type(exc).__qualname__}: {exc}"


def result_outcome(rec: CallRecord, result: object, on_loop: bool) -> Outcome:
    """The reply for a synchronous routine's return value, in the connection's wire."""
    if rec._op.ctx:
        return result_outcome_scoped(rec, result, on_loop)
    try:
        return RESPONSE, rec._conn.encode_result(rec, result, on_loop), None, None
    except RpcError as exc:
        log.warning("idlrt: %s returned a value that cannot be sent: %s", rec.procedure, exc)
        return FAULT, exc.code, exc.detail, None
    except Exception as exc:
        log.exception("idlrt: encoding the result of %s failed", rec.procedure)
        return FAULT, RPC_S_CALL_FAILED, _debug_detail(rec._op, exc), None


def result_outcome_scoped(rec: CallRecord, result: object, on_loop: bool) -> Outcome:
    """``result_outcome`` for a procedure with context handles: with the call in ``scope``."""
    tls = scope
    tls.call = rec  # for the context-handle encoders
    try:
        payload = rec._conn.encode_result(rec, result, on_loop)
    except RpcError as exc:
        log.warning("idlrt: %s returned a value that cannot be sent: %s", rec.procedure, exc)
        return FAULT, exc.code, exc.detail, None
    except Exception as exc:
        log.exception("idlrt: encoding the result of %s failed", rec.procedure)
        return FAULT, RPC_S_CALL_FAILED, _debug_detail(rec._op, exc), None
    finally:
        tls.call = None
        changes: Changes | None = tls.changes
        if changes is not None:
            tls.changes = None  # kept (for the reply) only on success, below
    return RESPONSE, payload, None, changes


class ServerConnection(ServerSession):
    """One client connection of a ``Server``, as the server makes it: a ``ServerSession`` that
    dispatches requests."""

    def on_payload(self, h: list[Any], payload: bytes) -> None:
        """A REQUEST: check it, in the order docs/protocol.md gives, and start its routine."""
        if h[0] != REQUEST:
            if h[0] == PIPE:
                self.on_pipe(h, payload)
                return
            if h[0] != RESPONSE or self.callbacks is None:
                raise ProtocolError(f"unexpected {KIND_NAMES[h[0]]} from a client")
            self.callbacks.response(h, payload)  # a [callback]'s reply
            return
        call_id: int = h[1]  # checked by the framing layer
        ctx_id, opnum = h[2], h[3]
        server = self.server
        if call_id in self._calls:
            self._fault(call_id, RPC_X_BAD_STUB_DATA, f"call id {call_id} is already in progress")
            return
        if server.stopping:
            self._fault(call_id, RPC_S_SERVER_UNAVAILABLE, "the server is stopping")
            return
        if (
            server.in_progress >= server.max_calls
            or len(self._calls) >= server.max_calls_per_connection
        ):
            self._fault(call_id, RPC_S_SERVER_TOO_BUSY)
            return
        reg = self._contexts.get(ctx_id) if type(ctx_id) is int else None
        if reg is None:
            self._fault(call_id, RPC_S_UNKNOWN_IF, f"context {safe_repr(ctx_id)} is not bound")
            return
        ops = reg.ops
        if type(opnum) is not int or not 0 <= opnum < len(ops):
            self._fault(
                call_id,
                RPC_S_PROCNUM_OUT_OF_RANGE,
                f"{reg.interface.name}: opnum {safe_repr(opnum)}",
            )
            return
        op = ops[opnum]
        if not op.fast:
            self._dispatch(op, reg, call_id, payload)
            return
        # The short path (``Op.fast``): an inline routine without security callback, context
        # handles or ``handle_t`` parameters: _dispatch, _start_coroutine and _finished in one.
        proc = op.proc
        try:
            args: Any = proc.decode_in(unpack_payload(payload))
        except Exception as exc:
            self._undecodable(call_id, proc, exc)
            return
        server.in_progress += 1  # server.call_started(), inline
        server.calls_total += 1
        rec = CallRecord(self, call_id, op)
        calls = self._calls
        calls[call_id] = rec
        try:
            result = _copy_context().run(run_inline, rec, op.fn, args)
        except Exception as exc:
            self._finished(rec, *routine_failure(op, exc))
            return
        except asyncio.CancelledError:  # raised by the routine itself
            log.error("idlrt: manager routine %s raised CancelledError", proc.name)
            self._finished(rec, FAULT, RPC_S_CALL_FAILED, None, None)
            return
        packer = self.packer
        try:
            data = packer.pack(proc.encode_result(result))
        except Exception:  # encode again the slow way, for its fault and its log message
            self._finished(rec, *result_outcome(rec, result, True))
            return
        if calls.get(call_id) is rec:
            del calls[call_id]
            header = packer.pack((RESPONSE, call_id, len(data)))
            buf = self._wbuf
            transport = self.transport
            if self._last and not buf and transport is not None and not self.closed:
                transport.write(header + data)  # the lone reply of this input leaves now
            elif len(data) < BIG_FRAME and not self.closed:  # send2(), inline: we are receiving
                buf.append(header)
                buf.append(data)
                if len(buf) >= FLUSH_AT:  # send2()'s early write
                    self._flush()
            else:
                self.send2(header, data)
        server.in_progress -= 1  # server.call_ended(), inline, once the reply is on its way
        if server._idle is not None and not server.in_progress:
            server._idle.set()

    def _undecodable(self, call_id: int, proc: Procedure[Any], exc: Exception) -> None:
        """Fault a call whose arguments did not decode: with the stub's own status, or as bad
        stub data when a decoder was surprised by the data (the client's problem, not ours)."""
        if isinstance(exc, RpcError):
            self._fault(call_id, exc.code, exc.detail)
            return
        log.debug("idlrt: decoding the arguments of %s failed", proc.name, exc_info=exc)
        self._fault(call_id, RPC_X_BAD_STUB_DATA, f"{proc.name}: undecodable arguments")

    # -- pipes ------------------------------------------------------------------------------

    def on_oversize(self, header: list[Any], size: int) -> None:
        if header[0] != PIPE:
            super().on_oversize(header, size)
        elif header[1] in self._calls:
            limit = self.server.max_request
            detail = f"a pipe chunk of {size} bytes, limit {limit}"
            self.pipe_violation(header[1], RPC_S_ACCESS_DENIED, detail)

    def on_pipe(self, h: list[Any], payload: bytes) -> None:
        """A chunk of an [in] pipe (loop thread). For a call not in progress it is dropped
        (it crossed the call's end); a bad index or a chunk past the pipe's end fails the call
        with 1783; past the window, the connection is closed."""
        call_id = h[1]
        pipes = self._pipes.get(call_id)
        if pipes is None:
            if call_id in self._calls:
                self.pipe_violation(call_id, RPC_X_BAD_STUB_DATA, "a PIPE for a call without it")
            return
        fed = pipes.on_chunk(h[3], payload)
        if fed == BAD:
            detail = f"PIPE {safe_repr(h[3])}: not an [in] pipe of the call, or past its end"
            self.pipe_violation(call_id, RPC_X_BAD_STUB_DATA, detail)
        elif fed == OVER:
            raise ProtocolError(f"PIPE of call {call_id} past its window")

    def on_pipe_ack(self, h: list[Any]) -> None:
        """The client handed over more of an [out] pipe."""
        call_id, index, octets = h[1], h[2], h[3]
        if not is_uint(call_id, MAX_ID) or not is_uint(octets, MAX_ID):
            raise ProtocolError(f"bad PIPE_ACK {safe_repr(h[:4])}")
        pipes = self._pipes.get(call_id)
        if pipes is None:
            if call_id in self._calls:
                detail = "a PIPE_ACK for a call without it"
                self.pipe_violation(call_id, RPC_X_BAD_STUB_DATA, detail)
            return
        acked = pipes.on_ack(index, octets)
        if acked == BAD:
            detail = f"PIPE_ACK {safe_repr(index)}: not an [out] pipe of the call"
            self.pipe_violation(call_id, RPC_X_BAD_STUB_DATA, detail)
        elif acked == OVER:
            raise ProtocolError(f"PIPE_ACK of call {call_id} for more than was sent")

    def pipe_violation(self, call_id: int, code: int, detail: str) -> None:
        """The client broke a pipe rule on call ``call_id`` in progress: the call fails with
        ``code`` (a FAULT now; its routine's pipes raise it; the routine's reply, or a later
        ``complete``, is dropped quietly, as after an abortive cancel)."""
        pipes = self._pipes.pop(call_id, None)
        if pipes is not None:
            pipes.fail(code, detail)
        self.cancel_call(call_id, True)
        self._fault(call_id, code, detail)

    def _dispatch(self, op: Op, reg: Registration, call_id: int, payload: bytes) -> None:
        """Start any other call: security callback, decoding, then the routine's own way."""
        server = self.server
        proc = op.proc
        if proc.is_callback:  # served by the client, never by a manager
            detail = f"{reg.interface.name}: opnum {proc.opnum} is a [callback]"
            self._fault(call_id, RPC_S_PROCNUM_OUT_OF_RANGE, detail)
            return
        rec = (
            proc.handle_class(self, call_id, op) if proc.is_async else CallRecord(self, call_id, op)
        )
        ctx = None
        if reg.security_callback is not None:
            ctx = self.call_context(op, rec)
            try:
                allowed = bool(reg.security_callback(ctx))
            except Exception:
                log.exception("idlrt: the security callback of %s raised", reg.interface.name)
                allowed = False
            if not allowed:
                self._fault(call_id, RPC_S_ACCESS_DENIED)
                return
        tls = scope
        if op.ctx:
            tls.call = rec  # for the context-handle decoders
        try:
            args: Any = self.decode_args(proc, payload)
        except Exception as exc:
            self._undecodable(call_id, proc, exc)
            return
        finally:
            if op.ctx:
                tls.call = None
        if self.ndr:  # NDR's reply encoders need the [in] values
            rec._ins = args
        if proc.pipes:
            args = self._with_pipes(op, rec, ctx, args)
        elif op.positions:
            if ctx is None:
                ctx = self.call_context(op, rec)
            args = list(args)
            for pos in op.positions:
                args.insert(pos, ctx)
        server.call_started()
        if proc.is_async:
            assert isinstance(rec, AsyncHandle)
            self._start_async(rec, op, args)
        elif op.is_coro:
            self._start_coroutine(rec, op, args)
        else:
            self._calls[call_id] = rec
            try:
                server.executor.submit(self._run_in_thread, rec, op, args)
            except RuntimeError:  # the executor is shut down: the server is stopping
                self._finished(rec, FAULT, RPC_S_SERVER_UNAVAILABLE, None, None)

    def _with_pipes(self, op: Op, rec: CallRecord, ctx: CallContext | None, args: Any) -> list[Any]:
        """The routine's arguments with the call's pipe readers and writers, and its
        ``CallContext`` for each ``handle_t``, inserted at their positions (ascending)."""
        call_id = rec._call_id
        channel = self.pipe_channel(call_id, op.proc)
        pipes = self._pipes[call_id] = ServerPipes(channel, call_id, op.proc.pipes)
        inserts = list(pipes.arguments)
        if op.positions:
            if ctx is None:
                ctx = self.call_context(op, rec)
            inserts.extend((pos, ctx) for pos in op.positions)
        inserts.sort(key=lambda item: item[0])
        full: list[Any] = list(args)
        for pos, value in inserts:
            full.insert(pos, value)
        return full

    def _start_async(self, handle: AsyncHandle, op: Op, args: Any) -> None:
        call_id = handle._call_id
        ref = HandleRef(handle, self._collected)
        ref.call_id = call_id
        ref.op = op
        self._calls[call_id] = ref
        # idlrt.current_call() in the routine (and the tasks it starts), where it may call back
        token = _set_current_call(handle) if op.calls_back else None
        try:
            ret = op.fn(handle, *args)
        except Exception as exc:
            if token is not None:
                current_call.reset(token)
            self._async_failed(handle, exc)
            return
        if op.is_coro:
            self.server.spawn(self._run_async_coroutine(ret, handle))
        if token is not None:
            current_call.reset(token)

    async def _run_async_coroutine(
        self, coro: Coroutine[Any, Any, Any], handle: AsyncHandle
    ) -> None:
        try:
            await coro
        except Exception as exc:
            self._async_failed(handle, exc)

    def _async_failed(self, handle: AsyncHandle, exc: Exception) -> None:
        _, code, detail, _ = routine_failure(handle._op, exc)
        assert isinstance(code, int)
        if not handle._fault(code, detail) and isinstance(exc, RpcError):
            log.warning("idlrt: %s raised %r after finishing its call", handle.procedure, exc)

    def _start_coroutine(self, rec: CallRecord, op: Op, args: Any) -> None:
        self._calls[rec._call_id] = rec
        if op.inline:  # cannot suspend: run it now, in a context of its own, as a task would
            try:
                result = _copy_context().run(run_inline, rec, op.fn, args)
            except Exception as exc:
                self._finished(rec, *routine_failure(op, exc))
            except asyncio.CancelledError:  # raised by the routine itself
                log.error("idlrt: manager routine %s raised CancelledError", op.proc.name)
                self._finished(rec, FAULT, RPC_S_CALL_FAILED, None, None)
            else:
                self._finished(rec, *result_outcome(rec, result, True))
            return
        try:
            coro = op.fn(*args)
        except Exception as exc:
            self._finished(rec, *routine_failure(op, exc))
            return
        self.server.spawn(self._run_coroutine(rec, coro))

    async def _run_coroutine(self, rec: CallRecord, coro: Coroutine[Any, Any, Any]) -> None:
        current_call.set(rec)  # in this task's own context
        try:
            result = await coro
        except Exception as exc:
            self._finished(rec, *routine_failure(rec._op, exc))
        else:
            self._finished(rec, *result_outcome(rec, result, True))

    def _run_in_thread(self, rec: CallRecord, op: Op, args: Any) -> None:
        """Worker thread: run a plain routine, encode its reply, hand it to the loop."""
        token = current_call.set(rec)
        try:
            outcome = result_outcome(rec, op.fn(*args), False)
        except Exception as exc:
            outcome = routine_failure(op, exc)
        finally:
            current_call.reset(token)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is gone
            self.loop.call_soon_threadsafe(self._finished, rec, *outcome)

    def _finished(
        self,
        rec: CallRecord,
        kind: int,
        data: bytes | int,
        detail: str | None,
        changes: Changes | None,
    ) -> None:
        """A non-[async] routine is over: send its reply unless the client is gone."""
        self.server.call_ended()
        call_id = rec._call_id
        delivered = self._calls.get(call_id) is rec
        if changes is not None:
            self._commit(changes, rec._op, delivered)
        if delivered:
            del self._calls[call_id]
            self._send_outcome(call_id, kind, data, detail)

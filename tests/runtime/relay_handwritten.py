# Hand-written stand-in for what idlc will generate from tests/runtime/idl/Callbacks.idl
# (/work/spec19.md "Generated code"), until the compiler generates [callback] procedures:
# the module idlc writes for the IDL without its [callback] attributes, edited as the spec says.
"""Stubs for interface Relay (3f1c2b9e-5d4a-4e7b-9c1d-2a6b8e0f7c31, version 1.0)."""

from __future__ import annotations

import struct
from collections.abc import Awaitable
from typing import Any, NamedTuple

import idlrt
from idlrt import codec as _codec
from idlrt.wire import ndr as _ndr

# --- NDR20 (transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860, version 2) ---

_NDR_l = struct.Struct("<l")
_NDR_ll = struct.Struct("<ll")


def _ndr_Relay_Progress_cin(a_done: int, a_total: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_ll.pack(
            _ndr.no_bool() if isinstance(a_done, bool) else a_done,
            _ndr.no_bool() if isinstance(a_total, bool) else a_total,
        )
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Progress", _Relay_Progress_cin, a_done, a_total)
    return bytes(b)


def _ndr_Relay_Progress_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Progress")


def _ndr_Relay_Progress_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        t3 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v4 = t3[0]
        return (v2, v4)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Progress")


def _ndr_Relay_Progress_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Progress", _Relay_Progress_sout, r_retval)
    return bytes(b)


def _ndr_Relay_Progress_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_Progress_sout(a, r)


def _ndr_Relay_Ask_cin(a_question: str) -> bytes:
    b = _ndr.Buffer()
    try:
        _ndr.put_str(b, a_question)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Ask", _Relay_Ask_cin, a_question)
    return bytes(b)


def _ndr_Relay_Ask_cout(data: bytes) -> AskResult:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        t3 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v4 = t3[0]
        return AskResult(retval=v4, answer=v2)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Ask")


def _ndr_Relay_Ask_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        x1 = _ndr.get_str(r)
        return (x1,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Ask")


def _ndr_Relay_Ask_sout(a: tuple[Any, ...], r_retval: Any, r_answer: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_ll.pack(
            _ndr.no_bool() if isinstance(r_answer, bool) else r_answer,
            _ndr.no_bool() if isinstance(r_retval, bool) else r_retval,
        )
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Ask", _Relay_Ask_sout, r_retval, r_answer)
    return bytes(b)


def _ndr_Relay_Ask_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_Ask_sout(a, *_codec.result_tuple(r, 2, "Ask"))


def _ndr_Relay_Run_cin(a_n: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_n, bool) else a_n)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Run", _Relay_Run_cin, a_n)
    return bytes(b)


def _ndr_Relay_Run_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Run")


def _ndr_Relay_Run_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Run")


def _ndr_Relay_Run_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Run", _Relay_Run_sout, r_retval)
    return bytes(b)


def _ndr_Relay_Run_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_Run_sout(a, r)


def _ndr_Relay_RunLater_cin(a_n: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_n, bool) else a_n)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "RunLater", _Relay_RunLater_cin, a_n)
    return bytes(b)


def _ndr_Relay_RunLater_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "RunLater")


def _ndr_Relay_RunLater_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "RunLater")


def _ndr_Relay_RunLater_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "RunLater", _Relay_RunLater_sout, r_retval)
    return bytes(b)


def _ndr_Relay_RunLater_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_RunLater_sout(a, r)


def _ndr_Relay_Nest_cin(a_depth: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_depth, bool) else a_depth)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Nest", _Relay_Nest_cin, a_depth)
    return bytes(b)


def _ndr_Relay_Nest_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Nest")


def _ndr_Relay_Nest_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Nest")


def _ndr_Relay_Nest_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Nest", _Relay_Nest_sout, r_retval)
    return bytes(b)


def _ndr_Relay_Nest_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_Nest_sout(a, r)


def _ndr_Relay_Down_cin(a_depth: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_depth, bool) else a_depth)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Down", _Relay_Down_cin, a_depth)
    return bytes(b)


def _ndr_Relay_Down_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Down")


def _ndr_Relay_Down_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Down")


def _ndr_Relay_Down_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Down", _Relay_Down_sout, r_retval)
    return bytes(b)


def _ndr_Relay_Down_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Relay_Down_sout(a, r)


# --- interface Relay ---


class AskResult(NamedTuple):
    retval: int
    answer: int


def _Relay_Progress_cin(a_done: int, a_total: int) -> list[object]:
    if (
        not isinstance(a_done, int)
        or a_done.__class__ is bool
        or not -2147483648 <= a_done <= 2147483647
    ):
        raise _codec.int_error(a_done, "long", "Progress.done")
    if (
        not isinstance(a_total, int)
        or a_total.__class__ is bool
        or not -2147483648 <= a_total <= 2147483647
    ):
        raise _codec.int_error(a_total, "long", "Progress.total")
    return [a_done, a_total]


def _Relay_Progress_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Progress")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Progress.retval")
    return r_retval


def _Relay_Progress_sin(w: object) -> tuple[object, ...]:
    p_done, p_total = _codec.fields(w, 2, "Progress")
    if (
        not isinstance(p_done, int)
        or p_done.__class__ is bool
        or not -2147483648 <= p_done <= 2147483647
    ):
        raise _codec.int_error(p_done, "long", "Progress.done")
    if (
        not isinstance(p_total, int)
        or p_total.__class__ is bool
        or not -2147483648 <= p_total <= 2147483647
    ):
        raise _codec.int_error(p_total, "long", "Progress.total")
    return (p_done, p_total)


def _Relay_Progress_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Progress.retval")
    return [r_retval]


def _Relay_Progress_sres(r: object) -> list[object]:
    return _Relay_Progress_sout(r)


_Relay_Progress = idlrt.Procedure(
    name="Progress",
    opnum=0,
    is_async=False,
    method="Progress",
    encode_in=_Relay_Progress_cin,
    decode_out=_Relay_Progress_cout,
    decode_in=_Relay_Progress_sin,
    encode_out=_Relay_Progress_sout,
    encode_result=_Relay_Progress_sout,
    ndr_encode_in=_ndr_Relay_Progress_cin,
    ndr_decode_out=_ndr_Relay_Progress_cout,
    ndr_decode_in=_ndr_Relay_Progress_sin,
    ndr_encode_out=_ndr_Relay_Progress_sout,
    ndr_encode_result=_ndr_Relay_Progress_sres,
    is_callback=True,
)


def _Relay_Ask_cin(a_question: str) -> list[object]:
    if not isinstance(a_question, str):
        raise _codec.type_error(a_question, "str", "Ask.question")
    return [a_question]


def _Relay_Ask_cout(w: object) -> AskResult:
    r_retval, r_answer = _codec.fields(w, 2, "Ask")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Ask.retval")
    if r_answer is None:
        raise _codec.null_ref("Ask.answer")
    if (
        not isinstance(r_answer, int)
        or r_answer.__class__ is bool
        or not -2147483648 <= r_answer <= 2147483647
    ):
        raise _codec.int_error(r_answer, "long", "Ask.answer")
    return AskResult(retval=r_retval, answer=r_answer)


def _Relay_Ask_sin(w: object) -> tuple[object, ...]:
    (p_question,) = _codec.fields(w, 1, "Ask")
    if not isinstance(p_question, str):
        raise _codec.type_error(p_question, "str", "Ask.question")
    return (p_question,)


def _Relay_Ask_sout(r_retval: object, r_answer: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Ask.retval")
    if r_answer is None:
        raise _codec.null_ref("Ask.answer")
    if (
        not isinstance(r_answer, int)
        or r_answer.__class__ is bool
        or not -2147483648 <= r_answer <= 2147483647
    ):
        raise _codec.int_error(r_answer, "long", "Ask.answer")
    return [r_retval, r_answer]


def _Relay_Ask_sres(r: object) -> list[object]:
    return _Relay_Ask_sout(*_codec.result_tuple(r, 2, "Ask"))


_Relay_Ask = idlrt.Procedure(
    name="Ask",
    opnum=1,
    is_async=False,
    method="Ask",
    encode_in=_Relay_Ask_cin,
    decode_out=_Relay_Ask_cout,
    decode_in=_Relay_Ask_sin,
    encode_out=_Relay_Ask_sout,
    encode_result=_Relay_Ask_sres,
    ndr_encode_in=_ndr_Relay_Ask_cin,
    ndr_decode_out=_ndr_Relay_Ask_cout,
    ndr_decode_in=_ndr_Relay_Ask_sin,
    ndr_encode_out=_ndr_Relay_Ask_sout,
    ndr_encode_result=_ndr_Relay_Ask_sres,
    is_callback=True,
)


def _Relay_Run_cin(a_n: int) -> list[object]:
    if not isinstance(a_n, int) or a_n.__class__ is bool or not -2147483648 <= a_n <= 2147483647:
        raise _codec.int_error(a_n, "long", "Run.n")
    return [a_n]


def _Relay_Run_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Run")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Run.retval")
    return r_retval


def _Relay_Run_sin(w: object) -> tuple[object, ...]:
    (p_n,) = _codec.fields(w, 1, "Run")
    if not isinstance(p_n, int) or p_n.__class__ is bool or not -2147483648 <= p_n <= 2147483647:
        raise _codec.int_error(p_n, "long", "Run.n")
    return (p_n,)


def _Relay_Run_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Run.retval")
    return [r_retval]


def _Relay_Run_sres(r: object) -> list[object]:
    return _Relay_Run_sout(r)


_Relay_Run = idlrt.Procedure(
    name="Run",
    opnum=2,
    is_async=False,
    method="Run",
    encode_in=_Relay_Run_cin,
    decode_out=_Relay_Run_cout,
    decode_in=_Relay_Run_sin,
    encode_out=_Relay_Run_sout,
    encode_result=_Relay_Run_sout,
    ndr_encode_in=_ndr_Relay_Run_cin,
    ndr_decode_out=_ndr_Relay_Run_cout,
    ndr_decode_in=_ndr_Relay_Run_sin,
    ndr_encode_out=_ndr_Relay_Run_sout,
    ndr_encode_result=_ndr_Relay_Run_sres,
)


def _Relay_RunLater_cin(a_n: int) -> list[object]:
    if not isinstance(a_n, int) or a_n.__class__ is bool or not -2147483648 <= a_n <= 2147483647:
        raise _codec.int_error(a_n, "long", "RunLater.n")
    return [a_n]


def _Relay_RunLater_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "RunLater")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "RunLater.retval")
    return r_retval


def _Relay_RunLater_sin(w: object) -> tuple[object, ...]:
    (p_n,) = _codec.fields(w, 1, "RunLater")
    if not isinstance(p_n, int) or p_n.__class__ is bool or not -2147483648 <= p_n <= 2147483647:
        raise _codec.int_error(p_n, "long", "RunLater.n")
    return (p_n,)


def _Relay_RunLater_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "RunLater.retval")
    return [r_retval]


def _Relay_RunLater_sres(r: object) -> list[object]:
    return _Relay_RunLater_sout(r)


class RunLaterHandle(idlrt.AsyncHandle):
    """The server's handle of one RunLater call: complete() or abort() it."""

    __slots__ = ()

    def complete(self, retval: int) -> None:
        self._reply(retval)


_Relay_RunLater = idlrt.Procedure(
    name="RunLater",
    opnum=3,
    is_async=True,
    method="RunLater",
    encode_in=_Relay_RunLater_cin,
    decode_out=_Relay_RunLater_cout,
    decode_in=_Relay_RunLater_sin,
    encode_out=_Relay_RunLater_sout,
    encode_result=_Relay_RunLater_sout,
    ndr_encode_in=_ndr_Relay_RunLater_cin,
    ndr_decode_out=_ndr_Relay_RunLater_cout,
    ndr_decode_in=_ndr_Relay_RunLater_sin,
    ndr_encode_out=_ndr_Relay_RunLater_sout,
    ndr_encode_result=_ndr_Relay_RunLater_sres,
    handle_class=RunLaterHandle,
)


def _Relay_Nest_cin(a_depth: int) -> list[object]:
    if (
        not isinstance(a_depth, int)
        or a_depth.__class__ is bool
        or not -2147483648 <= a_depth <= 2147483647
    ):
        raise _codec.int_error(a_depth, "long", "Nest.depth")
    return [a_depth]


def _Relay_Nest_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Nest")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Nest.retval")
    return r_retval


def _Relay_Nest_sin(w: object) -> tuple[object, ...]:
    (p_depth,) = _codec.fields(w, 1, "Nest")
    if (
        not isinstance(p_depth, int)
        or p_depth.__class__ is bool
        or not -2147483648 <= p_depth <= 2147483647
    ):
        raise _codec.int_error(p_depth, "long", "Nest.depth")
    return (p_depth,)


def _Relay_Nest_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Nest.retval")
    return [r_retval]


def _Relay_Nest_sres(r: object) -> list[object]:
    return _Relay_Nest_sout(r)


_Relay_Nest = idlrt.Procedure(
    name="Nest",
    opnum=4,
    is_async=False,
    method="Nest",
    encode_in=_Relay_Nest_cin,
    decode_out=_Relay_Nest_cout,
    decode_in=_Relay_Nest_sin,
    encode_out=_Relay_Nest_sout,
    encode_result=_Relay_Nest_sout,
    ndr_encode_in=_ndr_Relay_Nest_cin,
    ndr_decode_out=_ndr_Relay_Nest_cout,
    ndr_decode_in=_ndr_Relay_Nest_sin,
    ndr_encode_out=_ndr_Relay_Nest_sout,
    ndr_encode_result=_ndr_Relay_Nest_sres,
)


def _Relay_Down_cin(a_depth: int) -> list[object]:
    if (
        not isinstance(a_depth, int)
        or a_depth.__class__ is bool
        or not -2147483648 <= a_depth <= 2147483647
    ):
        raise _codec.int_error(a_depth, "long", "Down.depth")
    return [a_depth]


def _Relay_Down_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Down")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Down.retval")
    return r_retval


def _Relay_Down_sin(w: object) -> tuple[object, ...]:
    (p_depth,) = _codec.fields(w, 1, "Down")
    if (
        not isinstance(p_depth, int)
        or p_depth.__class__ is bool
        or not -2147483648 <= p_depth <= 2147483647
    ):
        raise _codec.int_error(p_depth, "long", "Down.depth")
    return (p_depth,)


def _Relay_Down_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Down.retval")
    return [r_retval]


def _Relay_Down_sres(r: object) -> list[object]:
    return _Relay_Down_sout(r)


_Relay_Down = idlrt.Procedure(
    name="Down",
    opnum=5,
    is_async=False,
    method="Down",
    encode_in=_Relay_Down_cin,
    decode_out=_Relay_Down_cout,
    decode_in=_Relay_Down_sin,
    encode_out=_Relay_Down_sout,
    encode_result=_Relay_Down_sout,
    ndr_encode_in=_ndr_Relay_Down_cin,
    ndr_decode_out=_ndr_Relay_Down_cout,
    ndr_decode_in=_ndr_Relay_Down_sin,
    ndr_encode_out=_ndr_Relay_Down_sout,
    ndr_encode_result=_ndr_Relay_Down_sres,
    is_callback=True,
)


_Relay_INTERFACE = idlrt.Interface(
    name="Relay",
    uuid="3f1c2b9e-5d4a-4e7b-9c1d-2a6b8e0f7c31",
    version=(1, 0),
    procedures=(
        _Relay_Progress,
        _Relay_Ask,
        _Relay_Run,
        _Relay_RunLater,
        _Relay_Nest,
        _Relay_Down,
    ),
)


class RelayClient(idlrt.Client):
    """Blocking client of interface Relay.

    interface Relay: [callback] procedures, for the runtime tests (callback_stubs.py compiles it).
    """

    _idl_interface_ = _Relay_INTERFACE

    def Run(self, n: int, *, timeout: float | None = None) -> int:
        return self._call(_Relay_Run, (n,), timeout)

    def RunLater(self, n: int, *, timeout: float | None = None) -> idlrt.AsyncCall[int]:
        return self._start(_Relay_RunLater, (n,), timeout)

    def Nest(self, depth: int, *, timeout: float | None = None) -> int:
        return self._call(_Relay_Nest, (depth,), timeout)


class RelayAsyncClient(idlrt.AsyncClient):
    """asyncio client of interface Relay.

    interface Relay: [callback] procedures, for the runtime tests (callback_stubs.py compiles it).
    """

    _idl_interface_ = _Relay_INTERFACE

    async def Run(self, n: int, *, timeout: float | None = None) -> int:
        return await self._call(_Relay_Run, (n,), timeout)

    def RunLater(self, n: int, *, timeout: float | None = None) -> idlrt.AsyncCall[int]:
        return self._start(_Relay_RunLater, (n,), timeout)

    async def Nest(self, depth: int, *, timeout: float | None = None) -> int:
        return await self._call(_Relay_Nest, (depth,), timeout)


class RelayManager(idlrt.Manager):
    """Manager routines of interface Relay: subclass and override.

    interface Relay: [callback] procedures, for the runtime tests (callback_stubs.py compiles it).
    """

    _idl_interface_ = _Relay_INTERFACE

    def Run(self, n: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.Run is not implemented")

    def RunLater(self, handle: RunLaterHandle, n: int) -> Awaitable[None] | None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.RunLater is not implemented")

    def Nest(self, depth: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.Nest is not implemented")


class RelayCallbacks(idlrt.Callbacks):
    """Callbacks of interface Relay, run on the client: subclass, override, and pass an
    instance to connect(callbacks=...)."""

    _idl_interface_ = _Relay_INTERFACE

    def Progress(self, done: int, total: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.Progress is not implemented")

    def Ask(self, question: str) -> tuple[int, int] | Awaitable[tuple[int, int]]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.Ask is not implemented")

    def Down(self, depth: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Relay.Down is not implemented")


class RelayCallbackClient(idlrt.CallbackClient):
    """Calls the client's callbacks of interface Relay during a call: RelayCallbackClient(ctx)."""

    _idl_interface_ = _Relay_INTERFACE

    async def Progress(self, done: int, total: int, *, timeout: float | None = None) -> int:
        return await self._call(_Relay_Progress, (done, total), timeout)

    async def Ask(self, question: str, *, timeout: float | None = None) -> AskResult:
        return await self._call(_Relay_Ask, (question,), timeout)

    async def Down(self, depth: int, *, timeout: float | None = None) -> int:
        return await self._call(_Relay_Down, (depth,), timeout)

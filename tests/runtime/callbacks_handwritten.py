# Stand-in for what idlc generates from tests/runtime/idl/Callbacks.idl (/work/spec19.md
# "Generated code"): the output of the i19-codegen branch's idlc, kept until idlc on main
# generates [callback] procedures; callback_stubs.py then compiles the IDL and this file goes.
"""Stubs for interface Callbacks (2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d, version 1.0)."""

from __future__ import annotations

import struct
from collections.abc import Awaitable
from typing import Any, NamedTuple

import idlrt
from idlrt import codec as _codec
from idlrt.wire import ndr as _ndr

# --- NDR20 (transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860, version 2) ---

_NDR_L = struct.Struct("<L")
_NDR_l = struct.Struct("<l")
_NDR_lL = struct.Struct("<lL")
_NDR_ll = struct.Struct("<ll")


def _ndr_Callbacks_Count_cin(a_n: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_n, bool) else a_n)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Count", _Callbacks_Count_cin, a_n)
    return bytes(b)


def _ndr_Callbacks_Count_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Count")


def _ndr_Callbacks_Count_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Count")


def _ndr_Callbacks_Count_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Count", _Callbacks_Count_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Count_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Count_sout(a, r)


def _ndr_Callbacks_Quiz_cin(a_question: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_question, bool) else a_question)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Quiz", _Callbacks_Quiz_cin, a_question)
    return bytes(b)


def _ndr_Callbacks_Quiz_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Quiz")


def _ndr_Callbacks_Quiz_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Quiz")


def _ndr_Callbacks_Quiz_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Quiz", _Callbacks_Quiz_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Quiz_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Quiz_sout(a, r)


def _ndr_Callbacks_Gather_cin(a_size: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_size, bool) else a_size)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Gather", _Callbacks_Gather_cin, a_size)
    return bytes(b)


def _ndr_Callbacks_Gather_cout(data: bytes) -> GatherResult:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        t3 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v4 = t3[0]
        return GatherResult(retval=v4, total=v2)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Gather")


def _ndr_Callbacks_Gather_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Gather")


def _ndr_Callbacks_Gather_sout(a: tuple[Any, ...], r_retval: Any, r_total: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_ll.pack(
            _ndr.no_bool() if isinstance(r_total, bool) else r_total,
            _ndr.no_bool() if isinstance(r_retval, bool) else r_retval,
        )
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Gather", _Callbacks_Gather_sout, r_retval, r_total)
    return bytes(b)


def _ndr_Callbacks_Gather_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Gather_sout(a, *_codec.result_tuple(r, 2, "Gather"))


def _ndr_Callbacks_Inner_cin(a_depth: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_depth, bool) else a_depth)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Inner", _Callbacks_Inner_cin, a_depth)
    return bytes(b)


def _ndr_Callbacks_Inner_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Inner")


def _ndr_Callbacks_Inner_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Inner")


def _ndr_Callbacks_Inner_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Inner", _Callbacks_Inner_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Inner_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Inner_sout(a, r)


def _ndr_Callbacks_Later_cin(a_n: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_n, bool) else a_n)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Later", _Callbacks_Later_cin, a_n)
    return bytes(b)


def _ndr_Callbacks_Later_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Later")


def _ndr_Callbacks_Later_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Later")


def _ndr_Callbacks_Later_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Later", _Callbacks_Later_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Later_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Later_sout(a, r)


def _ndr_Callbacks_Tick_cin(a_i: int, a_n: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_ll.pack(
            _ndr.no_bool() if isinstance(a_i, bool) else a_i,
            _ndr.no_bool() if isinstance(a_n, bool) else a_n,
        )
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Tick", _Callbacks_Tick_cin, a_i, a_n)
    return bytes(b)


def _ndr_Callbacks_Tick_cout(data: bytes) -> int:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        result: int = v2
        return result
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Tick")


def _ndr_Callbacks_Tick_sin(data: bytes) -> tuple[Any, ...]:
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
        _ndr.decode_failed(exc, "Tick")


def _ndr_Callbacks_Tick_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Tick", _Callbacks_Tick_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Tick_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Tick_sout(a, r)


def _ndr_Callbacks_Ask_cin(a_question: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_question, bool) else a_question)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Ask", _Callbacks_Ask_cin, a_question)
    return bytes(b)


def _ndr_Callbacks_Ask_cout(data: bytes) -> AskResult:
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


def _ndr_Callbacks_Ask_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Ask")


def _ndr_Callbacks_Ask_sout(a: tuple[Any, ...], r_retval: Any, r_answer: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_ll.pack(
            _ndr.no_bool() if isinstance(r_answer, bool) else r_answer,
            _ndr.no_bool() if isinstance(r_retval, bool) else r_retval,
        )
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Ask", _Callbacks_Ask_sout, r_retval, r_answer)
    return bytes(b)


def _ndr_Callbacks_Ask_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Ask_sout(a, *_codec.result_tuple(r, 2, "Ask"))


def _ndr_Callbacks_Fill_cin(a_size: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_size, bool) else a_size)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Fill", _Callbacks_Fill_cin, a_size)
    return bytes(b)


def _ndr_Callbacks_Fill_cout(data: bytes) -> FillResult:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        t3 = _NDR_L.unpack_from(buf, r.pos)
        r.pos += 4
        p4: Any = t3[0] or None
        if p4 is not None:
            x5 = _ndr.get_str(r)
            p4 = x5
        return FillResult(total=v2, text=p4)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Fill")


def _ndr_Callbacks_Fill_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Fill")


def _ndr_Callbacks_Fill_sout(a: tuple[Any, ...], r_total: Any, r_text: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        o = len(b)
        b += _NDR_lL.pack(
            _ndr.no_bool() if isinstance(r_total, bool) else r_total,
            o + 131076 if r_text is not None else 0,
        )
        if r_text is not None:
            _ndr.put_str(b, r_text)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Fill", _Callbacks_Fill_sout, r_total, r_text)
    return bytes(b)


def _ndr_Callbacks_Fill_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Fill_sout(a, *_codec.result_tuple(r, 2, "Fill"))


def _ndr_Callbacks_Nest_cin(a_depth: int) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(a_depth, bool) else a_depth)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Nest", _Callbacks_Nest_cin, a_depth)
    return bytes(b)


def _ndr_Callbacks_Nest_cout(data: bytes) -> int:
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


def _ndr_Callbacks_Nest_sin(data: bytes) -> tuple[Any, ...]:
    r = _ndr.Reader(data)
    try:
        buf = r.buf
        t1 = _NDR_l.unpack_from(buf, r.pos)
        r.pos += 4
        v2 = t1[0]
        return (v2,)
    except _ndr.DECODE_ERRORS as exc:
        _ndr.decode_failed(exc, "Nest")


def _ndr_Callbacks_Nest_sout(a: tuple[Any, ...], r_retval: Any) -> bytes:
    b = _ndr.Buffer()
    try:
        b += _NDR_l.pack(_ndr.no_bool() if isinstance(r_retval, bool) else r_retval)
    except _ndr.ENCODE_ERRORS as exc:
        _ndr.encode_failed(exc, "Nest", _Callbacks_Nest_sout, r_retval)
    return bytes(b)


def _ndr_Callbacks_Nest_sres(a: tuple[Any, ...], r: object) -> bytes:
    return _ndr_Callbacks_Nest_sout(a, r)


# --- interface Callbacks ---


class GatherResult(NamedTuple):
    retval: int
    total: int


class AskResult(NamedTuple):
    retval: int
    answer: int


class FillResult(NamedTuple):
    total: int
    text: str | None


def _Callbacks_Count_cin(a_n: int) -> list[object]:
    if not isinstance(a_n, int) or a_n.__class__ is bool or not -2147483648 <= a_n <= 2147483647:
        raise _codec.int_error(a_n, "long", "Count.n")
    return [a_n]


def _Callbacks_Count_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Count")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Count.retval")
    return r_retval


def _Callbacks_Count_sin(w: object) -> tuple[object, ...]:
    (p_n,) = _codec.fields(w, 1, "Count")
    if not isinstance(p_n, int) or p_n.__class__ is bool or not -2147483648 <= p_n <= 2147483647:
        raise _codec.int_error(p_n, "long", "Count.n")
    return (p_n,)


def _Callbacks_Count_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Count.retval")
    return [r_retval]


def _Callbacks_Count_sres(r: object) -> list[object]:
    return _Callbacks_Count_sout(r)


_Callbacks_Count = idlrt.Procedure(
    name="Count",
    opnum=0,
    is_async=False,
    method="Count",
    encode_in=_Callbacks_Count_cin,
    decode_out=_Callbacks_Count_cout,
    decode_in=_Callbacks_Count_sin,
    encode_out=_Callbacks_Count_sout,
    encode_result=_Callbacks_Count_sout,
    ndr_encode_in=_ndr_Callbacks_Count_cin,
    ndr_decode_out=_ndr_Callbacks_Count_cout,
    ndr_decode_in=_ndr_Callbacks_Count_sin,
    ndr_encode_out=_ndr_Callbacks_Count_sout,
    ndr_encode_result=_ndr_Callbacks_Count_sres,
)


def _Callbacks_Quiz_cin(a_question: int) -> list[object]:
    if (
        not isinstance(a_question, int)
        or a_question.__class__ is bool
        or not -2147483648 <= a_question <= 2147483647
    ):
        raise _codec.int_error(a_question, "long", "Quiz.question")
    return [a_question]


def _Callbacks_Quiz_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Quiz")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Quiz.retval")
    return r_retval


def _Callbacks_Quiz_sin(w: object) -> tuple[object, ...]:
    (p_question,) = _codec.fields(w, 1, "Quiz")
    if (
        not isinstance(p_question, int)
        or p_question.__class__ is bool
        or not -2147483648 <= p_question <= 2147483647
    ):
        raise _codec.int_error(p_question, "long", "Quiz.question")
    return (p_question,)


def _Callbacks_Quiz_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Quiz.retval")
    return [r_retval]


def _Callbacks_Quiz_sres(r: object) -> list[object]:
    return _Callbacks_Quiz_sout(r)


_Callbacks_Quiz = idlrt.Procedure(
    name="Quiz",
    opnum=1,
    is_async=False,
    method="Quiz",
    encode_in=_Callbacks_Quiz_cin,
    decode_out=_Callbacks_Quiz_cout,
    decode_in=_Callbacks_Quiz_sin,
    encode_out=_Callbacks_Quiz_sout,
    encode_result=_Callbacks_Quiz_sout,
    ndr_encode_in=_ndr_Callbacks_Quiz_cin,
    ndr_decode_out=_ndr_Callbacks_Quiz_cout,
    ndr_decode_in=_ndr_Callbacks_Quiz_sin,
    ndr_encode_out=_ndr_Callbacks_Quiz_sout,
    ndr_encode_result=_ndr_Callbacks_Quiz_sres,
)


def _Callbacks_Gather_cin(a_size: int) -> list[object]:
    if (
        not isinstance(a_size, int)
        or a_size.__class__ is bool
        or not -2147483648 <= a_size <= 2147483647
    ):
        raise _codec.int_error(a_size, "long", "Gather.size")
    return [a_size]


def _Callbacks_Gather_cout(w: object) -> GatherResult:
    r_retval, r_total = _codec.fields(w, 2, "Gather")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Gather.retval")
    if r_total is None:
        raise _codec.null_ref("Gather.total")
    if (
        not isinstance(r_total, int)
        or r_total.__class__ is bool
        or not -2147483648 <= r_total <= 2147483647
    ):
        raise _codec.int_error(r_total, "long", "Gather.total")
    return GatherResult(retval=r_retval, total=r_total)


def _Callbacks_Gather_sin(w: object) -> tuple[object, ...]:
    (p_size,) = _codec.fields(w, 1, "Gather")
    if (
        not isinstance(p_size, int)
        or p_size.__class__ is bool
        or not -2147483648 <= p_size <= 2147483647
    ):
        raise _codec.int_error(p_size, "long", "Gather.size")
    return (p_size,)


def _Callbacks_Gather_sout(r_retval: object, r_total: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Gather.retval")
    if r_total is None:
        raise _codec.null_ref("Gather.total")
    if (
        not isinstance(r_total, int)
        or r_total.__class__ is bool
        or not -2147483648 <= r_total <= 2147483647
    ):
        raise _codec.int_error(r_total, "long", "Gather.total")
    return [r_retval, r_total]


def _Callbacks_Gather_sres(r: object) -> list[object]:
    return _Callbacks_Gather_sout(*_codec.result_tuple(r, 2, "Gather"))


_Callbacks_Gather = idlrt.Procedure(
    name="Gather",
    opnum=2,
    is_async=False,
    method="Gather",
    encode_in=_Callbacks_Gather_cin,
    decode_out=_Callbacks_Gather_cout,
    decode_in=_Callbacks_Gather_sin,
    encode_out=_Callbacks_Gather_sout,
    encode_result=_Callbacks_Gather_sres,
    ndr_encode_in=_ndr_Callbacks_Gather_cin,
    ndr_decode_out=_ndr_Callbacks_Gather_cout,
    ndr_decode_in=_ndr_Callbacks_Gather_sin,
    ndr_encode_out=_ndr_Callbacks_Gather_sout,
    ndr_encode_result=_ndr_Callbacks_Gather_sres,
)


def _Callbacks_Inner_cin(a_depth: int) -> list[object]:
    if (
        not isinstance(a_depth, int)
        or a_depth.__class__ is bool
        or not -2147483648 <= a_depth <= 2147483647
    ):
        raise _codec.int_error(a_depth, "long", "Inner.depth")
    return [a_depth]


def _Callbacks_Inner_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Inner")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Inner.retval")
    return r_retval


def _Callbacks_Inner_sin(w: object) -> tuple[object, ...]:
    (p_depth,) = _codec.fields(w, 1, "Inner")
    if (
        not isinstance(p_depth, int)
        or p_depth.__class__ is bool
        or not -2147483648 <= p_depth <= 2147483647
    ):
        raise _codec.int_error(p_depth, "long", "Inner.depth")
    return (p_depth,)


def _Callbacks_Inner_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Inner.retval")
    return [r_retval]


def _Callbacks_Inner_sres(r: object) -> list[object]:
    return _Callbacks_Inner_sout(r)


_Callbacks_Inner = idlrt.Procedure(
    name="Inner",
    opnum=3,
    is_async=False,
    method="Inner",
    encode_in=_Callbacks_Inner_cin,
    decode_out=_Callbacks_Inner_cout,
    decode_in=_Callbacks_Inner_sin,
    encode_out=_Callbacks_Inner_sout,
    encode_result=_Callbacks_Inner_sout,
    ndr_encode_in=_ndr_Callbacks_Inner_cin,
    ndr_decode_out=_ndr_Callbacks_Inner_cout,
    ndr_decode_in=_ndr_Callbacks_Inner_sin,
    ndr_encode_out=_ndr_Callbacks_Inner_sout,
    ndr_encode_result=_ndr_Callbacks_Inner_sres,
)


def _Callbacks_Later_cin(a_n: int) -> list[object]:
    if not isinstance(a_n, int) or a_n.__class__ is bool or not -2147483648 <= a_n <= 2147483647:
        raise _codec.int_error(a_n, "long", "Later.n")
    return [a_n]


def _Callbacks_Later_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Later")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Later.retval")
    return r_retval


def _Callbacks_Later_sin(w: object) -> tuple[object, ...]:
    (p_n,) = _codec.fields(w, 1, "Later")
    if not isinstance(p_n, int) or p_n.__class__ is bool or not -2147483648 <= p_n <= 2147483647:
        raise _codec.int_error(p_n, "long", "Later.n")
    return (p_n,)


def _Callbacks_Later_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Later.retval")
    return [r_retval]


def _Callbacks_Later_sres(r: object) -> list[object]:
    return _Callbacks_Later_sout(r)


class LaterHandle(idlrt.AsyncHandle):
    """The server's handle of one Later call: complete() or abort() it."""

    __slots__ = ()

    def complete(self, retval: int) -> None:
        self._reply(retval)


_Callbacks_Later = idlrt.Procedure(
    name="Later",
    opnum=4,
    is_async=True,
    method="Later",
    encode_in=_Callbacks_Later_cin,
    decode_out=_Callbacks_Later_cout,
    decode_in=_Callbacks_Later_sin,
    encode_out=_Callbacks_Later_sout,
    encode_result=_Callbacks_Later_sout,
    ndr_encode_in=_ndr_Callbacks_Later_cin,
    ndr_decode_out=_ndr_Callbacks_Later_cout,
    ndr_decode_in=_ndr_Callbacks_Later_sin,
    ndr_encode_out=_ndr_Callbacks_Later_sout,
    ndr_encode_result=_ndr_Callbacks_Later_sres,
    handle_class=LaterHandle,
)


def _Callbacks_Tick_cin(a_i: int, a_n: int) -> list[object]:
    if not isinstance(a_i, int) or a_i.__class__ is bool or not -2147483648 <= a_i <= 2147483647:
        raise _codec.int_error(a_i, "long", "Tick.i")
    if not isinstance(a_n, int) or a_n.__class__ is bool or not -2147483648 <= a_n <= 2147483647:
        raise _codec.int_error(a_n, "long", "Tick.n")
    return [a_i, a_n]


def _Callbacks_Tick_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Tick")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Tick.retval")
    return r_retval


def _Callbacks_Tick_sin(w: object) -> tuple[object, ...]:
    p_i, p_n = _codec.fields(w, 2, "Tick")
    if not isinstance(p_i, int) or p_i.__class__ is bool or not -2147483648 <= p_i <= 2147483647:
        raise _codec.int_error(p_i, "long", "Tick.i")
    if not isinstance(p_n, int) or p_n.__class__ is bool or not -2147483648 <= p_n <= 2147483647:
        raise _codec.int_error(p_n, "long", "Tick.n")
    return (p_i, p_n)


def _Callbacks_Tick_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Tick.retval")
    return [r_retval]


def _Callbacks_Tick_sres(r: object) -> list[object]:
    return _Callbacks_Tick_sout(r)


_Callbacks_Tick = idlrt.Procedure(
    name="Tick",
    opnum=5,
    is_async=False,
    method="Tick",
    encode_in=_Callbacks_Tick_cin,
    decode_out=_Callbacks_Tick_cout,
    decode_in=_Callbacks_Tick_sin,
    encode_out=_Callbacks_Tick_sout,
    encode_result=_Callbacks_Tick_sout,
    ndr_encode_in=_ndr_Callbacks_Tick_cin,
    ndr_decode_out=_ndr_Callbacks_Tick_cout,
    ndr_decode_in=_ndr_Callbacks_Tick_sin,
    ndr_encode_out=_ndr_Callbacks_Tick_sout,
    ndr_encode_result=_ndr_Callbacks_Tick_sres,
    is_callback=True,
)


def _Callbacks_Ask_cin(a_question: int) -> list[object]:
    if (
        not isinstance(a_question, int)
        or a_question.__class__ is bool
        or not -2147483648 <= a_question <= 2147483647
    ):
        raise _codec.int_error(a_question, "long", "Ask.question")
    return [a_question]


def _Callbacks_Ask_cout(w: object) -> AskResult:
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


def _Callbacks_Ask_sin(w: object) -> tuple[object, ...]:
    (p_question,) = _codec.fields(w, 1, "Ask")
    if (
        not isinstance(p_question, int)
        or p_question.__class__ is bool
        or not -2147483648 <= p_question <= 2147483647
    ):
        raise _codec.int_error(p_question, "long", "Ask.question")
    return (p_question,)


def _Callbacks_Ask_sout(r_retval: object, r_answer: object) -> list[object]:
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


def _Callbacks_Ask_sres(r: object) -> list[object]:
    return _Callbacks_Ask_sout(*_codec.result_tuple(r, 2, "Ask"))


_Callbacks_Ask = idlrt.Procedure(
    name="Ask",
    opnum=6,
    is_async=False,
    method="Ask",
    encode_in=_Callbacks_Ask_cin,
    decode_out=_Callbacks_Ask_cout,
    decode_in=_Callbacks_Ask_sin,
    encode_out=_Callbacks_Ask_sout,
    encode_result=_Callbacks_Ask_sres,
    ndr_encode_in=_ndr_Callbacks_Ask_cin,
    ndr_decode_out=_ndr_Callbacks_Ask_cout,
    ndr_decode_in=_ndr_Callbacks_Ask_sin,
    ndr_encode_out=_ndr_Callbacks_Ask_sout,
    ndr_encode_result=_ndr_Callbacks_Ask_sres,
    is_callback=True,
)


def _Callbacks_Fill_cin(a_size: int) -> list[object]:
    if (
        not isinstance(a_size, int)
        or a_size.__class__ is bool
        or not -2147483648 <= a_size <= 2147483647
    ):
        raise _codec.int_error(a_size, "long", "Fill.size")
    return [a_size]


def _Callbacks_Fill_cout(w: object) -> FillResult:
    r_total, r_text = _codec.fields(w, 2, "Fill")
    if r_total is None:
        raise _codec.null_ref("Fill.total")
    if (
        not isinstance(r_total, int)
        or r_total.__class__ is bool
        or not -2147483648 <= r_total <= 2147483647
    ):
        raise _codec.int_error(r_total, "long", "Fill.total")
    _t1: str | None
    if r_text is None:
        _t1 = None
    else:
        if not isinstance(r_text, str):
            raise _codec.type_error(r_text, "str", "Fill.text")
        _t1 = r_text
    return FillResult(total=r_total, text=_t1)


def _Callbacks_Fill_sin(w: object) -> tuple[object, ...]:
    (p_size,) = _codec.fields(w, 1, "Fill")
    if (
        not isinstance(p_size, int)
        or p_size.__class__ is bool
        or not -2147483648 <= p_size <= 2147483647
    ):
        raise _codec.int_error(p_size, "long", "Fill.size")
    return (p_size,)


def _Callbacks_Fill_sout(r_total: object, r_text: object) -> list[object]:
    if r_total is None:
        raise _codec.null_ref("Fill.total")
    if (
        not isinstance(r_total, int)
        or r_total.__class__ is bool
        or not -2147483648 <= r_total <= 2147483647
    ):
        raise _codec.int_error(r_total, "long", "Fill.total")
    _t1: object = None
    if r_text is not None:
        if not isinstance(r_text, str):
            raise _codec.type_error(r_text, "str", "Fill.text")
        _t1 = r_text
    return [r_total, _t1]


def _Callbacks_Fill_sres(r: object) -> list[object]:
    return _Callbacks_Fill_sout(*_codec.result_tuple(r, 2, "Fill"))


_Callbacks_Fill = idlrt.Procedure(
    name="Fill",
    opnum=7,
    is_async=False,
    method="Fill",
    encode_in=_Callbacks_Fill_cin,
    decode_out=_Callbacks_Fill_cout,
    decode_in=_Callbacks_Fill_sin,
    encode_out=_Callbacks_Fill_sout,
    encode_result=_Callbacks_Fill_sres,
    ndr_encode_in=_ndr_Callbacks_Fill_cin,
    ndr_decode_out=_ndr_Callbacks_Fill_cout,
    ndr_decode_in=_ndr_Callbacks_Fill_sin,
    ndr_encode_out=_ndr_Callbacks_Fill_sout,
    ndr_encode_result=_ndr_Callbacks_Fill_sres,
    is_callback=True,
)


def _Callbacks_Nest_cin(a_depth: int) -> list[object]:
    if (
        not isinstance(a_depth, int)
        or a_depth.__class__ is bool
        or not -2147483648 <= a_depth <= 2147483647
    ):
        raise _codec.int_error(a_depth, "long", "Nest.depth")
    return [a_depth]


def _Callbacks_Nest_cout(w: object) -> int:
    (r_retval,) = _codec.fields(w, 1, "Nest")
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Nest.retval")
    return r_retval


def _Callbacks_Nest_sin(w: object) -> tuple[object, ...]:
    (p_depth,) = _codec.fields(w, 1, "Nest")
    if (
        not isinstance(p_depth, int)
        or p_depth.__class__ is bool
        or not -2147483648 <= p_depth <= 2147483647
    ):
        raise _codec.int_error(p_depth, "long", "Nest.depth")
    return (p_depth,)


def _Callbacks_Nest_sout(r_retval: object) -> list[object]:
    if (
        not isinstance(r_retval, int)
        or r_retval.__class__ is bool
        or not -2147483648 <= r_retval <= 2147483647
    ):
        raise _codec.int_error(r_retval, "long", "Nest.retval")
    return [r_retval]


def _Callbacks_Nest_sres(r: object) -> list[object]:
    return _Callbacks_Nest_sout(r)


_Callbacks_Nest = idlrt.Procedure(
    name="Nest",
    opnum=8,
    is_async=False,
    method="Nest",
    encode_in=_Callbacks_Nest_cin,
    decode_out=_Callbacks_Nest_cout,
    decode_in=_Callbacks_Nest_sin,
    encode_out=_Callbacks_Nest_sout,
    encode_result=_Callbacks_Nest_sout,
    ndr_encode_in=_ndr_Callbacks_Nest_cin,
    ndr_decode_out=_ndr_Callbacks_Nest_cout,
    ndr_decode_in=_ndr_Callbacks_Nest_sin,
    ndr_encode_out=_ndr_Callbacks_Nest_sout,
    ndr_encode_result=_ndr_Callbacks_Nest_sres,
    is_callback=True,
)


_Callbacks_INTERFACE = idlrt.Interface(
    name="Callbacks",
    uuid="2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    version=(1, 0),
    procedures=(
        _Callbacks_Count,
        _Callbacks_Quiz,
        _Callbacks_Gather,
        _Callbacks_Inner,
        _Callbacks_Later,
        _Callbacks_Tick,
        _Callbacks_Ask,
        _Callbacks_Fill,
        _Callbacks_Nest,
    ),
)


class CallbacksClient(idlrt.Client):
    """Blocking client of interface Callbacks.

     interface Callbacks, for the runtime tests of callbacks (issue 19): the server implements
    the procedures and calls the client back during them; a callback may call Inner again.
    """

    _idl_interface_ = _Callbacks_INTERFACE

    def Count(self, n: int, *, timeout: float | None = None) -> int:
        """calls Tick(i, n) for i in 0..n-1, then returns n"""
        return self._call(_Callbacks_Count, (n,), timeout)

    def Quiz(self, question: int, *, timeout: float | None = None) -> int:
        """calls Ask(question) and returns the answer and the callback's return value added"""
        return self._call(_Callbacks_Quiz, (question,), timeout)

    def Gather(self, size: int, *, timeout: float | None = None) -> GatherResult:
        """calls Fill(size) and returns what the callback wrote"""
        return self._call(_Callbacks_Gather, (size,), timeout)

    def Inner(self, depth: int, *, timeout: float | None = None) -> int:
        """nesting: calls Nest(depth); the client's Nest calls Inner(depth - 1) on the server"""
        return self._call(_Callbacks_Inner, (depth,), timeout)

    def Later(self, n: int, *, timeout: float | None = None) -> idlrt.AsyncCall[int]:
        """[async]: completes with Tick called once"""
        return self._start(_Callbacks_Later, (n,), timeout)


class CallbacksAsyncClient(idlrt.AsyncClient):
    """asyncio client of interface Callbacks.

     interface Callbacks, for the runtime tests of callbacks (issue 19): the server implements
    the procedures and calls the client back during them; a callback may call Inner again.
    """

    _idl_interface_ = _Callbacks_INTERFACE

    async def Count(self, n: int, *, timeout: float | None = None) -> int:
        """calls Tick(i, n) for i in 0..n-1, then returns n"""
        return await self._call(_Callbacks_Count, (n,), timeout)

    async def Quiz(self, question: int, *, timeout: float | None = None) -> int:
        """calls Ask(question) and returns the answer and the callback's return value added"""
        return await self._call(_Callbacks_Quiz, (question,), timeout)

    async def Gather(self, size: int, *, timeout: float | None = None) -> GatherResult:
        """calls Fill(size) and returns what the callback wrote"""
        return await self._call(_Callbacks_Gather, (size,), timeout)

    async def Inner(self, depth: int, *, timeout: float | None = None) -> int:
        """nesting: calls Nest(depth); the client's Nest calls Inner(depth - 1) on the server"""
        return await self._call(_Callbacks_Inner, (depth,), timeout)

    def Later(self, n: int, *, timeout: float | None = None) -> idlrt.AsyncCall[int]:
        """[async]: completes with Tick called once"""
        return self._start(_Callbacks_Later, (n,), timeout)


class CallbacksManager(idlrt.Manager):
    """Manager routines of interface Callbacks: subclass and override.

     interface Callbacks, for the runtime tests of callbacks (issue 19): the server implements
    the procedures and calls the client back during them; a callback may call Inner again.
    """

    _idl_interface_ = _Callbacks_INTERFACE

    def Count(self, n: int) -> int | Awaitable[int]:
        """calls Tick(i, n) for i in 0..n-1, then returns n"""
        raise idlrt.RpcError(
            idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Count is not implemented"
        )

    def Quiz(self, question: int) -> int | Awaitable[int]:
        """calls Ask(question) and returns the answer and the callback's return value added"""
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Quiz is not implemented")

    def Gather(self, size: int) -> tuple[int, int] | Awaitable[tuple[int, int]]:
        """calls Fill(size) and returns what the callback wrote"""
        raise idlrt.RpcError(
            idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Gather is not implemented"
        )

    def Inner(self, depth: int) -> int | Awaitable[int]:
        """nesting: calls Nest(depth); the client's Nest calls Inner(depth - 1) on the server"""
        raise idlrt.RpcError(
            idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Inner is not implemented"
        )

    def Later(self, handle: LaterHandle, n: int) -> Awaitable[None] | None:
        """[async]: completes with Tick called once"""
        raise idlrt.RpcError(
            idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Later is not implemented"
        )


class CallbacksCallbacks(idlrt.Callbacks):
    """Callbacks of interface Callbacks, run on the client: subclass, override, and pass
    an instance to connect(callbacks=...)."""

    _idl_interface_ = _Callbacks_INTERFACE

    def Tick(self, i: int, n: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Tick is not implemented")

    def Ask(self, question: int) -> tuple[int, int] | Awaitable[tuple[int, int]]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Ask is not implemented")

    def Fill(self, size: int) -> tuple[int, str | None] | Awaitable[tuple[int, str | None]]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Fill is not implemented")

    def Nest(self, depth: int) -> int | Awaitable[int]:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Callbacks.Nest is not implemented")


class CallbacksCallbackClient(idlrt.CallbackClient):
    """Calls the client's callbacks of interface Callbacks during a call:
    CallbacksCallbackClient(ctx)."""

    _idl_interface_ = _Callbacks_INTERFACE

    async def Tick(self, i: int, n: int, *, timeout: float | None = None) -> int:
        return await self._call(_Callbacks_Tick, (i, n), timeout)

    async def Ask(self, question: int, *, timeout: float | None = None) -> AskResult:
        return await self._call(_Callbacks_Ask, (question,), timeout)

    async def Fill(self, size: int, *, timeout: float | None = None) -> FillResult:
        return await self._call(_Callbacks_Fill, (size,), timeout)

    async def Nest(self, depth: int, *, timeout: float | None = None) -> int:
        return await self._call(_Callbacks_Nest, (depth,), timeout)

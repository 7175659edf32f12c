"""A hand-written stand-in for what idlc will generate from idl/Pipes.idl (the msgpack wire's
stubs only), shaped as the issue-19 spec's "Generated code" says: pipe typedefs as chunk
types, per-pipe chunk codecs, pipe parameters left out of the procedure codecs, ``pipes=``
on the procedures, clients passing the pipes as ``_call``'s 4th argument. It goes once the
compiler generates pipes (pipes_stubs.py then compiles idl/Pipes.idl).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, NamedTuple

import idlrt
from idlrt import codec as _codec

BYTE_PIPE = bytes
LONG_PIPE = list[int]


@dataclass(slots=True)
class PAIR:
    a: int
    b: int


PAIR_PIPE = list[PAIR]


def _long(v: object, path: str) -> int:
    if not isinstance(v, int) or v.__class__ is bool or not -2147483648 <= v <= 2147483647:
        raise _codec.int_error(v, "long", path)
    return v


def _enc_PAIR(v: object, path: str) -> list[object]:
    if not isinstance(v, PAIR):
        raise _codec.type_error(v, "PAIR", path)
    f_b = v.b
    if not isinstance(f_b, int) or f_b.__class__ is bool or not -32768 <= f_b <= 32767:
        raise _codec.int_error(f_b, "short", f"{path}.b")
    return [_long(v.a, f"{path}.a"), f_b]


def _dec_PAIR(w: object, path: str) -> PAIR:
    f_a, f_b = _codec.fields(w, 2, path)
    if not isinstance(f_b, int) or f_b.__class__ is bool or not -32768 <= f_b <= 32767:
        raise _codec.int_error(f_b, "short", f"{path}.b")
    return PAIR(a=_long(f_a, f"{path}.a"), b=f_b)


# --- pipe chunk codecs ---


def _enc_pipe_BYTE_PIPE(v: object) -> object:
    if not isinstance(v, bytes | bytearray):
        raise _codec.type_error(v, "bytes", "BYTE_PIPE")
    return bytes(v)


def _dec_pipe_BYTE_PIPE(w: object) -> BYTE_PIPE:
    if not isinstance(w, bytes):
        raise _codec.type_error(w, "bytes", "BYTE_PIPE")
    return w


def _enc_pipe_LONG_PIPE(v: object) -> object:
    if not isinstance(v, list | tuple):
        raise _codec.type_error(v, "list", "LONG_PIPE")
    return [_long(x, f"LONG_PIPE[{i}]") for i, x in enumerate(v)]


def _dec_pipe_LONG_PIPE(w: object) -> LONG_PIPE:
    if not isinstance(w, list):
        raise _codec.type_error(w, "list", "LONG_PIPE")
    return [_long(x, f"LONG_PIPE[{i}]") for i, x in enumerate(w)]


def _enc_pipe_PAIR_PIPE(v: object) -> object:
    if not isinstance(v, list | tuple):
        raise _codec.type_error(v, "list", "PAIR_PIPE")
    return [_enc_PAIR(x, f"PAIR_PIPE[{i}]") for i, x in enumerate(v)]


def _dec_pipe_PAIR_PIPE(w: object) -> PAIR_PIPE:
    if not isinstance(w, list):
        raise _codec.type_error(w, "list", "PAIR_PIPE")
    return [_dec_PAIR(x, f"PAIR_PIPE[{i}]") for i, x in enumerate(w)]


def _pipe(name: str, index: int, direction: str, position: int, kind: str) -> idlrt.Pipe:
    enc, dec, is_bytes = {
        "BYTE_PIPE": (_enc_pipe_BYTE_PIPE, _dec_pipe_BYTE_PIPE, True),
        "LONG_PIPE": (_enc_pipe_LONG_PIPE, _dec_pipe_LONG_PIPE, False),
        "PAIR_PIPE": (_enc_pipe_PAIR_PIPE, _dec_pipe_PAIR_PIPE, False),
    }[kind]
    return idlrt.Pipe(
        name=name,
        index=index,
        direction=direction,
        position=position,
        is_bytes=is_bytes,
        encode_chunk=enc,
        decode_chunk=dec,
    )


# --- procedure codecs (pipes left out) ---


def _args(w: object, n: int, proc: str, names: tuple[str, ...]) -> tuple[object, ...]:
    values = _codec.fields(w, n, proc)
    return tuple(_long(v, f"{proc}.{name}") for v, name in zip(values, names, strict=True))


def _ints(proc: str, *names: str) -> Any:
    def encode(*values: object) -> list[object]:
        return [_long(v, f"{proc}.{name}") for v, name in zip(values, names, strict=True)]

    return encode


def _result_long(proc: str) -> Any:
    def decode(w: object) -> int:
        (r,) = _codec.fields(w, 1, proc)
        return _long(r, f"{proc}.retval")

    return decode


def _result_none(proc: str) -> Any:
    def decode(w: object) -> None:
        _codec.fields(w, 0, proc)

    return decode


def _sin(proc: str, *names: str) -> Any:
    return lambda w: _args(w, len(names), proc, names)


def _sres_none(r: object) -> list[object]:
    return []


class SumResult(NamedTuple):
    retval: int
    count: int


def _Pipes_Sum_cout(w: object) -> SumResult:
    r_retval, r_count = _codec.fields(w, 2, "Sum")
    return SumResult(retval=_long(r_retval, "Sum.retval"), count=_long(r_count, "Sum.count"))


def _Pipes_Sum_sout(r_retval: object, r_count: object) -> list[object]:
    return [_long(r_retval, "Sum.retval"), _long(r_count, "Sum.count")]


def _Pipes_Sum_sres(r: object) -> list[object]:
    return _Pipes_Sum_sout(*_codec.result_tuple(r, 2, "Sum"))


class SumHandle(idlrt.AsyncHandle):
    """The server's handle of one Sum call: complete() or abort() it."""

    __slots__ = ()

    def complete(self, retval: int, *, count: int) -> None:
        self._reply(retval, count)


def _sout_long(proc: str) -> Any:
    return lambda r: [_long(r, f"{proc}.retval")]


_Pipes_Upload = idlrt.Procedure(
    name="Upload",
    opnum=0,
    is_async=False,
    method="Upload",
    encode_in=_ints("Upload", "tag"),
    decode_out=_result_long("Upload"),
    decode_in=_sin("Upload", "tag"),
    encode_out=_sout_long("Upload"),
    encode_result=_sout_long("Upload"),
    pipes=(_pipe("data", 0, "in", 1, "BYTE_PIPE"),),
)
_Pipes_Download = idlrt.Procedure(
    name="Download",
    opnum=1,
    is_async=False,
    method="Download",
    encode_in=_ints("Download", "size", "chunk"),
    decode_out=_result_none("Download"),
    decode_in=_sin("Download", "size", "chunk"),
    encode_out=_sres_none,
    encode_result=_sres_none,
    pipes=(_pipe("data", 0, "out", 2, "BYTE_PIPE"),),
)
_Pipes_Copy = idlrt.Procedure(
    name="Copy",
    opnum=2,
    is_async=False,
    method="Copy",
    encode_in=_ints("Copy", "n"),
    decode_out=_result_long("Copy"),
    decode_in=_sin("Copy", "n"),
    encode_out=_sout_long("Copy"),
    encode_result=_sout_long("Copy"),
    context_positions=(0,),
    pipes=(
        _pipe("src", 0, "in", 1, "BYTE_PIPE"),
        _pipe("dst", 1, "out", 3, "BYTE_PIPE"),
        _pipe("sizes", 2, "out", 4, "LONG_PIPE"),
    ),
)
_Pipes_Sum = idlrt.Procedure(
    name="Sum",
    opnum=3,
    is_async=True,
    method="Sum",
    encode_in=_ints("Sum"),
    decode_out=_Pipes_Sum_cout,
    decode_in=_sin("Sum"),
    encode_out=_Pipes_Sum_sout,
    encode_result=_Pipes_Sum_sres,
    handle_class=SumHandle,
    pipes=(
        _pipe("values", 0, "in", 0, "LONG_PIPE"),
        _pipe("doubled", 1, "out", 1, "LONG_PIPE"),
    ),
)
_Pipes_Pairs = idlrt.Procedure(
    name="Pairs",
    opnum=4,
    is_async=False,
    method="Pairs",
    encode_in=_ints("Pairs", "n"),
    decode_out=_result_none("Pairs"),
    decode_in=_sin("Pairs", "n"),
    encode_out=_sres_none,
    encode_result=_sres_none,
    pipes=(
        _pipe("ins", 0, "in", 0, "PAIR_PIPE"),
        _pipe("outs", 1, "out", 2, "PAIR_PIPE"),
    ),
)
_Pipes_Plain = idlrt.Procedure(
    name="Plain",
    opnum=5,
    is_async=False,
    method="Plain",
    encode_in=_ints("Plain", "x"),
    decode_out=_result_long("Plain"),
    decode_in=_sin("Plain", "x"),
    encode_out=_sout_long("Plain"),
    encode_result=_sout_long("Plain"),
)

_Pipes_INTERFACE = idlrt.Interface(
    name="Pipes",
    uuid="3f9a4c52-8e1d-4b7a-9c63-5d2e0f1a7b84",
    version=(1, 0),
    procedures=(
        _Pipes_Upload,
        _Pipes_Download,
        _Pipes_Copy,
        _Pipes_Sum,
        _Pipes_Pairs,
        _Pipes_Plain,
    ),
)


class PipesClient(idlrt.Client):
    """Blocking client of interface Pipes."""

    _idl_interface_ = _Pipes_INTERFACE

    def Upload(
        self, tag: int, data: idlrt.PipeSource[BYTE_PIPE], *, timeout: float | None = None
    ) -> int:
        return self._call(_Pipes_Upload, (tag,), timeout, (data,))

    def Download(
        self,
        size: int,
        chunk: int,
        data: idlrt.PipeSink[BYTE_PIPE],
        *,
        timeout: float | None = None,
    ) -> None:
        return self._call(_Pipes_Download, (size, chunk), timeout, (data,))

    def Copy(
        self,
        src: idlrt.PipeSource[BYTE_PIPE],
        n: int,
        dst: idlrt.PipeSink[BYTE_PIPE],
        sizes: idlrt.PipeSink[LONG_PIPE],
        *,
        timeout: float | None = None,
    ) -> int:
        return self._call(_Pipes_Copy, (n,), timeout, (src, dst, sizes))

    def Sum(
        self,
        values: idlrt.PipeSource[LONG_PIPE],
        doubled: idlrt.PipeSink[LONG_PIPE],
        *,
        timeout: float | None = None,
    ) -> idlrt.AsyncCall[SumResult]:
        return self._start(_Pipes_Sum, (), timeout, (values, doubled))

    def Pairs(
        self,
        ins: idlrt.PipeSource[PAIR_PIPE],
        n: int,
        outs: idlrt.PipeSink[PAIR_PIPE],
        *,
        timeout: float | None = None,
    ) -> None:
        return self._call(_Pipes_Pairs, (n,), timeout, (ins, outs))

    def Plain(self, x: int, *, timeout: float | None = None) -> int:
        return self._call(_Pipes_Plain, (x,), timeout)


class PipesAsyncClient(idlrt.AsyncClient):
    """asyncio client of interface Pipes."""

    _idl_interface_ = _Pipes_INTERFACE

    async def Upload(
        self, tag: int, data: idlrt.PipeSource[BYTE_PIPE], *, timeout: float | None = None
    ) -> int:
        return await self._call(_Pipes_Upload, (tag,), timeout, (data,))

    async def Download(
        self,
        size: int,
        chunk: int,
        data: idlrt.PipeSink[BYTE_PIPE],
        *,
        timeout: float | None = None,
    ) -> None:
        return await self._call(_Pipes_Download, (size, chunk), timeout, (data,))

    async def Copy(
        self,
        src: idlrt.PipeSource[BYTE_PIPE],
        n: int,
        dst: idlrt.PipeSink[BYTE_PIPE],
        sizes: idlrt.PipeSink[LONG_PIPE],
        *,
        timeout: float | None = None,
    ) -> int:
        return await self._call(_Pipes_Copy, (n,), timeout, (src, dst, sizes))

    def Sum(
        self,
        values: idlrt.PipeSource[LONG_PIPE],
        doubled: idlrt.PipeSink[LONG_PIPE],
        *,
        timeout: float | None = None,
    ) -> idlrt.AsyncCall[SumResult]:
        return self._start(_Pipes_Sum, (), timeout, (values, doubled))

    async def Pairs(
        self,
        ins: idlrt.PipeSource[PAIR_PIPE],
        n: int,
        outs: idlrt.PipeSink[PAIR_PIPE],
        *,
        timeout: float | None = None,
    ) -> None:
        return await self._call(_Pipes_Pairs, (n,), timeout, (ins, outs))

    async def Plain(self, x: int, *, timeout: float | None = None) -> int:
        return await self._call(_Pipes_Plain, (x,), timeout)


def _unimplemented(name: str) -> idlrt.RpcError:
    return idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, f"Pipes.{name} is not implemented")


class PipesManager(idlrt.Manager):
    """Manager routines of interface Pipes: subclass and override."""

    _idl_interface_ = _Pipes_INTERFACE

    def Upload(self, tag: int, data: idlrt.PipeReader[BYTE_PIPE]) -> int | Awaitable[int]:
        raise _unimplemented("Upload")

    def Download(
        self, size: int, chunk: int, data: idlrt.PipeWriter[BYTE_PIPE]
    ) -> Awaitable[None] | None:
        raise _unimplemented("Download")

    def Copy(
        self,
        h: idlrt.CallContext,
        src: idlrt.PipeReader[BYTE_PIPE],
        n: int,
        dst: idlrt.PipeWriter[BYTE_PIPE],
        sizes: idlrt.PipeWriter[LONG_PIPE],
    ) -> int | Awaitable[int]:
        raise _unimplemented("Copy")

    def Sum(
        self,
        handle: SumHandle,
        values: idlrt.PipeReader[LONG_PIPE],
        doubled: idlrt.PipeWriter[LONG_PIPE],
    ) -> Awaitable[None] | None:
        raise _unimplemented("Sum")

    def Pairs(
        self, ins: idlrt.PipeReader[PAIR_PIPE], n: int, outs: idlrt.PipeWriter[PAIR_PIPE]
    ) -> Awaitable[None] | None:
        raise _unimplemented("Pairs")

    def Plain(self, x: int) -> int | Awaitable[int]:
        raise _unimplemented("Plain")

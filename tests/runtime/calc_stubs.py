# Written by hand the way idlc generates a module, for the runtime tests (the compiler is
# developed in parallel). The IDL it stands for:
#
#   [uuid(6b29fc40-ca47-1067-b31d-00dd010662da), version(1.2)]
#   interface Calc {
#       long Add([in] long a, [in] long b);
#       [async] long Slow([in] long ms, [out] long *c);
#       [async] void Ping(void);
#       long Who(handle_t h, [in] long x);
#       void Fail([in] long code);
#       [string] char *Echo([in, string] char *s);
#   }
from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import idlrt
from idlrt import codec as _codec

CALC_UUID = "6b29fc40-ca47-1067-b31d-00dd010662da"


class SlowResult(NamedTuple):
    retval: int
    c: int


def _long(v: object, path: str) -> int:
    if type(v) is not int or not -0x80000000 <= v <= 0x7FFFFFFF:
        raise _codec.int_error(v, "long", path)
    return v


def _str(v: object, path: str) -> str:
    if type(v) is not str:
        raise _codec.type_error(v, "str", path)
    return v


# Add
def _Add_cin(a: int, b: int) -> list[object]:
    return [_long(a, "Add.a"), _long(b, "Add.b")]


def _Add_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 2, "Add")
    return (_long(f[0], "Add.a"), _long(f[1], "Add.b"))


def _Add_sres(r: object) -> list[object]:
    return [_long(r, "Add.retval")]


def _Add_cout(w: object) -> int:
    f = _codec.fields(w, 1, "Add")
    return _long(f[0], "Add.retval")


# Slow
def _Slow_cin(ms: int) -> list[object]:
    return [_long(ms, "Slow.ms")]


def _Slow_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Slow")
    return (_long(f[0], "Slow.ms"),)


def _Slow_sout(retval: int, c: int) -> list[object]:
    return [_long(retval, "Slow.retval"), _long(c, "Slow.c")]


def _Slow_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 2, "Slow")
    return _Slow_sout(*t)  # type: ignore[arg-type]


def _Slow_cout(w: object) -> SlowResult:
    f = _codec.fields(w, 2, "Slow")
    return SlowResult(_long(f[0], "Slow.retval"), _long(f[1], "Slow.c"))


class SlowHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self, retval: int, *, c: int) -> None:
        self._reply(retval, c)


# Ping
def _Ping_cin() -> list[object]:
    return []


def _Ping_sin(w: object) -> tuple[object, ...]:
    _codec.fields(w, 0, "Ping")
    return ()


def _Ping_sout() -> list[object]:
    return []


def _Ping_sres(r: object) -> list[object]:
    return []


def _Ping_cout(w: object) -> None:
    _codec.fields(w, 0, "Ping")


class PingHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self) -> None:
        self._reply()


# Who
def _Who_cin(x: int) -> list[object]:
    return [_long(x, "Who.x")]


def _Who_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Who")
    return (_long(f[0], "Who.x"),)


def _Who_sres(r: object) -> list[object]:
    return [_long(r, "Who.retval")]


def _Who_cout(w: object) -> int:
    f = _codec.fields(w, 1, "Who")
    return _long(f[0], "Who.retval")


# Fail
def _Fail_cin(code: int) -> list[object]:
    return [_long(code, "Fail.code")]


def _Fail_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Fail")
    return (_long(f[0], "Fail.code"),)


def _Fail_sres(r: object) -> list[object]:
    return []


def _Fail_cout(w: object) -> None:
    _codec.fields(w, 0, "Fail")


# Echo
def _Echo_cin(s: str) -> list[object]:
    return [_str(s, "Echo.s")]


def _Echo_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Echo")
    return (_str(f[0], "Echo.s"),)


def _Echo_sres(r: object) -> list[object]:
    return [_str(r, "Echo.retval")]


def _Echo_cout(w: object) -> str:
    f = _codec.fields(w, 1, "Echo")
    return _str(f[0], "Echo.retval")


_P_Add: idlrt.Procedure[int] = idlrt.Procedure(
    "Add", 0, False, "Add", _Add_cin, _Add_cout, _Add_sin, _Add_sres, _Add_sres
)
_P_Slow: idlrt.Procedure[SlowResult] = idlrt.Procedure(
    "Slow", 1, True, "Slow", _Slow_cin, _Slow_cout, _Slow_sin, _Slow_sout, _Slow_sres, SlowHandle
)
_P_Ping: idlrt.Procedure[None] = idlrt.Procedure(
    "Ping", 2, True, "Ping", _Ping_cin, _Ping_cout, _Ping_sin, _Ping_sout, _Ping_sres, PingHandle
)
_P_Who: idlrt.Procedure[int] = idlrt.Procedure(
    "Who",
    3,
    False,
    "Who",
    _Who_cin,
    _Who_cout,
    _Who_sin,
    _Who_sres,
    _Who_sres,
    context_positions=(0,),
)
_P_Fail: idlrt.Procedure[None] = idlrt.Procedure(
    "Fail", 4, False, "Fail", _Fail_cin, _Fail_cout, _Fail_sin, _Fail_sres, _Fail_sres
)
_P_Echo: idlrt.Procedure[str] = idlrt.Procedure(
    "Echo", 5, False, "Echo", _Echo_cin, _Echo_cout, _Echo_sin, _Echo_sres, _Echo_sres
)

CALC = idlrt.Interface(
    "Calc", CALC_UUID, (1, 2), (_P_Add, _P_Slow, _P_Ping, _P_Who, _P_Fail, _P_Echo)
)


class CalcManager(idlrt.Manager):
    _idl_interface_: ClassVar[idlrt.Interface] = CALC

    def Add(self, a: int, b: int) -> int:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Add")

    def Slow(self, handle: SlowHandle, ms: int) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Slow")

    def Ping(self, handle: PingHandle) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Ping")

    def Who(self, h: idlrt.CallContext, x: int) -> int:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Who")

    def Fail(self, code: int) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Fail")

    def Echo(self, s: str) -> str:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Calc.Echo")


class CalcAsyncClient(idlrt.AsyncClient):
    _idl_interface_: ClassVar[idlrt.Interface] = CALC

    async def Add(self, a: int, b: int) -> int:
        return await self._call(_P_Add, (a, b))

    def Slow(self, ms: int) -> idlrt.AsyncCall[SlowResult]:
        return self._start(_P_Slow, (ms,))

    def Ping(self) -> idlrt.AsyncCall[None]:
        return self._start(_P_Ping, ())

    async def Who(self, x: int) -> int:
        return await self._call(_P_Who, (x,))

    async def Fail(self, code: int) -> None:
        return await self._call(_P_Fail, (code,))

    async def Echo(self, s: str) -> str:
        return await self._call(_P_Echo, (s,))


class CalcClient(idlrt.Client):
    _idl_interface_: ClassVar[idlrt.Interface] = CALC

    def Add(self, a: int, b: int) -> int:
        return self._call(_P_Add, (a, b))

    def Slow(self, ms: int) -> idlrt.AsyncCall[SlowResult]:
        return self._start(_P_Slow, (ms,))

    def Ping(self) -> idlrt.AsyncCall[None]:
        return self._start(_P_Ping, ())

    def Who(self, x: int) -> int:
        return self._call(_P_Who, (x,))

    def Fail(self, code: int) -> None:
        return self._call(_P_Fail, (code,))

    def Echo(self, s: str) -> str:
        return self._call(_P_Echo, (s,))


def variant(
    name: str, uuid: str = CALC_UUID, version: tuple[int, int] = (1, 2), extra: int = 0
) -> type[CalcAsyncClient]:
    """A client class for another version/uuid of Calc, optionally with extra opnums."""
    procs: list[idlrt.Procedure[Any]] = list(CALC.procedures)
    for i in range(extra):
        opnum = len(procs)
        procs.append(
            idlrt.Procedure(
                f"X{i}",
                opnum,
                False,
                f"X{i}",
                _Ping_cin,
                _Ping_cout,
                _Ping_sin,
                _Ping_sout,
                _Ping_sres,
            )
        )
    iface = idlrt.Interface(name, uuid, version, tuple(procs))
    return type(name, (CalcAsyncClient,), {"_idl_interface_": iface})


def call_extra(client: CalcAsyncClient, opnum: int) -> Any:
    """Call procedure ``opnum`` of a ``variant`` client."""
    return client._call(client._idl_interface_.procedures[opnum], ())


# --- interface Counter: context handles, as generated code calls the codec helpers ---------
#
#   [uuid(3f2504e0-4f89-11d3-9a0c-0305e82c3301), version(1.0)]
#   interface Counter {
#       typedef [context_handle] void *PCOUNTER;
#       long Open([in] long start, [out] PCOUNTER *ph);
#       long Read([in] PCOUNTER h);
#       void Close([in, out] PCOUNTER *ph);
#       [async] long Hold([in] PCOUNTER h);
#       [async] void Reset([in, out] PCOUNTER *ph, [in] long value);
#       [async] void OpenAsync([out] PCOUNTER *ph, [out] long *n);
#       void OpenAnon([out, context_handle] void **ph);
#       long ReadAnon([in, context_handle] void *h);
#   }

COUNTER_UUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


class OpenResult(NamedTuple):
    retval: int
    ph: idlrt.ContextHandle | None


class CloseResult(NamedTuple):
    ph: idlrt.ContextHandle | None


class ResetResult(NamedTuple):
    ph: idlrt.ContextHandle | None


class OpenAsyncResult(NamedTuple):
    ph: idlrt.ContextHandle | None
    n: int


class OpenAnonResult(NamedTuple):
    ph: idlrt.ContextHandle | None


# Open
def _Open_cin(start: int) -> list[object]:
    return [_long(start, "Open.start")]


def _Open_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Open")
    return (_long(f[0], "Open.start"),)


def _Open_sout(retval: int, ph: object) -> list[object]:
    return [_long(retval, "Open.retval"), _codec.ctx_to_client(ph, "Open.ph", "PCOUNTER")]


def _Open_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 2, "Open")
    return _Open_sout(*t)  # type: ignore[arg-type]


def _Open_cout(w: object) -> OpenResult:
    f = _codec.fields(w, 2, "Open")
    return OpenResult(_long(f[0], "Open.retval"), _codec.ctx_from_server(f[1], "Open.ph"))


# Read
def _Read_cin(h: idlrt.ContextHandle) -> list[object]:
    return [_codec.ctx_to_server(h, "Read.h", False)]


def _Read_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Read")
    return (_codec.ctx_from_client(f[0], "Read.h", "PCOUNTER", False),)


def _Read_sres(r: object) -> list[object]:
    return [_long(r, "Read.retval")]


def _Read_cout(w: object) -> int:
    f = _codec.fields(w, 1, "Read")
    return _long(f[0], "Read.retval")


# Close
def _Close_cin(ph: idlrt.ContextHandle | None) -> list[object]:
    return [_codec.ctx_to_server(ph, "Close.ph", True)]


def _Close_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Close")
    return (_codec.ctx_from_client(f[0], "Close.ph", "PCOUNTER", True),)


def _Close_sout(ph: object) -> list[object]:
    return [_codec.ctx_to_client(ph, "Close.ph", "PCOUNTER")]


def _Close_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 1, "Close")
    return _Close_sout(*t)


def _Close_cout(w: object) -> CloseResult:
    f = _codec.fields(w, 1, "Close")
    return CloseResult(_codec.ctx_from_server(f[0], "Close.ph"))


# Hold
def _Hold_cin(h: idlrt.ContextHandle) -> list[object]:
    return [_codec.ctx_to_server(h, "Hold.h", False)]


def _Hold_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "Hold")
    return (_codec.ctx_from_client(f[0], "Hold.h", "PCOUNTER", False),)


def _Hold_sout(retval: int) -> list[object]:
    return [_long(retval, "Hold.retval")]


def _Hold_sres(r: object) -> list[object]:
    return _Hold_sout(r)  # type: ignore[arg-type]


def _Hold_cout(w: object) -> int:
    f = _codec.fields(w, 1, "Hold")
    return _long(f[0], "Hold.retval")


class HoldHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self, retval: int) -> None:
        self._reply(retval)


# Reset
def _Reset_cin(ph: idlrt.ContextHandle | None, value: int) -> list[object]:
    return [_codec.ctx_to_server(ph, "Reset.ph", True), _long(value, "Reset.value")]


def _Reset_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 2, "Reset")
    return (
        _codec.ctx_from_client(f[0], "Reset.ph", "PCOUNTER", True),
        _long(f[1], "Reset.value"),
    )


def _Reset_sout(ph: object) -> list[object]:
    return [_codec.ctx_to_client(ph, "Reset.ph", "PCOUNTER")]


def _Reset_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 1, "Reset")
    return _Reset_sout(*t)


def _Reset_cout(w: object) -> ResetResult:
    f = _codec.fields(w, 1, "Reset")
    return ResetResult(_codec.ctx_from_server(f[0], "Reset.ph"))


class ResetHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self, *, ph: object) -> None:
        self._reply(ph)


# OpenAsync
def _OpenAsync_cin() -> list[object]:
    return []


def _OpenAsync_sin(w: object) -> tuple[object, ...]:
    _codec.fields(w, 0, "OpenAsync")
    return ()


def _OpenAsync_sout(ph: object, n: int) -> list[object]:
    return [_codec.ctx_to_client(ph, "OpenAsync.ph", "PCOUNTER"), _long(n, "OpenAsync.n")]


def _OpenAsync_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 2, "OpenAsync")
    return _OpenAsync_sout(*t)  # type: ignore[arg-type]


def _OpenAsync_cout(w: object) -> OpenAsyncResult:
    f = _codec.fields(w, 2, "OpenAsync")
    return OpenAsyncResult(_codec.ctx_from_server(f[0], "OpenAsync.ph"), _long(f[1], "OpenAsync.n"))


class OpenAsyncHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self, *, ph: object, n: int) -> None:
        self._reply(ph, n)


# OpenAnon
def _OpenAnon_cin() -> list[object]:
    return []


def _OpenAnon_sin(w: object) -> tuple[object, ...]:
    _codec.fields(w, 0, "OpenAnon")
    return ()


def _OpenAnon_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 1, "OpenAnon")
    return [_codec.ctx_to_client(t[0], "OpenAnon.ph", "")]


def _OpenAnon_cout(w: object) -> OpenAnonResult:
    f = _codec.fields(w, 1, "OpenAnon")
    return OpenAnonResult(_codec.ctx_from_server(f[0], "OpenAnon.ph"))


# ReadAnon
def _ReadAnon_cin(h: idlrt.ContextHandle) -> list[object]:
    return [_codec.ctx_to_server(h, "ReadAnon.h", False)]


def _ReadAnon_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 1, "ReadAnon")
    return (_codec.ctx_from_client(f[0], "ReadAnon.h", "", False),)


def _ReadAnon_sres(r: object) -> list[object]:
    return [_long(r, "ReadAnon.retval")]


def _ReadAnon_cout(w: object) -> int:
    f = _codec.fields(w, 1, "ReadAnon")
    return _long(f[0], "ReadAnon.retval")


_P_Open: idlrt.Procedure[OpenResult] = idlrt.Procedure(
    "Open",
    0,
    False,
    "Open",
    _Open_cin,
    _Open_cout,
    _Open_sin,
    _Open_sout,
    _Open_sres,
    context_handles=True,
)
_P_Read: idlrt.Procedure[int] = idlrt.Procedure(
    "Read",
    1,
    False,
    "Read",
    _Read_cin,
    _Read_cout,
    _Read_sin,
    _Read_sres,
    _Read_sres,
    context_handles=True,
)
_P_Close: idlrt.Procedure[CloseResult] = idlrt.Procedure(
    "Close",
    2,
    False,
    "Close",
    _Close_cin,
    _Close_cout,
    _Close_sin,
    _Close_sout,
    _Close_sres,
    context_handles=True,
)
_P_Hold: idlrt.Procedure[int] = idlrt.Procedure(
    "Hold",
    3,
    True,
    "Hold",
    _Hold_cin,
    _Hold_cout,
    _Hold_sin,
    _Hold_sout,
    _Hold_sres,
    HoldHandle,
    context_handles=True,
)
_P_Reset: idlrt.Procedure[ResetResult] = idlrt.Procedure(
    "Reset",
    4,
    True,
    "Reset",
    _Reset_cin,
    _Reset_cout,
    _Reset_sin,
    _Reset_sout,
    _Reset_sres,
    ResetHandle,
    context_handles=True,
)
_P_OpenAsync: idlrt.Procedure[OpenAsyncResult] = idlrt.Procedure(
    "OpenAsync",
    5,
    True,
    "OpenAsync",
    _OpenAsync_cin,
    _OpenAsync_cout,
    _OpenAsync_sin,
    _OpenAsync_sout,
    _OpenAsync_sres,
    OpenAsyncHandle,
    context_handles=True,
)
_P_OpenAnon: idlrt.Procedure[OpenAnonResult] = idlrt.Procedure(
    "OpenAnon",
    6,
    False,
    "OpenAnon",
    _OpenAnon_cin,
    _OpenAnon_cout,
    _OpenAnon_sin,
    _OpenAnon_sres,
    _OpenAnon_sres,
    context_handles=True,
)
_P_ReadAnon: idlrt.Procedure[int] = idlrt.Procedure(
    "ReadAnon",
    7,
    False,
    "ReadAnon",
    _ReadAnon_cin,
    _ReadAnon_cout,
    _ReadAnon_sin,
    _ReadAnon_sres,
    _ReadAnon_sres,
    context_handles=True,
)

COUNTER = idlrt.Interface(
    "Counter",
    COUNTER_UUID,
    (1, 0),
    (_P_Open, _P_Read, _P_Close, _P_Hold, _P_Reset, _P_OpenAsync, _P_OpenAnon, _P_ReadAnon),
)


class CounterManager(idlrt.Manager):
    _idl_interface_: ClassVar[idlrt.Interface] = COUNTER

    def Open(self, start: int) -> OpenResult:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.Open")

    def Read(self, h: Any) -> int:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.Read")

    def Close(self, ph: Any) -> CloseResult:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.Close")

    def Hold(self, handle: HoldHandle, h: Any) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.Hold")

    def Reset(self, handle: ResetHandle, ph: Any, value: int) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.Reset")

    def OpenAsync(self, handle: OpenAsyncHandle) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.OpenAsync")

    def OpenAnon(self) -> OpenAnonResult:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.OpenAnon")

    def ReadAnon(self, h: Any) -> int:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Counter.ReadAnon")


class CounterAsyncClient(idlrt.AsyncClient):
    _idl_interface_: ClassVar[idlrt.Interface] = COUNTER

    async def Open(self, start: int) -> OpenResult:
        return await self._call(_P_Open, (start,))

    async def Read(self, h: idlrt.ContextHandle) -> int:
        return await self._call(_P_Read, (h,))

    async def Close(self, ph: idlrt.ContextHandle | None) -> CloseResult:
        return await self._call(_P_Close, (ph,))

    def Hold(self, h: idlrt.ContextHandle) -> idlrt.AsyncCall[int]:
        return self._start(_P_Hold, (h,))

    def Reset(self, ph: idlrt.ContextHandle | None, value: int) -> idlrt.AsyncCall[ResetResult]:
        return self._start(_P_Reset, (ph, value))

    def OpenAsync(self) -> idlrt.AsyncCall[OpenAsyncResult]:
        return self._start(_P_OpenAsync, ())

    async def OpenAnon(self) -> OpenAnonResult:
        return await self._call(_P_OpenAnon, ())

    async def ReadAnon(self, h: idlrt.ContextHandle) -> int:
        return await self._call(_P_ReadAnon, (h,))


class CounterClient(idlrt.Client):
    _idl_interface_: ClassVar[idlrt.Interface] = COUNTER

    def Open(self, start: int) -> OpenResult:
        return self._call(_P_Open, (start,))

    def Read(self, h: idlrt.ContextHandle) -> int:
        return self._call(_P_Read, (h,))

    def Close(self, ph: idlrt.ContextHandle | None) -> CloseResult:
        return self._call(_P_Close, (ph,))

    def Hold(self, h: idlrt.ContextHandle) -> idlrt.AsyncCall[int]:
        return self._start(_P_Hold, (h,))


# --- interface Paint: the values rule 7 and rule 16 refuse (null [ref], enum, size_is) ------
#
#   typedef enum { RED = 0, GREEN = 1 } COLOR;
#   [uuid(9a1c3e2d-0b7f-4c55-8e61-2f4d8a6b0c13), version(1.0)]
#   interface Paint {
#       [async] void Mix([in] COLOR c, [in, ref] long *r, [in] long n,
#                        [in, size_is(n)] long a[],
#                        [out] COLOR *oc, [out, ref] long *or, [out] long *m,
#                        [out, size_is(*m)] long b[]);
#   }

PAINT_UUID = "9a1c3e2d-0b7f-4c55-8e61-2f4d8a6b0c13"
_COLOR_VALUES = frozenset((0, 1))


class MixResult(NamedTuple):
    oc: int
    or_: int
    m: int
    b: list[int]


def _color(v: object, path: str) -> int:
    if type(v) is not int or v not in _COLOR_VALUES:
        raise _codec.enum_error(v, "COLOR", path)
    return v


def _ref_long(v: object, path: str) -> int:
    if v is None:
        raise _codec.null_ref(path)
    return _long(v, path)


def _longs(v: object, path: str) -> list[int]:
    if type(v) is not list:
        raise _codec.type_error(v, "list", path)
    return [_long(x, f"{path}[{i}]") for i, x in enumerate(v)]


def _Mix_cin(c: int, r: int, n: int, a: list[int]) -> list[object]:
    _codec.check_count(a, n, "Mix.a", "size_is(n)")
    return [_color(c, "Mix.c"), _ref_long(r, "Mix.r"), _long(n, "Mix.n"), _longs(a, "Mix.a")]


def _Mix_sin(w: object) -> tuple[object, ...]:
    f = _codec.fields(w, 4, "Mix")
    c, r, n, a = (
        _color(f[0], "Mix.c"),
        _ref_long(f[1], "Mix.r"),
        _long(f[2], "Mix.n"),
        _longs(f[3], "Mix.a"),
    )
    _codec.check_count(a, n, "Mix.a", "size_is(n)")
    return (c, r, n, a)


def _Mix_sout(oc: int, or_: int, m: int, b: list[int]) -> list[object]:
    _codec.check_count(b, m, "Mix.b", "size_is(*m)")
    return [_color(oc, "Mix.oc"), _ref_long(or_, "Mix.or"), _long(m, "Mix.m"), _longs(b, "Mix.b")]


def _Mix_sres(r: object) -> list[object]:
    t = _codec.result_tuple(r, 4, "Mix")
    return _Mix_sout(*t)  # type: ignore[arg-type]


def _Mix_cout(w: object) -> MixResult:
    f = _codec.fields(w, 4, "Mix")
    return MixResult(
        _color(f[0], "Mix.oc"),
        _ref_long(f[1], "Mix.or"),
        _long(f[2], "Mix.m"),
        _longs(f[3], "Mix.b"),
    )


class MixHandle(idlrt.AsyncHandle):
    __slots__ = ()

    def complete(self, *, oc: int, or_: int, m: int, b: list[int]) -> None:
        self._reply(oc, or_, m, b)


_P_Mix: idlrt.Procedure[MixResult] = idlrt.Procedure(
    "Mix", 0, True, "Mix", _Mix_cin, _Mix_cout, _Mix_sin, _Mix_sout, _Mix_sres, MixHandle
)
PAINT = idlrt.Interface("Paint", PAINT_UUID, (1, 0), (_P_Mix,))


class PaintManager(idlrt.Manager):
    _idl_interface_: ClassVar[idlrt.Interface] = PAINT

    def Mix(self, handle: MixHandle, c: int, r: int, n: int, a: list[int]) -> None:
        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "Paint.Mix")


class PaintAsyncClient(idlrt.AsyncClient):
    _idl_interface_: ClassVar[idlrt.Interface] = PAINT

    def Mix(self, c: int, r: int, n: int, a: list[int]) -> idlrt.AsyncCall[MixResult]:
        return self._start(_P_Mix, (c, r, n, a))

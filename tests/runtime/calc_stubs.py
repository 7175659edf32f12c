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
        self._reply(_Slow_sout, retval, c)


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
        self._reply(_Ping_sout)


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
    "Add", 0, False, "Add", _Add_cout, _Add_sin, _Add_sres
)
_P_Slow: idlrt.Procedure[SlowResult] = idlrt.Procedure(
    "Slow", 1, True, "Slow", _Slow_cout, _Slow_sin, _Slow_sres, SlowHandle
)
_P_Ping: idlrt.Procedure[None] = idlrt.Procedure(
    "Ping", 2, True, "Ping", _Ping_cout, _Ping_sin, _Ping_sres, PingHandle
)
_P_Who: idlrt.Procedure[int] = idlrt.Procedure(
    "Who", 3, False, "Who", _Who_cout, _Who_sin, _Who_sres, context_positions=(0,)
)
_P_Fail: idlrt.Procedure[None] = idlrt.Procedure(
    "Fail", 4, False, "Fail", _Fail_cout, _Fail_sin, _Fail_sres
)
_P_Echo: idlrt.Procedure[str] = idlrt.Procedure(
    "Echo", 5, False, "Echo", _Echo_cout, _Echo_sin, _Echo_sres
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
        return await self._call(_P_Add, _Add_cin(a, b))

    def Slow(self, ms: int) -> idlrt.AsyncCall[SlowResult]:
        return self._start(_P_Slow, _Slow_cin(ms))

    def Ping(self) -> idlrt.AsyncCall[None]:
        return self._start(_P_Ping, _Ping_cin())

    async def Who(self, x: int) -> int:
        return await self._call(_P_Who, _Who_cin(x))

    async def Fail(self, code: int) -> None:
        return await self._call(_P_Fail, _Fail_cin(code))

    async def Echo(self, s: str) -> str:
        return await self._call(_P_Echo, _Echo_cin(s))


class CalcClient(idlrt.Client):
    _idl_interface_: ClassVar[idlrt.Interface] = CALC

    def Add(self, a: int, b: int) -> int:
        return self._call(_P_Add, _Add_cin(a, b))

    def Slow(self, ms: int) -> idlrt.AsyncCall[SlowResult]:
        return self._start(_P_Slow, _Slow_cin(ms))

    def Ping(self) -> idlrt.AsyncCall[None]:
        return self._start(_P_Ping, _Ping_cin())

    def Who(self, x: int) -> int:
        return self._call(_P_Who, _Who_cin(x))

    def Fail(self, code: int) -> None:
        return self._call(_P_Fail, _Fail_cin(code))

    def Echo(self, s: str) -> str:
        return self._call(_P_Echo, _Echo_cin(s))


def variant(
    name: str, uuid: str = CALC_UUID, version: tuple[int, int] = (1, 2), extra: int = 0
) -> type[CalcAsyncClient]:
    """A client class for another version/uuid of Calc, optionally with extra opnums."""
    procs: list[idlrt.Procedure[Any]] = list(CALC.procedures)
    for i in range(extra):
        opnum = len(procs)
        procs.append(
            idlrt.Procedure(f"X{i}", opnum, False, f"X{i}", _Ping_cout, _Ping_sin, _Ping_sres)
        )
    iface = idlrt.Interface(name, uuid, version, tuple(procs))
    return type(name, (CalcAsyncClient,), {"_idl_interface_": iface})


def call_extra(client: CalcAsyncClient, opnum: int) -> Any:
    """Call procedure ``opnum`` of a ``variant`` client."""
    return client._call(client._idl_interface_.procedures[opnum], [])

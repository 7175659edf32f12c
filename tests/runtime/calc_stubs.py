"""The runtime tests' stubs: what idlc generates from idl/Calc.idl, idl/Counter.idl and
idl/Paint.idl, compiled once per test session into a temporary directory.

The tests import the generated names from here. The client classes are the generated ones
with one addition: ``connect`` speaks the wire the running test is parametrized with
(``support.WIRE``, set by the ``wire`` fixture of tests/conftest.py) unless the test names
one, so the same test bodies run over msgpack and over DCE/RPC. ``variant`` and
``call_extra`` build clients of other versions or UUIDs of Calc, and with opnums the server
does not have.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

import idlrt
import support
from support import compile_package, import_generated

IDL = Path(__file__).resolve().parent / "idl"


def _compile() -> tuple[Any, Any, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="idlrt-test-stubs-"))
    atexit.register(shutil.rmtree, tmp, True)
    out = tmp / "rt_stubs"
    for name in ("Calc", "Counter", "Paint"):
        compile_package(IDL / f"{name}.idl", out)
    return (
        import_generated(out, "calc"),
        import_generated(out, "counter"),
        import_generated(out, "paint"),
    )


_calc, _counter, _paint = _compile()


def _on_wire(client: Any, wire: str) -> Any:
    assert client._conn.ndr == (wire == "dcerpc"), f"{client!r} is not on {wire}"
    return client


class _AsyncOnTestWire(idlrt.AsyncClient):
    @classmethod
    async def connect(cls, binding: str, **kwargs: Any) -> Any:
        wire = kwargs.setdefault("wire", support.WIRE)
        return _on_wire(await super().connect(binding, **kwargs), wire)


class _BlockingOnTestWire(idlrt.Client):
    @classmethod
    def connect(cls, binding: str, **kwargs: Any) -> Any:
        wire = kwargs.setdefault("wire", support.WIRE)
        return _on_wire(super().connect(binding, **kwargs), wire)


# --- interface Calc ----------------------------------------------------------------------

CALC: idlrt.Interface = _calc._Calc_INTERFACE
CALC_UUID = CALC.uuid
SlowResult = _calc.SlowResult
SlowHandle = _calc.SlowHandle
PingHandle = _calc.PingHandle
CalcManager = _calc.CalcManager
_P_Add, _P_Slow, _P_Ping, _P_Who, _P_Fail, _P_Echo = CALC.procedures


class CalcAsyncClient(_AsyncOnTestWire, _calc.CalcAsyncClient):  # type: ignore[misc,name-defined]
    pass


class CalcClient(_BlockingOnTestWire, _calc.CalcClient):  # type: ignore[misc,name-defined]
    pass


def variant(
    name: str, uuid: str = CALC_UUID, version: tuple[int, int] = (1, 2), extra: int = 0
) -> type[CalcAsyncClient]:
    """A client class for another version/uuid of Calc, optionally with extra opnums (each
    a synchronous ``void X<i>(void)``, on both wires' stubs as Ping's)."""
    procs: list[idlrt.Procedure[Any]] = list(CALC.procedures)
    for i in range(extra):
        procs.append(
            dataclasses.replace(
                _P_Ping,
                name=f"X{i}",
                opnum=len(procs),
                is_async=False,
                method=f"X{i}",
                handle_class=idlrt.AsyncHandle,
            )
        )
    iface = idlrt.Interface(name, uuid, version, tuple(procs))
    return type(name, (CalcAsyncClient,), {"_idl_interface_": iface})


def call_extra(client: CalcAsyncClient, opnum: int) -> Any:
    """Call procedure ``opnum`` of a ``variant`` client."""
    return client._call(client._idl_interface_.procedures[opnum], ())


# --- interface Counter: context handles ----------------------------------------------------

COUNTER: idlrt.Interface = _counter._Counter_INTERFACE
COUNTER_UUID = COUNTER.uuid
OpenResult = _counter.OpenResult
CloseResult = _counter.CloseResult
ResetResult = _counter.ResetResult
OpenAsyncResult = _counter.OpenAsyncResult
OpenAnonResult = _counter.OpenAnonResult
HoldHandle = _counter.HoldHandle
ResetHandle = _counter.ResetHandle
OpenAsyncHandle = _counter.OpenAsyncHandle
CounterManager = _counter.CounterManager


class CounterAsyncClient(_AsyncOnTestWire, _counter.CounterAsyncClient):  # type: ignore[misc,name-defined]
    pass


class CounterClient(_BlockingOnTestWire, _counter.CounterClient):  # type: ignore[misc,name-defined]
    pass


# --- interface Paint: the values rule 7 and rule 16 refuse (null [ref], enum, size_is) ------

PAINT: idlrt.Interface = _paint._Paint_INTERFACE
PAINT_UUID = PAINT.uuid
COLOR = _paint.COLOR
MixResult = _paint.MixResult
MixHandle = _paint.MixHandle
PaintManager = _paint.PaintManager


class PaintAsyncClient(_AsyncOnTestWire, _paint.PaintAsyncClient):  # type: ignore[misc,name-defined]
    pass

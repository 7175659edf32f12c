"""Shared pieces of the DCE/RPC wire tests: the test interface compiled by idlc, its manager,
a server on an ephemeral loopback port, and raw PDUs for the tests that play a bad peer."""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import idlrt
from idlrt.wire import dcerpc as pdu
from support import compile_package, import_generated

HERE = Path(__file__).resolve().parent
IDL = HERE / "dcetest.idl"
IFACE = uuid.UUID("0b8e8a6c-7f13-4c55-9d0e-2f5a3b1c9d71")


def compile_dcetest(out: Path) -> ModuleType:
    compile_package(IDL, out)
    return import_generated(out, "dcetest")


def make_manager(m: ModuleType) -> Any:
    class Impl(m.DceTestManager):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.parked: list[Any] = []
            self.contexts: list[idlrt.CallContext] = []
            self.runs_down = 0
            self.ran_down: asyncio.Event | None = None

        async def Echo(self, n: int, data: bytes) -> tuple[int, bytes]:
            return len(data), data[::-1]

        async def Add(self, a: int, b: int) -> int:
            return a + b

        def Later(self, handle: Any, v: int) -> None:
            self.parked.append((handle, v))

        async def Who(self, h: idlrt.CallContext, name: str) -> tuple[int, str]:
            self.contexts.append(h)
            return len(name), f"{name} via {h.wire}"

        async def Open(self, start: int) -> tuple[list[int]]:
            return ([start],)  # the one [out] value: a mutable counter behind the handle

        async def Next(self, counter: list[int]) -> int:
            counter[0] += 1
            return counter[0]

        def PCOUNTER_rundown(self, obj: object) -> None:
            self.runs_down += 1
            if self.ran_down is not None:
                self.ran_down.set()

    return Impl()


@asynccontextmanager
async def serving(m: ModuleType, manager: Any, **options: Any) -> AsyncIterator[tuple[Any, str]]:
    """A server of ``manager`` on 127.0.0.1, port chosen by the system: (server, binding)."""
    server = idlrt.Server(**options)
    server.register(manager)
    try:
        yield server, await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
    finally:
        await server.stop()


def port_of(binding: str) -> int:
    return int(binding.rsplit("[", 1)[1].rstrip("]"))


# -- raw PDUs, for a peer that misbehaves ------------------------------------------------------


def bind_pdu(
    call_id: int = 1,
    iface: uuid.UUID = IFACE,
    version: tuple[int, int] = (2, 1),
    contexts: int = 1,
    first_id: int = 0,
    ptype: int = pdu.BIND,
) -> bytes:
    elems = [
        pdu.ContextElem(first_id + i, iface, version, ((pdu.NDR20, 2),)) for i in range(contexts)
    ]
    return pdu.pdu(ptype, pdu.WHOLE, call_id, pdu.bind_body(5840, 5840, 0, elems))


def request_pdu(
    call_id: int, opnum: int, stub: bytes, flags: int = pdu.WHOLE, ctx_id: int = 0
) -> bytes:
    return pdu.pdu(pdu.REQUEST, flags, call_id, pdu.request_head(len(stub), ctx_id, opnum) + stub)


class RawPeer:
    """A client that writes whatever octets a test gives it and reads whole PDUs back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, binding: str) -> RawPeer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(binding))
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def pdu(self) -> tuple[pdu.Header, bytes] | None:
        """The next PDU the server sends, or None once it closes the connection."""
        try:
            head = await asyncio.wait_for(self.reader.readexactly(16), 10)
            length = struct.unpack_from("<H", head, 8)[0]
            rest = await asyncio.wait_for(self.reader.readexactly(length - 16), 10)
        except asyncio.IncompleteReadError:
            return None
        data = head + rest
        return pdu.parse_header(data), data

    async def closed(self) -> bytes:
        """Wait (10 s at most) until the server closes the connection; what it sent before."""
        try:
            return await asyncio.wait_for(self.reader.read(), 10)
        except ConnectionResetError:
            return b""

    def close(self) -> None:
        self.writer.close()

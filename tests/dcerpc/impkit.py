"""What the impacket interop tests share: shop.idl compiled by idlc, its manager, a server on
its own event loop in a thread (impacket's client blocks), impacket's spelling of shop.idl's
types and calls with its NDR classes, and an impacket client bound to the server."""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Awaitable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from Cryptodome.Cipher import ARC4
from impacket import ntlm
from impacket.dcerpc.v5 import dtypes, transport
from impacket.dcerpc.v5 import ndr as N
from impacket.dcerpc.v5.rpcrt import DCERPC_v5
from impacket.uuid import uuidtup_to_bin

import idlrt
from support import compile_package, import_generated

HERE = Path(__file__).resolve().parent
SHOP_IDL = HERE / "shop.idl"
SHOP_UUID = "3f1c6e2a-8d4b-4e59-a7c2-91b0d3e4f5a6"
SHOP = uuidtup_to_bin((SHOP_UUID, "1.0"))
TIMEOUT = 20.0  # seconds: a bound on every wait, never a synchronisation
T = TypeVar("T")


def compile_shop(outdir: Path) -> ModuleType:
    """shop.idl compiled by idlc into ``outdir`` and imported."""
    compile_package(SHOP_IDL, outdir)
    return import_generated(outdir, "shop")


def manager_of(shop: ModuleType) -> Any:
    """A manager of the generated ShopManager, recording what the tests look at."""

    class Shop(shop.ShopManager):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.parked: list[tuple[Any, int]] = []  # Later calls not completed yet
            self.parked_changed = threading.Condition(self.lock)
            self.completed_by: list[str] = []  # the threads that completed Later calls
            self.hold_until = 1  # Later completes once this many calls are parked
            self.seen: list[tuple[str | None, str | None, int]] = []

        def Total(self, order: Any) -> tuple[int, float, str | None]:
            items = order.items or []
            total = sum(item.price for item in items) - (order.discount or 0)
            names = ",".join(item.name or "?" for item in items)
            return 0, total, f"{names}|{order.kind}:{order.detail!r}"

        def Echo(self, n: int, data: bytes) -> tuple[int, int, bytes]:
            return 0, len(data), bytes(reversed(data))

        def Later(self, handle: Any, h: idlrt.CallContext, delay: int) -> None:
            # Returns at once; a thread of ours completes the call once enough are parked.
            with self.lock:
                self.parked.append((handle, delay))
                ready = len(self.parked) >= self.hold_until
                batch = self.parked[:] if ready else []
                if ready:
                    self.parked.clear()
                self.parked_changed.notify_all()
            if batch:
                threading.Thread(target=self._complete, args=(batch,), name="completer").start()

        def release(self) -> None:
            """Complete the parked Later calls now (the test's go-ahead)."""
            with self.lock:
                batch, self.parked = self.parked[:], []
            self._complete(batch)

        def _complete(self, batch: list[tuple[Any, int]]) -> None:
            for handle, delay in batch:
                self.completed_by.append(threading.current_thread().name)
                handle.complete(0, who=delay * 10)

        def Abort(self, handle: Any, code: int) -> None:
            handle.abort(code)

        def Fail(self, code: int) -> int:
            raise idlrt.RpcError(code, "the manager says no")

        def Whoami(self, h: idlrt.CallContext) -> tuple[int, str | None, int]:
            same = idlrt.call_context()
            assert (same.auth_user, same.auth_level) == (h.auth_user, h.auth_level)
            self.seen.append((h.auth_user, h.auth_domain, h.auth_level))
            return 0, h.auth_user, h.auth_level

    return Shop()


class ServerThread:
    """An ``idlrt.Server`` with ``manager`` on 127.0.0.1 (an ephemeral port), its event loop
    in a thread of its own."""

    def __init__(self, manager: Any, **kwargs: Any) -> None:
        self.manager = manager
        self.server = idlrt.Server(**kwargs)
        self.server.register(manager)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="server-loop")
        self.binding = ""
        self.port = 0

    def call(self, coro: Awaitable[T]) -> T:
        """Run ``coro`` on the server's loop and wait for it."""

        async def wrap() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(TIMEOUT)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        self.binding = self.call(self.server.listen("ncacn_ip_tcp:127.0.0.1[0]"))
        self.port = int(self.binding.rpartition("[")[2].rstrip("]"))
        return self

    def __exit__(self, *exc: object) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


class Recorder:
    """Everything an impacket client's transport receives from now on, and a check of the
    response PDUs' NTLM verifiers with impacket's own primitives, keyed from the session key
    and flags impacket's client negotiated (impacket's ``recv`` unseals replies but never
    checks their signatures)."""

    def __init__(self, dce: DCERPC_v5) -> None:
        self.dce = dce
        self.raw = bytearray()
        rpctransport = dce.get_rpc_transport()
        inner = rpctransport.recv

        def recording(*args: Any, **kwargs: Any) -> Any:
            data = inner(*args, **kwargs)
            self.raw += data
            return data

        rpctransport.recv = recording

    def verify_ntlm_replies(self) -> int:
        """Check every response PDU's signature in order; return how many there were."""
        flags = self.dce._DCERPC_v5__flags  # type: ignore[attr-defined]  # impacket keeps
        key = self.dce._DCERPC_v5__sessionKey  # type: ignore[attr-defined]  # them private
        sign_key = ntlm.SIGNKEY(flags, key, b"Server")
        rc4 = ARC4.new(ntlm.SEALKEY(flags, key, b"Server")).encrypt
        pos, seq, raw = 0, 0, self.raw
        while pos < len(raw):
            frag, auth = struct.unpack_from("<HH", raw, pos + 8)
            pdu = bytearray(raw[pos : pos + frag])
            pos += frag
            assert pdu[2] == 2 and auth == 16, "a protected response PDU"
            trailer = frag - auth - 8
            if pdu[trailer + 1] == 6:  # privacy: stub and pad sealed, signed in plaintext
                pdu[24:trailer] = rc4(bytes(pdu[24:trailer]))
            signature = ntlm.SIGN(flags, sign_key, bytes(pdu[: frag - auth]), seq, rc4)
            assert signature.getData() == bytes(pdu[frag - auth :]), f"response PDU {seq}"
            seq += 1
        return seq


def impacket_client(
    port: int,
    *,
    user: str | None = None,
    password: str = "",
    domain: str = "",
    level: int | None = None,
    bind: bytes | None = SHOP,
) -> DCERPC_v5:
    """impacket's DCE/RPC client connected to 127.0.0.1:``port`` (NTLM when ``user`` is
    given, at ``level``), bound to ``bind`` unless None."""
    rpctransport = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:127.0.0.1[{port}]")
    rpctransport.set_connect_timeout(TIMEOUT)
    if user is not None:
        rpctransport.set_credentials(user, password, domain)
    dce = rpctransport.get_dce_rpc()
    if level is not None:
        dce.set_auth_level(level)
    dce.connect()
    if bind is not None:
        dce.bind(bind)
    return dce


# -- impacket's spelling of shop.idl -----------------------------------------------------------

LPWSTR = dtypes.LPWSTR
NULL = N.NULL


class ITEM(N.NDRSTRUCT):
    structure = (("id", N.NDRULONG), ("name", LPWSTR), ("price", N.NDRDOUBLEFLOAT))


class ITEMS(N.NDRUniConformantArray):
    item = ITEM


class PITEMS(N.NDRPOINTER):
    referent = (("Data", ITEMS),)


class PLONG(N.NDRPOINTER):
    referent = (("Data", N.NDRLONG),)


class DETAIL(N.NDRUNION):
    commonHdr = (("tag", N.NDRULONG),)
    union = {1: ("count", N.NDRLONG), 2: ("text", LPWSTR)}


class ORDER(N.NDRSTRUCT):
    structure = (
        ("n", N.NDRULONG),
        ("items", PITEMS),
        ("discount", PLONG),
        ("kind", N.NDRLONG),
        ("detail", DETAIL),
    )


class BYTES(N.NDRUniConformantArray):
    item = "c"


# A top-level [in] or [out] pointer is a [ref] pointer: its referent in place.


class Total(N.NDRCALL):
    opnum = 0
    structure = (("order", ORDER),)


class TotalResponse(N.NDRCALL):
    structure = (("sum", N.NDRDOUBLEFLOAT), ("summary", LPWSTR), ("ErrorCode", N.NDRLONG))


class Echo(N.NDRCALL):
    opnum = 1
    structure = (("n", N.NDRLONG), ("data", BYTES))


class EchoResponse(N.NDRCALL):
    structure = (("length", N.NDRLONG), ("back", BYTES), ("ErrorCode", N.NDRLONG))


class Later(N.NDRCALL):
    opnum = 2
    structure = (("delay", N.NDRLONG),)


class LaterResponse(N.NDRCALL):
    structure = (("who", N.NDRLONG), ("ErrorCode", N.NDRLONG))


class Abort(N.NDRCALL):
    opnum = 3
    structure = (("code", N.NDRLONG),)


class AbortResponse(N.NDRCALL):
    structure = (("ErrorCode", N.NDRULONG),)


class Fail(N.NDRCALL):
    opnum = 4
    structure = (("code", N.NDRLONG),)


class FailResponse(N.NDRCALL):
    structure = (("ErrorCode", N.NDRLONG),)


class Whoami(N.NDRCALL):
    opnum = 5
    structure = ()


class WhoamiResponse(N.NDRCALL):
    structure = (("user", LPWSTR), ("level", N.NDRLONG), ("ErrorCode", N.NDRLONG))


def echo_request(data: bytes) -> Echo:
    request = Echo()
    request["n"] = len(data)
    request["data"] = list(data)  # impacket's "c" items: one octet each
    return request

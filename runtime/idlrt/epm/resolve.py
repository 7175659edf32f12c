"""The client's side of the endpoint mapper: ``resolve_port`` asks a mapper (``ept_map``) for
the TCP port of an interface, for a binding that names a host but no port. Layer 6 (beside the
package), like the stubs it uses.

The DCE/RPC call itself is injected: ``ept_call(opnum, stub) -> reply stub`` sends one request
of the ept interface (e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, NDR20) to the mapper, usually
at port 135, and returns the reply's stub data; a fault raises ``RpcError`` there.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Final

from ..binding import Binding
from ..client import CallFailed
from ..dceclient import DceClientConnection
from ..errors import RpcError
from ..model import Interface
from ..status import EPT_S_NOT_REGISTERED, RPC_S_SERVER_UNAVAILABLE
from ..wire import tower as tw
from . import ept

__all__ = [
    "EPT_LOOKUP_HANDLE_FREE",
    "EPT_MAP",
    "EPT_UUID",
    "MAX_TOWERS",
    "EptCall",
    "map_endpoint",
    "resolve_port",
]

EptCall = Callable[[int, bytes], Awaitable[bytes]]
EPT_MAP: Final = 3
EPT_LOOKUP_HANDLE_FREE: Final = 4
MAX_TOWERS: Final = 4  # towers asked for at once; the first usable one is taken


async def resolve_port(
    ept_call: EptCall, interface_uuid: uuid.UUID | str, version: tuple[int, int]
) -> int:
    """The TCP port at which the mapper says ``interface_uuid`` (major, minor ``version``) is
    served over ``ncacn_ip_tcp``: the first tower of the reply for that interface and major
    version with a TCP port. Raises ``RpcError`` 1753 EPT_S_NOT_REGISTERED when the mapper
    knows none (status 0x16c9a0d6, or no such tower), the mapper's status as the code when it
    reports another failure, 1783 for a reply that cannot be decoded. If the mapper kept a
    handle to more towers, it is freed before returning (a failure to free is ignored)."""
    ident = interface_uuid if isinstance(interface_uuid, uuid.UUID) else uuid.UUID(interface_uuid)
    asked = tw.encode_tcp_tower(ident, version, "0.0.0.0", 0)
    stub = ept._ndr_ept_ept_map_cin(None, ept.twr_t(len(asked), asked), None, MAX_TOWERS)
    reply = ept._ndr_ept_ept_map_cout(await ept_call(EPT_MAP, stub))
    if reply.entry_handle is not None:
        free = ept._ndr_ept_ept_lookup_handle_free_cin(reply.entry_handle)
        # a failure to free leaves the towers good; the mapper runs the handle down
        with contextlib.suppress(RpcError):
            ept._ndr_ept_ept_lookup_handle_free_cout(await ept_call(EPT_LOOKUP_HANDLE_FREE, free))
    where = f"{ident} v{version[0]}.{version[1]}"
    if reply.status == ept.ept_s_not_registered:
        raise RpcError(EPT_S_NOT_REGISTERED, f"{where}: not registered with the endpoint mapper")
    if reply.status != 0:
        raise RpcError(reply.status, f"{where}: the endpoint mapper's ept_map failed")
    for twr in reply.towers:
        if twr is None:
            continue
        try:
            found = tw.decode_tower(twr.tower_octet_string)
        except RpcError:
            continue  # a tower we cannot read names no endpoint we could reach
        if (
            found.interface == ident
            and found.version[0] == version[0]
            and found.protseq == "ncacn_ip_tcp"
            and found.port
        ):
            return found.port
    raise RpcError(EPT_S_NOT_REGISTERED, f"{where}: the endpoint mapper gave no TCP endpoint")


EPT_UUID: Final = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"  # ept.idl's uuid
MAPPER_PORT: Final = 135


async def map_endpoint(binding: Binding, iface: Interface) -> int:
    """The port of ``iface`` at ``binding``'s host, from the endpoint mapper at port 135 (a
    DCE/RPC association of its own, closed after the lookup); 1722 if the mapper cannot be
    reached, 1753 if it knows no TCP endpoint for ``iface``."""
    loop = asyncio.get_running_loop()
    where = binding.with_port(MAPPER_PORT)
    try:
        _, conn = await loop.create_connection(
            lambda: DceClientConnection(loop, where), binding.connect_host, MAPPER_PORT
        )
    except OSError as exc:
        raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"{where}: {exc.strerror or exc}") from None
    try:
        ctx_id = await conn.bind(ept._ept_INTERFACE)

        async def ept_call(opnum: int, stub: bytes) -> bytes:
            fut: asyncio.Future[bytes] = loop.create_future()
            conn.request(ctx_id, ept._ept_INTERFACE.procedures[opnum], stub, fut, next(conn.ids))
            try:
                return await fut
            except CallFailed as exc:
                raise RpcError(exc.code, exc.detail) from None

        return await resolve_port(ept_call, iface.uuid, iface.version)
    finally:
        await conn.aclose()

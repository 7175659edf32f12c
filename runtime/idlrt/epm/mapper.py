"""The endpoint mapper's server side: ``EndpointMapper``, the manager of the ``ept`` interface
that answers ``ept_map`` and ``ept_lookup`` from a list of endpoints it asks for at each call,
and frees lookup handles. Layer 6 (beside the package): subclasses the generated manager.

What it answers, as Windows does ([MS-RPCE] 2.2.1.2.4-2.2.1.2.5, C706 appendix O):

- ``ept_map``: the towers of the registered endpoints of the interface in the request's tower,
  same UUID and major version, minor version at least the one asked, the same protocol
  sequence, NDR20 as transfer syntax; an entry registered without an object UUID matches any
  object. Nothing matches (or the tower cannot be read): status ``EPT_S_NOT_REGISTERED``
  (0x16c9a0d6), no tower.
- ``ept_lookup``: the entries by inquiry type (all, by interface with the version option, by
  object, by both), each with its tower and annotation.
- Both hand out at most ``max_towers`` / ``max_ents`` at a time. When more remain the reply
  carries a context handle holding the rest (a snapshot taken at the first call); the reply
  that gives the last ones has status 0 and a null handle, which closes it (Windows does so;
  Samba sends 0x16c9a0d6 with the last entries, which impacket's ``hept_lookup`` reads as an
  error). ``ept_lookup_handle_free`` closes a handle early.

``ept_insert``, ``ept_delete``, ``ept_inq_object`` and ``ept_mgmt_delete`` keep the generated
bodies (1764 RPC_S_CANNOT_SUPPORT): the map is the server's own list, not a database others
write to.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from ..callcontext import CallContext
from ..errors import RpcError
from ..server import Server
from ..status import RPC_X_SS_CONTEXT_MISMATCH
from ..wire import tower as tw
from . import ept

__all__ = ["EPT_S_NOT_REGISTERED", "Endpoint", "EndpointMapper", "from_uuid_t", "to_uuid_t"]

EPT_S_NOT_REGISTERED: Final = ept.ept_s_not_registered  # 0x16c9a0d6, the DCE status
NIL: Final = uuid.UUID(int=0)
_ANNOTATION_MAX: Final = ept.ept_max_annotation_size - 1  # 64 octets with the NUL


class Endpoint(NamedTuple):
    """One entry of the map: ``interface`` at ``version`` (major, minor) is served over
    ``protseq`` (``"ncacn_ip_tcp"``) at IPv4 ``host`` and TCP ``port``. A plain tuple in this
    order will do; ``object`` (nil by default) is the object UUID the entry is registered
    for, nil for any."""

    interface: uuid.UUID | str
    version: tuple[int, int]
    protseq: str
    host: str
    port: int
    annotation: str = ""
    object: uuid.UUID | str = NIL


@dataclass(frozen=True, slots=True)
class _Row:
    """An endpoint made ready for the wire."""

    interface: uuid.UUID
    version: tuple[int, int]
    protseq: str
    object: uuid.UUID
    tower: bytes
    annotation: str


@dataclass(slots=True)
class _Cursor:
    """What a lookup handle stands for: the operation that opened it and what it still has to
    give (rows for ept_lookup, towers for ept_map)."""

    operation: str
    rest: list[Any] = field(default_factory=list)


def to_uuid_t(u: uuid.UUID) -> ept.uuid_t:
    """A UUID as the generated ``uuid_t`` structure."""
    f = u.fields
    return ept.uuid_t(f[0], f[1], f[2], f[3], f[4], u.bytes[10:])


def from_uuid_t(v: ept.uuid_t) -> uuid.UUID:
    """The ``uuid_t`` structure as a UUID."""
    head = (v.time_low, v.time_mid, v.time_hi_and_version)
    return uuid.UUID(
        bytes=b"".join(n.to_bytes(size, "big") for n, size in zip(head, (4, 2, 2), strict=True))
        + bytes((v.clock_seq_hi_and_reserved, v.clock_seq_low))
        + bytes(v.node)
    )


def _row(e: Endpoint | tuple[object, ...]) -> _Row | None:
    """The row of an endpoint, or None for one no tower can describe (not ncacn_ip_tcp, or a
    host that is not IPv4, such as ``::1``)."""
    ep = e if isinstance(e, Endpoint) else Endpoint(*e)  # type: ignore[arg-type]
    if ep.protseq != "ncacn_ip_tcp":
        return None
    interface = ep.interface if isinstance(ep.interface, uuid.UUID) else uuid.UUID(ep.interface)
    obj = ep.object if isinstance(ep.object, uuid.UUID) else uuid.UUID(ep.object)
    version = (int(ep.version[0]), int(ep.version[1]))
    try:
        tower = tw.encode_tcp_tower(interface, version, ep.host, ep.port)
    except ValueError:
        return None
    note = ep.annotation[:_ANNOTATION_MAX].encode("latin-1", "replace").decode("latin-1")
    return _Row(interface, version, ep.protseq, obj, tower, note)


def _version_matches(have: tuple[int, int], want: tuple[int, int], option: int) -> bool:
    """``vers_option`` of ept_lookup ([MS-RPCE] 2.2.1.2.4); an unknown option matches none."""
    if option == ept.rpc_c_vers_all:
        return True
    if option == ept.rpc_c_vers_compatible:
        return have[0] == want[0] and have[1] >= want[1]
    if option == ept.rpc_c_vers_exact:
        return have == want
    if option == ept.rpc_c_vers_major_only:
        return have[0] == want[0]
    if option == ept.rpc_c_vers_upto:
        return have <= want
    return False


class EndpointMapper(ept.eptManager):
    """The ept manager of a server: ``EndpointMapper(lambda: [Endpoint(...), ...])``.

    ``endpoints`` is called at every ept_map and at the first ept_lookup of an enumeration,
    so the answer follows what the server listens on; it returns ``Endpoint`` values or tuples
    in their order. Entries other than ncacn_ip_tcp over IPv4 are left out (there is no tower
    for them here). Serve it with ``server.register(EndpointMapper(...))``.
    """

    def __init__(self, endpoints: Callable[[], Iterable[Endpoint | tuple[object, ...]]]) -> None:
        self._endpoints = endpoints

    def _rows(self) -> list[_Row]:
        return [r for r in map(_row, self._endpoints()) if r is not None]

    @staticmethod
    def _page(
        operation: str, cursor: object, found: Sequence[Any] | None, limit: int
    ) -> tuple[_Cursor | None, list[Any], int]:
        """The next page of at most ``limit``: from ``found`` on a first call, from the
        cursor's rest on a later one. The cursor comes back while anything remains, else None
        (the handle closes)."""
        if cursor is None:
            rest = list(found or ())
            if not rest:
                return None, [], EPT_S_NOT_REGISTERED
            cur = _Cursor(operation, rest)
        elif isinstance(cursor, _Cursor) and cursor.operation == operation:
            cur = cursor
        else:
            raise RpcError(RPC_X_SS_CONTEXT_MISMATCH, f"{operation}: not an {operation} handle")
        page, cur.rest = cur.rest[:limit], cur.rest[limit:]
        if not page and not cur.rest:
            return None, [], EPT_S_NOT_REGISTERED
        return (cur if cur.rest else None), page, 0

    def ept_map(
        self,
        h: CallContext,
        object: ept.uuid_p_t,
        map_tower: ept.twr_p_t,
        entry_handle: object,
        max_towers: int,
    ) -> tuple[object, int, list[ept.twr_p_t], int]:
        found = None
        if entry_handle is None:
            found = [ept.twr_t(len(r.tower), r.tower) for r in self._map(object, map_tower)]
        cursor, page, status = self._page("ept_map", entry_handle, found, max_towers)
        return cursor, len(page), page, status

    def _map(self, obj: ept.uuid_t | None, map_tower: ept.twr_t | None) -> list[_Row]:
        if map_tower is None:
            return []
        try:
            want = tw.decode_tower(map_tower.tower_octet_string)
        except RpcError:
            return []  # a tower that cannot be read names nothing we serve
        if (want.syntax, want.syntax_version) != tw.NDR20_SYNTAX or want.protseq is None:
            return []
        asked = NIL if obj is None else from_uuid_t(obj)
        return [
            r
            for r in self._rows()
            if r.interface == want.interface
            and r.version[0] == want.version[0]
            and r.version[1] >= want.version[1]
            and r.protseq == want.protseq
            and (r.object == NIL or r.object == asked)
        ]

    def ept_lookup(
        self,
        h: CallContext,
        inquiry_type: int,
        object: ept.uuid_p_t,
        interface_id: ept.rpc_if_id_p_t,
        vers_option: int,
        entry_handle: object,
        max_ents: int,
    ) -> tuple[object, int, list[ept.ept_entry_t], int]:
        found = None
        if entry_handle is None:
            found = [
                ept.ept_entry_t(to_uuid_t(r.object), ept.twr_t(len(r.tower), r.tower), r.annotation)
                for r in self._lookup(inquiry_type, object, interface_id, vers_option)
            ]
        cursor, page, status = self._page("ept_lookup", entry_handle, found, max_ents)
        return cursor, len(page), page, status

    def _lookup(
        self,
        inquiry_type: int,
        obj: ept.uuid_t | None,
        if_id: ept.rpc_if_id_t | None,
        vers_option: int,
    ) -> list[_Row]:
        by_if = inquiry_type in (ept.rpc_c_ep_match_by_if, ept.rpc_c_ep_match_by_both)
        by_obj = inquiry_type in (ept.rpc_c_ep_match_by_obj, ept.rpc_c_ep_match_by_both)
        if not by_if and not by_obj and inquiry_type != ept.rpc_c_ep_all_elts:
            return []  # an inquiry type C706 does not define
        rows = self._rows()
        if by_if and if_id is not None:  # a null Ifid specifies no interface
            want = from_uuid_t(if_id.uuid), (if_id.vers_major, if_id.vers_minor)
            rows = [
                r
                for r in rows
                if r.interface == want[0] and _version_matches(r.version, want[1], vers_option)
            ]
        if by_obj and obj is not None:
            asked = from_uuid_t(obj)
            rows = [r for r in rows if r.object == asked]
        return rows

    def ept_lookup_handle_free(self, h: CallContext, entry_handle: object) -> tuple[object, int]:
        return None, 0  # None closes the handle (a null one stays null)


def server_mapper(server: Server) -> EndpointMapper:
    """The mapper a ``Server`` serves unless the application registers its own: every
    interface registered there, at each IPv4 TCP endpoint it listens on."""

    def endpoints() -> list[Endpoint]:
        out = []
        for reg in server.registrations():
            iface = reg.interface
            if iface.uuid == ept._ept_INTERFACE.uuid:
                continue
            for host, port in server.endpoints:
                row = Endpoint(iface.uuid, iface.version, "ncacn_ip_tcp", host, port, iface.name)
                out.append(row)
        return out

    return EndpointMapper(endpoints)

"""Helpers of the endpoint-mapper tests: a stand-in for the server call in whose scope the
generated NDR server functions read and write context handles, and impacket's requests and
replies of ept_map and ept_lookup built from plain values.

``ServerCall`` plays the part of the runtime around one call (``idlrt.ctxhandle.scope``): it
puts a fake call in scope, with a connection table of open handles, and when the call's reply
is encoded it commits the encoder's recorded changes into that table, as the server's session
does once a reply is sent. Only the table and the ids are faked; the codec helpers that read and
record them are the runtime's own."""

from __future__ import annotations

import contextlib
import socket
import struct
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from impacket.dcerpc.v5 import epm  # test-only (the test extra)
from impacket.dcerpc.v5.ndr import NULL
from impacket.uuid import uuidtup_to_bin

from idlrt.ctxhandle import scope
from idlrt.epm import ept


class Connection:
    """A server connection's open context handles: wire id -> the manager's object."""

    def __init__(self) -> None:
        self.ctx_table = SimpleNamespace(handles={})

    @property
    def objects(self) -> dict[bytes, object]:
        return {k: v.obj for k, v in self.ctx_table.handles.items()}

    @contextlib.contextmanager
    def call(self) -> Iterator[None]:
        """One call on this connection: decode its request and encode its reply inside."""
        scope.call = SimpleNamespace(_conn=self, _ctx_ids=None)  # type: ignore[assignment]
        scope.changes = None
        try:
            yield
            for wire_id, obj, _type_name, _new in scope.changes or []:
                if obj is None:
                    self.ctx_table.handles.pop(wire_id, None)
                else:
                    self.ctx_table.handles[wire_id] = SimpleNamespace(obj=obj)
        finally:
            scope.call = None
            scope.changes = None


def uuid_t(u: uuid.UUID | str) -> ept.uuid_t:
    u = uuid.UUID(str(u))
    f = u.fields
    return ept.uuid_t(f[0], f[1], f[2], f[3], f[4], u.bytes[10:])


def twr(octets: bytes) -> ept.twr_t:
    return ept.twr_t(len(octets), octets)


def impacket_handle(call: Any, wire_id: bytes | None) -> None:
    call["entry_handle"]["context_handle_uuid"] = wire_id or bytes(16)


def impacket_tower(octets: bytes, referent: int) -> epm.twr_p_t:
    p = epm.twr_p_t()
    p["tower_length"] = len(octets)
    p["tower_octet_string"] = octets
    p.fields["ReferentID"] = referent
    return p


def impacket_map_request(
    tower: bytes, max_towers: int, *, obj: uuid.UUID | None = None, wire_id: bytes | None = None
) -> epm.ept_map:
    """impacket's ept_map request; referent ids as idlc makes them (0x00020000 + offset)."""
    request = epm.ept_map()
    if obj is None:
        request["obj"] = NULL
    else:
        request["obj"] = obj.bytes_le
        request.fields["obj"].fields["ReferentID"] = 0x00020000
    request["map_tower"]["tower_length"] = len(tower)
    request["map_tower"]["tower_octet_string"] = tower
    request.fields["map_tower"].fields["ReferentID"] = 0x00020000 + (20 if obj else 4)
    impacket_handle(request, wire_id)
    request["max_towers"] = max_towers
    return request


def impacket_map_reply(
    towers: list[bytes], max_towers: int, status: int, wire_id: bytes | None = None
) -> epm.ept_mapResponse:
    reply = epm.ept_mapResponse()
    impacket_handle(reply, wire_id)
    reply["num_towers"] = len(towers)
    for i, octets in enumerate(towers):
        reply["ITowers"].append(impacket_tower(octets, 0x00020000 + 36 + 4 * i))
    reply.fields["ITowers"].fields["MaximumCount"] = max_towers
    reply["status"] = status
    return reply


def impacket_lookup_request(
    inquiry_type: int,
    max_ents: int,
    *,
    obj: uuid.UUID | None = None,
    if_id: tuple[uuid.UUID, int, int] | None = None,
    vers_option: int = 1,
    wire_id: bytes | None = None,
) -> epm.ept_lookup:
    request = epm.ept_lookup()
    request["inquiry_type"] = inquiry_type
    if obj is None:
        request["object"] = NULL
    else:
        request["object"] = obj.bytes_le
        request.fields["object"].fields["ReferentID"] = 0x00020004
    if if_id is None:
        request["Ifid"] = NULL
    else:
        request["Ifid"]["Uuid"] = if_id[0].bytes_le
        request["Ifid"]["VersMajor"] = if_id[1]
        request["Ifid"]["VersMinor"] = if_id[2]
        request.fields["Ifid"].fields["ReferentID"] = 0x00020000 + (24 if obj else 8)
    request["vers_option"] = vers_option
    impacket_handle(request, wire_id)
    request["max_ents"] = max_ents
    return request


def same_but_gaps(ours: bytes, theirs: bytes, gaps: list[int]) -> None:
    """``ours == theirs`` but for alignment gaps, which idlc writes as zeros and impacket fills
    with filler octets (C706 14.2.2 leaves their value unspecified)."""
    patched = bytearray(theirs)
    for at in gaps:
        assert ours[at] == 0, f"idlc's gap at {at} is {ours[at]:#x}"
        patched[at] = 0
    assert ours == bytes(patched), f"\nidlc     {ours.hex()}\nimpacket {theirs.hex()}"


def impacket_lookup_reply(
    entries: list[tuple[uuid.UUID, bytes | None, str]],
    max_ents: int,
    status: int,
    wire_id: bytes | None = None,
) -> tuple[epm.ept_lookupResponse, list[int]]:
    """impacket's ept_lookup reply, and where its alignment gaps are. Each entry is (object,
    tower octets or None, annotation); referent ids as idlc makes them."""
    reply = epm.ept_lookupResponse()
    impacket_handle(reply, wire_id)
    reply["num_ents"] = len(entries)
    pos = 36  # handle, num_ents, then the array's maximum count, offset and actual count
    gaps = []
    for obj, tower, note in entries:
        entry = epm.ept_entry_t()
        entry["object"] = obj.bytes_le
        if tower is None:
            entry["tower"] = NULL
        else:
            entry["tower"]["tower_length"] = len(tower)
            entry["tower"]["tower_octet_string"] = tower
            entry.fields["tower"].fields["ReferentID"] = 0x00020000 + pos + 16
        entry["annotation"] = note.encode("latin-1") + b"\0"
        reply["entries"].append(entry)
        pos += 16 + 4 + 8 + len(note) + 1
        gaps += range(pos, pos + (-pos & 3))
        pos += -pos & 3
    for _obj, tower, _note in entries:
        if tower is not None:
            pos += 8 + len(tower)
            gaps += range(pos, pos + (-pos & 3))
            pos += -pos & 3
    reply.fields["entries"].fields["MaximumCount"] = max_ents
    reply["status"] = status
    return reply, gaps


def impacket_tcp_tower(iface: str, version: str, host: str, port: int) -> bytes:
    """The tower impacket's own floor classes build (as its hept_map does for ncacn_ip_tcp)."""
    ident = uuidtup_to_bin((iface, version))
    syntax = uuidtup_to_bin(("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0"))
    interface = epm.EPMRPCInterface()
    interface["InterfaceUUID"] = ident[:16]
    interface["MajorVersion"] = struct.unpack("<H", ident[16:18])[0]
    interface["MinorVersion"] = struct.unpack("<H", ident[18:])[0]
    data_rep = epm.EPMRPCDataRepresentation()
    data_rep["DataRepUuid"] = syntax[:16]
    data_rep["MajorVersion"] = 2
    data_rep["MinorVersion"] = 0
    protocol = epm.EPMProtocolIdentifier()
    protocol["ProtIdentifier"] = epm.FLOOR_RPCV5_IDENTIFIER
    port_floor = epm.EPMPortAddr()
    port_floor["IpPort"] = port
    host_floor = epm.EPMHostAddr()
    host_floor["Ip4addr"] = socket.inet_aton(host)
    tower = epm.EPMTower()
    tower["NumberOfFloors"] = 5
    tower["Floors"] = (
        interface.getData()
        + data_rep.getData()
        + protocol.getData()
        + port_floor.getData()
        + host_floor.getData()
    )
    return tower.getData()

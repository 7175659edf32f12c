"""The ept interface's NDR, as idlc generated it into the runtime (``idlrt.epm.ept``), against
impacket's hand-written ``impacket.dcerpc.v5.epm``: ept_map and ept_lookup, requests and
replies, byte for byte and decoded both ways. Referent ids are opaque to NDR: impacket draws
them at random, so the tests give it idlc's (0x00020000 + the pointer's offset); alignment gaps
are compared as zeros (impacket fills them with arbitrary octets)."""

from __future__ import annotations

import uuid

from impacket.dcerpc.v5 import epm  # test-only (the test extra)

import idlrt
from epmap.eptkit import (
    Connection,
    impacket_lookup_reply,
    impacket_lookup_request,
    impacket_map_reply,
    impacket_map_request,
    same_but_gaps,
    twr,
    uuid_t,
)
from idlrt.epm import ept
from idlrt.wire import tower as tw

IFACE = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab")
OBJ = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
MAP_TOWER = tw.encode_tcp_tower(IFACE, (1, 0), "0.0.0.0", 0)
WIRE_ID = bytes(range(1, 17))


def test_the_opnums_are_c706s() -> None:
    names = [p.name for p in ept.eptManager._idl_interface_.procedures]
    assert names == [
        "ept_insert",
        "ept_delete",
        "ept_lookup",
        "ept_map",
        "ept_lookup_handle_free",
        "ept_inq_object",
        "ept_mgmt_delete",
    ]
    iface = ept.eptManager._idl_interface_
    assert (iface.uuid, iface.version) == ("e1af8308-5d1f-11c9-91a4-08002b14a0fa", (3, 0))


def test_uuid_t_is_a_guid_on_the_wire() -> None:
    assert ept._ndr_enc_uuid_t(uuid_t(OBJ)) == OBJ.bytes_le


# -- ept_map ---------------------------------------------------------------------------------


def test_map_request_is_impackets_both_ways() -> None:
    conn = Connection()
    conn.ctx_table.handles[WIRE_ID] = type("H", (), {"obj": "cursor"})()
    for obj, wire_id in [(None, None), (OBJ, None), (OBJ, WIRE_ID)]:
        theirs = impacket_map_request(MAP_TOWER, 4, obj=obj, wire_id=wire_id).getData()
        handle = idlrt.ContextHandle(wire_id) if wire_id else None
        ours = ept._ndr_ept_ept_map_cin(uuid_t(obj) if obj else None, twr(MAP_TOWER), handle, 4)
        gap = (20 if obj else 4) + 4 + 4 + 4 + 75  # after the tower: the handle is 4-aligned
        same_but_gaps(ours, theirs, [gap])
        with conn.call():
            back = ept._ndr_ept_ept_map_sin(theirs)
        assert back == (
            uuid_t(obj) if obj else None,
            twr(MAP_TOWER),
            "cursor" if wire_id else None,
            4,
        )


def test_map_reply_is_impackets_both_ways() -> None:
    towers = [
        tw.encode_tcp_tower(IFACE, (1, 0), "127.0.0.1", 49664),
        tw.encode_tcp_tower(IFACE, (1, 2), "10.0.0.7", 5000),
    ]
    for found, status in [(towers, 0), (towers[:1], 0), ([], 0x16C9A0D6)]:
        theirs = impacket_map_reply(found, 4, status).getData()
        conn = Connection()
        with conn.call():
            args = ept._ndr_ept_ept_map_sin(ept._ndr_ept_ept_map_cin(None, twr(MAP_TOWER), None, 4))
            ours = ept._ndr_ept_ept_map_sout(
                args, None, len(found), [twr(t) for t in found], status
            )
        start = 36 + 4 * len(found)  # the towers' referents follow the array of referent ids
        same_but_gaps(ours, theirs, [start + 84 * i + 83 for i in range(len(found))])
        result = ept._ndr_ept_ept_map_cout(theirs)
        assert result == ept.ept_mapResult(None, len(found), [twr(t) for t in found], status)
        parsed = epm.ept_mapResponse(ours)
        assert parsed["num_towers"] == len(found) and parsed["status"] == status
        assert [b"".join(t["tower_octet_string"]) for t in parsed["ITowers"]] == found


def test_map_reply_with_a_handle_is_impackets() -> None:
    theirs = impacket_map_reply([], 1, 0, wire_id=WIRE_ID).getData()
    result = ept._ndr_ept_ept_map_cout(theirs)
    assert result.entry_handle == idlrt.ContextHandle(WIRE_ID)
    conn = Connection()
    conn.ctx_table.handles[WIRE_ID] = type("H", (), {"obj": "cursor"})()
    request = impacket_map_request(MAP_TOWER, 1, wire_id=WIRE_ID).getData()
    with conn.call():
        args = ept._ndr_ept_ept_map_sin(request)
        ours = ept._ndr_ept_ept_map_sout(args, "cursor", 0, [], 0)
    assert ours == theirs  # an [in, out] handle kept: the same id goes back


# -- ept_lookup ------------------------------------------------------------------------------


def test_lookup_request_is_impackets_both_ways() -> None:
    cases = [
        dict(inquiry_type=0, max_ents=500),
        dict(inquiry_type=1, max_ents=10, if_id=(IFACE, 3, 1), vers_option=2),
        dict(inquiry_type=3, max_ents=1, obj=OBJ, if_id=(IFACE, 1, 0), vers_option=5),
        dict(inquiry_type=2, max_ents=7, obj=OBJ, wire_id=WIRE_ID),
    ]
    conn = Connection()
    conn.ctx_table.handles[WIRE_ID] = type("H", (), {"obj": "cursor"})()
    for case in cases:
        theirs = impacket_lookup_request(**case).getData()  # type: ignore[arg-type]
        obj = case.get("obj")
        if_id = case.get("if_id")
        wire_id = case.get("wire_id")
        values = (
            case["inquiry_type"],
            uuid_t(obj) if obj else None,  # type: ignore[arg-type]
            ept.rpc_if_id_t(uuid_t(if_id[0]), if_id[1], if_id[2]) if if_id else None,  # type: ignore[index]
            case.get("vers_option", 1),
        )
        handle = idlrt.ContextHandle(wire_id) if wire_id else None  # type: ignore[arg-type]
        ours = ept._ndr_ept_ept_lookup_cin(*values, handle, case["max_ents"])
        assert ours == theirs, f"\nidlc     {ours.hex()}\nimpacket {theirs.hex()}"
        with conn.call():
            back = ept._ndr_ept_ept_lookup_sin(theirs)
        assert back == (*values, "cursor" if wire_id else None, case["max_ents"])


def test_lookup_reply_is_impackets_both_ways() -> None:
    tcp = tw.encode_tcp_tower(IFACE, (1, 0), "127.0.0.1", 49664)
    shorter = tcp[:-9]  # any octets: NDR does not look inside a tower
    rows = [
        (OBJ, tcp, "idlc test server"),
        (uuid.UUID(int=0), shorter, ""),
        (IFACE, None, "x" * 63),  # the longest annotation (64 with its NUL), no tower
    ]
    for found, status in [(rows, 0), (rows[:1], 0), ([], 0x16C9A0D6)]:
        reply, gaps = impacket_lookup_reply(found, 5, status)
        theirs = reply.getData()
        entries = [
            ept.ept_entry_t(uuid_t(o), twr(t) if t is not None else None, note)
            for o, t, note in found
        ]
        conn = Connection()
        with conn.call():
            args = ept._ndr_ept_ept_lookup_sin(
                ept._ndr_ept_ept_lookup_cin(0, None, None, 1, None, 5)
            )
            ours = ept._ndr_ept_ept_lookup_sout(args, None, len(found), entries, status)
        same_but_gaps(ours, theirs, gaps)
        assert ept._ndr_ept_ept_lookup_cout(theirs) == ept.ept_lookupResult(
            None, len(found), entries, status
        )
        parsed = epm.ept_lookupResponse(ours)
        assert parsed["num_ents"] == len(found) and parsed["status"] == status
        for entry, (o, t, note) in zip(parsed["entries"], found, strict=True):
            assert entry["object"] == o.bytes_le
            assert b"".join(entry["annotation"]) == note.encode() + b"\0"
            if t is not None:
                assert b"".join(entry["tower"]["tower_octet_string"]) == t

"""The endpoint mapper's manager (``idlrt.epm.mapper.EndpointMapper``): its answers called
directly, then through the generated NDR server functions with impacket's requests, reading
the replies with impacket. Continuations run through the runtime's context-handle helpers with
a stand-in connection table (``eptkit.Connection``); over a real connection they are left to
the end-to-end tests of the DCE/RPC transport."""

from __future__ import annotations

import uuid

import pytest
from impacket.dcerpc.v5 import epm  # test-only (the test extra)

import idlrt
from epmap.eptkit import (
    Connection,
    impacket_lookup_request,
    impacket_map_request,
    twr,
    uuid_t,
)
from idlrt.epm import ept
from idlrt.epm.mapper import EPT_S_NOT_REGISTERED, Endpoint, EndpointMapper, from_uuid_t
from idlrt.wire import tower as tw

CALC = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab")
OTHER = uuid.UUID("4b324fc8-1670-01d3-1278-5a47bf6ee188")
OBJ = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
CTX = idlrt.CallContext(
    protseq="ncacn_ip_tcp",
    peer=("127.0.0.1", 40000),
    credentials=None,
    interface="ept",
    uuid="e1af8308-5d1f-11c9-91a4-08002b14a0fa",
    version=(3, 0),
    opnum=3,
    procedure="ept_map",
)
ENDPOINTS = [
    Endpoint(CALC, (1, 2), "ncacn_ip_tcp", "127.0.0.1", 5001, "calc"),
    (str(CALC), (1, 2), "ncacn_ip_tcp", "10.0.0.2", 5002),  # a plain tuple will do
    Endpoint(CALC, (2, 0), "ncacn_ip_tcp", "127.0.0.1", 5003),
    Endpoint(OTHER, (1, 0), "ncacn_ip_tcp", "127.0.0.1", 5004, "other", OBJ),
    Endpoint(CALC, (1, 2), "ncalrpc", "", 0),  # no tower for it here: left out
    Endpoint(CALC, (1, 2), "ncacn_ip_tcp", "::1", 5005),  # IPv6: no tower floor, left out
]


def mapper() -> EndpointMapper:
    return EndpointMapper(lambda: ENDPOINTS)


def ask(iface: uuid.UUID, version: tuple[int, int]) -> ept.twr_t:
    return twr(tw.encode_tcp_tower(iface, version, "0.0.0.0", 0))


def ports(towers: list[ept.twr_t]) -> list[int | None]:
    return [tw.decode_tower(t.tower_octet_string).port for t in towers]


# -- ept_map, called directly ----------------------------------------------------------------


def test_map_answers_the_interface_at_its_endpoints() -> None:
    handle, n, towers, status = mapper().ept_map(CTX, None, ask(CALC, (1, 0)), None, 10)
    assert (handle, n, status) == (None, 2, 0)
    back = [tw.decode_tower(t.tower_octet_string) for t in towers]
    assert [(t.interface, t.version, t.host, t.port) for t in back] == [
        (CALC, (1, 2), "127.0.0.1", 5001),
        (CALC, (1, 2), "10.0.0.2", 5002),
    ]
    assert all(
        (t.protseq, (t.syntax, t.syntax_version)) == ("ncacn_ip_tcp", tw.NDR20_SYNTAX) for t in back
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [((1, 0), [5001, 5002]), ((1, 2), [5001, 5002]), ((1, 3), []), ((2, 0), [5003]), ((3, 0), [])],
)
def test_map_takes_the_major_version_and_a_minor_at_least_asked(
    version: tuple[int, int], expected: list[int]
) -> None:
    _, _, towers, status = mapper().ept_map(CTX, None, ask(CALC, version), None, 10)
    assert ports(towers) == expected
    assert status == (0 if expected else EPT_S_NOT_REGISTERED)


def test_map_finds_nothing_with_status_not_registered() -> None:
    unknown = uuid.UUID("00000000-1111-2222-3333-444444444444")
    m = mapper()
    other_syntax = tw.encode_tcp_tower(
        CALC, (1, 0), "0.0.0.0", 0, (uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36"), (1, 0))
    )
    for tower in [ask(unknown, (1, 0)), twr(other_syntax), twr(b"\x05\x00garbage"), None]:
        assert m.ept_map(CTX, None, tower, None, 4) == (None, 0, [], EPT_S_NOT_REGISTERED)
    assert EPT_S_NOT_REGISTERED == 0x16C9A0D6


def test_map_matches_objects() -> None:
    m = mapper()
    _, _, towers, _ = m.ept_map(CTX, uuid_t(OBJ), ask(OTHER, (1, 0)), None, 4)
    assert ports(towers) == [5004]
    # an entry registered for an object is not reached without it; one without is reached by any
    assert m.ept_map(CTX, None, ask(OTHER, (1, 0)), None, 4)[3] == EPT_S_NOT_REGISTERED
    assert ports(m.ept_map(CTX, uuid_t(OBJ), ask(CALC, (1, 0)), None, 4)[2]) == [5001, 5002]


def test_map_pages_through_a_handle_that_closes_with_the_last_page() -> None:
    m = mapper()
    cursor, n, towers, status = m.ept_map(CTX, None, ask(CALC, (1, 0)), None, 1)
    assert cursor is not None and (n, ports(towers), status) == (1, [5001], 0)
    again = m.ept_map(CTX, None, ask(CALC, (1, 0)), cursor, 1)
    assert (again[0], again[1], ports(again[2]), again[3]) == (None, 1, [5002], 0)


def test_the_endpoints_are_asked_for_at_each_call() -> None:
    live: list[Endpoint] = []
    m = EndpointMapper(lambda: live)
    assert m.ept_map(CTX, None, ask(CALC, (1, 0)), None, 4)[3] == EPT_S_NOT_REGISTERED
    live.append(Endpoint(CALC, (1, 0), "ncacn_ip_tcp", "127.0.0.1", 7000))
    assert ports(m.ept_map(CTX, None, ask(CALC, (1, 0)), None, 4)[2]) == [7000]


# -- ept_lookup, called directly -------------------------------------------------------------


def lookup(
    m: EndpointMapper,
    inquiry: int,
    *,
    obj: uuid.UUID | None = None,
    if_id: tuple[uuid.UUID, tuple[int, int]] | None = None,
    vers: int = 1,
    handle: object = None,
    max_ents: int = 50,
) -> tuple[object, int, list[ept.ept_entry_t], int]:
    rpc_if = ept.rpc_if_id_t(uuid_t(if_id[0]), *if_id[1]) if if_id else None
    return m.ept_lookup(CTX, inquiry, uuid_t(obj) if obj else None, rpc_if, vers, handle, max_ents)


def test_lookup_all_lists_every_tcp_entry_with_its_annotation() -> None:
    handle, n, entries, status = lookup(mapper(), ept.rpc_c_ep_all_elts)
    assert (handle, n, status) == (None, 4, 0)
    assert [e.annotation for e in entries] == ["calc", "", "", "other"]
    assert [from_uuid_t(e.object) for e in entries] == [uuid.UUID(int=0)] * 3 + [OBJ]
    assert ports([e.tower for e in entries]) == [5001, 5002, 5003, 5004]


@pytest.mark.parametrize(
    ("vers", "version", "expected"),
    [
        (ept.rpc_c_vers_all, (9, 9), [5001, 5002, 5003]),
        (ept.rpc_c_vers_compatible, (1, 1), [5001, 5002]),
        (ept.rpc_c_vers_compatible, (1, 3), []),
        (ept.rpc_c_vers_exact, (1, 2), [5001, 5002]),
        (ept.rpc_c_vers_exact, (1, 0), []),
        (ept.rpc_c_vers_major_only, (2, 7), [5003]),
        (ept.rpc_c_vers_upto, (1, 2), [5001, 5002]),
        (ept.rpc_c_vers_upto, (1, 1), []),
        (ept.rpc_c_vers_upto, (2, 0), [5001, 5002, 5003]),
        (99, (1, 2), []),  # not a version option
    ],
)
def test_lookup_by_interface_follows_the_version_option(
    vers: int, version: tuple[int, int], expected: list[int]
) -> None:
    _, n, entries, status = lookup(
        mapper(), ept.rpc_c_ep_match_by_if, if_id=(CALC, version), vers=vers
    )
    assert ports([e.tower for e in entries]) == expected and n == len(expected)
    assert status == (0 if expected else EPT_S_NOT_REGISTERED)


def test_lookup_by_object_and_by_both() -> None:
    m = mapper()
    assert ports([e.tower for e in lookup(m, ept.rpc_c_ep_match_by_obj, obj=OBJ)[2]]) == [5004]
    both = lookup(m, ept.rpc_c_ep_match_by_both, obj=OBJ, if_id=(CALC, (1, 0)))
    assert both == (None, 0, [], EPT_S_NOT_REGISTERED)
    assert lookup(m, 7)[3] == EPT_S_NOT_REGISTERED  # not an inquiry type


def test_lookup_pages_end_with_status_zero_and_a_null_handle() -> None:
    m = mapper()
    handle, n, entries, status = lookup(m, ept.rpc_c_ep_all_elts, max_ents=3)
    assert handle is not None and (n, status) == (3, 0)
    handle2, n2, entries2, status2 = lookup(m, ept.rpc_c_ep_all_elts, handle=handle, max_ents=3)
    assert (handle2, n2, status2) == (None, 1, 0)  # the last page: status 0, handle closed
    assert [e.annotation for e in entries + entries2] == ["calc", "", "", "other"]


def test_a_handle_of_the_other_operation_is_refused() -> None:
    m = mapper()
    handle = lookup(m, ept.rpc_c_ep_all_elts, max_ents=1)[0]
    with pytest.raises(idlrt.RpcError) as err:
        m.ept_map(CTX, None, ask(CALC, (1, 0)), handle, 1)
    assert err.value.code == 6
    assert m.ept_lookup_handle_free(CTX, handle) == (None, 0)


def test_a_long_or_foreign_annotation_still_fits_the_wire() -> None:
    m = EndpointMapper(
        lambda: [(CALC, (1, 0), "ncacn_ip_tcp", "127.0.0.1", 1, "\u20ac" + "a" * 80)]
    )
    (entry,) = lookup(m, ept.rpc_c_ep_all_elts)[2]
    assert entry.annotation == "?" + "a" * 62
    ept._ndr_enc_ept_entry_t(entry)  # 63 Latin-1 characters and the NUL: 64 octets


# -- through the generated NDR server functions, with impacket's octets ----------------------


def serve(m: EndpointMapper, conn: Connection, proc: str, request: bytes) -> bytes:
    """What the server does with one call: decode, call the manager, encode the reply."""
    sin = getattr(ept, f"_ndr_ept_{proc}_sin")
    sres = getattr(ept, f"_ndr_ept_{proc}_sres")
    with conn.call():
        args = sin(request)
        return bytes(sres(args, getattr(m, proc)(CTX, *args)))


def test_impackets_map_request_gets_towers_impacket_reads() -> None:
    m, conn = mapper(), Connection()
    want = tw.encode_tcp_tower(CALC, (1, 0), "0.0.0.0", 0)
    reply = epm.ept_mapResponse(serve(m, conn, "ept_map", impacket_map_request(want, 4).getData()))
    assert reply["status"] == 0 and reply["num_towers"] == 2
    assert reply["entry_handle"].isNull() and conn.objects == {}
    bindings = [
        epm.PrintStringBinding(epm.EPMTower(b"".join(t["tower_octet_string"]))["Floors"])
        for t in reply["ITowers"]
    ]
    assert bindings == ["ncacn_ip_tcp:127.0.0.1[5001]", "ncacn_ip_tcp:10.0.0.2[5002]"]
    unknown = tw.encode_tcp_tower(uuid.uuid4(), (1, 0), "0.0.0.0", 0)
    none = epm.ept_mapResponse(
        serve(m, conn, "ept_map", impacket_map_request(unknown, 4).getData())
    )
    assert (none["status"], none["num_towers"], none["entry_handle"].isNull()) == (
        EPT_S_NOT_REGISTERED,
        0,
        True,
    )


def test_a_map_continued_through_the_handle_table() -> None:
    m, conn = mapper(), Connection()
    want = tw.encode_tcp_tower(CALC, (1, 0), "0.0.0.0", 0)
    first = epm.ept_mapResponse(serve(m, conn, "ept_map", impacket_map_request(want, 1).getData()))
    wire_id = first["entry_handle"]["context_handle_uuid"]
    assert first["num_towers"] == 1 and not first["entry_handle"].isNull()
    assert list(conn.objects) == [wire_id]  # the cursor is open on this connection
    request = impacket_map_request(want, 1, wire_id=wire_id).getData()
    second = epm.ept_mapResponse(serve(m, conn, "ept_map", request))
    assert (second["num_towers"], second["status"]) == (1, 0)
    assert second["entry_handle"].isNull() and conn.objects == {}  # closed with the last page
    assert [
        tw.decode_tower(b"".join(r["ITowers"][0]["tower_octet_string"])).port
        for r in (first, second)
    ] == [5001, 5002]
    with pytest.raises(idlrt.RpcError) as err:  # the closed handle is gone
        serve(m, conn, "ept_map", request)
    assert err.value.code == 6


def test_impackets_lookup_pages_and_handle_free() -> None:
    m, conn = mapper(), Connection()
    first = epm.ept_lookupResponse(
        serve(m, conn, "ept_lookup", impacket_lookup_request(0, 2).getData())
    )
    assert (first["num_ents"], first["status"]) == (2, 0) and not first["entry_handle"].isNull()
    assert [b"".join(e["annotation"]) for e in first["entries"]] == [b"calc\0", b"\0"]
    wire_id = first["entry_handle"]["context_handle_uuid"]
    free = ept._ndr_ept_ept_lookup_handle_free_cin(idlrt.ContextHandle(wire_id))
    reply = serve(m, conn, "ept_lookup_handle_free", free)
    assert reply == bytes(20) + bytes(4)  # a null handle, status 0
    assert conn.objects == {}
    by_if = impacket_lookup_request(1, 10, if_id=(OTHER, 1, 0), vers_option=2).getData()
    found = epm.ept_lookupResponse(serve(m, conn, "ept_lookup", by_if))
    assert (found["num_ents"], found["status"], found["entry_handle"].isNull()) == (1, 0, True)
    assert found["entries"][0]["object"] == OBJ.bytes_le

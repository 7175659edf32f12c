"""impacket's DCE/RPC client (ncacn_ip_tcp, NDR20) calling a server of idlc-generated stubs
over loopback: binding, NDR constructs, [async] completion, faults, fragmentation both ways,
NTLM at integrity and privacy, concurrency with our own client, and the endpoint mapper.

Requests are written with impacket's NDR classes mirroring shop.idl (impkit), except the
1 MiB one, which our generated client encoder writes (impacket's array encoder takes seconds
per megabyte); replies are always decoded by impacket.
"""

from __future__ import annotations

import select
import struct
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import impkit as K
import pytest
from impacket.dcerpc.v5 import epm
from impacket.dcerpc.v5.rpcrt import (
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    DCERPCException,
)
from impacket.uuid import bin_to_string, uuidtup_to_bin

import idlrt

PFC_FIRST_FRAG, PFC_LAST_FRAG = 0x01, 0x02
REQUEST, RESPONSE = 0, 2


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return K.compile_shop(tmp_path_factory.mktemp("dcerpc") / "gen_shop")


@pytest.fixture
def served(shop: ModuleType) -> Iterator[K.ServerThread]:
    with K.ServerThread(K.manager_of(shop)) as st:
        yield st


def accounts() -> idlrt.Accounts:
    acc = idlrt.Accounts()
    acc.add("alice", "Secret-1")
    return acc


# -- 1. binding --------------------------------------------------------------------------------


def test_impacket_binds_and_calls(served: K.ServerThread) -> None:
    dce = K.impacket_client(served.port)
    try:
        reply = dce.request(K.echo_request(b"bound"))
        assert reply["length"] == 5 and b"".join(reply["back"]) == b"dnuob"
    finally:
        dce.disconnect()


def test_an_unknown_interface_is_a_rejected_context(served: K.ServerThread) -> None:
    # Our server answers bind_ack with the context rejected: provider_rejection (2),
    # abstract_syntax_not_supported (1), which impacket reports as such (Windows' 1717,
    # RPC_S_UNKNOWN_IF, on the client side).
    dce = K.impacket_client(served.port, bind=None)
    try:
        with pytest.raises(DCERPCException) as caught:
            dce.bind(uuidtup_to_bin(("0badc0de-0000-4000-8000-000000000001", "1.0")))
        text = str(caught.value.error_string)
        assert "provider_rejection" in text and "abstract_syntax_not_supported" in text
    finally:
        dce.disconnect()
    # a wrong version of a known interface is the same rejection
    dce = K.impacket_client(served.port, bind=None)
    try:
        with pytest.raises(DCERPCException) as caught:
            dce.bind(uuidtup_to_bin((K.SHOP_UUID, "2.0")))
        assert "abstract_syntax_not_supported" in str(caught.value.error_string)
    finally:
        dce.disconnect()


def test_alter_context_adds_the_endpoint_mapper_to_the_association(
    served: K.ServerThread,
) -> None:
    dce = K.impacket_client(served.port)
    try:
        mapper = dce.alter_ctx(epm.MSRPC_UUID_PORTMAP)  # the same connection, context 1
        lookup = epm.ept_lookup()
        lookup["inquiry_type"] = epm.RPC_C_EP_ALL_ELTS
        lookup["object"] = lookup["Ifid"] = K.NULL
        lookup["vers_option"] = epm.RPC_C_VERS_ALL
        lookup["entry_handle"] = epm.ept_lookup_handle_t()
        lookup["max_ents"] = 10
        assert mapper.request(lookup)["num_ents"] == 1
        assert dce.request(K.echo_request(b"ab"))["length"] == 2  # context 0 still works
    finally:
        dce.disconnect()


# -- 2. structures, strings, unique pointers, unions, conformant arrays ------------------------


def order(items: list[tuple[int, str | None, float]], discount: int | None, detail: Any) -> Any:
    o = K.ORDER()
    o["n"] = len(items)
    o["items"] = []
    for ident, name, price in items:
        item = K.ITEM()
        item["id"], item["price"] = ident, price
        item["name"] = name if name is not None else K.NULL
        o["items"].append(item)
    if not items:
        o["items"] = K.NULL
    o["discount"] = discount if discount is not None else K.NULL
    kind, value = detail
    o["kind"] = kind
    o["detail"]["tag"] = kind
    o["detail"][K.DETAIL.union[kind][0]] = value
    return o


@pytest.mark.parametrize(
    ("items", "discount", "detail", "want"),
    [
        (
            [(1, "t\u00e9a\x00", 2.5), (2, "cake\x00", 4.25)],
            1,
            (1, 7),
            (5.75, "t\u00e9a,cake|1:7"),
        ),
        ([(9, None, 1.0)], None, (2, "note \u2713\x00"), (1.0, "?|2:'note \u2713'")),
        ([], 3, (1, -1), (-3.0, "|1:-1")),
    ],
)
def test_structures_strings_pointers_unions_and_arrays(
    served: K.ServerThread, shop: ModuleType, items: Any, discount: Any, detail: Any, want: Any
) -> None:
    request = K.Total()
    request["order"] = order(items, discount, detail)
    # the octets impacket writes decode, with our stubs, to the value the manager sees
    ours = shop.ORDER(
        n=len(items),
        items=[shop.ITEM(i, None if n is None else n.rstrip("\x00"), p) for i, n, p in items]
        or None,
        discount=discount,
        kind=detail[0],
        detail=detail[1].rstrip("\x00") if isinstance(detail[1], str) else detail[1],
    )
    assert shop._ndr_Shop_Total_sin(request.getData()) == (ours,)
    dce = K.impacket_client(served.port)
    try:
        reply = dce.request(request)
    finally:
        dce.disconnect()
    assert reply["sum"] == want[0]
    assert reply["summary"] == want[1] + "\x00"  # impacket keeps the terminator
    assert reply["ErrorCode"] == 0


# -- 3. an [async] routine completed later by another thread -----------------------------------


def test_an_async_call_completed_later_from_another_thread(served: K.ServerThread) -> None:
    manager = served.manager
    manager.hold_until = 2  # nothing completes by itself: the test says when
    dce = K.impacket_client(served.port)
    try:
        request = K.Later()
        request["delay"] = 7
        dce.call(request.opnum, request)
        with manager.parked_changed:
            assert manager.parked_changed.wait_for(lambda: manager.parked, K.TIMEOUT)
        sock = dce.get_rpc_transport().get_socket()
        assert select.select([sock], [], [], 0)[0] == []  # parked: no reply yet
        done = threading.Thread(target=manager.release, name="completer")
        done.start()
        done.join(K.TIMEOUT)
        reply = K.LaterResponse(dce.recv())
        assert (reply["who"], reply["ErrorCode"]) == (70, 0)
        assert manager.completed_by == ["completer"]
    finally:
        dce.disconnect()


# -- 4. abort(code) and RpcError: faults with exactly that status ------------------------------


def fault_status(dce: Any, opnum: int, stub: bytes) -> int:
    """Send a request and read the reply PDU raw: the status of the fault it must be."""
    dce.call(opnum, stub)
    rpctransport = dce.get_rpc_transport()
    head = rpctransport.recv(count=16)
    frag_length = struct.unpack_from("<H", head, 8)[0]
    body = rpctransport.recv(count=frag_length - 16)
    assert head[2] == 3, f"ptype {head[2]}, not a fault"
    return int(struct.unpack_from("<I", body, 8)[0])  # alloc_hint, p_cont_id, cancel, status


@pytest.mark.parametrize(("opnum", "code"), [(3, 0x2001), (4, 0x2002), (4, 5)])
def test_abort_and_rpc_error_arrive_as_faults(
    served: K.ServerThread, opnum: int, code: int
) -> None:
    dce = K.impacket_client(served.port)
    try:
        stub = struct.pack("<l", code)
        assert fault_status(dce, opnum, stub) == code
        with pytest.raises(DCERPCException) as caught:  # how impacket itself reports it
            dce.call(opnum, stub)
            dce.recv()
        text = str(caught.value)
        assert ("rpc_s_access_denied" in text) if code == 5 else (f"{code:08x}" in text)
        assert dce.request(K.echo_request(b"still")).fields["length"]["Data"] == 5
    finally:
        dce.disconnect()


# -- 5. 1 MiB each way: fragments both ways ----------------------------------------------------


def test_a_megabyte_each_way_is_fragmented(served: K.ServerThread, shop: ModuleType) -> None:
    data = bytes((i * 7 + i // 256) % 251 for i in range(1 << 20))
    stub = shop._ndr_Shop_Echo_cin(len(data), data)
    small = K.echo_request(b"\x01\x02\xff")  # the encoder agrees with impacket's
    assert shop._ndr_Shop_Echo_cin(3, b"\x01\x02\xff") == small.getData()
    dce = K.impacket_client(served.port)
    rpctransport = dce.get_rpc_transport()
    sent: list[tuple[int, int]] = []
    received: list[tuple[int, int]] = []
    send, recv = rpctransport.send, rpctransport.recv

    def counting_send(data: bytes, *args: Any, **kwargs: Any) -> Any:
        sent.append((data[2], data[3]))
        return send(data, *args, **kwargs)

    def counting_recv(*args: Any, **kwargs: Any) -> Any:
        data = recv(*args, **kwargs)
        if kwargs.get("count") == 24:  # impacket reads each PDU's response header first
            received.append((data[2], data[3]))
        return data

    rpctransport.send, rpctransport.recv = counting_send, counting_recv
    try:
        dce.call(1, stub)
        reply = K.EchoResponse(dce.recv())
    finally:
        rpctransport.send, rpctransport.recv = send, recv
        dce.disconnect()
    assert reply["length"] == len(data) and reply["ErrorCode"] == 0
    assert b"".join(reply["back"]) == data[::-1]
    for pdus, ptype in ((sent, REQUEST), (received, RESPONSE)):
        assert len(pdus) > 10 and all(t == ptype for t, _ in pdus)
        assert pdus[0][1] & PFC_FIRST_FRAG and pdus[-1][1] & PFC_LAST_FRAG
        assert not any(f & (PFC_FIRST_FRAG | PFC_LAST_FRAG) for _, f in pdus[1:-1])
    # impacket takes 4280-octet fragments (its bind's max_recv_frag): our reply honours it
    assert len(received) >= len(data) // 4280


# -- 6. an opnum the interface does not have ---------------------------------------------------


def test_an_unknown_opnum_is_nca_s_op_rng_error(served: K.ServerThread) -> None:
    dce = K.impacket_client(served.port)
    try:
        assert fault_status(dce, 17, b"") == 0x1C010002
        with pytest.raises(DCERPCException) as caught:
            dce.call(6, b"")
            dce.recv()
        assert "nca_s_op_rng_error" in str(caught.value)
    finally:
        dce.disconnect()


# -- 7. NTLM at integrity and privacy ----------------------------------------------------------


@pytest.mark.parametrize("level", [RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_LEVEL_PKT_PRIVACY])
def test_ntlm_from_impacket(shop: ModuleType, level: int) -> None:
    manager = K.manager_of(shop)
    with K.ServerThread(manager, accounts=accounts(), min_auth_level=level) as st:
        dce = K.impacket_client(
            st.port, user="alice", password="Secret-1", domain="CORP", level=level
        )
        recorder = K.Recorder(dce)
        try:
            reply = dce.request(K.Whoami())
            assert (reply["user"], reply["level"]) == ("alice\x00", level)
            # large enough for several protected fragments each way
            data = bytes(range(256)) * 600
            dce.call(1, shop._ndr_Shop_Echo_cin(len(data), data))
            echoed = K.EchoResponse(dce.recv())
            assert b"".join(echoed["back"]) == data[::-1]
            request = K.Total()
            request["order"] = order([(1, "x\x00", 1.5)], None, (2, "sealed\x00"))
            assert dce.request(request)["summary"] == "x|2:'sealed'\x00"
            assert recorder.verify_ntlm_replies() > 3 + len(data) // 4280
        finally:
            dce.disconnect()
        assert manager.seen == [("alice", "CORP", level)]


@pytest.mark.parametrize("level", ["integrity", "privacy"])
def test_our_client_beside_impacket_on_an_ntlm_server(shop: ModuleType, level: str) -> None:
    # the same server and accounts, our own NTLM client: large protected requests and replies
    auth = idlrt.NtlmAuth("alice", "Secret-1", "CORP", level)
    with K.ServerThread(K.manager_of(shop), accounts=accounts()) as st:
        with shop.ShopClient.connect(st.binding, wire="dcerpc", auth=auth, timeout=K.TIMEOUT) as c:
            assert c.Whoami() == (0, "alice", auth.auth_level)
            data = bytes(range(251)) * 1200
            assert c.Echo(len(data), data).back == data[::-1]
        dce = K.impacket_client(st.port, user="alice", password="Secret-1", level=auth.auth_level)
        try:
            assert dce.request(K.Whoami())["level"] == auth.auth_level
        finally:
            dce.disconnect()


def test_a_wrong_password_is_access_denied_and_the_server_stays_up(shop: ModuleType) -> None:
    level = RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    with K.ServerThread(K.manager_of(shop), accounts=accounts(), min_auth_level=level) as st:
        dce = K.impacket_client(st.port, user="alice", password="wrong", level=level)
        try:
            with pytest.raises(DCERPCException) as caught:
                dce.request(K.Whoami())
            assert "rpc_s_access_denied" in str(caught.value)
        finally:
            dce.disconnect()
        # unauthenticated calls are refused too, below min_auth_level
        dce = K.impacket_client(st.port)
        try:
            with pytest.raises(DCERPCException) as caught:
                dce.request(K.Whoami())
            assert "rpc_s_access_denied" in str(caught.value)
        finally:
            dce.disconnect()
        dce = K.impacket_client(st.port, user="alice", password="Secret-1", level=level)
        try:
            assert dce.request(K.Whoami())["user"] == "alice\x00"
        finally:
            dce.disconnect()


# -- 8. two impacket clients and one of ours at once -------------------------------------------


def test_impacket_clients_and_ours_concurrently(shop: ModuleType) -> None:
    manager = K.manager_of(shop)
    manager.hold_until = 3  # each Later completes only once all three clients have one parked
    with K.ServerThread(manager) as st:
        results: dict[str, Any] = {}
        errors: list[BaseException] = []

        def impacket_side(name: str, delay: int) -> None:
            try:
                dce = K.impacket_client(st.port)
                try:
                    data = name.encode() * 1000
                    request = K.Later()
                    request["delay"] = delay
                    later = dce.request(request)
                    echoed = dce.request(K.echo_request(data))
                    results[name] = (later["who"], b"".join(echoed["back"]) == data[::-1])
                finally:
                    dce.disconnect()
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        def our_side() -> None:
            try:
                with shop.ShopClient.connect(st.binding, wire="dcerpc", timeout=K.TIMEOUT) as c:
                    later = c.Later(3).wait(K.TIMEOUT)
                    echoed = c.Echo(4, b"ours")
                    results["ours"] = (later.who, echoed.back == b"sruo")
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        threads = [
            threading.Thread(target=impacket_side, args=("one", 1)),
            threading.Thread(target=impacket_side, args=("two", 2)),
            threading.Thread(target=our_side),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(K.TIMEOUT)
        assert not errors, errors
        assert results == {"one": (10, True), "two": (20, True), "ours": (30, True)}
        assert manager.completed_by == ["completer"] * 3


# -- the endpoint mapper, as impacket's tools ask it -------------------------------------------


def test_impacket_finds_the_interface_through_the_endpoint_mapper(served: K.ServerThread) -> None:
    dce = K.impacket_client(served.port, bind=None)
    try:
        port = epm.hept_map("127.0.0.1", K.SHOP, protocol="ncacn_ip_tcp", dce=dce)
        assert port == f"ncacn_ip_tcp:127.0.0.1[{served.port}]"
    finally:
        dce.disconnect()
    dce = K.impacket_client(served.port, bind=None)
    try:
        entries = epm.hept_lookup("127.0.0.1", dce=dce)
    finally:
        dce.disconnect()
    found = {
        (
            bin_to_string(e["tower"]["Floors"][0]["InterfaceUUID"]).lower(),
            e["annotation"],
            epm.PrintStringBinding(e["tower"]["Floors"]),  # what impacket's rpcdump prints
        )
        for e in entries
    }
    assert (K.SHOP_UUID, b"Shop\0", f"ncacn_ip_tcp:127.0.0.1[{served.port}]") in found

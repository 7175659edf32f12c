"""The throwaway Samba works: its mapper lists srvsvc, and impacket and python3-samba reach it.

impacket and python3-samba are the clients here; idlc plays no part yet. These tests check the
fixture that the interop tests of idlc's own client and server stand on.
"""

from __future__ import annotations

import struct

import pytest
from samba import (
    SRVSVC_UUID,
    SRVSVC_VERSION,
    Samba,
    ept_lookup,
    run_samba_client,
)

# NetrServerGetInfo(ServerName = NULL, Level = 101): a null unique pointer, then the level.
GET_INFO_101 = struct.pack("<II", 0, 101)
NETR_SERVER_GET_INFO = 21
RPC_NT_PROCNUM_OUT_OF_RANGE = 0xC002002E
STATUS_LOGON_FAILURE = 0xC000006D


def _server_name_from_info_101(stub: bytes) -> str:
    """sv101_name from NetrServerGetInfo's reply, parsed by impacket as an independent check."""
    from impacket.dcerpc.v5 import srvs  # type: ignore[import-untyped, unused-ignore]

    reply = srvs.NetrServerGetInfoResponse(stub)
    assert reply["ErrorCode"] == 0
    info = reply["InfoStruct"]
    assert info["tag"] == 101
    return str(info["ServerInfo101"]["sv101_name"]).rstrip("\0")


def test_endpoint_mapper_lists_srvsvc_over_tcp(samba: Samba) -> None:
    entries = ept_lookup(samba.host)
    srvsvc = [e for e in entries if e["uuid"] == SRVSVC_UUID]
    assert srvsvc, f"srvsvc missing from {entries}"
    assert {e["version"] for e in srvsvc} == {SRVSVC_VERSION}
    tcp = [e["binding"] for e in srvsvc if e["binding"].startswith("ncacn_ip_tcp:")]
    port = samba.port_of(SRVSVC_UUID)
    assert f"ncacn_ip_tcp:127.0.0.1[{port}]" in tcp
    assert 49152 <= port <= 49300


def test_port_of_unknown_interface_is_an_error(samba: Samba) -> None:
    with pytest.raises(LookupError):
        samba.port_of("12345678-1234-1234-1234-123456789abc")


def _impacket_get_info(samba: Samba, password: str, level: int) -> str:
    from impacket.dcerpc.v5 import srvs, transport  # type: ignore[import-untyped, unused-ignore]
    from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY  # type: ignore[import-untyped, unused-ignore]

    rpc = transport.DCERPCTransportFactory(samba.binding(SRVSVC_UUID))
    rpc.set_credentials(samba.username, password, samba.domain)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    try:
        dce.bind(srvs.MSRPC_UUID_SRVS)
        reply = srvs.hNetrServerGetInfo(dce, level)
        return str(reply["InfoStruct"]["ServerInfo101"]["sv101_name"]).rstrip("\0")
    finally:
        dce.disconnect()


def test_impacket_ntlm_privacy_get_info_101(samba: Samba) -> None:
    assert _impacket_get_info(samba, samba.password, 101) == samba.netbios_name


def test_impacket_ntlm_wrong_password_is_refused(samba: Samba) -> None:
    from impacket.dcerpc.v5.rpcrt import DCERPCException  # type: ignore[import-untyped, unused-ignore]

    with pytest.raises(DCERPCException, match="nca_s_proto_error"):
        _impacket_get_info(samba, samba.password + "x", 101)


@pytest.mark.usefixtures("samba_client_ready")
def test_samba_client_anonymous_get_info_101(samba: Samba) -> None:
    binding = samba.binding(SRVSVC_UUID)
    reply = run_samba_client(
        binding, SRVSVC_UUID, SRVSVC_VERSION, NETR_SERVER_GET_INFO, GET_INFO_101
    )
    assert reply.error is None, reply
    assert reply.stub is not None
    assert _server_name_from_info_101(reply.stub) == samba.netbios_name


@pytest.mark.usefixtures("samba_client_ready")
def test_samba_client_reports_a_fault_as_ntstatus(samba: Samba) -> None:
    binding = samba.binding(SRVSVC_UUID)
    reply = run_samba_client(binding, SRVSVC_UUID, SRVSVC_VERSION, 500, GET_INFO_101)
    assert reply.stub is None
    assert (reply.error, reply.code) == ("ntstatus", RPC_NT_PROCNUM_OUT_OF_RANGE), reply


@pytest.mark.usefixtures("samba_client_ready")
@pytest.mark.parametrize("level", ["seal", "sign"])
def test_samba_client_ntlm_get_info_101(samba: Samba, level: str) -> None:
    port = samba.port_of(SRVSVC_UUID)
    reply = run_samba_client(
        f"ncacn_ip_tcp:{samba.host}[{port},{level}]",
        SRVSVC_UUID,
        SRVSVC_VERSION,
        NETR_SERVER_GET_INFO,
        GET_INFO_101,
        username=samba.username,
        password=samba.password,
        domain=samba.domain,
    )
    assert reply.error is None, reply
    assert reply.stub is not None
    assert _server_name_from_info_101(reply.stub) == samba.netbios_name


@pytest.mark.usefixtures("samba_client_ready")
def test_samba_client_ntlm_wrong_password_is_a_logon_failure(samba: Samba) -> None:
    port = samba.port_of(SRVSVC_UUID)
    reply = run_samba_client(
        f"ncacn_ip_tcp:{samba.host}[{port},seal]",
        SRVSVC_UUID,
        SRVSVC_VERSION,
        NETR_SERVER_GET_INFO,
        GET_INFO_101,
        username=samba.username,
        password=samba.password + "x",
        domain=samba.domain,
    )
    assert (reply.error, reply.code) == ("ntstatus", STATUS_LOGON_FAILURE), reply

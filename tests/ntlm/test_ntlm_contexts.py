"""idlrt.ntlm against itself: the handshake, PDU protection both ways at integrity and privacy,
tampering, refusals, account isolation and malformed tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ntlm_pdus as P
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from impacket import ntlm as impacket_ntlm

from idlrt import RpcError
from idlrt.ntlm import Accounts, NtlmAuth, SecurityContext

INTEGRITY, PRIVACY = 5, 6
ROOT = Path(__file__).resolve().parents[2]


def accounts(*users: tuple[str, str, str]) -> Accounts:
    store = Accounts()
    for user, password, domain in users:
        store.add(user, password, domain)
    return store


def pair(
    level: str = "privacy",
    *,
    store: Accounts | None = None,
    user: str = "alice",
    password: str = "Secret-1",
    domain: str = "CORP",
) -> tuple[SecurityContext, SecurityContext]:
    store = store or accounts(("alice", "Secret-1", ""))
    auth = NtlmAuth(user, password, domain, level)
    client, server = auth.client_context(), store.server_context(auth.auth_level)
    P.handshake(client, server)
    return client, server


def refused(store: Accounts, user: str, password: str, domain: str = "") -> RpcError:
    auth = NtlmAuth(user, password, domain, "integrity")
    client, server = auth.client_context(), store.server_context(auth.auth_level)
    authenticate = client.step(server.step(client.step(None)))
    with pytest.raises(RpcError) as caught:
        server.step(authenticate)
    assert not server.complete and server.user is None
    return caught.value


# -- configuration -------------------------------------------------------------------------


def test_levels_map_to_dce_auth_levels() -> None:
    assert [
        NtlmAuth("u", "p", level=lv).auth_level for lv in ("connect", "integrity", "privacy")
    ] == [2, 5, 6]
    assert NtlmAuth("u", "p").level == "privacy"
    assert NtlmAuth("u", "p").auth_type == 10
    with pytest.raises(ValueError):
        NtlmAuth("u", "p", level="none")
    with pytest.raises(ValueError):
        Accounts().server_context(4)
    assert "hunter2" not in repr(NtlmAuth("u", "hunter2"))


def test_account_names_that_cannot_be_stored_are_rejected() -> None:
    for user, domain in (("", ""), ("a:b", ""), ("a", "D\\E"), ("a\nb", "")):
        with pytest.raises(ValueError):
            Accounts().add(user, "p", domain)
    with pytest.raises(ValueError):
        Accounts().add_hash("u", b"short")


# -- handshake -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["connect", "integrity", "privacy"])
def test_handshake_authenticates_the_client(level: str) -> None:
    client, server = pair(level)
    assert client.complete and server.complete
    assert (server.user, server.domain) == ("alice", "CORP")
    assert (client.user, client.domain) == ("alice", "CORP")
    assert client.auth_type == server.auth_type == 10
    assert client.signature_size == server.signature_size == 16
    assert client.auth_level == server.auth_level == NtlmAuth("a", "b", level=level).auth_level


def test_wrong_password_and_unknown_user_are_access_denied() -> None:
    store = accounts(("alice", "Secret-1", ""))
    assert refused(store, "alice", "wrong").code == 5
    assert refused(store, "mallory", "Secret-1").code == 5


def test_user_names_are_case_insensitive_and_domain_rules_hold() -> None:
    store = accounts(("Alice", "pa", ""), ("bob", "pb", "CORP"))
    _, server = pair("integrity", store=store, user="ALICE", password="pa", domain="Anything")
    assert (server.user, server.domain) == ("ALICE", "Anything")
    pair("integrity", store=store, user="alice", password="pa", domain="")
    pair("integrity", store=store, user="BOB", password="pb", domain="corp")
    assert refused(store, "bob", "pb", "OTHER").code == 5
    assert refused(store, "bob", "pb", "").code == 5


def test_an_exact_domain_entry_wins_over_a_domainless_one() -> None:
    store = accounts(("carol", "any-domain", ""), ("carol", "corp-only", "CORP"))
    pair("integrity", store=store, user="carol", password="corp-only", domain="CORP")
    pair("integrity", store=store, user="carol", password="any-domain", domain="ELSEWHERE")
    assert refused(store, "carol", "any-domain", "CORP").code == 5


def test_add_hash_takes_an_nt_hash_computed_elsewhere() -> None:
    store = Accounts()
    store.add_hash("dave", impacket_ntlm.compute_nthash("Pässwörd"))
    pair("privacy", store=store, user="dave", password="Pässwörd", domain="")


def test_an_overridden_nt_hash_is_the_account_store() -> None:
    asked: list[tuple[str, str]] = []

    class Directory(Accounts):
        def nt_hash(self, domain: str, username: str) -> bytes | None:
            asked.append((domain, username))
            return impacket_ntlm.compute_nthash("from-directory") if username == "erin" else None

    pair("integrity", store=Directory(), user="erin", password="from-directory", domain="D")
    assert asked == [("D", "erin")]


def test_two_servers_do_not_see_each_others_users() -> None:
    first, second = accounts(("alice", "pa", "")), accounts(("bob", "pb", ""))
    pair("privacy", store=first, user="alice", password="pa")
    pair("privacy", store=second, user="bob", password="pb")
    assert refused(first, "bob", "pb").code == 5
    assert refused(second, "alice", "pa").code == 5


def test_the_mic_is_checked_over_the_messages_as_sent() -> None:
    # pyspnego's initiator announces a MIC (MsvAvFlags 0x2) because the CHALLENGE has a
    # timestamp; the acceptor checks it, so one bent octet of it, or of the NEGOTIATE it
    # covers, is refused.
    _, _, server, authenticate = a_valid_exchange()
    bent = bytearray(authenticate)
    bent[80] ^= 0x40  # inside the MIC, offsets 72..88
    with pytest.raises(RpcError) as caught:
        server.step(bytes(bent))
    assert caught.value.code == 5
    client = NtlmAuth("alice", "p", "CORP").client_context()
    server = accounts(("alice", "p", "")).server_context(PRIVACY)
    negotiate = bytearray(client.step(None) or b"")
    server.step(bytes(negotiate))
    negotiate[-1] ^= 1  # what the client remembers differs from what the server got
    server._negotiate = bytes(negotiate)  # type: ignore[attr-defined]
    with pytest.raises(RpcError) as caught:
        server.step(client.step(challenge_of(server)))
    assert caught.value.code == 5


def challenge_of(server: SecurityContext) -> bytes:
    return server._challenge  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("before", [None, "/some/where/else"])
def test_the_environment_is_restored(monkeypatch: pytest.MonkeyPatch, before: str | None) -> None:
    for name in ("NTLM_USER_FILE", "LM_COMPAT_LEVEL"):
        if before is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, before)
    pair("privacy")
    assert refused(accounts(("alice", "x", "")), "alice", "y").code == 5
    for name in ("NTLM_USER_FILE", "LM_COMPAT_LEVEL"):
        assert os.environ.get(name) == before


def test_no_credential_file_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    pair("privacy")
    assert list(tmp_path.iterdir()) == []


# -- per-PDU protection --------------------------------------------------------------------


def exchange(client: SecurityContext, server: SecurityContext, level: int, rounds: int) -> None:
    for call_id in range(1, rounds + 1):
        stub = bytes((call_id * 7 + i) % 256 for i in range(call_id * 5 % 53))
        for _ in range(call_id % 3 + 1):  # fragments: several PDUs one way in a row
            assert P.open_(server, P.seal(client, P.request(stub, call_id, level))) == stub
        reply = stub[::-1] + b"\0\0\0\0"
        for _ in range(call_id % 2 + 1):
            assert P.open_(client, P.seal(server, P.response(reply, call_id, level))) == reply


@pytest.mark.parametrize("level", ["integrity", "privacy"])
def test_many_pdus_both_ways(level: str) -> None:
    client, server = pair(level)
    exchange(client, server, client.auth_level, 40)


@pytest.mark.parametrize("level", ["integrity", "privacy"])
def test_a_request_with_an_object_uuid(level: str) -> None:
    client, server = pair(level)
    built = P.request(b"payload", 1, client.auth_level, object_uuid=bytes(range(16)))
    assert built[1] == 40
    assert P.open_(server, P.seal(client, built)) == b"payload"


def test_privacy_seals_only_the_stub_and_pad_and_integrity_seals_nothing() -> None:
    stub = b"A" * 40
    for level, sealed in (("integrity", False), ("privacy", True)):
        client, _ = pair(level)
        pdu, start, end = P.request(stub, 1, client.auth_level)
        before = bytes(pdu)
        client.protect(pdu, start, end)
        assert pdu[:start] == before[:start] and pdu[end:] == before[end:]
        assert (pdu[start:end] != before[start:end]) is sealed


REGIONS = {"header": 3, "body": 20, "stub": 30, "pad": 36, "trailer": -5}


@pytest.mark.parametrize("level", ["integrity", "privacy"])
@pytest.mark.parametrize("region", [*REGIONS, "signature"])
def test_tampering_is_detected(level: str, region: str) -> None:
    client, server = pair(level)
    wire = bytearray(P.seal(client, P.request(b"x" * 10, 1, client.auth_level)))
    pdu, start, end, signature, pad = P.split(bytes(wire))
    assert start == 24 and end == 40 and pad == 6
    if region == "signature":
        signature = signature[:10] + bytes([signature[10] ^ 1]) + signature[11:]
    else:
        pdu[REGIONS[region]] ^= 0x20
    with pytest.raises(RpcError) as caught:
        server.unprotect(pdu, start, end, signature)
    assert caught.value.code == 5


def test_a_short_signature_is_refused() -> None:
    client, server = pair("integrity")
    pdu, start, end, signature, _ = P.split(P.seal(client, P.request(b"abc", 1, INTEGRITY)))
    with pytest.raises(RpcError) as caught:
        server.unprotect(pdu, start, end, signature[:15])
    assert caught.value.code == 5


@pytest.mark.parametrize("level", ["integrity", "privacy"])
def test_reordered_or_replayed_pdus_are_refused(level: str) -> None:
    client, server = pair(level)
    first = P.seal(client, P.request(b"one", 1, client.auth_level))
    second = P.seal(client, P.request(b"two", 2, client.auth_level))
    with pytest.raises(RpcError):
        P.open_(server, second)
    client, server = pair(level)
    first = P.seal(client, P.request(b"one", 1, client.auth_level))
    assert P.open_(server, first) == b"one"
    with pytest.raises(RpcError):
        P.open_(server, first)


@pytest.mark.parametrize("level", ["integrity", "privacy"])
def test_a_pdu_reflected_to_its_sender_is_refused(level: str) -> None:
    client, _ = pair(level)
    wire = P.seal(client, P.request(b"mirror", 1, client.auth_level))
    with pytest.raises(RpcError):
        P.open_(client, wire)


def test_protection_needs_a_completed_handshake_and_a_per_pdu_level() -> None:
    auth = NtlmAuth("alice", "Secret-1")
    client = auth.client_context()
    pdu, start, end = P.request(b"early", 1, PRIVACY)
    with pytest.raises(RpcError) as caught:
        client.protect(pdu, start, end)
    assert caught.value.code == 1825
    client, _ = pair("connect")
    with pytest.raises(RpcError) as caught:
        client.protect(pdu, start, end)
    assert caught.value.code == 1825
    with pytest.raises(ValueError):
        pair("privacy")[0].protect(pdu, end, start)


# -- malformed tokens and misuse -----------------------------------------------------------


def test_steps_out_of_order_are_security_package_errors() -> None:
    server = accounts(("alice", "p", "")).server_context(PRIVACY)
    with pytest.raises(RpcError) as caught:
        server.step(None)
    assert caught.value.code == 1825
    client = NtlmAuth("alice", "p").client_context()
    with pytest.raises(RpcError):
        client.step(b"NTLMSSP\0")
    client, server = pair("privacy")
    for ctx in (client, server):
        with pytest.raises(RpcError):
            ctx.step(b"anything")


def test_flags_too_weak_for_the_level_are_refused() -> None:
    # A client whose NTLM flags lack SIGN (connect) or SEAL (integrity) cannot serve a higher level.
    store = accounts(("alice", "p", ""))
    for client_level, server_level in (
        ("connect", INTEGRITY),
        ("connect", PRIVACY),
        ("integrity", PRIVACY),
    ):
        client = NtlmAuth("alice", "p", level=client_level).client_context()
        server = store.server_context(server_level)
        authenticate = client.step(server.step(client.step(None)))
        with pytest.raises(RpcError) as caught:
            server.step(authenticate)
        assert caught.value.code == 1825
    client = NtlmAuth("alice", "p", level="privacy").client_context()
    P.handshake(client, store.server_context(INTEGRITY))  # more than asked for is fine


def one_of_status(err: RpcError) -> bool:
    return err.code in (5, 1825)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"NTLMSSP\0\1\0\0\0", b"NTLMSSP\0\3\0\0\0"]))
def test_random_tokens_raise_only_rpc_errors(token: bytes, prefix: bytes) -> None:
    server = accounts(("alice", "p", "")).server_context(PRIVACY)
    try:
        server.step(prefix + token)
    except RpcError as err:
        assert one_of_status(err)


def a_valid_exchange() -> tuple[SecurityContext, bytes, SecurityContext, bytes]:
    client = NtlmAuth("alice", "p", "CORP").client_context()
    server = accounts(("alice", "p", "")).server_context(PRIVACY)
    challenge = server.step(client.step(None))
    assert challenge is not None
    authenticate = client.step(challenge)
    assert authenticate is not None
    return client, challenge, server, authenticate


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_mutated_authenticate_and_challenge_tokens_raise_only_rpc_errors(
    data: st.DataObject,
) -> None:
    _, challenge, server, authenticate = a_valid_exchange()
    token = bytearray(authenticate)
    for _ in range(data.draw(st.integers(1, 4))):
        token[data.draw(st.integers(0, len(token) - 1))] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(8, len(token)))
    try:
        server.step(bytes(token[:cut]))
    except RpcError as err:
        assert one_of_status(err)
    client = NtlmAuth("alice", "p").client_context()
    client.step(None)
    bent = bytearray(challenge)
    bent[data.draw(st.integers(0, len(bent) - 1))] ^= data.draw(st.integers(1, 255))
    try:
        client.step(bytes(bent[: data.draw(st.integers(0, len(bent)))]))
    except RpcError as err:
        assert one_of_status(err)


# -- pyspnego absent -----------------------------------------------------------------------


def test_without_pyspnego_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spnego", None)
    for make in (
        lambda: NtlmAuth("u", "p").client_context(),
        lambda: Accounts().server_context(PRIVACY),
        lambda: Accounts().add("u", "p"),
    ):
        with pytest.raises(RpcError) as caught:
            make()
        assert caught.value.code == 1825
        assert "pip install idlc-runtime[ntlm]" in str(caught.value)


def test_idlrt_imports_without_pyspnego() -> None:
    script = (
        "import sys; sys.modules['spnego'] = None\n"
        "import idlrt, idlrt.ntlm\n"
        "auth = idlrt.ntlm.NtlmAuth('u', 'p', level='integrity')\n"
        "assert auth.auth_level == 5\n"
        "assert 'spnego' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "runtime"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"

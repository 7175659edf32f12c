"""idlrt.ntlm cross-checked with impacket's NTLM, an implementation no one here wrote.

impacket's initiator authenticates to our acceptor (its NTLMv2 blob lacks the trailing Z(4) of
[MS-NLMP] 3.3.2, which the acceptor must take as received). impacket has no NTLM acceptor, so
for the PDU checks the session comes from an idlrt handshake; impacket's
primitives (SIGNKEY, SEALKEY, an RC4 handle per direction, SEAL, SIGN) are then keyed from the
session key and the negotiated flags exactly as impacket's ``rpcrt.DCERPC_v5.bind`` keys them
(NTLMv2, extended session security, key exchange, 128-bit), and applied to the byte ranges
its ``_transport_send`` uses: the whole PDU up to the auth_value is signed, only stub+pad is
sealed, one sequence number per PDU and direction.
"""

from __future__ import annotations

import hashlib
import hmac

import ntlm_pdus as P
import pytest
from Cryptodome.Cipher import ARC4
from impacket import ntlm

from idlrt import RpcError
from idlrt.ntlm import Accounts, NtlmAuth, SecurityContext

LEVELS = {"integrity": 5, "privacy": 6}


class ImpacketSide:
    """impacket's primitives holding both directions' keys of one NTLM session."""

    def __init__(self, session_key: bytes, flags: int) -> None:
        self.flags = flags
        self.sign_key = {
            "client": ntlm.SIGNKEY(flags, session_key),
            "server": ntlm.SIGNKEY(flags, session_key, "Server"),
        }
        self.seal_key = {
            "client": ntlm.SEALKEY(flags, session_key),
            "server": ntlm.SEALKEY(flags, session_key, "Server"),
        }
        self.rc4 = {side: ARC4.new(key).encrypt for side, key in self.seal_key.items()}
        self.seq = {"client": 0, "server": 0}

    def make(self, sender: str, built: tuple[bytearray, int, int], level: int) -> bytes:
        """Protect a PDU sent by ``sender`` as impacket's _transport_send does."""
        pdu, start, end = built
        args = (self.flags, self.sign_key[sender])
        if level == LEVELS["privacy"]:
            sealed, signature = ntlm.SEAL(
                *args,
                self.seal_key[sender],
                bytes(pdu),
                bytes(pdu[start:end]),
                self.seq[sender],
                self.rc4[sender],
            )
            pdu[start:end] = sealed
        else:
            signature = ntlm.SIGN(*args, bytes(pdu), self.seq[sender], self.rc4[sender])
        self.seq[sender] += 1
        return bytes(pdu) + signature.getData()

    def open(self, sender: str, wire: bytes, level: int) -> bytes:
        """Unseal (privacy) then check the signature of a PDU sent by ``sender``."""
        pdu, start, end, signature, pad = P.split(wire)
        if level == LEVELS["privacy"]:
            pdu[start:end] = self.rc4[sender](bytes(pdu[start:end]))
        expected = ntlm.SIGN(
            self.flags, self.sign_key[sender], bytes(pdu), self.seq[sender], self.rc4[sender]
        )
        self.seq[sender] += 1
        assert expected.getData() == signature
        return bytes(pdu[start : end - pad])


def session(level: str) -> tuple[SecurityContext, SecurityContext, ImpacketSide]:
    store = Accounts()
    store.add("alice", "Secret-1")
    auth = NtlmAuth("alice", "Secret-1", "CORP", level)
    client, server = auth.client_context(), store.server_context(auth.auth_level)
    challenge = server.step(client.step(None))
    authenticate = client.step(challenge)
    assert authenticate is not None and server.step(authenticate) is None
    parsed = ntlm.NTLMAuthChallengeResponse()
    parsed.fromString(authenticate)
    flags = parsed["flags"]
    # What impacket's DCE/RPC client negotiates: NTLMv2 with ESS, key exchange, 128-bit keys.
    for flag in (
        ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
        ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH,
        ntlm.NTLMSSP_NEGOTIATE_128,
        ntlm.NTLMSSP_NEGOTIATE_SIGN,
    ):
        assert flags & flag
    assert bool(flags & ntlm.NTLMSSP_NEGOTIATE_SEAL) == (level == "privacy")
    key = client._key  # the exported session key each side derived
    assert key == server._key and len(key) == 16
    return client, server, ImpacketSide(key, flags)


@pytest.mark.parametrize("level", LEVELS)
def test_our_client_and_impacket_as_the_server(level: str) -> None:
    client, _, impacket = session(level)
    number = LEVELS[level]
    for call_id in range(1, 31):
        stub = bytes((call_id + i) % 251 for i in range(call_id * 11 % 70))
        for _ in range(call_id % 3 + 1):
            wire = P.seal(client, P.request(stub, call_id, number))
            assert impacket.open("client", wire, number) == stub
        reply = stub[::-1] + b"\x00" * 4
        wire = impacket.make("server", P.response(reply, call_id, number, align=4), number)
        assert P.open_(client, wire) == reply


@pytest.mark.parametrize("level", LEVELS)
def test_impacket_as_the_client_and_our_server(level: str) -> None:
    _, server, impacket = session(level)
    number = LEVELS[level]
    for call_id in range(1, 31):
        stub = bytes((call_id * 3 + i) % 256 for i in range(call_id * 7 % 90))
        # impacket pads the stub to 4 bytes, not 16: the receiver takes auth_pad_length as sent.
        wire = impacket.make("client", P.request(stub, call_id, number, align=4), number)
        assert P.open_(server, wire) == stub
        for _ in range(call_id % 2 + 1):
            reply = bytes(call_id for _ in range(call_id))
            assert (
                impacket.open("server", P.seal(server, P.response(reply, call_id, number)), number)
                == reply
            )


@pytest.mark.parametrize("level", LEVELS)
def test_impacket_sees_a_tampered_pdu(level: str) -> None:
    client, _, impacket = session(level)
    wire = bytearray(P.seal(client, P.request(b"intact", 1, LEVELS[level])))
    wire[2] ^= 1  # the header is signed too
    with pytest.raises(AssertionError):
        impacket.open("client", bytes(wire), LEVELS[level])


def impacket_authenticate(
    server: SecurityContext, password: str, *, v2: bool = True
) -> tuple[bytes, bytes]:
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=v2)
    challenge = server.step(negotiate.getData())
    assert challenge is not None
    authenticate, _ = ntlm.getNTLMSSPType3(
        negotiate, challenge, "alice", password, "CORP", use_ntlmv2=v2
    )
    return challenge, authenticate.getData()


def test_impacket_ntlmv1_is_refused() -> None:
    store = Accounts()
    store.add("alice", "Secret-1")
    server = store.server_context(6)
    _, authenticate = impacket_authenticate(server, "Secret-1", v2=False)
    with pytest.raises(RpcError) as caught:
        server.step(authenticate)
    assert caught.value.code == 5


def test_impacket_ntlmv2_without_the_trailing_z4_is_accepted() -> None:
    """impacket's NTLMv2 blob ends at the AV pairs' MsvAvEOL and omits the Z(4) that
    [MS-NLMP] 3.3.2 puts after ServerName. Windows and Samba HMAC the blob as received and
    accept it; so must we, and both sides must then hold the same exported session key."""
    store = Accounts()
    store.add("alice", "Secret-1")
    server = store.server_context(6)
    negotiate = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
    challenge = server.step(negotiate.getData())
    assert challenge is not None
    authenticate, exported = ntlm.getNTLMSSPType3(
        negotiate, challenge, "alice", "Secret-1", "CORP", use_ntlmv2=True
    )
    response = authenticate["ntlm"]
    proof, blob = response[:16], response[16:]
    key = ntlm.NTOWFv2("alice", "Secret-1", "CORP")
    server_challenge = challenge[24:32]  # [MS-NLMP] 2.2.1.2 ServerChallenge
    assert hmac.new(key, server_challenge + blob, hashlib.md5).digest() == proof
    assert not blob.endswith(b"\0" * 8)  # MsvAvEOL (4 zero octets) and no Z(4) after it
    assert server.step(authenticate.getData()) is None
    assert server.complete and (server.user, server.domain) == ("alice", "CORP")
    assert server._key == exported


def test_impacket_with_a_wrong_password_or_a_bent_proof_is_refused() -> None:
    store = Accounts()
    store.add("alice", "Secret-1")
    server = store.server_context(6)
    with pytest.raises(RpcError) as caught:
        server.step(impacket_authenticate(server, "Secret-2")[1])
    assert caught.value.code == 5 and not server.complete
    server = store.server_context(6)
    _, authenticate = impacket_authenticate(server, "Secret-1")
    bent = bytearray(authenticate)
    parsed = ntlm.NTLMAuthChallengeResponse()
    parsed.fromString(authenticate)
    blob_at = bytes(authenticate).index(parsed["ntlm"]) + 16
    bent[blob_at + 20] ^= 1  # one octet of the client challenge in the blob
    with pytest.raises(RpcError) as caught:
        server.step(bytes(bent))
    assert caught.value.code == 5

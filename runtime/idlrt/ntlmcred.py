"""The NTLM pieces under ``idlrt.ntlm`` that pyspnego's public API does not give: the acceptor
([MS-NLMP] 3.2.5) and the per-direction message security of both sides (3.4). Layer 2: imports
only ``status`` and ``errors``; no asyncio.

The acceptor is written here, on pyspnego's private primitives (``spnego._ntlm_raw``:
``messages`` to build the CHALLENGE, ``crypto`` for NTOWFv2, HMAC-MD5, RC4K, SIGNKEY, SEALKEY
and the RC4 handles, ``security.sign`` for the MAC), because pyspnego's own acceptor can't be
used as it is. It reads NT hashes only from a file named by an environment variable, and it
re-encodes the client's NTLMv2 blob before checking its HMAC, so it refuses clients (impacket)
whose blob is valid but not in the exact form pyspnego would write. Here the NTLMv2 response is
checked over the octets received, as Windows and Samba check it.
"""

from __future__ import annotations

import hmac
import os
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from .errors import RpcError
from .status import RPC_S_ACCESS_DENIED, RPC_S_SEC_PKG_ERROR

SIGNATURE = b"NTLMSSP\x00"

# NEGOTIATE flags, [MS-NLMP] 2.2.2.5.
NEGOTIATE_UNICODE = 0x00000001
NEGOTIATE_OEM = 0x00000002
NEGOTIATE_REQUEST_TARGET = 0x00000004
NEGOTIATE_SIGN = 0x00000010
NEGOTIATE_SEAL = 0x00000020
NEGOTIATE_LM_KEY = 0x00000080
NEGOTIATE_NTLM = 0x00000200
NEGOTIATE_ALWAYS_SIGN = 0x00008000
TARGET_TYPE_SERVER = 0x00020000
NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
NEGOTIATE_TARGET_INFO = 0x00800000
NEGOTIATE_VERSION = 0x02000000
NEGOTIATE_KEY_EXCH = 0x40000000

_MSV_AV_FLAGS = 6  # an AV_PAIR's AvId ([MS-NLMP] 2.2.2.1)
_AV_FLAG_MIC = 0x2  # MsvAvFlags: the AUTHENTICATE message carries a MIC
_BLOB_HEADER = 28  # NTLMv2_CLIENT_CHALLENGE up to its AvPairs ([MS-NLMP] 2.2.2.7)
_MIC_START, _MIC_END = 72, 88  # after the fixed fields and the Version ([MS-NLMP] 2.2.1.3)
_INSTALL_HINT = "pip install idlc-runtime[ntlm]"


def provider() -> Any:
    """pyspnego and the raw NTLM modules used here, imported on first use;
    RPC_S_SEC_PKG_ERROR naming the extra to install when pyspnego is missing."""
    try:
        import spnego
        import spnego.iov
        from spnego._ntlm_raw import crypto, messages, security
    except ImportError as exc:
        raise RpcError(
            RPC_S_SEC_PKG_ERROR, f"NTLM needs pyspnego, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return SimpleNamespace(spnego=spnego, crypto=crypto, messages=messages, security=security)


def usable(name: str) -> bool:
    """Whether ``name`` may name an account or its domain (no separators, no line breaks)."""
    return not any(c in name for c in ":\\\r\n")


def u32(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<I", data, offset)[0]
    return value


@dataclass(frozen=True)
class Authenticate:
    """The fields of an AUTHENTICATE message ([MS-NLMP] 2.2.1.3) the acceptor uses."""

    flags: int
    domain: str
    user: str
    nt_response: bytes
    encrypted_session_key: bytes
    payload_start: int  # the lowest offset of a non-empty field: where the fixed part ends

    @property
    def principal(self) -> str:
        return f"{self.domain}\\{self.user}" if self.domain else self.user


def parse_authenticate(token: bytes) -> Authenticate:
    """The checked fields of an AUTHENTICATE message; RPC_S_SEC_PKG_ERROR if malformed."""
    if len(token) < 64 or token[:8] != SIGNATURE or u32(token, 8) != 3:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "not an NTLM AUTHENTICATE message")
    flags = u32(token, 60)
    if not flags & NEGOTIATE_UNICODE:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE without Unicode names")
    starts = [len(token)]

    def payload(offset: int) -> bytes:  # a (length, maximum length, offset) field
        length, _, start = struct.unpack_from("<HHI", token, offset)
        if length == 0:
            return b""
        if start < 64 or start + length > len(token):
            raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE field out of bounds")
        starts.append(start)
        return token[start : start + length]

    try:
        domain = payload(28).decode("utf-16-le")
        user = payload(36).decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE names are not UTF-16") from exc
    nt_response = payload(20)
    for other in (12, 44):  # LM response and workstation: only for where the payload starts
        payload(other)
    session_key = payload(52)
    return Authenticate(flags, domain, user, nt_response, session_key, min(starts))


def challenge(negotiate: bytes) -> tuple[bytes, bytes]:
    """The CHALLENGE answering a NEGOTIATE message, and its server challenge: the client's
    flags with those a server sets, a fresh nonce, and target info naming this host with a
    timestamp (so that NTLMv2 clients send a MIC)."""
    if len(negotiate) < 16 or negotiate[:8] != SIGNATURE or u32(negotiate, 8) != 1:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "not an NTLM NEGOTIATE message")
    m = provider().messages
    flags = u32(negotiate, 12) | NEGOTIATE_REQUEST_TARGET | NEGOTIATE_NTLM
    flags |= NEGOTIATE_ALWAYS_SIGN | NEGOTIATE_TARGET_INFO | TARGET_TYPE_SERVER
    if not flags & NEGOTIATE_UNICODE:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "an NTLM client that cannot send Unicode names")
    flags &= ~NEGOTIATE_OEM
    if flags & NEGOTIATE_EXTENDED_SESSIONSECURITY:
        flags &= ~NEGOTIATE_LM_KEY
    host = socket.gethostname()
    info = m.TargetInfo()
    info[m.AvId.nb_computer_name] = host.split(".")[0].upper()[:15]
    info[m.AvId.nb_domain_name] = "WORKGROUP"
    info[m.AvId.dns_computer_name] = host
    info[m.AvId.timestamp] = m.FileTime.now()
    version = m.Version.get_current() if flags & NEGOTIATE_VERSION else None
    nonce = os.urandom(8)
    target = info[m.AvId.nb_computer_name]
    message = m.Challenge(flags, nonce, target_name=target, target_info=info, version=version)
    return bytes(message.pack()), nonce


def _mic_announced(blob: bytes) -> bool:
    """Whether the NTLMv2 blob's AV pairs say MsvAvFlags has the MIC bit (bounded walk)."""
    pos = _BLOB_HEADER
    while pos + 4 <= len(blob):
        av_id, length = struct.unpack_from("<HH", blob, pos)
        if av_id == 0:  # MsvAvEOL
            return False
        if av_id == _MSV_AV_FLAGS and length == 4 and pos + 8 <= len(blob):
            return bool(u32(blob, pos + 4) & _AV_FLAG_MIC)
        pos += 4 + length
    return False


def accept_ntlmv2(
    token: bytes, message: Authenticate, nt_hash: bytes, negotiate: bytes, challenge: bytes
) -> bytes:
    """Check an AUTHENTICATE message's NTLMv2 response and MIC; return the exported session
    key. ``token`` is the message as received, ``negotiate`` and ``challenge`` the handshake's
    other two. RPC_S_ACCESS_DENIED for a response or MIC that does not verify.

    [MS-NLMP] 3.3.2 and 3.2.5.1.2: NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge + blob) over
    the blob as received; SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr) is the
    KeyExchangeKey for NTLMv2; with KEY_EXCH the exported session key is RC4K(KeyExchangeKey,
    EncryptedRandomSessionKey); a MIC is HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE +
    AUTHENTICATE with the MIC zeroed), all three as sent on the wire.
    """
    c = provider().crypto
    response = message.nt_response
    if len(response) < 16 + _BLOB_HEADER or response[16:18] != b"\x01\x01":
        raise RpcError(RPC_S_ACCESS_DENIED, "only NTLMv2 responses are accepted")
    proof, blob = response[:16], response[16:]
    key = c.ntowfv2(message.user, nt_hash, message.domain)
    server_challenge = challenge[24:32]  # [MS-NLMP] 2.2.1.2 ServerChallenge
    if not hmac.compare_digest(c.hmac_md5(key, server_challenge + blob), proof):
        raise RpcError(RPC_S_ACCESS_DENIED, "the NTLMv2 response does not verify")
    exported = c.hmac_md5(key, proof)  # the session base key, NTLMv2's key exchange key
    if message.flags & NEGOTIATE_KEY_EXCH and len(message.encrypted_session_key) == 16:
        exported = c.rc4k(exported, message.encrypted_session_key)
    elif message.flags & NEGOTIATE_KEY_EXCH and message.flags & (NEGOTIATE_SIGN | NEGOTIATE_SEAL):
        raise RpcError(RPC_S_ACCESS_DENIED, "KEY_EXCH without a 16-octet session key")
    if _mic_announced(blob):
        if message.payload_start < _MIC_END:
            raise RpcError(RPC_S_ACCESS_DENIED, "a MIC is announced but has no room")
        zeroed = token[:_MIC_START] + bytes(16) + token[_MIC_END:]
        mic = c.hmac_md5(exported, negotiate + challenge + zeroed)
        if not hmac.compare_digest(mic, token[_MIC_START:_MIC_END]):
            raise RpcError(RPC_S_ACCESS_DENIED, "the AUTHENTICATE message's MIC does not verify")
    return bytes(exported)


class Session:
    """The message security of one side of an NTLM session with extended session security
    ([MS-NLMP] 3.4.4.2): a signing key, an RC4 stream and a sequence number per direction,
    keyed from the exported session key by SIGNKEY and SEALKEY. ``usage`` is ``"initiate"``
    (client) or ``"accept"`` (server)."""

    def __init__(self, flags: int, session_key: bytes, usage: str) -> None:
        p = provider()
        c = p.crypto
        other = "accept" if usage == "initiate" else "initiate"
        self._flags = flags
        self._mac = p.security.sign
        self._sign_out = c.signkey(flags, session_key, usage)
        self._sign_in = c.signkey(flags, session_key, other)
        self._rc4_out = c.rc4init(c.sealkey(flags, session_key, usage))
        self._rc4_in = c.rc4init(c.sealkey(flags, session_key, other))
        self._seq_out = 0
        self._seq_in = 0

    def sign(self, message: bytes) -> bytes:
        """The signature of the next outgoing message (its checksum RC4-sealed)."""
        seq, self._seq_out = self._seq_out, self._seq_out + 1
        return bytes(self._mac(self._flags, self._rc4_out, self._sign_out, seq, message))

    def seal(self, span: bytes) -> bytes:
        """``span`` encrypted by the outgoing RC4 stream (before that message's ``sign``)."""
        return bytes(self._rc4_out.update(span))

    def unseal(self, span: bytes) -> bytes:
        """``span`` decrypted by the incoming RC4 stream (before that message's ``verify``)."""
        return bytes(self._rc4_in.update(span))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the next incoming message's."""
        seq, self._seq_in = self._seq_in, self._seq_in + 1
        expected = self._mac(self._flags, self._rc4_in, self._sign_in, seq, message)
        return hmac.compare_digest(bytes(expected), signature)


_ENVIRONMENT_LOCK = threading.Lock()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, under a lock, and restore them after."""
    with _ENVIRONMENT_LOCK:
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

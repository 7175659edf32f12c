"""NTLM security (NTLMSSP, auth_type 10) for connection-oriented DCE/RPC. Layer 2: imports only
``status``, ``errors`` and its helper ``ntlmcred``; no asyncio.

Three public objects:

* ``NtlmAuth``: a client's credentials and authentication level;
* ``Accounts``: the users a server accepts;
* ``SecurityContext``: one per association and side, driving the three-leg NTLM handshake
  (bind / bind_ack / auth3) and protecting request and response PDUs.

The NTLM mechanics come from pyspnego, an optional dependency imported on first use (its
absence is reported as ``RpcError(RPC_S_SEC_PKG_ERROR)`` naming ``pip install
idlc-runtime[ntlm]``):

* the client is pyspnego's pure-Python initiator (``spnego.client`` with ``protocol="ntlm"`` and
  ``NegotiateOptions.use_ntlm``, so a platform GSSAPI/SSPI is never chosen), which sends
  NTLMv2 responses with extended session security, key exchange and a MIC;
* the server's acceptor is ``ntlmcred.challenge`` and ``ntlmcred.accept_ntlmv2``, on
  pyspnego's raw NTLM primitives. It looks the user named in the AUTHENTICATE message up in
  its own ``Accounts`` (so an overridden ``nt_hash`` is honoured and two servers never share
  users) and checks the NTLMv2 response over the octets received ([MS-NLMP] 3.3.2): clients
  that end the NTLMv2 blob at MsvAvEOL without the Z(4) of 3.3.2 (impacket) are accepted, as
  Windows and Samba accept them. A MIC is checked when the client announces one.
* both sides then protect PDUs with an ``ntlmcred.Session`` keyed from the exported session
  key (SIGNKEY, SEALKEY, one RC4 stream and sequence number per direction).

PDU protection ([MS-RPCE] 2.2.2.11, 3.3.1.5.2.2; [MS-NLMP] 3.4). ``protect``/``unprotect`` take
the PDU from its first byte through its sec_trailer, with frag_length and auth_length final, and
the span ``[stub_start, stub_end)`` of stub data plus auth_pad:

* integrity: the signature is NTLM's MAC over the whole given PDU: header, body, stub, pad and
  sec_trailer;
* privacy: the stub+pad span is RC4-sealed in place and the signature is the MAC over the whole
  PDU *with the plaintext span*; the direction's RC4 stream encrypts the span first, then the
  signature's 8-byte checksum.

The span's pad (auth_pad) is the caller's: senders pad the stub to a multiple of 16 bytes from
its start ([MS-RPCE] 2.2.2.11 aligns the sec_trailer to 16 "with respect to the beginning of
the PDU body"; Windows and Samba count from the stub), receivers take auth_pad_length as sent
(impacket pads to 4). With extended session security, Windows, Samba and impacket sign the
whole PDU for NTLM whether or not PFC_SUPPORT_HEADER_SIGN was negotiated (that flag changes
what Kerberos signs, not NTLM), so there is no "stub only" variant here; a peer that does not
negotiate extended session security, or does not grant SIGN (integrity) or SIGN and SEAL
(privacy), is refused with RPC_S_SEC_PKG_ERROR, as [MS-RPCE] 3.3.1.5.2.2 treats a missing
capability as a provider error.
Sequence numbers are per direction, start at 0 after the handshake and advance once per
protected PDU (each fragment is one), in sending order. A signature that does not verify raises
``RpcError(RPC_S_ACCESS_DENIED)``: Windows and Samba fault such a request with status 5 and
close the connection.

The client pins ``LM_COMPAT_LEVEL=3`` (NTLMv2 responses, no LM) in the environment, under a
module lock, while pyspnego's initiator is constructed (the only time it reads it), and
restores it at once. The server reads no environment variable and writes no file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import ntlmcred as cred
from .errors import RpcError
from .status import RPC_S_ACCESS_DENIED, RPC_S_SEC_PKG_ERROR

RPC_C_AUTHN_WINNT = 10
RPC_C_AUTHN_LEVEL_CONNECT = 2
RPC_C_AUTHN_LEVEL_PKT_INTEGRITY = 5
RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6
AUTH_LEVELS = {
    "connect": RPC_C_AUTHN_LEVEL_CONNECT,
    "integrity": RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    "privacy": RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
}
NTLM_SIGNATURE_SIZE = 16

_NTLMV1_RESPONSE_SIZE = 24  # an NTLMv2 response is longer ([MS-NLMP] 2.2.2.8)


def _check_level(auth_level: int) -> int:
    if auth_level not in AUTH_LEVELS.values():
        raise ValueError(f"NTLM auth_level must be 2, 5 or 6, not {auth_level!r}")
    return auth_level


@dataclass(frozen=True)
class NtlmAuth:
    """A client's NTLM credentials and the protection it asks for.

    ``level`` is ``"connect"`` (authenticate only, RPC_C_AUTHN_LEVEL_CONNECT, 2),
    ``"integrity"`` (every request and response signed, PKT_INTEGRITY, 5) or ``"privacy"``
    (signed and encrypted, PKT_PRIVACY, 6). The client always sends NTLMv2 responses.
    """

    username: str
    password: str = field(repr=False)
    domain: str = ""
    level: str = "privacy"

    auth_type: ClassVar[int] = RPC_C_AUTHN_WINNT

    def __post_init__(self) -> None:
        if self.level not in AUTH_LEVELS:
            raise ValueError(f"NTLM level must be one of {', '.join(AUTH_LEVELS)}: {self.level!r}")

    @property
    def auth_level(self) -> int:
        """The DCE auth level of ``level``: 2, 5 or 6."""
        return AUTH_LEVELS[self.level]

    def client_context(self) -> SecurityContext:
        """A new client-side context, for one association."""
        return _ClientContext(self)


class Accounts:
    """The users an NTLM server accepts, by NT hash (MD4 of the UTF-16LE password).

    Names compare case-insensitively. An account added with ``domain=""`` accepts its user
    whatever domain the client names (its own, another, or none); one added with a domain
    accepts the user only under that domain. An exact (domain, user) entry wins over a
    domain-less one. Override ``nt_hash`` to look users up elsewhere.
    """

    def __init__(self) -> None:
        self._hashes: dict[tuple[str, str], bytes] = {}

    def add(self, username: str, password: str, domain: str = "") -> None:
        """Accept ``username`` with ``password``; only its NT hash is kept."""
        self.add_hash(username, cred.provider().crypto.ntowfv1(password), domain)

    def add_hash(self, username: str, nt_hash: bytes, domain: str = "") -> None:
        """Accept ``username`` whose NT hash (16 bytes) is ``nt_hash``."""
        if len(nt_hash) != 16:
            raise ValueError("an NT hash is 16 bytes")
        if not username or not cred.usable(username) or not cred.usable(domain):
            raise ValueError(f"unusable NTLM account name: {domain!r}\\{username!r}")
        self._hashes[(domain.upper(), username.upper())] = bytes(nt_hash)

    def nt_hash(self, domain: str, username: str) -> bytes | None:
        """The NT hash of ``username`` as a client in ``domain`` names it, or None to refuse."""
        found = self._hashes.get((domain.upper(), username.upper()))
        return found if found is not None else self._hashes.get(("", username.upper()))

    def server_context(self, auth_level: int) -> SecurityContext:
        """A new server-side context for an association whose bind asked for ``auth_level``."""
        return _ServerContext(self, _check_level(auth_level))


class SecurityContext:
    """One side of one association's NTLM security: the handshake, then per-PDU protection.

    ``user``/``domain`` are the configured identity on a client and, once ``complete``, the
    authenticated one on a server (as the client spelled it).
    """

    auth_type: int = RPC_C_AUTHN_WINNT
    signature_size: int = NTLM_SIGNATURE_SIZE

    def __init__(self, auth_level: int) -> None:
        self.auth_level = auth_level
        self.complete = False
        self.user: str | None = None
        self.domain: str | None = None
        self._session: cred.Session | None = None
        self._key = b""  # the exported session key, once complete
        self._failed = False

    def step(self, token: bytes | None) -> bytes | None:
        """Consume the peer's token, return the one to send (None: nothing to send)."""
        raise NotImplementedError

    def protect(self, pdu: bytearray, stub_start: int, stub_end: int) -> bytes:
        """Sign (and at privacy, seal in place) an outgoing PDU; return its auth_value."""
        session = self._established(pdu, stub_start, stub_end)
        whole = bytes(pdu)
        if self.auth_level == RPC_C_AUTHN_LEVEL_PKT_PRIVACY:
            pdu[stub_start:stub_end] = session.seal(whole[stub_start:stub_end])
        return session.sign(whole)

    def unprotect(self, pdu: bytearray, stub_start: int, stub_end: int, signature: bytes) -> None:
        """Verify an incoming PDU's auth_value (at privacy, unseal the span in place first)."""
        session = self._established(pdu, stub_start, stub_end)
        if len(signature) != NTLM_SIGNATURE_SIZE:
            raise RpcError(RPC_S_ACCESS_DENIED, "the NTLM verifier is not 16 bytes")
        if self.auth_level == RPC_C_AUTHN_LEVEL_PKT_PRIVACY:
            pdu[stub_start:stub_end] = session.unseal(bytes(pdu[stub_start:stub_end]))
        if not session.verify(bytes(pdu), bytes(signature)):
            raise RpcError(
                RPC_S_ACCESS_DENIED, "the PDU's NTLM verifier does not match its contents"
            )

    def _established(self, pdu: bytearray, stub_start: int, stub_end: int) -> cred.Session:
        if not 0 <= stub_start <= stub_end <= len(pdu):
            raise ValueError(f"stub span [{stub_start}, {stub_end}) is outside the PDU")
        if not self.complete or self._failed:
            raise RpcError(RPC_S_SEC_PKG_ERROR, "the NTLM handshake has not completed")
        if self.auth_level == RPC_C_AUTHN_LEVEL_CONNECT:
            raise RpcError(RPC_S_SEC_PKG_ERROR, "PDUs carry no NTLM verifier at connect level")
        assert self._session is not None
        return self._session

    def _established_with(self, flags: int, key: bytes, usage: str) -> None:
        """The handshake is over: key the PDU protection, if the level has any."""
        self._key = key
        if self.auth_level != RPC_C_AUTHN_LEVEL_CONNECT:
            self._session = cred.Session(flags, key, usage)
        self.complete = True

    def _check_flags(self, flags: int) -> None:
        """Refuse a handshake whose flags cannot give ``auth_level``'s protection."""
        needed = {
            RPC_C_AUTHN_LEVEL_CONNECT: 0,
            RPC_C_AUTHN_LEVEL_PKT_INTEGRITY: cred.NEGOTIATE_EXTENDED_SESSIONSECURITY
            | cred.NEGOTIATE_SIGN,
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY: cred.NEGOTIATE_EXTENDED_SESSIONSECURITY
            | cred.NEGOTIATE_SIGN
            | cred.NEGOTIATE_SEAL,
        }[self.auth_level]
        if flags & needed != needed:
            self._failed = True
            raise RpcError(
                RPC_S_SEC_PKG_ERROR,
                f"the NTLM peer did not negotiate the flags auth level {self.auth_level} needs "
                f"(0x{needed:08x}, got 0x{flags:08x})",
            )


class _ClientContext(SecurityContext):
    """The initiator: NEGOTIATE, then AUTHENTICATE from the server's CHALLENGE."""

    def __init__(self, auth: NtlmAuth) -> None:
        super().__init__(auth.auth_level)
        spnego = cred.provider().spnego
        req = spnego.ContextReq
        wanted = {
            RPC_C_AUTHN_LEVEL_CONNECT: req.none,
            RPC_C_AUTHN_LEVEL_PKT_INTEGRITY: req.integrity,
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY: req.integrity | req.confidentiality,
        }[self.auth_level]
        self.user = auth.username
        self.domain = auth.domain
        principal = f"{auth.domain}\\{auth.username}" if auth.domain else auth.username
        with cred.environment({"LM_COMPAT_LEVEL": "3"}):  # NTLMv2 responses, no LM
            self._ctx: Any = spnego.client(
                principal,
                auth.password,
                protocol="ntlm",
                options=spnego.NegotiateOptions.use_ntlm,
                context_req=wanted,
            )
        self._sent_negotiate = False

    def step(self, token: bytes | None) -> bytes | None:
        if not self._sent_negotiate:
            if token is not None:
                raise RpcError(RPC_S_SEC_PKG_ERROR, "an NTLM client speaks first")
            self._sent_negotiate = True
            return bytes(self._ctx.step(None))
        if token is None or self.complete or self._failed:
            raise RpcError(RPC_S_SEC_PKG_ERROR, "unexpected NTLM step on a client context")
        try:
            out = bytes(self._ctx.step(bytes(token)))
        except Exception as exc:
            self._failed = True
            raise RpcError(RPC_S_SEC_PKG_ERROR, f"bad NTLM CHALLENGE: {exc}") from exc
        flags = cred.parse_authenticate(out).flags
        self._check_flags(flags)
        self._established_with(flags, bytes(self._ctx.session_key), "initiate")
        return out


class _ServerContext(SecurityContext):
    """The acceptor: CHALLENGE for the NEGOTIATE, then checks the AUTHENTICATE."""

    def __init__(self, accounts: Accounts, auth_level: int) -> None:
        super().__init__(auth_level)
        self._accounts = accounts
        self._negotiate: bytes | None = None
        self._challenge = b""
        cred.provider()  # fail now, not at the first token, when pyspnego is missing

    def step(self, token: bytes | None) -> bytes | None:
        if token is None or self.complete or self._failed:
            raise RpcError(RPC_S_SEC_PKG_ERROR, "unexpected NTLM step on a server context")
        if self._negotiate is None:
            try:
                self._challenge, _ = cred.challenge(bytes(token))
            except RpcError:
                self._failed = True
                raise
            self._negotiate = bytes(token)
            return self._challenge
        self._authenticate(bytes(token))
        return None

    def _authenticate(self, token: bytes) -> None:
        self._failed = True  # until it succeeds: a refused context is dead
        assert self._negotiate is not None
        message = cred.parse_authenticate(token)
        self._check_flags(message.flags)
        if len(message.nt_response) <= _NTLMV1_RESPONSE_SIZE:
            raise RpcError(RPC_S_ACCESS_DENIED, "only NTLMv2 responses are accepted")
        if not message.user:
            raise RpcError(RPC_S_ACCESS_DENIED, "anonymous NTLM logons are not accepted")
        nt_hash = self._accounts.nt_hash(message.domain, message.user)
        if nt_hash is None:
            raise RpcError(RPC_S_ACCESS_DENIED, f"unknown NTLM user {message.principal!r}")
        try:
            key = cred.accept_ntlmv2(token, message, nt_hash, self._negotiate, self._challenge)
        except RpcError as exc:
            raise RpcError(
                RPC_S_ACCESS_DENIED,
                f"NTLM authentication of {message.principal!r} failed: {exc.detail}",
            ) from exc
        self._failed = False
        self._established_with(message.flags, key, "accept")
        self.user = message.user
        self.domain = message.domain

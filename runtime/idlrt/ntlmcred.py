"""The plumbing under ``idlrt.ntlm``: reading the fields this runtime checks in NTLM messages
([MS-NLMP] 2.2.1), and handing pyspnego's acceptor one user's NT hash through the
``NTLM_USER_FILE`` file it reads (see ``idlrt.ntlm`` for why). Layer 2: imports only ``status``
and ``errors``; no asyncio.
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from .errors import RpcError
from .status import RPC_S_SEC_PKG_ERROR

SIGNATURE = b"NTLMSSP\x00"

# NEGOTIATE flags, [MS-NLMP] 2.2.2.5.
NEGOTIATE_UNICODE = 0x00000001
NEGOTIATE_SIGN = 0x00000010
NEGOTIATE_SEAL = 0x00000020
NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000


def storable(name: str) -> bool:
    """Whether ``name`` fits one field of a credential file line."""
    return not any(c in name for c in ":\\\r\n")


@dataclass(frozen=True)
class Authenticate:
    """What this module reads of an AUTHENTICATE message ([MS-NLMP] 2.2.1.3)."""

    flags: int
    domain: str
    user: str
    nt_response_size: int

    @property
    def principal(self) -> str:
        return f"{self.domain}\\{self.user}" if self.domain else self.user


def u32(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<I", data, offset)[0]
    return value


def parse_authenticate(token: bytes) -> Authenticate:
    if len(token) < 64 or token[:8] != SIGNATURE or u32(token, 8) != 3:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "not an NTLM AUTHENTICATE message")
    flags = u32(token, 60)
    if not flags & NEGOTIATE_UNICODE:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE without Unicode names")

    def payload(offset: int) -> bytes:  # a (length, maximum length, offset) field
        length, _, start = struct.unpack_from("<HHI", token, offset)
        if start + length > len(token):
            raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE field out of bounds")
        return token[start : start + length]

    try:
        domain = payload(28).decode("utf-16-le")
        user = payload(36).decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise RpcError(RPC_S_SEC_PKG_ERROR, "NTLM AUTHENTICATE names are not UTF-16") from exc
    return Authenticate(flags, domain, user, len(payload(20)))


def smbpasswd_line(message: Authenticate, nt_hash: bytes) -> str:
    """One smbpasswd line (NAME:UID:LM:NT:FLAGS:LCT) naming the user as the client did."""
    return f"{message.principal}:0:{'0' * 32}:{nt_hash.hex().upper()}:[U]:LCT-00000000\n"


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


def acceptor_environment(path: str) -> AbstractContextManager[None]:
    """pyspnego's acceptor reads NT hashes from ``path``, and accepts NTLMv2 only."""
    return environment({"NTLM_USER_FILE": path, "LM_COMPAT_LEVEL": "5"})


@contextmanager
def acceptor_file(text: str) -> Iterator[str]:
    """A private (0600) file holding ``text``, deleted after the block."""
    fd, path = tempfile.mkstemp(prefix="idlrt-ntlm-", suffix=".smbpasswd")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        yield path
    finally:
        os.unlink(path)

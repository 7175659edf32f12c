"""``CallContext``: what a manager routine may learn about the call it serves (MS: the server
binding handle), with the peer's ``PeerCredentials``. Layer 4 (call and handle objects), its
lowest module: imports nothing of idlrt.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from typing import Any, Protocol


class CancelFlag(Protocol):
    """The server's record of a call (``handle.CallRecord``), as its context asks it."""

    def test_cancel(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PeerCredentials:
    """The credentials of the process at the other end of a local (ncalrpc) connection."""

    pid: int
    uid: int
    gid: int

    @classmethod
    def of(cls, transport: Any) -> PeerCredentials | None:
        """The credentials of a Unix-socket transport's peer, where the system says them."""
        sock = transport.get_extra_info("socket")
        option = getattr(socket, "SO_PEERCRED", None)
        if sock is None or option is None:
            return None
        try:
            pid, uid, gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, 12))
        except OSError:
            return None
        return cls(pid, uid, gid)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a manager routine may learn about the call it serves (MS: the binding handle).

    ``peer`` is the client's address: ``(host, port, ...)`` for TCP, the socket path (often
    empty) for ncalrpc. ``credentials`` are the peer's process credentials on ncalrpc where the
    system reports them (Linux), else None. ``peer_certificate`` is the client's TLS
    certificate as ``ssl.SSLSocket.getpeercert()`` gives it (TLS with a verified client
    certificate only, else None). ``test_cancel()`` tells whether the client cancelled the call
    (MS ``RpcServerTestCancel``); a routine without a ``handle_t`` parameter reaches its
    context through ``idlrt.call_context()``. On the DCE/RPC wire, ``auth_user``,
    ``auth_domain`` and ``auth_level`` say who the client authenticated as (NTLM) and how the
    association is protected.
    """

    protseq: str
    peer: object
    credentials: PeerCredentials | None
    interface: str
    uuid: str
    version: tuple[int, int]
    opnum: int
    procedure: str
    peer_certificate: dict[str, Any] | None = None
    _record: CancelFlag | None = field(default=None, repr=False, compare=False)
    wire: str = "msgpack"  # or "dcerpc"
    auth_user: str | None = None  # who authenticated (NTLM), None if nobody did
    auth_domain: str | None = None
    auth_level: int = 0  # the DCE authentication level: 0 none, 2 connect, 5 integrity, 6 privacy
    object_uuid: str | None = None  # the object UUID a DCE/RPC request named, if any

    def test_cancel(self) -> bool:
        """Whether the client cancelled this call, or went away (False outside a call)."""
        rec = self._record
        return rec is not None and rec.test_cancel()

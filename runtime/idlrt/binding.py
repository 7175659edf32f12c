"""String bindings: ``ncacn_ip_tcp:HOST[PORT]`` and ``ncalrpc:[PATH]``. Layer 3 (connection and
transport): imports only layer 1.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from .errors import RpcError
from .status import RPC_S_INVALID_STRING_BINDING, RPC_S_PROTSEQ_NOT_SUPPORTED

TCP = "ncacn_ip_tcp"
LOCAL = "ncalrpc"

# HOST: a name, an IPv4 address, an IPv6 address bare (``::1``) or in brackets (``[::1]``);
# may be empty.
_TCP_RE = re.compile(
    r"(\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?\]|[A-Za-z0-9._:%-]*)"
    r"\[(?:endpoint=)?([0-9]{1,5})\]"
)
_LOCAL_RE = re.compile(r"\[(?:endpoint=)?([^\]\x00]+)\]")


@dataclass(frozen=True, slots=True)
class Binding:
    """A parsed string binding. ``str()`` gives the canonical string back.

    For TCP, ``host`` is the network address as written, without brackets (empty: every
    interface when listening, the local machine when connecting) and ``port`` the endpoint (0:
    ephemeral, for listening); ``str()`` writes an IPv6 address bare (``ncacn_ip_tcp:::1[80]``).
    For ncalrpc, ``path`` is the Unix socket path.
    """

    protseq: str
    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> Binding:
        """Parse ``text``; ``RpcError(1700)`` if it is malformed."""
        if not isinstance(text, str):
            raise RpcError(RPC_S_INVALID_STRING_BINDING, f"expected str, got {type(text).__name__}")
        protseq, sep, rest = text.partition(":")
        key = protseq.lower()
        if sep and key == TCP:
            m = _TCP_RE.fullmatch(rest)
            if m is not None and int(m.group(2)) <= 0xFFFF:
                return cls(TCP, host=m.group(1).strip("[]"), port=int(m.group(2)))
        elif sep and key == LOCAL:
            m = _LOCAL_RE.fullmatch(rest)
            if m is not None:
                if not hasattr(socket, "AF_UNIX"):
                    raise RpcError(RPC_S_PROTSEQ_NOT_SUPPORTED, "ncalrpc needs Unix sockets")
                return cls(LOCAL, path=m.group(1))
        raise RpcError(
            RPC_S_INVALID_STRING_BINDING,
            f"{text!r}: expected ncacn_ip_tcp:HOST[PORT] or ncalrpc:[PATH]",
        )

    def with_port(self, port: int) -> Binding:
        """The same TCP binding with another port."""
        return Binding(self.protseq, host=self.host, port=port, path=self.path)

    @property
    def connect_host(self) -> str:
        """The host a client connects to (the local machine for an empty host)."""
        return self.host or "localhost"

    def __str__(self) -> str:
        if self.protseq == TCP:
            return f"{TCP}:{self.host}[{self.port}]"
        return f"{LOCAL}:[{self.path}]"

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
# may be empty. Then the endpoint and options in brackets, ``[PORT,wire=dcerpc]``; without a
# port (``HOST``, ``HOST[]``, ``HOST[,wire=dcerpc]``) a client asks the endpoint mapper.
_TCP_RE = re.compile(
    r"(\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?\]|[A-Za-z0-9._:%-]*?)"
    r"(?:\[(?:endpoint=)?([0-9]{0,5})((?:,[A-Za-z_]+=[A-Za-z0-9_.-]*)*)\])?"
)
WIRES = ("msgpack", "dcerpc")
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
    has_port: bool = True  # False: a TCP binding without endpoint (ask the endpoint mapper)
    wire: str | None = None  # the ``wire=`` option: "msgpack" or "dcerpc"

    @classmethod
    def parse(cls, text: str) -> Binding:
        """Parse ``text``; ``RpcError(1700)`` if it is malformed."""
        if not isinstance(text, str):
            raise RpcError(RPC_S_INVALID_STRING_BINDING, f"expected str, got {type(text).__name__}")
        protseq, sep, rest = text.partition(":")
        key = protseq.lower()
        if sep and key == TCP:
            m = _TCP_RE.fullmatch(rest)
            if m is not None and int(m.group(2) or 0) <= 0xFFFF:
                wire = _wire_option(text, m.group(3) or "")
                port = m.group(2)
                host = m.group(1).strip("[]")
                return cls(TCP, host, int(port or 0), has_port=bool(port), wire=wire)
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
        return Binding(self.protseq, self.host, port, self.path, True, self.wire)

    @property
    def connect_host(self) -> str:
        """The host a client connects to (the local machine for an empty host)."""
        return self.host or "localhost"

    def __str__(self) -> str:
        if self.protseq == TCP:
            port = str(self.port) if self.has_port else ""
            option = f",wire={self.wire}" if self.wire else ""
            return f"{TCP}:{self.host}[{port}{option}]"
        return f"{LOCAL}:[{self.path}]"


def _wire_option(text: str, options: str) -> str | None:
    """The ``wire=`` option of ``,key=value`` pairs; 1700 for any other key or value."""
    wire = None
    for item in options.split(",")[1:]:
        key, _, value = item.partition("=")
        if key.lower() != "wire" or value.lower() not in WIRES:
            raise RpcError(
                RPC_S_INVALID_STRING_BINDING, f"{text!r}: unknown option {item!r} (wire=dcerpc)"
            )
        wire = value.lower()
    return wire

"""Protocol towers: the octets of ``twr_t.tower_octet_string`` (C706 appendix L, [MS-RPCE]
2.2.1.1), which say how to reach an interface. Layer 2 (wire codecs): imports ``status`` and
``errors`` only; pure, no asyncio.

A tower is a floor count (2 octets, little-endian), then that many floors; a floor is a
left-hand side (its length in 2 octets LE, then a protocol identifier and the identifier's data)
and a right-hand side (its length in 2 octets LE, then related or address data). An RPC tower
starts with two UUID floors, the interface and the transfer syntax (``0x0d``, the UUID in its
little-endian form, the major version in 2 octets LE; the minor version, 2 octets LE, on the
right), then the RPC protocol (``0x0b`` connection-oriented, minor version 0 on the right), then
the transport's floors. For ``ncacn_ip_tcp``: TCP (``0x07``, the port in 2 octets BIG-endian)
and IP (``0x09``, the IPv4 address in 4 octets).

``encode_tcp_tower`` writes an ``ncacn_ip_tcp`` tower; ``decode_tower`` reads any RPC tower:
the floors it knows become fields, and every floor stays in ``Tower.floors``, so a tower for
``ncacn_np`` or ``ncalrpc`` (which an endpoint mapper may list) is read, not refused. Hostile
octets raise ``RpcError`` 1783 RPC_X_BAD_STUB_DATA, nothing else.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import Final

from ..errors import RpcError
from ..status import RPC_X_BAD_STUB_DATA

__all__ = [
    "HTTP",
    "IP",
    "LRPC",
    "LRPC_ENDPOINT",
    "NAMED_PIPE",
    "NDR20_SYNTAX",
    "NETBIOS_HOST",
    "RPC_CL",
    "RPC_CO",
    "TCP",
    "UDP",
    "UUID_FLOOR",
    "Floor",
    "Tower",
    "decode_floors",
    "decode_tower",
    "encode_floors",
    "encode_tcp_tower",
]

# Protocol identifiers: the first octet of a floor's left-hand side.
UUID_FLOOR: Final = 0x0D  # an interface or a transfer syntax
RPC_CO: Final = 0x0B  # connection-oriented RPC (ncacn_*)
RPC_CL: Final = 0x0A  # connectionless RPC (ncadg_*)
LRPC: Final = 0x0C  # local RPC (ncalrpc)
TCP: Final = 0x07  # a TCP port, big-endian
UDP: Final = 0x08  # a UDP port, big-endian
IP: Final = 0x09  # an IPv4 address
NAMED_PIPE: Final = 0x0F  # an SMB named pipe, NUL-terminated
LRPC_ENDPOINT: Final = 0x10  # an ncalrpc endpoint name, NUL-terminated
NETBIOS_HOST: Final = 0x11  # a NetBIOS host name, NUL-terminated
HTTP: Final = 0x1F  # ncacn_http's port, big-endian

# The transfer syntax of NDR20 (C706 chapter 14): its UUID and version.
NDR20_SYNTAX: Final = (uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), (2, 0))

# The transport floors (the identifiers from floor 3 on) of the protocol sequences read by name.
_PROTSEQS: Final = {
    (RPC_CO, TCP, IP): "ncacn_ip_tcp",
    (RPC_CL, UDP, IP): "ncadg_ip_udp",
    (RPC_CO, HTTP, IP): "ncacn_http",
    (RPC_CO, NAMED_PIPE, NETBIOS_HOST): "ncacn_np",
    (RPC_CO, NAMED_PIPE): "ncacn_np",
    (LRPC, LRPC_ENDPOINT): "ncalrpc",
}
_U16 = struct.Struct("<H")
_PORT = struct.Struct(">H")
_MAX_FLOORS: Final = 32  # far above any real tower (ncacn_np has 5); a bound on hostile counts


@dataclass(frozen=True, slots=True)
class Floor:
    """One floor as it is on the wire: its left-hand side (protocol identifier and data) and
    its right-hand side (related or address data)."""

    lhs: bytes
    rhs: bytes

    @property
    def protocol(self) -> int:
        """The protocol identifier (the first octet of the left-hand side)."""
        return self.lhs[0]


@dataclass(frozen=True, slots=True)
class Tower:
    """An RPC tower read back. ``protseq`` names the transport floors when they are one of
    ``ncacn_ip_tcp``, ``ncadg_ip_udp``, ``ncacn_http``, ``ncacn_np``, ``ncalrpc`` (else None);
    ``port`` and ``host`` come from a TCP/UDP/HTTP floor and an IP or NetBIOS floor, and
    ``endpoint`` from a pipe or ncalrpc floor, where the tower has them. ``floors`` holds every
    floor, the two UUID floors included."""

    interface: uuid.UUID
    version: tuple[int, int]
    syntax: uuid.UUID
    syntax_version: tuple[int, int]
    protocol: int
    protseq: str | None
    port: int | None
    host: str | None
    endpoint: str | None
    floors: tuple[Floor, ...]


def _bad(message: str) -> RpcError:
    return RpcError(RPC_X_BAD_STUB_DATA, f"protocol tower: {message}")


def encode_floors(floors: list[Floor] | tuple[Floor, ...]) -> bytes:
    """The octets of a tower made of ``floors`` (any protocols)."""
    out = bytearray(_U16.pack(len(floors)))
    for floor in floors:
        out += _U16.pack(len(floor.lhs)) + floor.lhs + _U16.pack(len(floor.rhs)) + floor.rhs
    return bytes(out)


def _uuid_floor(ident: uuid.UUID, version: tuple[int, int]) -> Floor:
    major, minor = version
    return Floor(bytes([UUID_FLOOR]) + ident.bytes_le + _U16.pack(major), _U16.pack(minor))


def encode_tcp_tower(
    interface: uuid.UUID | str,
    version: tuple[int, int],
    host: str,
    port: int,
    syntax: tuple[uuid.UUID, tuple[int, int]] = NDR20_SYNTAX,
) -> bytes:
    """The ``ncacn_ip_tcp`` tower of ``interface`` (major, minor ``version``) at IPv4 ``host``
    and TCP ``port``, spoken in ``syntax`` (NDR20 unless told). A client asking a mapper for a
    port sends host ``"0.0.0.0"`` and port 0. ``ValueError`` for what no tower can hold: a
    version or port beyond 16 bits, a host that is not dotted IPv4."""
    ident = interface if isinstance(interface, uuid.UUID) else uuid.UUID(interface)
    address = _ipv4(host)
    if not (0 <= version[0] <= 0xFFFF and 0 <= version[1] <= 0xFFFF):
        raise ValueError(f"interface version {version} does not fit 16 bits")
    if not 0 <= port <= 0xFFFF:
        raise ValueError(f"TCP port {port} out of range")
    return encode_floors(
        (
            _uuid_floor(ident, version),
            _uuid_floor(*syntax),
            Floor(bytes([RPC_CO]), _U16.pack(0)),
            Floor(bytes([TCP]), _PORT.pack(port)),
            Floor(bytes([IP]), address),
        )
    )


def _ipv4(host: str) -> bytes:
    parts = host.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        raise ValueError(f"{host!r} is not an IPv4 address (a tower holds 4 octets)")
    return bytes(int(p) for p in parts)


def decode_floors(octets: bytes) -> tuple[Floor, ...]:
    """The floors of any tower, exactly as they are (1783 for truncated or trailing octets)."""
    data = bytes(octets)
    if len(data) < 2:
        raise _bad(f"{len(data)} octets hold no floor count")
    (count,) = _U16.unpack_from(data, 0)
    if count > _MAX_FLOORS:
        raise _bad(f"{count} floors")
    pos = 2
    floors = []
    for i in range(count):
        sides = []
        for side in ("left", "right"):
            if pos + 2 > len(data):
                raise _bad(f"floor {i + 1}: the {side}-hand side's length is missing")
            (n,) = _U16.unpack_from(data, pos)
            pos += 2
            if pos + n > len(data):
                raise _bad(f"floor {i + 1}: {n} octets on the {side} exceed the tower")
            sides.append(data[pos : pos + n])
            pos += n
        if not sides[0]:
            raise _bad(f"floor {i + 1} has no protocol identifier")
        floors.append(Floor(sides[0], sides[1]))
    if pos != len(data):
        raise _bad(f"{len(data) - pos} octets after the last floor")
    return tuple(floors)


def _read_uuid_floor(floor: Floor, what: str) -> tuple[uuid.UUID, tuple[int, int]]:
    if floor.protocol != UUID_FLOOR or len(floor.lhs) != 19 or len(floor.rhs) != 2:
        raise _bad(f"the {what} floor is not a UUID floor")
    (major,) = _U16.unpack_from(floor.lhs, 17)
    (minor,) = _U16.unpack_from(floor.rhs, 0)
    return uuid.UUID(bytes_le=floor.lhs[1:17]), (major, minor)


def _text(rhs: bytes) -> str:
    return rhs.split(b"\0", 1)[0].decode("latin-1")


def decode_tower(octets: bytes) -> Tower:
    """An RPC tower read back (see ``Tower``): the interface and transfer syntax floors must be
    there, and the protocol floor; the transport floors are read where they are known."""
    floors = decode_floors(octets)
    if len(floors) < 3:
        raise _bad(f"{len(floors)} floors, an RPC tower has at least 3")
    interface, version = _read_uuid_floor(floors[0], "interface")
    syntax, syntax_version = _read_uuid_floor(floors[1], "transfer syntax")
    ids = tuple(f.protocol for f in floors[2:])
    port = host = endpoint = None
    for floor in floors[3:]:
        kind, rhs = floor.protocol, floor.rhs
        if kind in (TCP, UDP, HTTP):
            if len(rhs) != 2:
                raise _bad(f"a port of {len(rhs)} octets")
            (port,) = _PORT.unpack(rhs)
        elif kind == IP:
            if len(rhs) != 4:
                raise _bad(f"an IPv4 address of {len(rhs)} octets")
            host = ".".join(str(b) for b in rhs)
        elif kind == NETBIOS_HOST:
            host = _text(rhs)
        elif kind in (NAMED_PIPE, LRPC_ENDPOINT):
            endpoint = _text(rhs)
    return Tower(
        interface=interface,
        version=version,
        syntax=syntax,
        syntax_version=syntax_version,
        protocol=ids[0],
        protseq=_PROTSEQS.get(ids),
        port=port,
        host=host,
        endpoint=endpoint,
        floors=floors,
    )

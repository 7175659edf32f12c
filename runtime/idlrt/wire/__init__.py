"""The wire codecs: how the messages of a call become bytes. Pure, no asyncio.

Layer 2 (wire codecs). One module per wire, each imported by name: ``msgpack`` is idlrt's own
protocol (docs/protocol.md), the only one today; an NDR (DCE/RPC) codec belongs beside it.
This package imports none of them, so loading one wire never loads another.
"""

"""The wire codecs (layer 2 of idlrt): how the messages of a call become bytes. Pure, no asyncio.

One module per wire, each imported by name: ``msgpack`` is idlrt's own protocol
(docs/protocol.md), the only one today; an NDR (DCE/RPC) codec belongs beside it.
"""

"""idlc: a MIDL-style IDL compiler generating asyncio RPC stubs for the idlrt runtime."""

__version__ = "0.1.0"

"""The wire fuzzer: hostile connections against a live idlrt server, on both of its wires.

``python -m fuzz.wire --messages N --seed S --time-limit T [--wire msgpack|dcerpc|both]``
starts a server of ``WireFuzz.idl`` in another process (``target``), sends it bursts of
malformed, mutated and lying messages mixed with well-formed calls (``msgpack_attacks``,
``dce_attacks``), checks with a well-behaved client every 200 connections that it still
answers correctly, and reports messages/s, the server's RSS, internal errors in its log, and
what is left in progress at the end (``run``). docs/reliability.md, "The wire fuzzer".
"""

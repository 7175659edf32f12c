"""Tools that attack or load the code they live with, bounded by count and time
(``make fuzz``; docs/reliability.md).

``fuzz.idl`` mutates real IDL and runs the compiler in-process on each mutant; ``fuzz.wire``
sends hostile traffic to a live server on both wires; ``fuzz.connmem`` measures what an idle
connection costs; ``fuzz.soak`` runs mixed traffic against a server process and samples its RSS.
"""

"""Fuzzers that live with the code they attack, bounded by count and time (``make fuzz``).

``fuzz.idl`` mutates real IDL and runs the compiler in-process on each mutant.
"""

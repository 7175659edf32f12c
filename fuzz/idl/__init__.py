"""The IDL fuzzer: real IDL (the shared corpus and the examples), mutated token by token and
with hostile constructs (deep nesting, huge numbers, odd bytes), compiled in-process by
``idlc.cli.main``. Every mutant must end in exit status 0 or 1 with diagnostics: an internal
error, an escaped exception or a hang is a finding, saved with its command line for replay.

``seeds`` finds the inputs, ``mutate`` makes the mutants, ``run`` compiles and reports.
"""

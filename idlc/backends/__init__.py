"""Stage 4, emit: one package per output kind, each reading only the IR (``idlc.ir``)."""

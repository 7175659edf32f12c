"""Optional cProfile of a benchmark process: set BENCH_PROFILE_DIR to a directory."""

from __future__ import annotations

import contextlib
import cProfile
import os
from collections.abc import Iterator
from pathlib import Path

PROFILE_ENV = "BENCH_PROFILE_DIR"


@contextlib.contextmanager
def profiled(role: str) -> Iterator[None]:
    """Profile the block into ``$BENCH_PROFILE_DIR/<role>.prof`` when that variable is set."""
    out = os.environ.get(PROFILE_ENV)
    if not out:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(str(Path(out) / f"{role}.prof"))

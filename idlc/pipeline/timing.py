"""Seconds this process has spent in each stage of the compiler, for the compile benchmark
(``bench/compile.py``): a clock read or two per file and stage, so always kept."""

from __future__ import annotations

from time import perf_counter as now

STAGES = ("preprocess", "parse", "lower", "generate", "write")
seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

__all__ = ["STAGES", "charge", "now", "reset", "seconds"]


def charge(stage: str, since: float) -> float:
    """Add the time since ``since`` to ``stage``; returns the time now, where the next starts."""
    t = now()
    seconds[stage] += t - since
    return t


def reset() -> None:
    for stage in STAGES:
        seconds[stage] = 0.0

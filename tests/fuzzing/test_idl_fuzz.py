"""The IDL fuzzer's short run (``make fuzz`` runs the long one): 2000 mutants of the examples
and of the shared corpus's files up to 16 KiB (the examples alone when the corpus is absent),
each compiled in-process, must all end in exit status 0 or 1, with no internal error, no
exception and no hang. About 30 s here; the fuzzer runs in its own process, as it does from
``make fuzz``, so its compiler caches and its alarm stay out of this one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(170)
def test_two_thousand_mutants_end_in_status_0_or_1(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    crashes = tmp_path / "crashes"
    argv = ["--count", "2000", "--seed", "17", "--max-seed-kib", "16", "--timeout", "20"]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fuzz.idl",
            *argv,
            "--json",
            str(report),
            "--crash-dir",
            str(crashes),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=160,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    doc = json.loads(report.read_text())
    assert doc["mutants"] == 2000
    assert doc["findings"] == []
    assert set(doc["exit_codes"]) <= {"0", "1"}
    assert doc["exit_codes"].get("1", 0) > 0  # the mutants do break things
    assert not crashes.exists()


def test_a_mutant_is_made_again_from_the_seed_and_its_number() -> None:
    import random

    sys.path.insert(0, str(ROOT))
    try:
        from fuzz.idl.mutate import mutate
        from fuzz.idl.seeds import example_seeds
    finally:
        sys.path.remove(str(ROOT))
    seeds = example_seeds()

    def make(index: int) -> tuple[bytes, list[str]]:
        rng = random.Random(f"17:{index}")
        m = mutate(rng, rng.choice(seeds), rng.choice(seeds))
        return m.idl, m.ops

    assert [make(i) for i in range(20)] == [make(i) for i in range(20)]

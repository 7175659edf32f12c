"""The benchmark suite still runs end to end (``python -m bench --quick``), so it cannot rot.

Loopback only; gRPC, uvloop and widl are used only when installed (the runner skips them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(90)
def test_quick_suite_runs_every_scenario(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads(out.read_text())
    assert not [r for r in doc["runs"] if "error" in r]
    for scenario in ("S1", "S2", "S3", "S4", "S5"):
        for system in ("idlc", "raw"):
            assert f"asyncio/{scenario}/{system}" in doc["summary"], (scenario, system)
    for leg in ("msgpack", "dcerpc", "msgpack-64", "dcerpc-64"):  # D1, one server for all
        assert f"asyncio/D1/{leg}" in doc["summary"], leg
    assert doc["compile"]["idlc_start_s"]
    assert doc["codecs"]["times"]["small"]["ndr"]["total_us"]  # N1 (tests/bench/test_bench_codecs)
    assert "| S1 | idlc |" in proc.stdout
    assert "N1 codecs" in proc.stdout

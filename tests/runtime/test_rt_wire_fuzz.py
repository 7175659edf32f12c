"""The short run of the wire fuzzer (fuzz/wire; ``make fuzz`` runs the long one): about 20,000
hostile messages on both wires against a server in another process, with a fixed seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 20_000
SEED = 20260


@pytest.mark.wire_free
def test_short_wire_fuzz_finds_nothing(tmp_path: Path) -> None:
    log = tmp_path / "target.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(ROOT / "runtime"), env.get("PYTHONPATH", "")) if p
    )
    args = ["--messages", str(MESSAGES), "--seed", str(SEED), "--time-limit", "60"]
    done = subprocess.run(
        [sys.executable, "-m", "fuzz.wire", *args, "--log", str(log), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    shown = json.dumps(report, indent=1)
    assert report["messages"] >= MESSAGES, shown
    assert set(report["messages_by_wire"]) == {"msgpack", "dcerpc"}, shown
    assert report["internal_errors"] == 0, shown
    assert report["health_checks"] >= 2 * (report["connections"] // 200), shown
    assert report["health_failures"] == [], shown
    assert report["harness_errors"] == [], shown
    assert report["not_closed_after_eof"] == 0, shown
    assert report["calls_in_progress"] == 0, shown
    assert report["connections_left"] == 0, shown
    assert report["context_handles_left"] == 0, shown
    assert report["parked_left"] == 0, shown
    assert report["target_exit"] == 0, shown
    assert report["clean"] and done.returncode == 0, shown
    assert "Traceback" not in done.stderr, done.stderr

"""``make demo`` as a test: the async example's demo, from a copy compiled by idlc, runs its
server and client to the end (both exit 0), blocking client included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, compile_package

EXAMPLE = ROOT / "examples" / "async"


@pytest.mark.wire_free  # the demo picks its own wire (msgpack)
def test_the_async_demo_runs_to_the_end(tmp_path: Path) -> None:
    copy = tmp_path / "async"
    copy.mkdir()
    for name in ("AsyncRPC.idl", "AsyncRPC.acf", "client.py", "server.py", "demo.py"):
        shutil.copy(EXAMPLE / name, copy)
    compile_package(copy / "AsyncRPC.idl", copy / "gen")
    done = subprocess.run(
        [sys.executable, str(copy / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "demo: client exited 0, server exited 0" in done.stdout
    assert "blocking client leaves without closing its session" in done.stdout

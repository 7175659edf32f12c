"""The examples' demos as tests: ``make demo`` (examples/async) and ``make files-demo``
(examples/files, pipes and a [callback]), each from a copy compiled by idlc, run their server
and client to the end (both exit 0)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, compile_package


def run_demo(tmp_path: Path, example: str, idl: str, sources: tuple[str, ...]) -> str:
    """Copy ``sources`` of examples/``example``, compile ``idl`` into its ``gen`` and run
    its demo.py (temporary files in ``tmp_path``); what it printed, once both processes
    exited 0."""
    copy = tmp_path / example
    copy.mkdir()
    for name in (idl, *sources, "client.py", "server.py", "demo.py"):
        shutil.copy(ROOT / "examples" / example / name, copy)
    compile_package(copy / idl, copy / "gen")
    done = subprocess.run(
        [sys.executable, str(copy / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "demo: client exited 0, server exited 0" in done.stdout
    return done.stdout


@pytest.mark.wire_free  # the demo picks its own wire (msgpack)
def test_the_async_demo_runs_to_the_end(tmp_path: Path) -> None:
    out = run_demo(tmp_path, "async", "AsyncRPC.idl", ("AsyncRPC.acf",))
    assert "blocking client leaves without closing its session" in out


@pytest.mark.wire_free  # the example picks its own wire (msgpack)
def test_the_file_transfer_demo_runs_to_the_end(tmp_path: Path) -> None:
    out = run_demo(tmp_path, "files", "Files.idl", ())
    assert "client: uploaded 8388608 octets" in out
    assert "the same as uploaded: True" in out
    assert "blocking download wrote 8388608 octets" in out
    assert "upload   [" + "#" * 30 + "]   8.0/8.0 MiB" in out  # the bar reached its end

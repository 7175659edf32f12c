"""``make files-demo`` as a test: the file-transfer example (examples/files), from a copy
compiled by idlc, uploads and downloads 8 MiB through pipes with progress callbacks, and both
of its processes exit 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, compile_package

EXAMPLE = ROOT / "examples" / "files"


@pytest.mark.wire_free  # the example picks its own wire (msgpack)
def test_the_file_transfer_demo_runs_to_the_end(tmp_path: Path) -> None:
    copy = tmp_path / "files"
    copy.mkdir()
    for name in ("Files.idl", "client.py", "server.py", "demo.py"):
        shutil.copy(EXAMPLE / name, copy)
    compile_package(copy / "Files.idl", copy / "gen")
    done = subprocess.run(
        [sys.executable, str(copy / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    out = done.stdout
    assert done.returncode == 0, out[-2000:] + done.stderr[-2000:]
    assert "client: uploaded 8388608 octets" in out
    assert "the same as uploaded: True" in out
    assert "blocking download wrote 8388608 octets" in out
    assert "upload   [" + "#" * 30 + "]   8.0/8.0 MiB" in out  # the bar reached its end
    assert "demo: client exited 0, server exited 0" in out

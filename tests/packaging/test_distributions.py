"""The two distributions install and work on their own, from a clean virtual environment.

1. Only ``idlc-runtime``: code generated earlier imports and serves a call; the compiler and its
   dependencies are absent.
2. Then the ``idlc`` wheel (not the checkout): the templates travel inside it, and its output is
   the golden file byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from support import ROOT, compile_package

pytestmark = pytest.mark.timeout(600)

SMOKE = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import idlrt
from gen_pkg import asyncrpc

for name in ("idlc", "lark", "jinja2"):
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"{name} is importable in a runtime-only environment")

class Manager(asyncrpc.AsyncRPCManager):
    def CheckedDelay(self, handle, nDelay, total):
        handle.complete(0, total=nDelay + total)

async def main():
    async with idlrt.Server() as server:
        server.register(Manager())
        binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
        async with await asyncrpc.AsyncRPCAsyncClient.connect(binding) as client:
            print((await client.CheckedDelay(2, 40)).total)

asyncio.run(main())
"""


def pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
    )


def test_runtime_alone_then_the_compiler_wheel(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"

    pip(python, str(ROOT / "runtime"))
    compile_package(ROOT / "examples" / "async" / "AsyncRPC.idl", tmp_path / "gen_pkg")
    smoke = subprocess.run(
        [str(python), "-c", SMOKE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert smoke.returncode == 0, smoke.stderr
    assert smoke.stdout.strip() == "42"

    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("idlc-*.whl")
    pip(python, str(wheel))
    out = tmp_path / "from_wheel"
    idlc = env_dir / "bin" / "idlc"
    example = ROOT / "examples" / "async" / "AsyncRPC.idl"
    subprocess.run([str(idlc), str(example), "-o", str(out)], check=True, cwd=tmp_path)
    golden = ROOT / "tests" / "golden" / "example_async" / "asyncrpc.py"
    assert (out / "asyncrpc.py").read_text() == golden.read_text()

"""Generate the stubs the systems import, at bench time, into a scratch directory.

idlc's from bench.idl (package ``idlcgen``), gRPC's from bench.proto (``bench_pb2``,
``bench_pb2_grpc``) when grpcio-tools is installed. Nothing generated is committed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from bench.common import IDL, PROTO


def have(module: str) -> bool:
    """Whether ``module`` can be imported here."""
    return importlib.util.find_spec(module) is not None


def idlc_command() -> list[str]:
    """How to run idlc: the venv's script beside this interpreter, else ``python -m idlc``."""
    script = Path(sys.executable).with_name("idlc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "idlc"]


def generate(gen_dir: Path, with_grpc: bool) -> None:
    """Write the idlc (and, if asked, gRPC) stubs into ``gen_dir``."""
    subprocess.run([*idlc_command(), str(IDL), "-o", str(gen_dir / "idlcgen")], check=True)
    if with_grpc:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                f"-I{PROTO.parent}",
                f"--python_out={gen_dir}",
                f"--grpc_python_out={gen_dir}",
                str(PROTO),
            ],
            check=True,
        )

"""Starting and always stopping the server and client processes of one measurement."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
_READY_TIMEOUT = 60.0
_EXIT_TIMEOUT = 10.0


class BenchError(RuntimeError):
    """A server or client process failed; the message carries the end of its stderr."""


def _tail(f: IO[bytes]) -> str:
    f.seek(0)
    return f.read()[-3000:].decode(errors="replace")


def _env(profile_dir: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("BENCH_PROFILE_DIR", None)
    if profile_dir is not None:
        env["BENCH_PROFILE_DIR"] = str(profile_dir)
    return env


class ServerProcess:
    """A ``bench.server`` process; its ``BENCH`` records arrive on a queue. Use as a context
    manager: leaving it closes the server's stdin (its signal to exit) and kills it if needed."""

    def __init__(self, argv: list[str], profile_dir: Path | None = None) -> None:
        self.records: queue.Queue[dict[str, Any]] = queue.Queue()
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            cwd=ROOT,
            env=_env(profile_dir),
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(b"BENCH "):
                self.records.put(json.loads(line[6:]))

    def record(self, timeout: float = _READY_TIMEOUT) -> dict[str, Any]:
        """The next record the server emitted."""
        try:
            return self.records.get(timeout=timeout)
        except queue.Empty:
            raise BenchError(f"server sent nothing in {timeout} s: {self.stderr()}") from None

    def stderr(self) -> str:
        return _tail(self._err)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=_EXIT_TIMEOUT)
        except (subprocess.TimeoutExpired, OSError):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._err.close()


def run_client(spec: dict[str, Any], timeout: float, profile_dir: Path | None) -> dict[str, Any]:
    """Run one ``bench.client`` process to the end (killed after ``timeout`` s); its record."""
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.client", json.dumps(spec)],
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=ROOT,
                env=_env(profile_dir),
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"client timed out after {timeout} s: {_tail(err)}") from None
        if proc.returncode:
            raise BenchError(f"client exited with {proc.returncode}: {_tail(err)}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(b"BENCH "):
            record: dict[str, Any] = json.loads(line[6:])
            return record
    raise BenchError("client printed no record")

"""``make files-demo``: start the file-transfer server, run its client, stop everything."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent


def copy_lines(stream: TextIO) -> None:
    """Show the server's lines as they come, interleaved with the client's."""
    for line in stream:
        print(line, end="", flush=True)


def main() -> int:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "ncacn_ip_tcp:127.0.0.1[0]"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    try:
        binding = server.stdout.readline().strip()
        if not binding:
            print("demo: the server did not start", file=sys.stderr)
            return 1
        print(f"demo: server listening on {binding}", flush=True)
        echo = threading.Thread(target=copy_lines, args=(server.stdout,), daemon=True)
        echo.start()
        client = subprocess.run([sys.executable, str(HERE / "client.py"), binding], timeout=60)
        server.wait(timeout=30)
        echo.join(timeout=5)
        print(f"demo: client exited {client.returncode}, server exited {server.returncode}")
        return client.returncode or server.returncode
    finally:
        if server.poll() is None:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())

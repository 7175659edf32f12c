"""The file-transfer example client: ``python client.py BINDING``.

It uploads 8 MiB through an [in] pipe from an async generator, downloads it back through an
[out] pipe into a sink, both with a progress bar that the server drives through the Progress
callback, checks that the octets came back unchanged, then does the same download with the
blocking client and a plain sink, and asks the server to stop.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import files

SIZE = 8 * 1024 * 1024
CHUNK = 64 * 1024
WIDTH = 30


class ProgressBar(files.FilesCallbacks):
    """The [callback] the server calls: draws a bar on one line, ended when the transfer is."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.reports = 0

    def Progress(self, done: int, total: int) -> None:
        self.reports += 1
        filled = WIDTH * done // total if total else WIDTH
        bar = "#" * filled + "." * (WIDTH - filled)
        end = "\n" if done >= total else ""
        line = f"\rclient: {self.label} [{bar}] {done / 2**20:5.1f}/{total / 2**20:.1f} MiB"
        print(line, end=end, flush=True)


async def main(binding: str) -> None:
    content = os.urandom(SIZE)
    digest = hashlib.sha256(content).hexdigest()

    async def source() -> AsyncIterator[bytes]:
        for start in range(0, SIZE, CHUNK):
            yield content[start : start + CHUNK]

    bar = ProgressBar("upload  ")
    async with await files.FilesAsyncClient.connect(binding, callbacks=bar) as client:
        stored = await client.Upload("demo.bin", SIZE, source())
        print(f"client: uploaded {stored} octets, {bar.reports} progress reports")

        bar.label = "download"
        received = hashlib.sha256()
        size = await client.Download("demo.bin", received.update)
        same = received.hexdigest() == digest
        print(f"client: downloaded {size} octets, the same as uploaded: {same}")
        if not same:
            raise SystemExit("client: the download differs from the upload")


def blocking(binding: str) -> None:
    """The blocking client: the sink is called in this thread, chunk by chunk."""
    target = Path(os.environ.get("TMPDIR", "/tmp")) / f"idlc-files-{os.getpid()}.bin"
    with files.FilesClient.connect(binding, callbacks=ProgressBar("blocking")) as client:
        with target.open("wb") as f:

            def sink(chunk: bytes) -> None:
                f.write(chunk)

            size = client.Download("demo.bin", sink)
        print(f"client: blocking download wrote {size} octets to a file")
        target.unlink()
        client.Shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
    blocking(sys.argv[1])

"""The file-transfer example server: ``python server.py [BINDING] [DIRECTORY]``.

It stores uploaded files in DIRECTORY (default: a new temporary directory), prints the real
binding on its first line of output, and serves until a client calls Shutdown. Its routines
are ``async def``: they read the [in] pipe with ``async for`` and push the [out] pipe with
``await``, so one event loop serves every transfer, and they report progress through the
client's Progress callback.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import files

import idlrt

CHUNK = 64 * 1024
REPORT_EVERY = 1024 * 1024  # octets between two progress reports


def log(message: str) -> None:
    print(f"server: {message}", flush=True)


class Progress:
    """A transfer's progress, reported to the client through its Progress callback every
    REPORT_EVERY octets and at the end (made inside the routine: it finds the call there)."""

    def __init__(self, total: int) -> None:
        self.client = files.FilesCallbackClient(idlrt.current_call())
        self.total = total
        self.done = self.reported = 0

    async def add(self, n: int) -> None:
        self.done += n
        if self.done - self.reported >= REPORT_EVERY:
            await self.end()

    async def end(self) -> None:
        if self.done != self.reported or not self.done:
            await self.client.Progress(self.done, self.total)
            self.reported = self.done


class FileServer(files.FilesManager):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.shutdown = asyncio.Event()

    def _path(self, name: str) -> Path:
        path = (self.directory / name).resolve()
        if path.parent != self.directory.resolve():
            raise idlrt.RpcError(idlrt.status.RPC_S_INVALID_ARG, f"{name!r} is not a plain name")
        return path

    async def Upload(self, name: str, size: int, data: idlrt.PipeReader[bytes]) -> int:
        progress = Progress(size)
        with self._path(name).open("wb") as f:
            async for chunk in data:
                f.write(chunk)
                await progress.add(len(chunk))
        await progress.end()
        log(f"stored {name} ({progress.done} octets)")
        return progress.done

    async def Download(self, name: str, data: idlrt.PipeWriter[bytes]) -> int:
        path = self._path(name)
        if not path.is_file():
            raise idlrt.RpcError(2, f"no file {name!r}")  # ERROR_FILE_NOT_FOUND
        progress = Progress(path.stat().st_size)
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                await data.push(chunk)  # waits while the client's window is full
                await progress.add(len(chunk))
        await progress.end()
        log(f"sent {name} ({progress.done} octets)")
        return progress.done

    async def Shutdown(self) -> None:
        log("Shutdown requested")
        self.shutdown.set()


async def main(binding: str, directory: Path) -> None:
    manager = FileServer(directory)
    async with idlrt.Server() as server:
        server.register(manager)
        print(await server.listen(binding), flush=True)
        await manager.shutdown.wait()


if __name__ == "__main__":
    where = sys.argv[1] if len(sys.argv) > 1 else "ncacn_ip_tcp:127.0.0.1[0]"
    if len(sys.argv) > 2:
        asyncio.run(main(where, Path(sys.argv[2])))
    else:
        with tempfile.TemporaryDirectory(prefix="idlc-files-") as tmp:
            asyncio.run(main(where, Path(tmp)))

"""The server the wire fuzzer attacks, in a process of its own (so that its RSS is its own).

``python -m fuzz.wire.target GEN LOG`` imports the stubs of ``WireFuzz.idl`` that the harness
compiled into the package directory GEN, serves them on an ephemeral port of 127.0.0.1 with
logging (level INFO) to the file LOG, and prints ``PORT <n>`` on stdout. Then it reads
commands, one a line, on stdin: ``stats`` prints one line of JSON (calls in progress,
connections, open context handles, parked calls, rundowns, calls served); end of input stops
the server and the process. With ``WIREFUZZ_LOG_ALL`` set in its environment, the server logs
every line about a bad peer, not 10 a minute (to see what the strategies reach).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import idlrt
from idlrt.untrusted import peer_log

from .values import DOWNLOAD_CHUNKS, LONG_PARK

USER = ("fuzz", "not-a-secret")  # an NTLM account, so that auth verifiers are parsed too


def load_stubs(gen: Path) -> Any:
    """The generated module ``wirefuzz`` of the package directory ``gen``."""
    parent = str(gen.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    importlib.invalidate_caches()
    return importlib.import_module(f"{gen.name}.wirefuzz")


def _wrap(n: int) -> int:
    """``n`` as a 32-bit signed long (sums of hostile values overflow)."""
    return (n + 2**31) % 2**32 - 2**31


def make_manager(m: Any) -> Any:
    """A manager of WireFuzz whose replies a client can check: see ``fuzz.wire.health``."""

    class Counter:
        __slots__ = ("value",)

        def __init__(self, value: int) -> None:
            self.value = value

    class Manager(m.WireFuzzManager):  # type: ignore[misc]
        def __init__(self) -> None:
            self.parked: set[Any] = set()
            self.rundowns = 0

        def Add(self, a: int, b: int) -> int:
            return _wrap(a + b)

        def Echo(self, s: str) -> str:
            return s

        def Sum(self, n: int, v: list[int]) -> int:
            return _wrap(sum(v))

        def Put(self, item: Any) -> tuple[int, Any]:
            return len(item.values or ()), item

        async def Upload(self, data: idlrt.PipeReader[bytes]) -> int:
            n = 0
            async for chunk in data:
                n += len(chunk)
            return _wrap(n)

        async def Download(self, n: int, data: idlrt.PipeWriter[bytes]) -> None:
            for i in range(max(0, min(n, DOWNLOAD_CHUNKS))):
                await data.push(bytes([i]) * 16)

        def Park(self, handle: Any, ms: int) -> None:
            if ms <= 0:
                handle.complete(ms, echo=ms)
                return
            self.parked.add(handle)
            handle.on_disconnect(self.parked.discard)
            if ms >= LONG_PARK:  # until cancelled (then a fault) or the client leaves
                handle.on_cancel(self._cancelled)
                return
            asyncio.get_running_loop().call_later(ms / 1000, self._finish, handle, ms)

        def _finish(self, handle: Any, ms: int) -> None:
            self.parked.discard(handle)
            handle.complete(ms, echo=ms)

        def _cancelled(self, handle: Any) -> None:
            self.parked.discard(handle)
            handle.abort(idlrt.status.RPC_S_CALL_CANCELLED)

        def Open(self, start: int) -> tuple[int, Any]:
            return start, Counter(start)

        def Next(self, h: Any) -> int:
            h.value = _wrap(h.value + 1)
            return int(h.value)

        def Close(self, h: Any) -> tuple[None]:
            return (None,)

        def HCOUNTER_rundown(self, h: Any) -> None:
            self.rundowns += 1

    return Manager()


async def serve(gen: Path) -> None:
    m = load_stubs(gen)
    manager = make_manager(m)
    accounts = idlrt.Accounts()
    accounts.add(*USER)
    server = idlrt.Server(max_request=1024 * 1024, accounts=accounts)
    server.register(manager)
    binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]")
    print("PORT", idlrt.Binding.parse(binding).port, flush=True)
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def stats() -> None:
        s = server.stats()
        line = {
            "calls_in_progress": s.calls_in_progress,
            "connections": s.connections,
            "context_handles": server.context_handles,
            "parked": len(manager.parked),
            "rundowns": manager.rundowns,
            "calls_total": s.calls_total,
            "decoder_surprises": SURPRISES.counts,
        }
        print(json.dumps(line), flush=True)

    def commands() -> None:  # a thread: stdin is read blocking
        for line in sys.stdin:
            if line.strip() == "stats":
                loop.call_soon_threadsafe(stats)
        loop.call_soon_threadsafe(finish)

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    threading.Thread(target=commands, daemon=True).start()
    await done
    await server.stop()


class Surprises(logging.Handler):
    """Counts, by exception type, the arguments that a generated decoder failed on with
    something other than an ``RpcError`` (dispatch logs them at DEBUG and faults 1783): not
    internal errors, but stubs that could say more precisely what was wrong."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("idlrt: decoding the arguments") and record.exc_info:
            exc_type = record.exc_info[0]
            name = exc_type.__name__ if exc_type is not None else "?"
            self.counts[name] = self.counts.get(name, 0) + 1


SURPRISES = Surprises()


def main(argv: list[str]) -> int:
    gen, log = Path(argv[0]), Path(argv[1])
    handler = logging.FileHandler(log)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    if os.environ.get("WIREFUZZ_LOG_ALL"):  # every line, not 10 a minute: to see coverage
        peer_log.per_interval = 2**62
    idlrt_log = logging.getLogger("idlrt")
    idlrt_log.setLevel(logging.DEBUG)
    idlrt_log.addHandler(SURPRISES)
    asyncio.run(serve(gen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

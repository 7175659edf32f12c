"""The Inventory example server: ``python server.py [BINDING]``; prints its binding first."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import inventory as inv

import idlrt


class InventoryServer(inv.InventoryManager):
    """Keeps items in a dict; every value it receives was checked by the generated stubs."""

    def __init__(self) -> None:
        self.items: dict[int, inv.ITEM] = {}

    async def Put(self, item: inv.ITEM) -> int:
        self.items[item.id] = item
        return len(self.items)

    async def Find(self, query: inv.QUERY) -> tuple[int, inv.ITEM | None]:
        if query.kind == 1:
            found = self.items.get(query.by) if isinstance(query.by, int) else None
        elif query.kind == 2:
            found = next((i for i in self.items.values() if i.name == query.by), None)
        else:
            found = None
        return (0 if found else 2, found)  # 2: ERROR_FILE_NOT_FOUND, as a Win32 API would say

    async def Count(self, n: int, ids: list[int]) -> tuple[int, int]:
        return (0, sum(1 for i in ids if i in self.items))

    async def Blob(self, n: int, data: bytes) -> tuple[int, bytes]:
        return (0, data[::-1])


async def main(binding: str) -> None:
    async with idlrt.Server() as server:
        server.register(InventoryServer())
        print(await server.listen(binding), flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ncacn_ip_tcp:127.0.0.1[0]"))

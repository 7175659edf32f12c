"""The Inventory example client: ``python client.py BINDING``.

It stores an item of each category, finds them back by id and by name, and shows the status
codes with which the stubs refuse values that break the IDL's rules, before anything is sent.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import inventory as inv

import idlrt


def item(n: int, category: inv.CATEGORY, detail: inv.DETAIL) -> inv.ITEM:
    tags = [n, n + 1]
    return inv.ITEM(
        id=n,
        name=f"item {n}",
        category=category,
        detail=detail,
        size=inv.DIMENSIONS(width=1.5, height=2.0, weight=0.25),
        fragile=n % 2 == 0,
        tag_count=len(tags),
        tags=tags,
        checksum=bytes([n, 0, 0, n]),
        box=None,
    )


async def main(binding: str) -> None:
    async with await inv.InventoryAsyncClient.connect(binding) as client:
        for thing in (
            item(1, inv.CATEGORY.CATEGORY_TOOL, "ACME"),
            item(2, inv.CATEGORY.CATEGORY_PART, 2**40),
            item(3, inv.CATEGORY.CATEGORY_KIT, None),
        ):
            print(f"Put({thing.name!r}) -> {await client.Put(thing)} items stored")
        by_id = await client.Find(inv.QUERY(kind=1, by=2))
        print(f"Find(id=2) -> {by_id.retval}, detail {by_id.found and by_id.found.detail}")
        by_name = await client.Find(inv.QUERY(kind=2, by="item 1"))
        print(f"Find(name='item 1') -> {by_name.retval}, id {by_name.found and by_name.found.id}")
        print(f"Count([1, 2, 9]) -> {(await client.Count(3, [1, 2, 9])).present} present")
        print(f"Blob(b'abc') -> {(await client.Blob(3, b'abc')).reversed!r}")

        bad = item(4, inv.CATEGORY.CATEGORY_PART, 5)
        bad.tag_count = 3  # size_is(tag_count) no longer agrees with the two tags
        for what, value in (
            ("tags disagree with tag_count", bad),
            ("a null [ref] item", None),
        ):
            try:
                await client.Put(value)  # type: ignore[arg-type]
            except idlrt.RpcError as error:
                print(f"Put({what}) refused: {error.code} {error.name}: {error}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

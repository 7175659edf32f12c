"""End to end over TCP: the struct/union/array-heavy Inventory example and every status code.

Values that break the IDL's rules are refused where they are produced (the client's stub, the
server's return) and where they arrive (the server's stub, fed raw wire data here), each with
its MS-RPC status: 1780 null [ref], 1734 bounds, 1781 enum, 1783 bad data.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import pytest

import idlrt
from support import ROOT, compile_package, import_generated, on_wire, sending

EXAMPLE = ROOT / "examples" / "types" / "Inventory.idl"


@pytest.fixture(scope="module")
def inv(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("types") / "gen_types_e2e"
    compile_package(EXAMPLE, out)
    return import_generated(out, "inventory")


def make_manager(inv: ModuleType) -> Any:
    class Store(inv.InventoryManager):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.items: dict[int, Any] = {}
            self.bad_reply: Any = None

        async def Put(self, item: Any) -> int:
            self.items[item.id] = item
            return len(self.items)

        async def Find(self, query: Any) -> Any:
            if self.bad_reply is not None:
                return self.bad_reply
            found = self.items.get(query.by) if query.kind == 1 else None
            return (0 if found else 2, found)

        async def Count(self, n: int, ids: list[int]) -> tuple[int, int]:
            return (0, sum(1 for i in ids if i in self.items))

        async def Blob(self, n: int, data: bytes) -> tuple[int, bytes]:
            return (0, data[::-1])

    return Store()


@asynccontextmanager
async def connected(inv: ModuleType, manager: Any) -> AsyncIterator[Any]:
    async with idlrt.Server() as server:
        server.register(manager)
        binding = on_wire(await server.listen("ncacn_ip_tcp:127.0.0.1[0]"))
        async with await inv.InventoryAsyncClient.connect(binding) as client:
            yield client


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), timeout=30))  # type: ignore[arg-type]


def item(inv: ModuleType, n: int, category: int = 1, detail: object = "maker") -> Any:
    return inv.ITEM(
        id=n,
        name=f"item {n}",
        category=inv.CATEGORY(category),
        detail=detail,
        size=inv.DIMENSIONS(width=1.5, height=2.0, weight=0.25),
        fragile=True,
        tag_count=2,
        tags=[7, 255],
        checksum=b"\x01\x02\x03\x04",
        box=inv.DIMENSIONS(width=3.0, height=4.0, weight=1.0),
    )


def test_every_kind_round_trips(inv: ModuleType) -> None:
    manager = make_manager(inv)

    async def main() -> None:
        async with connected(inv, manager) as client:
            things = [item(inv, 1), item(inv, 2, 2, 2**64 - 1), item(inv, 3, 3, None)]
            for n, thing in enumerate(things, 1):
                assert await client.Put(thing) == n
            for thing in things:
                found = await client.Find(inv.QUERY(kind=1, by=thing.id))
                assert found == inv.FindResult(retval=0, found=thing)
            missing = await client.Find(inv.QUERY(kind=9, by=None))
            assert missing == inv.FindResult(retval=2, found=None)
            assert (await client.Count(3, [1, 3, 5])).present == 2
            assert (await client.Blob(4, b"\x00abc")).reversed == b"cba\x00"
            # What the server stored is what the client sent, types included.
            assert manager.items[2].detail == 2**64 - 1
            assert type(manager.items[2].category) is inv.CATEGORY

    run(main)


def bad_items(inv: ModuleType) -> list[tuple[str, Any, type[Exception]]]:
    """Bad values of Put's ``item`` and what the caller gets: TypeError for a value of the
    wrong Python type, ValueError for one that breaks its IDL type's rules."""

    def changed(**fields: object) -> Any:
        thing = item(inv, 9)
        for name, value in fields.items():
            setattr(thing, name, value)
        return thing

    return [
        ("null [ref]", None, ValueError),
        ("tags disagree with tag_count", changed(tag_count=3), ValueError),
        ("checksum is not 4 bytes", changed(checksum=b"\x01"), ValueError),
        ("category not declared", changed(category=7, detail=None), ValueError),
        ("tag_count outside [range(0, 8)]", changed(tag_count=9, tags=list(range(9))), ValueError),
        ("id does not fit unsigned long", changed(id=2**32), ValueError),
        ("tag does not fit unsigned small", changed(tags=[1, 256]), ValueError),
        ("a bool is not an unsigned long", changed(id=True), TypeError),
        ("the tool arm wants a string", changed(detail=5), TypeError),
        ("the kit arm is empty", changed(category=3, detail="x"), TypeError),
        ("name must be a string", changed(name=b"x"), TypeError),
    ]


def test_client_refuses_bad_values_before_sending(inv: ModuleType) -> None:
    """The caller's bad values raise its TypeError/ValueError at the call, on either wire,
    naming the value's path; nothing reaches the server."""
    manager = make_manager(inv)

    async def main() -> None:
        async with connected(inv, manager) as client:
            for what, value, error in bad_items(inv):
                with pytest.raises(error) as err:
                    await client.Put(value)
                assert type(err.value) is error, what
                assert str(err.value).startswith("Put.item"), what
            assert manager.items == {}  # nothing reached the server

    run(main)


@pytest.mark.msgpack_only
def test_server_refuses_bad_wire_data_with_the_same_codes(inv: ModuleType) -> None:
    """Raw requests that skip the client's checks are refused by the server's stub."""
    manager = make_manager(inv)
    good = inv._enc_ITEM(item(inv, 9), "x")

    def wire(index: int, value: object) -> list[object]:
        raw = list(good)
        raw[index] = value
        return [raw]

    cases = [
        ([None], 1780),
        (wire(7, [1, 2, 3]), 1734),  # three tags, tag_count 2
        (wire(2, 7), 1781),  # category 7
        (wire(6, 9), 1783),  # tag_count 9 outside its range
        (wire(3, [2, "x"]), 1783),  # the union's discriminant disagrees with category
        (wire(0, -1), 1783),  # negative unsigned long
        ([good, "extra"], 1783),  # one argument too many
        ("not a list", 1783),
    ]

    async def main() -> None:
        async with connected(inv, manager) as client:
            for raw, code in cases:
                with pytest.raises(idlrt.RpcError) as err:
                    await client._call(sending(inv._Inventory_Put, raw), ())
                assert err.value.code == code, raw
            assert manager.items == {}
            assert await client.Put(item(inv, 1)) == 1  # the connection is still fine

    run(main)


def test_server_refuses_its_own_bad_results(inv: ModuleType) -> None:
    manager = make_manager(inv)

    async def main() -> None:
        async with connected(inv, manager) as client:
            manager.bad_reply = (0, item(inv, 1, 1, 42))  # the tool arm wants a string
            with pytest.raises(idlrt.RpcError) as err:
                await client.Find(inv.QUERY(kind=1, by=1))
            assert err.value.code == 1783
            manager.bad_reply = (0,)  # one value short of FindResult
            with pytest.raises(idlrt.RpcError) as short:
                await client.Find(inv.QUERY(kind=1, by=1))
            assert short.value.code == 1783

    run(main)


@pytest.mark.wire_free
def test_encapsulated_union_without_an_arm_is_refused(inv: ModuleType) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        inv._Inventory_Find_cin(inv.QUERY(kind=1, by="not an id"))
    assert err.value.code == 1783
    assert "Find.query.by" in str(err.value)

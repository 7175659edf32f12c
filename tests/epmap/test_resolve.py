"""``idlrt.epm.resolve.resolve_port``: the ept_map request it sends is the one impacket's
``hept_map`` builds for ncacn_ip_tcp, and it reads impacket-built replies: the first usable TCP
tower wins, 1753 when there is none, a handle left open is freed. The call is a fake coroutine
that records what it is sent and answers with octets made beforehand (no transport yet)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from impacket.dcerpc.v5 import epm  # test-only (the test extra)

import idlrt
from epmap.eptkit import impacket_map_reply, impacket_tcp_tower
from idlrt.epm.resolve import resolve_port
from idlrt.wire import tower as tw

CALC = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab")
WIRE_ID = bytes(range(1, 17))


class FakeMapper:
    """``ept_call``: records (opnum, stub) and answers from a list of replies or exceptions."""

    def __init__(self, *answers: bytes | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[int, bytes]] = []

    async def __call__(self, opnum: int, stub: bytes) -> bytes:
        self.sent.append((opnum, stub))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def tcp(port: int, iface: uuid.UUID = CALC, version: tuple[int, int] = (1, 0)) -> bytes:
    return tw.encode_tcp_tower(iface, version, "127.0.0.1", port)


def resolve(fake: FakeMapper, version: tuple[int, int] = (1, 0)) -> int:
    return asyncio.run(asyncio.wait_for(resolve_port(fake, str(CALC), version), 10))


def test_the_request_is_hept_maps_and_the_port_comes_back() -> None:
    fake = FakeMapper(impacket_map_reply([tcp(49664)], 4, 0).getData())
    assert resolve(fake, (1, 2)) == 49664
    [(opnum, stub)] = fake.sent
    assert opnum == 3
    request = epm.ept_map(stub)
    assert request["max_towers"] == 4 and request["entry_handle"].isNull()
    tower = b"".join(request["map_tower"]["tower_octet_string"])
    assert tower == impacket_tcp_tower(str(CALC), "1.2", "0.0.0.0", 0)


def test_not_registered_is_1753() -> None:
    with pytest.raises(idlrt.RpcError) as err:
        resolve(FakeMapper(impacket_map_reply([], 4, 0x16C9A0D6).getData()))
    assert err.value.code == 1753


def test_another_status_is_raised_as_it_is() -> None:
    with pytest.raises(idlrt.RpcError) as err:
        resolve(FakeMapper(impacket_map_reply([], 4, 5).getData()))
    assert err.value.code == 5


def test_the_first_usable_tcp_tower_wins() -> None:
    pipe = tw.encode_floors(
        [
            *tw.decode_floors(tcp(1))[:3],
            tw.Floor(b"\x0f", b"\\PIPE\\calc\0"),
            tw.Floor(b"\x11", b"\\\\HOST\0"),
        ]
    )
    towers = [
        b"\x05\x00not a tower",
        tcp(1111, uuid.uuid4()),  # another interface
        tcp(2222, CALC, (2, 0)),  # another major version
        pipe,  # ncacn_np
        tcp(0),  # no port
        tcp(3333),
        tcp(4444),
    ]
    assert resolve(FakeMapper(impacket_map_reply(towers, 7, 0).getData())) == 3333


def test_no_usable_tower_is_1753() -> None:
    reply = impacket_map_reply([tcp(1111, uuid.uuid4())], 4, 0).getData()
    with pytest.raises(idlrt.RpcError) as err:
        resolve(FakeMapper(reply))
    assert err.value.code == 1753


def test_a_handle_left_open_is_freed() -> None:
    more = impacket_map_reply([tcp(5000)], 4, 0, wire_id=WIRE_ID).getData()
    fake = FakeMapper(more, bytes(20) + bytes(4))
    assert resolve(fake) == 5000
    assert [opnum for opnum, _ in fake.sent] == [3, 4]
    assert fake.sent[1][1] == bytes(4) + WIRE_ID  # attributes 0, then the handle's uuid
    failing = FakeMapper(more, idlrt.RpcError(1752))
    assert resolve(failing) == 5000  # freeing is a courtesy: the port is good all the same


def test_a_reply_that_cannot_be_decoded_is_1783() -> None:
    good = impacket_map_reply([tcp(5000)], 4, 0).getData()
    for bad in (good[:30], good[:-2], b""):
        with pytest.raises(idlrt.RpcError) as err:
            resolve(FakeMapper(bad))
        assert err.value.code == 1783

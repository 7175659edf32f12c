"""SEMANTICS rules 7 and 16 with the exact codes for the values generated stubs refuse: a null
[ref] (1780), an undeclared enum value (1781), array bounds that disagree (1734)."""

from __future__ import annotations

import struct

import pytest
from calc_stubs import PAINT, PaintAsyncClient, PaintManager
from rt_helpers import RawClient, quiet, run, serving, wait_until

import idlrt
from idlrt import status
from support import sending


class Mixer(PaintManager):
    def __init__(self) -> None:
        self.handles: list[idlrt.AsyncHandle] = []

    def Mix(self, handle: idlrt.AsyncHandle, c: int, r: int, n: int, a: list[int]) -> None:
        self.handles.append(handle)


def test_rule_7_complete_refuses_bad_values_and_the_call_stays_open() -> None:
    async def body() -> None:
        impl = Mixer()
        async with (
            serving(impl) as (server, binding, _),
            await PaintAsyncClient.connect(binding) as c,
        ):
            call = c.Mix(1, 5, 2, [1, 2])
            await wait_until(lambda: bool(impl.handles))
            handle = impl.handles[0]
            for kwargs, code in (
                ({"oc": 0, "or_": None, "m": 0, "b": []}, status.RPC_X_NULL_REF_POINTER),
                ({"oc": 7, "or_": 1, "m": 0, "b": []}, status.RPC_X_ENUM_VALUE_OUT_OF_RANGE),
                ({"oc": 0, "or_": 1, "m": 3, "b": [1]}, status.RPC_X_INVALID_BOUND),
                ({"oc": 0, "or_": 1, "m": 1, "b": ["x"]}, status.RPC_X_BAD_STUB_DATA),
            ):
                with pytest.raises(idlrt.RpcError) as err:
                    handle.complete(**kwargs)
                assert err.value.code == code and not handle.done
            handle.complete(oc=1, or_=2, m=1, b=[3])
            assert tuple(await call) == (1, 2, 1, [3])
            assert quiet(server)

    run(body)


@pytest.mark.msgpack_only
def test_rule_16_requests_with_bad_values_get_exact_faults() -> None:
    async def body() -> None:
        async with serving(Mixer()) as (server, binding, _):
            raw = await RawClient.open(binding)
            assert (await raw.bind(uuid=PaintAsyncClient._idl_interface_.uuid))[0] == 1
            raw.request(1, 0, [0, None, 0, []])
            raw.request(2, 0, [9, 1, 0, []])
            raw.request(3, 0, [0, 1, 2, [1]])
            raw.request(4, 0, [0, 1, 0])
            replies = {}
            for _ in range(4):
                msg = await raw.recv()
                replies[msg[1]] = msg[2]
            assert replies == {
                1: status.RPC_X_NULL_REF_POINTER,
                2: status.RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                3: status.RPC_X_INVALID_BOUND,
                4: status.RPC_X_BAD_STUB_DATA,
            }
            assert quiet(server)
            await raw.close()

    run(body)


def _mix_ndr(c: int, r: int, n: int, *a: int) -> bytes:
    """Mix's [in] values as NDR20 octets: COLOR (enum, 16 bits), r, n, a's count and items."""
    return struct.pack(f"<H2xllL{len(a)}l", c, r, n, len(a), *a)


def test_rule_16_bad_request_data_through_a_client_that_skips_its_checks() -> None:
    """The same refusals on either wire, from a client that sends what its stub would refuse:
    msgpack argument lists, or NDR20 octets. (A null [ref] has no NDR20 form: a top-level
    [ref] pointer sends no referent id; the raw msgpack test above covers 1780.)"""
    mix = PAINT.procedures[0]
    cases = [
        ([9, 1, 0, []], _mix_ndr(9, 1, 0), status.RPC_X_ENUM_VALUE_OUT_OF_RANGE),
        ([0, 1, 2, [1]], _mix_ndr(0, 1, 2, 1), status.RPC_X_INVALID_BOUND),
        ([0, 1, 0], _mix_ndr(0, 1, 0)[:6], status.RPC_X_BAD_STUB_DATA),
    ]

    async def body() -> None:
        impl = Mixer()
        async with (
            serving(impl) as (server, binding, _),
            await PaintAsyncClient.connect(binding) as c,
        ):
            for args, stub, code in cases:
                with pytest.raises(idlrt.RpcError) as err:
                    await c._start(sending(mix, args, ndr=stub), ())
                assert err.value.code == code, args
            assert impl.handles == [] and quiet(server)
            call = c.Mix(1, 5, 2, [1, 2])  # and the connection still serves
            await wait_until(lambda: bool(impl.handles))
            impl.handles[0].complete(oc=0, or_=1, m=0, b=[])
            assert tuple(await call) == (0, 1, 0, [])

    run(body)

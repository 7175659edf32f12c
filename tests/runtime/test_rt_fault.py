"""Acceptance: 200 clients park [async] calls and hold context handles; half vanish without a
goodbye, the other half cancel abortively and non-abortively. Afterwards the server is clean
(no call in progress, no context handle, per connection and in total), every rundown ran
exactly once, every surviving client got exactly one outcome per call, and the server still
serves. All on one event loop over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from typing import Any

from calc_stubs import CounterAsyncClient, HoldHandle
from rt_helpers import CounterImpl, quiet, run, serving, wait_until

import idlrt
from idlrt import status

CLIENTS = 200
CALLS = 3  # [async] Hold calls parked per client


class FaultImpl(CounterImpl):
    """Parks Hold calls by client number; aborts a call with 1818 when it is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.holds: dict[int, list[HoldHandle]] = collections.defaultdict(list)
        self.parked_count = 0
        self.rundown_counts: collections.Counter[int] = collections.Counter()

    def Hold(self, handle: HoldHandle, h: Any) -> None:
        self.holds[h.value].append(handle)
        self.parked_count += 1
        handle.on_cancel(self._cancelled)

    @staticmethod
    def _cancelled(handle: idlrt.AsyncHandle) -> None:
        handle.abort(status.RPC_S_CALL_CANCELLED)  # by convention; quiet if the client is gone

    def PCOUNTER_rundown(self, obj: Any) -> None:
        super().PCOUNTER_rundown(obj)
        self.rundown_counts[obj.value] += 1


def _recorder(slot: list[int]) -> Callable[[idlrt.AsyncCall[int]], None]:
    def record(call: idlrt.AsyncCall[int]) -> None:
        slot.append(call.status())

    return record


def test_200_clients_vanish_or_cancel_and_the_server_stays_clean() -> None:
    async def body() -> None:
        started = time.monotonic()
        impl = FaultImpl()
        async with serving(impl) as (server, binding, _):
            clients: list[CounterAsyncClient] = []
            for first in range(0, CLIENTS, 50):  # batches: stay within the listen backlog
                clients += await asyncio.gather(
                    *(
                        CounterAsyncClient.connect(binding, timeout=10)
                        for _ in range(first, first + 50)
                    )
                )
            handles = await asyncio.gather(*(c.Open(i) for i, c in enumerate(clients)))
            assert [r.retval for r in handles] == list(range(CLIENTS))
            assert server.stats().context_handles == CLIENTS

            outcomes: list[list[int]] = [[] for _ in range(CLIENTS * CALLS)]
            calls: list[list[idlrt.AsyncCall[int]]] = []
            for i, c in enumerate(clients):
                row = []
                for j in range(CALLS):
                    call = c.Hold(handles[i].ph)  # type: ignore[arg-type]
                    slot = outcomes[i * CALLS + j]
                    call.add_done_callback(_recorder(slot))
                    row.append(call)
                calls.append(row)
            await wait_until(lambda: impl.parked_count == CLIENTS * CALLS, 10)
            assert server.stats().calls_in_progress == CLIENTS * CALLS

            vanish, survive = range(0, CLIENTS, 2), range(1, CLIENTS, 2)
            for i in vanish:  # no goodbye
                clients[i]._conn.transport.abort()  # type: ignore[union-attr]
            for i in survive:
                calls[i][0].cancel(abortive=True)  # 1818 at once, the server is told
                calls[i][1].cancel()  # the server answers abort(1818)
            for i in survive:
                assert calls[i][0].status() == status.RPC_S_CALL_CANCELLED
            # Every call of a surviving client except the third has its outcome: finish those.
            await wait_until(lambda: all(len(impl.holds[i]) == CALLS for i in survive), 10)
            await wait_until(lambda: all(calls[i][1].done() for i in survive), 10)
            for i in survive:
                impl.holds[i][2].complete(i)
            for i in survive:
                assert await calls[i][2] == i
            for i in vanish:
                for call in calls[i]:
                    try:
                        await call
                    except idlrt.RpcError as exc:
                        assert exc.code == status.RPC_S_CALL_FAILED
                    else:
                        raise AssertionError("a call of a vanished client succeeded")

            # The server side: the vanished clients' calls were cancelled and their handles
            # run down once; the survivors' connections have nothing in progress.
            await wait_until(lambda: server.stats().connections == len(survive), 10)
            for i in vanish:
                assert all(h.cancelled for h in impl.holds[i])
            assert all(impl.holds[i][0].cancelled for i in survive)
            assert server.stats().calls_in_progress == 0
            per_conn = server.connection_stats()
            assert len(per_conn) == len(survive)
            assert all((s.calls_in_progress, s.context_handles) == (0, 1) for s in per_conn)
            assert server.stats().context_handles == len(survive)

            # Survivors: half close their handle (no rundown), half just leave.
            closers = [i for i in survive if i % 4 == 1]
            results = await asyncio.gather(*(clients[i].Close(handles[i].ph) for i in closers))
            assert all(r.ph is None for r in results)
            await asyncio.gather(*(clients[i].close() for i in survive))
            await wait_until(lambda: server.stats().connections == 0 and quiet(server), 10)
            assert server.connection_stats() == []

            expected_rundowns = {i for i in range(CLIENTS) if i not in closers}
            assert set(impl.rundown_counts) == expected_rundowns
            assert set(impl.rundown_counts.values()) == {1}
            assert len(impl.closed) == len(closers)

            # Exactly one outcome per call, the expected one for the survivors.
            assert all(len(o) == 1 for o in outcomes)
            for i in survive:
                got = [outcomes[i * CALLS + j][0] for j in range(CALLS)]
                assert got == [status.RPC_S_CALL_CANCELLED, status.RPC_S_CALL_CANCELLED, 0]
            for i in vanish:
                got = [outcomes[i * CALLS + j][0] for j in range(CALLS)]
                assert got == [status.RPC_S_CALL_FAILED] * CALLS

            # And the server still serves.
            async with await CounterAsyncClient.connect(binding) as c:
                h = (await c.Open(7)).ph
                assert h is not None and await c.Read(h) == 7
                call = c.Hold(h)
                await wait_until(lambda: len(impl.holds[7]) == CALLS + 1)
                impl.holds[7][-1].complete(8)
                assert await call == 8
            await wait_until(lambda: quiet(server) and server.stats().connections == 0)
        assert time.monotonic() - started < 20

    run(body)

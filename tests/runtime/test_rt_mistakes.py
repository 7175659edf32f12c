"""The runtime half of issue 18: a user's mistakes are reported where they are made, and say
what went wrong (docs/runtime.md, "Mistakes and what they raise").

- A bad argument raises ``TypeError`` or ``ValueError`` at the call site, on both wires, and
  nothing is sent; bad data from the peer stays an ``RpcError`` (1783...).
- ``Server(debug=True)`` sends a routine's exception with its 1726 (msgpack only).
- ``Server.register`` checks the manager's routines: names and argument counts.
- A blocking client used on a thread whose asyncio loop runs raises ``RuntimeError`` at once.
- A status code outside the MS table prints as ``0x00003001 (application-defined)``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from calc_stubs import CalcAsyncClient, CalcClient, CalcManager, PaintAsyncClient
from rt_helpers import Impl, ServerThread, run, serving, wait_until
from test_rt_rules import Mixer

import idlrt
import support
from idlrt import status

# -- 1. bad arguments: the caller's TypeError / ValueError, at the call site ------------------


def test_bad_arguments_raise_type_or_value_error_before_anything_is_sent() -> None:
    async def body() -> None:
        async with (
            serving() as (server, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            for args, error, message in (
                (("x", 1), TypeError, "Add.a: expected an int (long), got str"),
                ((True, 1), TypeError, "Add.a: expected an int (long), got bool"),
                ((1, 2**40), ValueError, "Add.b: 1099511627776 does not fit long"),
                ((1, -(2**31) - 1), ValueError, "Add.b: -2147483649 does not fit long"),
            ):
                with pytest.raises(error) as err:
                    await c.Add(*args)
                assert str(err.value) == message, args
            with pytest.raises(TypeError, match=r"^Echo\.s: expected str, got int$"):
                await c.Echo(5)
            assert server.stats().calls_total == 0  # refused before anything was sent
            assert await c.Add(2, 3) == 5

    run(body)


def test_bad_arguments_of_an_async_procedure_raise_when_it_is_called() -> None:
    """[async] Mix returns an AsyncCall at once; its arguments are checked before that.
    Mix(c: COLOR, [ref] long *r, long n, [size_is(n)] long a[]) covers the enum, the null
    [ref] and size_is; a bool where a long is expected is refused inside an array too."""

    async def body() -> None:
        impl = Mixer()
        async with (
            serving(impl) as (server, binding, _),
            await PaintAsyncClient.connect(binding) as c,
        ):
            for args, error, message in (
                ((7, 5, 0, []), ValueError, "Mix.c: 7 is not a COLOR"),
                ((True, 5, 0, []), TypeError, "Mix.c: expected an int (COLOR), got bool"),
                (("RED", 5, 0, []), TypeError, "Mix.c: expected an int (COLOR), got str"),
                ((0, None, 0, []), ValueError, "Mix.r: null [ref] pointer (None)"),
                ((0, 5, 2, [1]), ValueError, "Mix.a: 1 items, but size_is is 2"),
                ((0, 5, 2, [1, True]), TypeError, "Mix.a[1]: expected an int (long), got bool"),
                ((0, 5, 1, 3), TypeError, "Mix.a: expected list, got int"),
            ):
                with pytest.raises(error) as err:
                    c.Mix(*args)
                assert str(err.value) == message, args
            assert server.stats().calls_total == 0 and impl.handles == []
            call = c.Mix(1, 5, 2, [1, 2])
            await wait_until(lambda: bool(impl.handles))
            impl.handles[0].complete(oc=0, or_=1, m=0, b=[])
            assert tuple(await call) == (0, 1, 0, [])

    run(body)


def test_the_blocking_client_raises_them_too() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding, timeout=5) as client:
        with pytest.raises(TypeError, match=r"^Add\.b: expected an int \(long\), got bool$"):
            client.Add(1, False)
        with pytest.raises(ValueError, match=r"^Add\.a: 4294967296 does not fit long$"):
            client.Add(2**32, 0)
        assert client.Add(1, 2) == 3


class BadResults(Impl):
    """Routines that return what their IDL types refuse: refused in the server (rule 7)."""

    def Add(self, a: int, b: int) -> Any:
        return True if a == 1 else 2**40


def test_bad_values_from_the_server_stay_rpc_errors() -> None:
    """What the server's routine returns is the server's mistake: the client gets 1783, as
    for bad data from the peer, never the TypeError/ValueError of its own arguments."""

    async def body() -> None:
        async with (
            serving(BadResults()) as (_, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            for a in (1, 2):  # True for a long, then a number that does not fit
                with pytest.raises(idlrt.RpcError) as err:
                    await c.Add(a, 0)
                assert err.value.code == status.RPC_X_BAD_STUB_DATA

    run(body)


# -- 2. the server's debug mode ----------------------------------------------------------------


def test_debug_mode_sends_the_exception_with_1726() -> None:
    async def body() -> None:
        async with (
            serving(debug=True) as (_, binding, _),
            await CalcAsyncClient.connect(binding) as c,
        ):
            with pytest.raises(idlrt.RpcError) as err:
                await c.Fail(0)  # raises ValueError("secret server detail")
            assert err.value.code == status.RPC_S_CALL_FAILED
            with pytest.raises(idlrt.RpcError) as err2:
                await c.Slow(1)  # an [async] routine raising KeyError("boom")
            assert err2.value.code == status.RPC_S_CALL_FAILED
            if support.WIRE == "msgpack":
                assert err.value.detail == "Fail raised ValueError: secret server detail"
                assert str(err.value).endswith(": Fail raised ValueError: secret server detail")
                assert err2.value.detail == "Slow raised KeyError: 'boom'"
            else:  # a DCE/RPC fault PDU carries the status alone
                assert err.value.detail is None and err2.value.detail is None

    run(body)


def test_debug_mode_is_off_by_default() -> None:
    assert idlrt.Server().debug is False

    async def body() -> None:
        async with serving() as (_, binding, _), await CalcAsyncClient.connect(binding) as c:
            with pytest.raises(idlrt.RpcError) as err:
                await c.Fail(0)
            assert err.value.code == status.RPC_S_CALL_FAILED and err.value.detail is None

    run(body)


# -- 3. the manager's routines, checked by register() ------------------------------------------


def _register(manager: object) -> None:
    idlrt.Server().register(manager)


@pytest.mark.wire_free
def test_register_refuses_misnamed_routines_with_a_hint() -> None:
    class WrongCase(CalcManager):  # type: ignore[misc]
        def add(self, a: int, b: int) -> int:
            return a + b

    class Typo(CalcManager):  # type: ignore[misc]
        def Eccho(self, s: str) -> str:
            return s

    with pytest.raises(TypeError) as err:
        _register(WrongCase())
    assert str(err.value) == (
        "WrongCase.Add is left as the generated default, but the class defines add: "
        "did you mean Add? (IDL names are exact)"
    )
    with pytest.raises(TypeError, match=r"^Typo\.Echo is left .* defines Eccho: did you mean"):
        _register(Typo())


@pytest.mark.wire_free
def test_register_refuses_a_missing_routine() -> None:
    class Missing(Impl):
        Add = None

    with pytest.raises(TypeError, match=r"^Missing has no method Add \(Calc opnum 0\)$"):
        _register(Missing())


@pytest.mark.wire_free
def test_register_refuses_routines_that_cannot_take_their_arguments() -> None:
    class TooFew(Impl):
        def Add(self, a: int) -> int:  # type: ignore[override]
            return a

    class NoHandle(Impl):  # an [async] routine takes the async handle first
        def Slow(self, ms: int) -> None:  # type: ignore[override]
            pass

    class NoContext(Impl):  # Who(handle_t h, [in] long x): h is passed as a CallContext
        def Who(self, x: int) -> int:  # type: ignore[override]
            return x

    with pytest.raises(TypeError) as err:
        _register(TooFew())
    assert str(err.value) == (
        "TooFew.Add(a) cannot take the 2 arguments the runtime passes: (a, b)"
    )
    with pytest.raises(TypeError, match=r"^NoHandle\.Slow.*2 arguments.*\(handle, ms\)$"):
        _register(NoHandle())
    with pytest.raises(TypeError, match=r"^NoContext\.Who.*2 arguments.*\(h, x\)$"):
        _register(NoContext())


@pytest.mark.wire_free
def test_register_accepts_defaults_helpers_and_flexible_signatures() -> None:
    class Partial(CalcManager):  # type: ignore[misc]
        def Add(self, *args: int) -> int:  # the others stay generated defaults (1764)
            return sum(args)

        def helper(self) -> None:  # a method of no procedure's name: none of register's concern
            pass

    class Defaults(Impl):
        def Echo(self, s: str, extra: int = 0) -> str:
            return s

    for manager in (Partial(), Defaults(), Impl()):
        _register(manager)


# -- 4. a blocking client on a thread whose event loop is running ------------------------------


def test_blocking_client_on_a_running_loop_fails_at_once() -> None:
    with ServerThread() as st, CalcClient.connect(st.binding, timeout=5) as client:

        async def body() -> None:
            started = time.monotonic()
            with pytest.raises(RuntimeError, match=r"^blocking CalcClient\.connect on a thread"):
                CalcClient.connect(st.binding, timeout=5)
            with pytest.raises(RuntimeError, match=r"^blocking CalcClient\.Add on a thread"):
                client.Add(1, 2)
            assert time.monotonic() - started < 1.0
            # the asyncio way works, and so does the blocking client in a thread
            assert await asyncio.to_thread(client.Add, 1, 2) == 3

        run(body)
        assert client.Add(2, 2) == 4  # the client is unharmed


# -- 5. status text --------------------------------------------------------------------------


@pytest.mark.wire_free
def test_application_codes_print_in_hex() -> None:
    assert str(idlrt.RpcError(0x3001)) == "0x00003001 (application-defined)"
    assert str(idlrt.RpcError(0x3001, "quota")) == "0x00003001 (application-defined): quota"
    assert str(idlrt.RpcError(-2147024891)) == "0x80070005 (application-defined)"
    assert str(idlrt.RpcError(1818)) == (
        "The remote procedure call was cancelled (RPC_S_CALL_CANCELLED, 1818)"
    )
    assert status.message_of(0x3001) == "0x00003001 (application-defined)"


def test_an_application_abort_code_reaches_the_client_readably() -> None:
    async def body() -> None:
        async with serving() as (_, binding, impl), await CalcAsyncClient.connect(binding) as c:
            call = c.Ping()
            handle = await impl.next_handle()
            handle.abort(0x3001)
            with pytest.raises(idlrt.RpcError) as err:
                await call
            assert err.value.code == 0x3001
            assert str(err.value) == "0x00003001 (application-defined)"

    run(body)

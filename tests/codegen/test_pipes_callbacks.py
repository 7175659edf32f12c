"""Pipes and callbacks in generated code (issue 19): chunk codecs that round-trip on both wires
(property tests, and NDR20 octets counted by hand), the ``idlrt.Pipe`` records, the shapes of
the clients', managers' and callbacks' methods, and a module that ruff and mypy --strict pass,
with code using it as the contract says."""

from __future__ import annotations

import asyncio
import inspect
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import idlrt
from support import compile_package, import_generated

IDL = Path(__file__).parent / "idl" / "PipeKinds.idl"


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("pipes") / "gen_pipekinds"
    compile_package(IDL, out)
    return import_generated(out, "pipekinds")


# -- chunk codecs --------------------------------------------------------------------------------

I32 = st.integers(-(2**31), 2**31 - 1)
I16 = st.integers(-(2**15), 2**15 - 1)
I64 = st.integers(-(2**63), 2**63 - 1)
DOUBLES = st.floats(allow_nan=False)
WCHARS = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))


def chunks(gen: ModuleType) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy of chunks for each pipe type of the module."""
    pair = st.builds(gen.PAIR, I32, I16)
    wide = st.builds(gen.WIDE, I64, I32)
    mixed = st.builds(
        gen.MIXED,
        st.lists(I16, min_size=3, max_size=3),
        st.sampled_from(list(gen.COLOR)),
        st.booleans(),
        DOUBLES,
        WCHARS,
    )
    return {
        "BYTE_PIPE": st.binary(max_size=64),
        "CHAR_PIPE": st.binary(max_size=64),
        "LONG_PIPE": st.lists(I32, max_size=16),
        "HYPER_PIPE": st.lists(I64, max_size=16),
        "WCHAR_PIPE": st.lists(WCHARS, max_size=16),
        "DOUBLE_PIPE": st.lists(DOUBLES, max_size=16),
        "PAIR_PIPE": st.lists(pair, max_size=8),
        "WIDE_PIPE": st.lists(wide, max_size=8),
        "MIXED_PIPE": st.lists(mixed, max_size=8),
    }


NAMES = [
    "BYTE_PIPE",
    "CHAR_PIPE",
    "LONG_PIPE",
    "HYPER_PIPE",
    "WCHAR_PIPE",
    "DOUBLE_PIPE",
    "PAIR_PIPE",
    "WIDE_PIPE",
    "MIXED_PIPE",
]
# NDR20 octets of one element, padded to its alignment, and the alignment
SIZES = {
    "BYTE_PIPE": (1, 1),
    "CHAR_PIPE": (1, 1),
    "LONG_PIPE": (4, 4),
    "HYPER_PIPE": (8, 8),
    "WCHAR_PIPE": (2, 2),
    "DOUBLE_PIPE": (8, 8),
    "PAIR_PIPE": (8, 4),
    "WIDE_PIPE": (16, 8),
    "MIXED_PIPE": (32, 8),
}


@pytest.mark.parametrize("name", NAMES)
def test_chunk_codecs_round_trip_on_both_wires(gen: ModuleType, name: str) -> None:
    enc, dec = getattr(gen, f"_enc_pipe_{name}"), getattr(gen, f"_dec_pipe_{name}")
    ndr_enc, ndr_dec = getattr(gen, f"_ndr_pipe_enc_{name}"), getattr(gen, f"_ndr_pipe_dec_{name}")
    size, _align = SIZES[name]

    @settings(max_examples=60, deadline=None)
    @given(chunks(gen)[name])
    def check(chunk: Any) -> None:
        wire = msgpack.unpackb(msgpack.packb(enc(chunk)))
        assert dec(wire) == chunk
        octets = ndr_enc(chunk)
        assert isinstance(octets, bytes) and len(octets) == len(chunk) * size
        assert ndr_dec(octets, len(chunk)) == chunk

    check()


def test_chunk_types_are_bytes_or_lists(gen: ModuleType) -> None:
    assert gen.BYTE_PIPE is gen.CHAR_PIPE is gen.BYTES is bytes
    aliases = {"LONG_PIPE": list[int], "PAIR_PIPE": list[gen.PAIR]}
    assert {name: getattr(gen, name) for name in aliases} == aliases
    assert gen._dec_pipe_CHAR_PIPE(b"ab") == b"ab"


HAND = [
    ("BYTE_PIPE", [b"\x01\x02\x03"], "010203"),
    ("CHAR_PIPE", [b"hi"], "6869"),
    ("LONG_PIPE", [[1, -2]], "01000000 feffffff"),
    ("HYPER_PIPE", [[1, -1]], "0100000000000000 ffffffffffffffff"),
    ("WCHAR_PIPE", [["A", "\u20ac"]], "4100 ac20"),
    ("DOUBLE_PIPE", [[1.0]], "000000000000f03f"),
    # a long and a short: 6 octets, padded to 8, the last one too (element i at 8 * i)
    ("PAIR_PIPE", [[(1, 2), (3, -1)]], "01000000 0200 0000 03000000 ffff 0000"),
    # a hyper and a long: 12 octets aligned to 8, padded to 16
    ("WIDE_PIPE", [[(2, 3)]], "0200000000000000 03000000 00000000"),
    # short[3], enum (16 bits), boolean, 7 pad, double, wchar_t, 6 pad: 32
    (
        "MIXED_PIPE",
        [[([1, 2, 3], 5, True, 2.0, "z")]],
        "0100 0200 0300 0500 01 00000000000000 0000000000000040 7a00 000000000000",
    ),
]


@pytest.mark.parametrize(("name", "args", "octets"), HAND, ids=[h[0] for h in HAND])
def test_ndr_elements_are_laid_out_as_counted_by_hand(
    gen: ModuleType, name: str, args: list[Any], octets: str
) -> None:
    (chunk,) = args
    if name == "PAIR_PIPE":
        chunk = [gen.PAIR(*x) for x in chunk]
    elif name == "WIDE_PIPE":
        chunk = [gen.WIDE(*x) for x in chunk]
    elif name == "MIXED_PIPE":
        chunk = [gen.MIXED(s, gen.COLOR(c), f, d, w) for s, c, f, d, w in chunk]
    expected = bytes.fromhex(octets.replace(" ", ""))
    assert getattr(gen, f"_ndr_pipe_enc_{name}")(chunk) == expected
    assert getattr(gen, f"_ndr_pipe_dec_{name}")(expected, len(chunk)) == chunk


@pytest.mark.parametrize(
    ("name", "bad", "where"),
    [
        ("LONG_PIPE", [1, 2**31], "LONG_PIPE[1]"),
        ("LONG_PIPE", [True], "LONG_PIPE[0]"),
        ("BYTE_PIPE", [1, 2], "BYTE_PIPE"),
        ("PAIR_PIPE", [None], "PAIR_PIPE[0]"),
        ("LONG_PIPE", "12", "LONG_PIPE"),
    ],
)
def test_bad_chunks_are_refused_with_their_path(
    gen: ModuleType, name: str, bad: Any, where: str
) -> None:
    for encode in (getattr(gen, f"_enc_pipe_{name}"), getattr(gen, f"_ndr_pipe_enc_{name}")):
        with pytest.raises(idlrt.RpcError) as err:
            encode(bad)
        assert where in str(err.value)
    with pytest.raises(idlrt.RpcError) as err:
        getattr(gen, f"_dec_pipe_{name}")(bad)
    assert err.value.code == 1783 and where in str(err.value)


@pytest.mark.parametrize(
    ("name", "last"), [("LONG_PIPE", 4), ("PAIR_PIPE", 6), ("MIXED_PIPE", 26), ("BYTE_PIPE", 1)]
)
def test_short_ndr_chunks_are_bad_stub_data(gen: ModuleType, name: str, last: int) -> None:
    """The last element needs only its own octets (``last``), not its padding."""
    size, _ = SIZES[name]
    decode = getattr(gen, f"_ndr_pipe_dec_{name}")
    assert len(decode(bytes(2 * size + last), 3)) == 3
    with pytest.raises(idlrt.RpcError) as err:
        decode(bytes(2 * size + last - 1), 3)
    assert err.value.code == 1783
    with pytest.raises(idlrt.RpcError) as err:  # a count no data could hold: refused at once
        getattr(gen, f"_ndr_pipe_dec_{name}")(bytes(size), 2**32 - 1)
    assert err.value.code == 1783


# -- the Procedure records -------------------------------------------------------------------------


def test_procedures_carry_their_pipes(gen: ModuleType) -> None:
    sum_ = gen._Files_Sum
    assert [(p.name, p.index, p.direction, p.position) for p in sum_.pipes] == [
        ("values", 0, "in", 0),
        ("doubled", 1, "out", 1),
    ]
    values, doubled = sum_.pipes
    assert values.encode_chunk is gen._enc_pipe_LONG_PIPE
    assert doubled.ndr_decode_chunk is gen._ndr_pipe_dec_LONG_PIPE
    assert (values.is_bytes, values.ndr_size, values.ndr_align) == (False, 4, 4)
    (data,) = gen._Files_Upload.pipes
    assert (data.name, data.direction, data.position, data.is_bytes) == ("data", "in", 1, True)
    assert gen._Files_Download.pipes[0].direction == "out"
    # after the handle_t (a call context at 0): every pipe, [in] or [out], counts
    kinds = gen._Files_Kinds
    assert kinds.context_positions == (0,)
    assert [p.position for p in kinds.pipes] == [1, 2, 3, 4, 5, 6, 7]
    assert [p.index for p in kinds.pipes] == list(range(7))
    assert [(p.ndr_size, p.ndr_align) for p in kinds.pipes] == [
        SIZES[n]
        for n in (
            "CHAR_PIPE",
            "HYPER_PIPE",
            "WIDE_PIPE",
            "MIXED_PIPE",
            "WCHAR_PIPE",
            "DOUBLE_PIPE",
            "BYTE_PIPE",
        )
    ]
    assert kinds.pipes[6].encode_chunk is gen._enc_pipe_BYTE_PIPE  # BYTES is an alias
    assert gen._Files_Progress.pipes == ()


def test_pipes_leave_the_values_and_results(gen: ModuleType) -> None:
    assert gen._Files_Upload_cin("f.txt") == ["f.txt"]
    assert gen._Files_Download_cout([7]) == 7  # only a retval: no NamedTuple
    assert gen._Files_Sum_cin() == []
    assert gen._Files_Sum_cout([1, 2]) == gen.SumResult(retval=1, count=2)
    assert gen.SumResult._fields == ("retval", "count")
    assert gen._Files_Pairs_sin([5]) == (5,)
    assert gen._Files_Pairs_cout([]) is None
    # NDR: the server's decoder also says where the [in] pipes start
    assert gen._ndr_Files_Pairs_sin(gen._ndr_Files_Pairs_cin(5)) == (5, 4)
    assert list(inspect.signature(gen.SumHandle.complete).parameters) == ["self", "retval", "count"]


def test_ndr_out_values_after_pipes_align_from_their_stub_offset(gen: ModuleType) -> None:
    # the [out] values follow the [out] pipes, at a stub offset that is a multiple of 4: the
    # hyper after a long needs 4 octets of padding from offset 0, none from offset 4
    at0 = gen._ndr_Files_Kinds_sout((0,), 3, 5)
    at4 = gen._ndr_Files_Kinds_sout((4,), 3, 5)
    assert at0 == struct.pack("<l4xq", 3, 5)
    assert at4 == struct.pack("<lq", 3, 5)
    assert gen._ndr_Files_Kinds_cout(at0) == gen.KindsResult(n=3, total=5)
    assert gen._ndr_Files_Kinds_cout(bytes(4) + at4, 4) == gen.KindsResult(n=3, total=5)
    assert gen._ndr_Files_Kinds_sin(b"") == (0,)  # no [in] values: the pipes start at once


def test_callbacks_keep_their_opnums(gen: ModuleType) -> None:
    procs = gen._Files_INTERFACE.procedures
    assert [(p.name, p.opnum, p.is_callback) for p in procs] == [
        ("Upload", 0, False),
        ("Download", 1, False),
        ("Progress", 2, True),
        ("Sum", 3, False),
        ("Pairs", 4, False),
        ("Ask", 5, True),
        ("Kinds", 6, False),
    ]
    ask = gen._Files_Ask
    # the client serves it: it decodes the request and encodes the results
    assert ask.decode_in(ask.encode_in(42)) == (42,)
    assert ask.decode_out(ask.encode_result((1, 2))) == gen.AskResult(retval=1, answer=2)


# -- signatures ----------------------------------------------------------------------------------


def params(f: Any) -> list[tuple[str, str]]:
    return [
        (p.name, p.annotation)
        for p in inspect.signature(f).parameters.values()
        if p.name not in ("self", "timeout")
    ]


def test_client_methods_take_pipes_in_place(gen: ModuleType) -> None:
    for cls in (gen.FilesClient, gen.FilesAsyncClient):
        assert params(cls.Upload) == [("name", "str"), ("data", "idlrt.PipeSource[BYTE_PIPE]")]
        assert params(cls.Pairs) == [
            ("ins", "idlrt.PipeSource[PAIR_PIPE]"),
            ("n", "int"),
            ("outs", "idlrt.PipeSink[PAIR_PIPE]"),
        ]
        assert inspect.signature(cls.Sum).return_annotation == "idlrt.AsyncCall[SumResult]"
        assert not hasattr(cls, "Progress") and not hasattr(cls, "Ask")
    assert inspect.iscoroutinefunction(gen.FilesAsyncClient.Download)


def test_manager_routines_take_readers_and_writers(gen: ModuleType) -> None:
    m = gen.FilesManager
    assert params(m.Download) == [("name", "str"), ("data", "idlrt.PipeWriter[BYTE_PIPE]")]
    assert params(m.Sum) == [
        ("handle", "SumHandle"),
        ("values", "idlrt.PipeReader[LONG_PIPE]"),
        ("doubled", "idlrt.PipeWriter[LONG_PIPE]"),
    ]
    assert params(m.Kinds)[:2] == [
        ("h", "idlrt.CallContext"),
        ("chars", "idlrt.PipeReader[CHAR_PIPE]"),
    ]
    assert not hasattr(m, "Progress") and not hasattr(m, "Ask")


def test_callback_classes(gen: ModuleType) -> None:
    cb, cc = gen.FilesCallbacks, gen.FilesCallbackClient
    assert issubclass(cb, idlrt.Callbacks) and issubclass(cc, idlrt.CallbackClient)
    assert cb._idl_interface_ is cc._idl_interface_ is gen._Files_INTERFACE
    assert params(cb.Progress) == [("done", "int"), ("total", "int")]
    returns = inspect.signature(cb.Ask).return_annotation
    assert returns == "tuple[int, int] | Awaitable[tuple[int, int]]"
    assert params(cc.Ask) == [("question", "int")]
    assert inspect.signature(cc.Ask).return_annotation == "AskResult"
    assert inspect.iscoroutinefunction(cc.Progress)
    assert not hasattr(cb, "Upload") and not hasattr(cc, "Upload")
    with pytest.raises(idlrt.RpcError) as err:
        cb().Progress(1, 2)
    assert err.value.code == 1764


def test_calls_pass_their_pipes_fourth(gen: ModuleType) -> None:
    seen: list[tuple[object, ...]] = []

    class Async(gen.FilesAsyncClient):  # type: ignore[misc, name-defined]
        async def _call(self, *args: object) -> object:
            seen.append(args)
            return 0

        def _start(self, *args: object) -> object:
            seen.append(args)
            return None

    class Blocking(gen.FilesClient):  # type: ignore[misc, name-defined]
        def _call(self, *args: object) -> object:
            seen.append(args)
            return 0

    sink = print
    client = object.__new__(Async)
    asyncio.run(client.Upload("f", [b"x"]))
    asyncio.run(client.Pairs([], 3, sink, timeout=2.0))
    client.Sum([[1]], sink)
    object.__new__(Blocking).Download("f", sink)
    assert seen == [
        (gen._Files_Upload, ("f",), None, ([b"x"],)),
        (gen._Files_Pairs, (3,), 2.0, ([], sink)),
        (gen._Files_Sum, (), None, ([[1]], sink)),
        (gen._Files_Download, ("f",), None, (sink,)),
    ]


# -- the module, checked -------------------------------------------------------------------------

USE = '''
"""Code written against the generated module as the contract says: it must type-check."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import idlrt

from .pipekinds import (
    BYTE_PIPE,
    LONG_PIPE,
    PAIR,
    FilesAsyncClient,
    FilesCallbackClient,
    FilesCallbacks,
    FilesClient,
    FilesManager,
    SumHandle,
)


class Manager(FilesManager):
    async def Upload(self, name: str, data: idlrt.PipeReader[BYTE_PIPE]) -> int:
        total = 0
        async for chunk in data:
            total += len(chunk)
        await FilesCallbackClient(idlrt.call_context()).Progress(total, total)
        return total + len(await data.read_all())

    def Download(self, name: str, data: idlrt.PipeWriter[BYTE_PIPE]) -> int:
        data.push(b"abc")
        return 3

    async def Sum(
        self,
        handle: SumHandle,
        values: idlrt.PipeReader[LONG_PIPE],
        doubled: idlrt.PipeWriter[LONG_PIPE],
    ) -> None:
        n = 0
        async for chunk in values:
            n += len(chunk)
            await doubled.push([2 * x for x in chunk])
        handle.complete(0, count=n)


class Callbacks(FilesCallbacks):
    def Progress(self, done: int, total: int) -> None:
        print(done, total)

    async def Ask(self, question: int) -> tuple[int, int]:
        return 0, question


def blocks() -> Iterator[bytes]:
    yield b"abc"


async def pairs() -> AsyncIterator[list[PAIR]]:
    yield [PAIR(1, 2)]


async def use(a: FilesAsyncClient, b: FilesClient) -> int:
    received: list[bytes] = []

    async def sink(chunk: list[int]) -> None:
        print(chunk)

    n: int = await a.Upload("f", blocks())
    n += await a.Download("f", received.append)
    await a.Pairs(pairs(), 1, print)
    result = await a.Sum([[1, 2]], sink)
    n += result.count + b.Upload("f", [b"x", b"y"])
    return n
'''


def test_generated_module_passes_ruff_and_mypy(gen: ModuleType) -> None:
    module = Path(gen.__file__ or "")
    for args in (["check", "--isolated"], ["format", "--isolated", "--check"]):
        run = subprocess.run(
            [sys.executable, "-m", "ruff", *args, str(module)], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout + run.stderr
    use = module.parent / "use.py"
    use.write_text(textwrap.dedent(USE).lstrip())
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(module), str(use)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout


def test_output_is_deterministic(tmp_path: Path) -> None:
    compile_package(IDL, tmp_path / "a")
    compile_package(IDL, tmp_path / "b")
    a, b = (tmp_path / d / "pipekinds.py" for d in "ab")
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("name", ["Pipes", "Callbacks"])
def test_the_runtime_tests_idl_compiles_cleanly(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tests/runtime/idl/{Pipes,Callbacks}.idl, for the runtime's tests: no diagnostics."""
    idl = Path(__file__).parents[1] / "runtime" / "idl" / f"{name}.idl"
    out = tmp_path / f"gen_rt_{name.lower()}"
    compile_package(idl, out)
    assert capsys.readouterr().err == ""
    module = import_generated(out, name.lower())
    procs = getattr(module, f"_{name}_INTERFACE").procedures
    if name == "Pipes":
        assert all(p.pipes for p in procs) and not any(p.is_callback for p in procs)
        assert [p.position for p in module._Pipes_Scale.pipes] == [0, 3]
    else:
        assert [p.name for p in procs if p.is_callback] == ["Tick", "Ask", "Fill", "Nest"]
        assert hasattr(module, "CallbacksCallbacks") and hasattr(module, "CallbacksCallbackClient")

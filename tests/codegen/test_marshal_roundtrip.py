"""Property tests: generated marshalling code round-trips every value kind and refuses bad ones.

The IR here is built by hand so that these tests exercise the generator alone; random valid
values travel client encode -> msgpack -> server decode -> server encode -> msgpack -> client
decode and must come back equal; random invalid ones must be refused with the right status.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import idlrt
from idlc import ir
from idlc.backends.python.render import generate
from support import import_generated

MOD = "roundtrip"
I = ir.IntType  # noqa: E741
INTS = [
    I("small", 8, True),
    I("short", 16, True),
    I("long", 32, True),
    I("hyper", 64, True),
    I("unsigned small", 8, False),
    I("unsigned short", 16, False),
    I("unsigned long", 32, False),
    I("unsigned hyper", 64, False),
    I("byte", 8, False),
    I("error_status_t", 32, False),
]
COLOR = ir.Enum_("COLOR", (ir.EnumMember("RED", 0), ir.EnumMember("GREEN", 5)))
INNER = ir.Struct("INNER", (ir.Field("a", INTS[2]), ir.Field("s", ir.StringType(wide=True))))
FIELDS = (
    *(ir.Field(f"i_{t.name.replace(' ', '_')}", t) for t in INTS),
    ir.Field("flag", ir.BoolType()),
    ir.Field("f32", ir.FloatType("float", 32)),
    ir.Field("f64", ir.FloatType("double", 64)),
    ir.Field("ch", ir.CharType(wide=False)),
    ir.Field("wch", ir.CharType(wide=True)),
    ir.Field("text", ir.StringType(wide=False)),
    ir.Field("maybe_text", ir.PointerType(ir.StringType(wide=False), "unique")),
    ir.Field("color", ir.TypeRef("COLOR", MOD)),
    ir.Field("inner", ir.TypeRef("INNER", MOD)),
    ir.Field("maybe_inner", ir.PointerType(ir.TypeRef("INNER", MOD), "unique")),
    ir.Field("ranged", INTS[2], range=(-5, 5)),
    ir.Field("blob", ir.ArrayType(INTS[8], fixed_size=4)),
    ir.Field("numbers", ir.ArrayType(INTS[1])),
    ir.Field("inners", ir.ArrayType(ir.TypeRef("INNER", MOD))),
)
ALL = ir.Struct("ALL", FIELDS)
PUT = ir.Procedure(
    "Put",
    0,
    INTS[2],
    (
        ir.Param("item", ir.Direction.IN, ir.PointerType(ir.TypeRef("ALL", MOD), "ref")),
        ir.Param("echo", ir.Direction.OUT, ir.PointerType(ir.TypeRef("ALL", MOD), "ref")),
        ir.Param("count", ir.Direction.INOUT, ir.PointerType(INTS[0], "ref")),
    ),
)
PROGRAM = ir.Program(
    (
        ir.Module(
            MOD,
            "roundtrip.idl",
            (),
            (COLOR, INNER, ALL),
            (ir.Interface("RoundTrip", "00000000-0000-0000-0000-000000000001", (1, 0), (PUT,)),),
        ),
    ),
    MOD,
)


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("pkg") / "gen_roundtrip"
    out.mkdir()
    (out / "__init__.py").write_text("")
    (out / f"{MOD}.py").write_text(generate(PROGRAM, version="test"))
    return import_generated(out, MOD)


def strategy(t: ir.Type, gen: ModuleType) -> st.SearchStrategy[Any]:
    """Valid Python values of an IR type."""
    match t:
        case ir.IntType():
            return st.integers(t.low, t.high)
        case ir.BoolType():
            return st.booleans()
        case ir.FloatType(bits=32):
            return st.floats(width=32, allow_nan=False)
        case ir.FloatType():
            return st.floats(allow_nan=False)
        case ir.CharType(wide=wide):
            return st.characters(max_codepoint=0xFFFF if wide else 0xFF, exclude_categories=("Cs",))
        case ir.StringType():
            return st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
        case ir.PointerType(target=target, kind="unique"):
            return st.none() | strategy(target, gen)
        case ir.ArrayType(element=element, fixed_size=n):
            if isinstance(element, ir.IntType) and element.name == "byte":
                return st.binary(min_size=n or 0, max_size=n or 16)
            return st.lists(strategy(element, gen), min_size=n or 0, max_size=n or 4)
        case ir.TypeRef(name="COLOR"):
            return st.sampled_from(list(gen.COLOR))
        case ir.TypeRef(name=name):
            decl = PROGRAM.resolve(t)
            assert isinstance(decl, ir.Struct)
            cls = getattr(gen, name)
            fields = {f.name: field_strategy(f, gen) for f in decl.fields}
            return st.builds(cls, **fields)
    raise AssertionError(t)


def field_strategy(f: ir.Field, gen: ModuleType) -> st.SearchStrategy[Any]:
    if f.range is not None:
        return st.integers(*f.range)
    return strategy(f.type, gen)


def wire(value: object) -> object:
    """What the peer receives: msgpack out and back in, as the runtime does."""
    return msgpack.unpackb(msgpack.packb(value), raw=False)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_valid_values_round_trip(gen: ModuleType, data: st.DataObject) -> None:
    item = data.draw(strategy(ir.TypeRef("ALL", MOD), gen))
    count = data.draw(st.integers(-128, 127))
    retval = data.draw(st.integers(-(2**31), 2**31 - 1))
    request = wire(gen._RoundTrip_Put_cin(item, count))
    args = gen._RoundTrip_Put_sin(request)
    assert args == (item, count)
    reply = wire(gen._RoundTrip_Put_sout(retval, *args))
    result = gen._RoundTrip_Put_cout(reply)
    assert result == gen.PutResult(retval=retval, echo=item, count=count)
    assert type(result.echo.color) is gen.COLOR


def valid_item(gen: ModuleType) -> Any:
    inner = gen.INNER(a=1, s="x")
    return gen.ALL(
        *(0 for _ in INTS),
        True, 1.5, 2.5, "c", "\u20ac", "t", None, gen.COLOR.GREEN, inner, None, 0,
        b"\0\1\2\3", [1, 2], [inner],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "code", "path"),
    [
        ("i_small", 128, 1783, "Put.item.i_small"),
        ("i_unsigned_long", -1, 1783, "Put.item.i_unsigned_long"),
        ("i_hyper", 2**63, 1783, "Put.item.i_hyper"),
        ("i_byte", "1", 1783, "Put.item.i_byte"),
        ("flag", 1, 1783, "Put.item.flag"),
        ("ch", "\u0100", 1783, "Put.item.ch"),
        ("text", None, 1783, "Put.item.text"),
        ("color", 3, 1781, "Put.item.color"),
        ("ranged", 6, 1783, "Put.item.ranged"),
        ("blob", b"\0", 1734, "Put.item.blob"),
        ("numbers", [1, 2**15], 1783, "Put.item.numbers[1]"),
        ("inner", None, 1783, "Put.item.inner"),
    ],
)
def test_invalid_values_are_refused_with_their_status(
    gen: ModuleType, field: str, value: object, code: int, path: str
) -> None:
    item = valid_item(gen)
    setattr(item, field, value)
    with pytest.raises(idlrt.RpcError) as client_side:
        gen._RoundTrip_Put_cin(item, 0)
    assert client_side.value.code == code
    assert path in str(client_side.value)
    # The server refuses the same value when it produces it (complete) and when it receives it.
    with pytest.raises(idlrt.RpcError) as server_side:
        gen._RoundTrip_Put_sout(0, item, 0)
    assert server_side.value.code == code
    good = wire(gen._RoundTrip_Put_cin(valid_item(gen), 0))
    assert isinstance(good, list)
    bad_item = list(good[0])
    bad_item[[f.name for f in FIELDS].index(field)] = wire(value)
    with pytest.raises(idlrt.RpcError) as decoded:
        gen._RoundTrip_Put_sin([bad_item, 0])
    assert decoded.value.code == code


def test_null_ref_parameter_is_1780(gen: ModuleType) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        gen._RoundTrip_Put_sout(0, None, 0)
    assert err.value.code == 1780


@pytest.mark.parametrize("request_", [None, [], [1], [[], 0, 0], "x"])
def test_malformed_requests_are_bad_stub_data(gen: ModuleType, request_: object) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        gen._RoundTrip_Put_sin(request_)
    assert err.value.code == 1783


def test_generated_module_is_typed_clean(gen: ModuleType, tmp_path: Path) -> None:
    """The generated module for every kind above passes mypy --strict."""
    import subprocess
    import sys

    target = Path(gen.__file__ or "")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(target)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout


INT_FIELDS = [f for f in FIELDS if isinstance(f.type, ir.IntType) and f.range is None]


@st.composite
def invalid_item(draw: st.DrawFn, gen: ModuleType) -> tuple[Any, str, int]:
    """A valid item with one field made invalid at random, and the status that must refuse it."""
    item = draw(strategy(ir.TypeRef("ALL", MOD), gen))
    kind = draw(st.sampled_from(["int", "enum", "range", "blob", "type"]))
    if kind == "int":
        f = draw(st.sampled_from(INT_FIELDS))
        assert isinstance(f.type, ir.IntType)
        low, high = f.type.low, f.type.high
        bad = draw(st.integers(max_value=low - 1) | st.integers(min_value=high + 1))
        return _with(item, f.name, bad), f.name, 1783
    if kind == "enum":
        declared = {int(c) for c in gen.COLOR}
        bad = draw(st.integers(-(2**31), 2**31 - 1).filter(lambda v: v not in declared))
        return _with(item, "color", bad), "color", 1781
    if kind == "range":
        bad = draw(st.integers(max_value=-6) | st.integers(min_value=6, max_value=2**31 - 1))
        return _with(item, "ranged", bad), "ranged", 1783
    if kind == "blob":
        size = draw(st.integers(0, 8).filter(lambda n: n != 4))
        return _with(item, "blob", bytes(size)), "blob", 1734
    name = draw(st.sampled_from(["text", "flag", "f64", "inner"]))
    bad = draw(st.sampled_from([[], {}, object(), b"x"]))
    return _with(item, name, bad), name, 1783


def _with(item: Any, name: str, value: object) -> Any:
    setattr(item, name, value)
    return item


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_invalid_values_are_refused_with_their_status(
    gen: ModuleType, data: st.DataObject
) -> None:
    item, field, code = data.draw(invalid_item(gen))
    with pytest.raises(idlrt.RpcError) as client_side:
        gen._RoundTrip_Put_cin(item, 0)
    assert client_side.value.code == code
    assert f"Put.item.{field}" in str(client_side.value)
    with pytest.raises(idlrt.RpcError) as server_side:  # complete() refuses it the same way
        gen._RoundTrip_Put_sout(0, item, 0)
    assert server_side.value.code == code

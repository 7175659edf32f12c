"""Unions and conformant arrays through the generated codecs: round trips and refusals.

Hand-built IR, so that the generator alone is under test: a non-encapsulated union selected by a
sibling field, an encapsulated union, a union parameter selected by another parameter, an [out]
union whose discriminant is an [in]-only parameter, and size_is / length_is agreement.
"""

from __future__ import annotations

import subprocess
import sys
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

MOD = "unions"
LONG = ir.IntType("long", 32, True)
SHORT = ir.IntType("short", 16, True)
BYTE = ir.IntType("byte", 8, False)
STR = ir.StringType(wide=False)


def case(*values: int) -> tuple[ir.Expr, ...]:
    return tuple(ir.Literal_(v) for v in values)


# [switch_type(long)] union NUMBER_OR_TEXT { [case(1,2)] long n; [case(3)] [string] char* s;
#                                              [case(4)] ; [default] short other; }
NOT = ir.Union(
    "NUMBER_OR_TEXT",
    LONG,
    (
        ir.UnionArm(case(1, 2), ir.Field("n", LONG)),
        ir.UnionArm(case(3), ir.Field("s", STR)),
        ir.UnionArm(case(4), None),
        ir.UnionArm((), ir.Field("other", SHORT)),
    ),
)
# union switch (short kind) value { case 7: long big; case 8: ; }  (encapsulated, no default)
ENC = ir.Union(
    "TAGGED",
    SHORT,
    (ir.UnionArm(case(7), ir.Field("big", LONG)), ir.UnionArm(case(8), None)),
    switch_name="kind",
    union_name="value",
)
REF_NOT = ir.TypeRef("NUMBER_OR_TEXT", MOD)
HOLDER = ir.Struct(
    "HOLDER",
    (
        ir.Field("tag", LONG),
        ir.Field("u", REF_NOT, switch_is=ir.Name("tag")),
        ir.Field("tagged", ir.TypeRef("TAGGED", MOD)),
        ir.Field("count", LONG),
        ir.Field("items", ir.PointerType(ir.ArrayType(SHORT, size_is=ir.Name("count")), "unique")),
        ir.Field("used", LONG),
        ir.Field("data", ir.ArrayType(BYTE, size_is=ir.Literal_(8), length_is=ir.Name("used"))),
    ),
)
P, D = ir.Param, ir.Direction
PROCS = (
    ir.Procedure(
        "Put",
        0,
        ir.VoidType(),
        (
            P("holder", D.IN, ir.PointerType(ir.TypeRef("HOLDER", MOD), "ref")),
            P("level", D.IN, LONG),
            P("info", D.IN, ir.PointerType(REF_NOT, "ref"), switch_is=ir.Name("level")),
            P("n", D.IN, LONG),
            P("values", D.INOUT, ir.PointerType(ir.ArrayType(LONG, size_is=ir.Name("n")), "ref")),
            P("out_level", D.IN, LONG),
            P("answer", D.OUT, ir.PointerType(REF_NOT, "ref"), switch_is=ir.Name("out_level")),
        ),
    ),
)
PROGRAM = ir.Program(
    (
        ir.Module(
            MOD,
            "unions.idl",
            (),
            (NOT, ENC, HOLDER),
            (ir.Interface("U", "00000000-0000-0000-0000-000000000002", (1, 0), PROCS),),
        ),
    ),
    MOD,
)


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("pkg") / "gen_unions"
    out.mkdir()
    (out / "__init__.py").write_text("")
    (out / f"{MOD}.py").write_text(generate(PROGRAM, version="test"))
    return import_generated(out, MOD)


def wire(value: object) -> object:
    return msgpack.unpackb(msgpack.packb(value), raw=False)


def arm_value(tag: int) -> st.SearchStrategy[Any]:
    if tag in (1, 2):
        return st.integers(-(2**31), 2**31 - 1)
    if tag == 3:
        return st.text(max_size=8)
    if tag == 4:
        return st.none()
    return st.integers(-(2**15), 2**15 - 1)


@st.composite
def holders(draw: st.DrawFn, gen: ModuleType) -> Any:
    tag = draw(st.sampled_from([1, 2, 3, 4, 9]))
    kind = draw(st.sampled_from([7, 8]))
    items = draw(st.none() | st.lists(st.integers(-(2**15), 2**15 - 1), max_size=5))
    data = draw(st.binary(max_size=8))
    return gen.HOLDER(
        tag=tag,
        u=draw(arm_value(tag)),
        tagged=gen.TAGGED(kind=kind, value=draw(st.integers(0, 9)) if kind == 7 else None),
        count=len(items) if items is not None else draw(st.integers(0, 3)),
        items=items,
        used=len(data),
        data=data,
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_unions_and_arrays_round_trip(gen: ModuleType, data: st.DataObject) -> None:
    holder = data.draw(holders(gen))
    level = data.draw(st.sampled_from([1, 3, 4, 5]))
    info = data.draw(arm_value(level))
    values = data.draw(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=4))
    out_level = data.draw(st.sampled_from([2, 3, 4]))
    answer = data.draw(arm_value(out_level))
    args = (holder, level, info, len(values), values, out_level)
    request = wire(gen._U_Put_cin(*args))
    assert gen._U_Put_sin(request) == args
    # The server encodes [out] unions without the [in]-only discriminant: the first arm that
    # accepts the value is chosen, and the client gets the same value back.
    reply = wire(gen._U_Put_sout(values, answer))
    assert gen._U_Put_cout(reply) == gen.PutResult(values=values, answer=answer)


def valid_args(gen: ModuleType) -> list[Any]:
    holder = gen.HOLDER(
        tag=3,
        u="text",
        tagged=gen.TAGGED(kind=8, value=None),
        count=2,
        items=[1, 2],
        used=1,
        data=b"x",
    )
    return [holder, 1, 5, 2, [1, 2], 3]


@pytest.mark.parametrize(
    ("mutate", "code", "where"),
    [
        (lambda a: setattr(a[0], "u", 5), 1783, "Put.holder.u"),  # tag 3 wants a string
        (lambda a: setattr(a[0], "tag", 4), 1783, "Put.holder.u"),  # empty arm wants None
        (lambda a: setattr(a[0].tagged, "kind", 9), 1783, "Put.holder.tagged.value"),
        (lambda a: setattr(a[0], "count", 3), 1734, "Put.holder.items"),
        (lambda a: setattr(a[0], "used", 2), 1734, "Put.holder.data"),
        (lambda a: a.__setitem__(3, 5), 1734, "Put.values"),
        (lambda a: a.__setitem__(2, "x"), 1783, "Put.info"),
    ],
)
def test_disagreements_are_refused(gen: ModuleType, mutate: Any, code: int, where: str) -> None:
    args = valid_args(gen)
    gen._U_Put_cin(*args)  # valid as built
    mutate(args)
    with pytest.raises(idlrt.RpcError) as err:
        gen._U_Put_cin(*args)
    assert err.value.code == code
    assert where in str(err.value)


def test_decoder_refuses_a_discriminant_that_disagrees(gen: ModuleType) -> None:
    request = wire(gen._U_Put_cin(*valid_args(gen)))
    assert isinstance(request, list)
    request[2] = [3, "not for level 1"]  # the wire says arm 3, the level parameter says 1
    with pytest.raises(idlrt.RpcError) as err:
        gen._U_Put_sin(request)
    assert err.value.code == 1783


def test_encapsulated_union_without_default_refuses_unknown_discriminant(gen: ModuleType) -> None:
    with pytest.raises(idlrt.RpcError) as err:
        gen._dec_TAGGED([9, None], "x")
    assert err.value.code == 1783
    assert "no arm of union TAGGED" in str(err.value)


def test_generated_module_is_typed_clean(gen: ModuleType) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            str(Path(gen.__file__ or "")),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout


def test_range_on_a_string_or_an_array_bounds_its_length(tmp_path: Path) -> None:
    names = ir.Param("names", ir.Direction.IN, ir.ArrayType(LONG), range=(0, 2))
    word = ir.Param("word", ir.Direction.IN, ir.StringType(wide=False), range=(1, 3))
    proc = ir.Procedure("Say", 0, ir.VoidType(), (word, names))
    module = ir.Module(
        "ranged",
        "ranged.idl",
        (),
        (),
        (ir.Interface("R", "0" * 8 + "-0000-0000-0000-" + "0" * 12, (1, 0), (proc,)),),
    )
    out = tmp_path / "gen_ranged"
    out.mkdir()
    (out / "__init__.py").write_text("")
    (out / "ranged.py").write_text(generate(ir.Program((module,), "ranged"), version="test"))
    gen = import_generated(out, "ranged")
    assert gen._R_Say_sin(wire(gen._R_Say_cin("abc", [1, 2]))) == ("abc", [1, 2])
    for word_, names_ in (("", []), ("abcd", []), ("a", [1, 2, 3])):
        with pytest.raises(idlrt.RpcError) as err:
            gen._R_Say_cin(word_, names_)
        assert err.value.code == 1783
        assert "outside range" in str(err.value)
    with pytest.raises(idlrt.RpcError):
        gen._R_Say_sin(["abcd", []])  # and the server refuses it on arrival

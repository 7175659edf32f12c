"""IR nodes behave as the frozen, slotted dataclasses they replaced (they are built by a
metaclass, which costs far less at start-up): construction, equality and hashing without spans,
immutability, ``replace``, pattern matching, ordering of spans, pickling, repr."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from idlc import ir

LONG = ir.IntType("long", 32, True)


def field(span: ir.Span = ir.NO_SPAN) -> ir.Field:
    return ir.Field("n", LONG, None, span)


def test_construction_by_position_keyword_and_default() -> None:
    a = ir.Field("n", LONG)
    b = ir.Field(name="n", type=LONG, range=None, span=ir.NO_SPAN, switch_is=None)
    assert a == b
    assert (a.name, a.type, a.range, a.span, a.switch_is) == ("n", LONG, None, ir.NO_SPAN, None)
    with pytest.raises(TypeError):
        ir.Field("n")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ir.Field("n", LONG, nope=1)  # type: ignore[call-arg]


def test_equality_and_hash_leave_spans_out() -> None:
    here, there = ir.Span("a.idl", 1, 2), ir.Span("b.idl", 3, 4)
    assert field(here) == field(there)
    assert hash(field(here)) == hash(field(there))
    assert hash(field(here)) == hash(("n", LONG, None, None))  # as dataclasses hash
    assert ir.Field("m", LONG) != field()
    assert len({field(here), field(there), ir.Field("m", LONG)}) == 2
    assert ir.Name("x") != ir.TypeRef("x", "m")  # another class is never equal
    assert ir.Name("x").__eq__(("x",)) is NotImplemented
    assert ir.Span("a", 1, 2) == ir.Span("a", 1, 2) != ir.Span("a", 1, 3)


def test_nodes_are_frozen_and_slotted() -> None:
    f = field()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.name = "m"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del f.name
    assert not hasattr(f, "__dict__")


def test_replace() -> None:
    here = ir.Span("a.idl", 1, 2)
    f = field(here)
    g = ir.replace(f, name="m")
    assert (g.name, g.type, g.span) == ("m", LONG, here)
    assert type(g) is ir.Field and f.name == "n"
    with pytest.raises(TypeError, match="no field 'nope'"):
        ir.replace(f, nope=1)


def test_pattern_matching() -> None:
    match ir.Binary("+", ir.Name("a"), ir.Literal_(1)):
        case ir.Binary(op, ir.Name(left), right=ir.Literal_(value=v)):
            assert (op, left, v) == ("+", "a", 1)
        case _:  # pragma: no cover
            pytest.fail("no match")
    assert ir.Field.__match_args__ == ("name", "type", "range", "span", "switch_is")


def test_spans_order_by_file_line_column() -> None:
    spans = [ir.Span("b", 1, 1), ir.Span("a", 2, 1), ir.Span("a", 1, 5), ir.Span("a", 1, 2)]
    assert sorted(spans) == [spans[3], spans[2], spans[1], spans[0]]
    assert ir.Span("a", 1, 2) <= ir.Span("a", 1, 2) < ir.Span("a", 1, 3)
    assert ir.Span("a", 1, 3) >= ir.Span("a", 1, 3) > ir.Span("a", 1, 2)
    with pytest.raises(TypeError):
        _ = ir.Span("a", 1, 2) < ("a", 1, 3)  # type: ignore[operator]


def test_pickle_and_copy_keep_every_field() -> None:
    here = ir.Span("a.idl", 1, 2)
    f = field(here)
    for g in (pickle.loads(pickle.dumps(f)), copy.copy(f), copy.deepcopy(f)):
        assert g == f and g.span == here and type(g) is ir.Field


def test_repr_leaves_spans_out() -> None:
    assert repr(field(ir.Span("a.idl", 1, 2))) == (
        "Field(name='n', type=IntType(name='long', bits=32, signed=True), range=None, "
        "switch_is=None)"
    )
    assert repr(ir.Span("a", 1, 2)) == "Span(file='a', line=1, column=2)"


def test_properties_still_work() -> None:
    assert (LONG.low, LONG.high) == (-(2**31), 2**31 - 1)
    assert ir.Param("class", ir.Direction.IN, LONG).py_name == "class_"
    assert ir.CharType(True).name == "wchar_t"


def test_a_field_spec_without_default_is_required_and_factories_are_refused() -> None:
    class Kept(ir.Node):
        name: str
        memo: dict[str, int] = dataclasses.field(compare=False, repr=False)

    memo: dict[str, int] = {}
    k = Kept("a", memo)
    assert k.memo is memo and k == Kept("a", {"x": 1}) and repr(k).endswith(".Kept(name='a')")
    with pytest.raises(TypeError):
        Kept("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="default_factory"):

        class Bad(ir.Node):
            memo: dict[str, int] = dataclasses.field(default_factory=dict)


def test_a_later_span_is_found_once_when_first_read_and_acts_as_any_other() -> None:
    asked: list[int] = []

    def find(pos: int) -> ir.Span:
        asked.append(pos)
        return ir.Span("a.idl", pos // 10 + 1, pos % 10 + 1)

    later = ir.Span.later(find, 42)
    assert asked == []  # made without looking anything up
    assert (later.file, later.line, later.column) == ("a.idl", 5, 3)
    assert str(later) == "a.idl:5:3" and later == ir.Span("a.idl", 5, 3)
    assert hash(later) == hash(ir.Span("a.idl", 5, 3))
    assert ir.Span("a.idl", 5, 2) < later < ir.Span("a.idl", 6, 1)
    assert pickle.loads(pickle.dumps(ir.Span.later(find, 7))) == ir.Span("a.idl", 1, 8)
    match later:
        case ir.Span(file, line, column):
            assert (file, line, column) == ("a.idl", 5, 3)
    assert asked == [42, 7]  # each found once, however often read
    with pytest.raises(dataclasses.FrozenInstanceError):
        later.line = 1  # type: ignore[misc]


def test_python_names_do_not_depend_on_the_python_running_idlc() -> None:
    import keyword

    for word in keyword.kwlist:  # every hard keyword of this Python is renamed
        assert ir.py_name(word) == word + "_"
    renamed = ["match", "case", "_", "None", "class"]
    assert [ir.py_name(w) for w in renamed] == ["match_", "case_", "__", "None_", "class_"]
    # `type` is a soft keyword from 3.12 on, and a legal name everywhere: it stays as written
    assert [ir.py_name(w) for w in ("type", "print", "Match")] == ["type", "print", "Match"]

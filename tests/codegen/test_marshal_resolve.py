"""Marshaller.resolve memoises typedef chains per generated module: what it returns is what
walking the chain returns, the first time and every time after."""

from __future__ import annotations

from idlc import ir
from idlc.backends.python.conversions import Marshaller

LONG = ir.IntType("long", 32, True)


def program() -> ir.Program:
    decls: tuple[ir.Decl, ...] = (
        ir.Typedef("A", ir.TypeRef("B", "m")),
        ir.Typedef("B", LONG),
        ir.Struct("S", (ir.Field("a", ir.TypeRef("A", "m")),)),
        ir.Typedef("Loop1", ir.TypeRef("Loop2", "m")),
        ir.Typedef("Loop2", ir.TypeRef("Loop1", "m")),
    )
    return ir.Program((ir.Module("m", "m.idl", (), decls, ()),), "m")


def test_resolve_is_the_walk_and_is_kept() -> None:
    m = Marshaller(program(), "m")
    for name in ("A", "B", "S", "Loop1", "Loop2"):
        ref = ir.TypeRef(name, "m")
        first = m.resolve(ref)
        assert first == m._resolve(ref)
        assert m.resolve(ir.TypeRef(name, "m")) is first  # an equal reference hits
    assert m.resolve(ir.TypeRef("A", "m")) == LONG
    assert isinstance(m.resolve(ir.TypeRef("S", "m")), ir.Struct)
    assert m.resolve(ir.TypeRef("Loop1", "m")) == ir.UnsupportedType("Loop1", "typedef cycle")
    pointer = ir.PointerType(ir.TypeRef("A", "m"), "ref")
    assert m.resolve(pointer) is pointer  # not a reference: as it is, never stored
    assert set(m._resolved) == {("m", n) for n in ("A", "B", "S", "Loop1", "Loop2")}


def test_annotations_are_kept_and_forgotten_when_modules_are_aliased() -> None:
    other = ir.Module("o", "o.idl", (), (ir.Typedef("T", LONG),), ())
    m = Marshaller(ir.Program((other, *program().modules), "m"), "m")
    types: list[ir.Type] = [
        ir.TypeRef("A", "m"),
        ir.PointerType(ir.TypeRef("S", "m"), "unique"),
        ir.ArrayType(ir.PointerType(LONG, "ref")),
    ]
    for t in types:
        for server in (False, True):
            assert m.py_type(t, server=server) == m._py_type(t, server)
            assert m.py_type(t, server=server) == m._py_type(t, server)  # kept
    m.alias_modules({"o": "_m_o"})
    assert not m._annotations  # aliases change annotations: nothing kept from before
    assert m.py_type(ir.TypeRef("T", "o")) == "_m_o.T"

"""Shared by the NDR20 tests: compiling IDL to importable modules with its IR, and random
valid values of IR types (sizes, discriminants and offsets kept consistent with the fields
that govern them), drawn from a ``random.Random`` that hypothesis seeds."""

from __future__ import annotations

import importlib
import random
from pathlib import Path
from types import ModuleType
from typing import Any

from idlc import ir
from idlc.backends.python.conversions import const_int
from idlc.diagnostics import DiagnosticSink
from idlc.pipeline.frontend import FrontEnd, Options
from support import compile_package, import_generated

HERE = Path(__file__).resolve().parent
CONFORMANCE = HERE / "ndr_conformance.idl"


def program_of(idl: Path) -> ir.Program:
    program = FrontEnd(Options((), (), None, False), DiagnosticSink()).compile(idl)
    assert program is not None
    return program


def compile_idl(idl: Path, outdir: Path) -> tuple[ir.Program, ModuleType]:
    compile_package(idl, outdir)
    program = program_of(idl)
    return program, import_generated(outdir, program.root)


class Unsupported(Exception):
    """A value of this type is not made here."""


class Values:
    """Random valid values of the types of one program."""

    def __init__(self, program: ir.Program, module: ModuleType, rng: random.Random) -> None:
        self.program = program
        self.module = module
        self.rng = rng

    def decl(self, ref: ir.TypeRef) -> ir.Decl:
        return self.program.resolve(ref)

    def cls(self, ref: ir.TypeRef) -> Any:
        module = self.module
        if ref.module != self.program.root:  # declared in an imported file
            module = importlib.import_module(f"{module.__package__}.{ref.module}")
        return getattr(module, ir.py_name(ref.name))

    def text(self, n: int, wide: bool, fixed: bool = False) -> str:
        # Latin-1 for char strings; wide ones reach beyond the BMP (a surrogate pair) where
        # their length is not counted against a fixed array.
        pool = [0x41, 0x7A, 0xE9, 0xFF]
        if wide:
            pool += [0x20AC, 0x4E2D] + ([] if fixed else [0x1F600])
        return "".join(chr(self.rng.choice(pool)) for _ in range(n))

    def of(self, t: ir.Type, depth: int = 0) -> Any:
        r = self.rng
        if depth > 6:
            raise Unsupported("too deep")
        match t:
            case ir.IntType():
                return r.choice(
                    [t.low, t.high, 0 if t.low <= 0 else t.low, r.randint(t.low, t.high)]
                )
            case ir.BoolType():
                return r.random() < 0.5
            case ir.FloatType():
                return r.choice([0.0, -1.5, 1e10 if t.bits == 64 else 1024.25, 3.0])
            case ir.CharType(wide=wide):
                return self.text(1, False) if not wide else chr(r.choice([0x41, 0x20AC, 0xD800]))
            case ir.StringType(max_length=n, wide=wide):
                return self.text(r.randint(0, min(n - 1, 5) if n else 5), wide, n is not None)
            case ir.PointerType(target=target, kind=kind):
                if kind != "ref" and r.random() < 0.3:
                    return None
                return self.of(target, depth + 1)
            case ir.ArrayType():
                return self.array(t, None, depth)
            case ir.TypeRef():
                return self.named(t, depth)
        raise Unsupported(type(t).__name__)

    def is_byte(self, t: ir.Type) -> bool:
        while isinstance(t, ir.TypeRef):
            d = self.decl(t)
            if not isinstance(d, ir.Typedef):
                return False
            t = d.type
        if isinstance(t, ir.CharType):
            return not t.wide
        return isinstance(t, ir.IntType) and t.name in ("byte", "unsigned char")

    def array(self, t: ir.ArrayType, n: int | None, depth: int) -> Any:
        if n is None and t.length_is is None and isinstance(t.size_is, ir.Literal_):
            n = int(t.size_is.value or 0)  # a constant size: [size_is(count, 2)]
        if n is None:
            if t.length_is is not None or (t.size_is is not None and t.fixed_size is None):
                raise Unsupported("an array whose size is governed from out of scope")
            n = t.fixed_size if t.fixed_size is not None else self.rng.randint(0, 3)
        if self.is_byte(t.element):
            return bytes(self.rng.randrange(256) for _ in range(n))
        return [self.of(t.element, depth + 1) for _ in range(n)]

    def named(self, ref: ir.TypeRef, depth: int) -> Any:
        d = self.decl(ref)
        if isinstance(d, ir.Typedef):
            return self.of(d.type, depth + 1)
        if isinstance(d, ir.Enum_):
            return self.rng.choice(list(self.cls(ref)))
        if isinstance(d, ir.Struct):
            slots = [(f.name, f.type, f.range, f.switch_is) for f in d.fields]
            kw = self.record(slots, depth)
            return self.cls(ref)(**{ir.py_name(k): v for k, v in kw.items()})
        if isinstance(d, ir.Union) and d.switch_name is not None and d.union_name is not None:
            k, v = self.union_arm(d, depth, default=True)
            return self.cls(ref)(**{ir.py_name(d.switch_name): k, ir.py_name(d.union_name): v})
        raise Unsupported("a non-encapsulated union outside its scope")

    def union_arm(
        self, u: ir.Union, depth: int, default: bool = False, label: int | None = None
    ) -> tuple[int, Any]:
        """A discriminant (``label`` if given) and a value of its arm (the default arm too,
        with a label no other arm has, when ``default``)."""
        labels = [v for a in u.arms for c in a.cases if (v := const_int(c)) is not None]
        arms = [a for a in u.arms if a.cases or default]
        if label is not None:
            arms = [a for a in u.arms if label in [const_int(c) for c in a.cases]]
            arms = arms or [a for a in u.arms if not a.cases]
            if not arms:
                raise Unsupported("a discriminant that selects no arm")
            arm = arms[0]
            return label, None if arm.field is None else self.of(arm.field.type, depth + 1)
        arm = self.rng.choice(arms)
        if arm.cases:
            label = self.rng.choice([v for c in arm.cases if (v := const_int(c)) is not None])
        else:
            label = max(labels, default=0) + 1
        return label, None if arm.field is None else self.of(arm.field.type, depth + 1)

    def record(self, slots: list[tuple[str, ir.Type, Any, Any]], depth: int) -> dict[str, Any]:
        """Values for named slots (fields or parameters) whose sizes, offsets and
        discriminants agree with the slots that govern them."""
        values: dict[str, Any] = {}
        governing: dict[str, int] = {}
        for name, t, rng, switch in slots:
            inner, nullable = self.unwrap(t)
            if isinstance(inner, ir.ArrayType) and (
                inner.length_is is not None
                or (inner.size_is is not None and inner.fixed_size is None)
            ):
                cap = inner.fixed_size if inner.fixed_size is not None else 4
                first = 0
                if inner.first_is is not None:
                    first = self.known(governing, inner.first_is, self.rng.randint(0, cap))
                    self.govern(governing, inner.first_is, first)
                counted = inner.length_is if inner.length_is is not None else inner.size_is
                assert counted is not None
                n = self.known(governing, counted, self.rng.randint(0, cap - first))
                if inner.length_is is not None:
                    self.govern(governing, inner.length_is, n)
                if inner.size_is is not None and inner.fixed_size is None:
                    size = n if inner.length_is is None else n + self.rng.randint(0, 2)
                    size = self.known(governing, inner.size_is, size)
                    self.govern(governing, inner.size_is, size)
                null = nullable and self.rng.random() < 0.3
                values[name] = None if null else self.array(inner, n, depth)
            elif switch is not None:
                union = self.decl(inner) if isinstance(inner, ir.TypeRef) else None
                if not isinstance(union, ir.Union) or not isinstance(switch, ir.Name):
                    raise Unsupported("a discriminant that is not a bare name")
                given = governing.get(switch.name)
                label, values[name] = self.union_arm(union, depth, label=given)
                self.govern(governing, switch, label)
            elif rng is not None and isinstance(inner, ir.IntType):
                values[name] = self.rng.randint(*rng)
            else:
                values[name] = self.of(t, depth)
        for name, value in governing.items():
            if name not in values:
                raise Unsupported(f"governed by {name}, out of scope")
            values[name] = value
        return values

    @staticmethod
    def known(governing: dict[str, int], e: ir.Expr, otherwise: int) -> int:
        """The value ``e`` has from what is governed already, else ``otherwise``."""
        match e:
            case ir.Name(name=name) if name in governing:
                return governing[name]
            case ir.Binary(op="+", left=ir.Name(name=name), right=ir.Literal_(value=int() as k)):
                if name in governing:
                    return governing[name] + k
        return otherwise

    @staticmethod
    def govern(governing: dict[str, int], e: ir.Expr, value: int) -> None:
        """Record that the slot ``e`` names must be ``value`` (``x`` or ``x + k``)."""
        match e:
            case ir.Name(name=name):
                pass
            case ir.Binary(op="+", left=ir.Name(name=name), right=ir.Literal_(value=int() as k)):
                value -= k
            case _:
                raise Unsupported("a size that is not a bare name")
        if name in governing and governing[name] != value:
            raise Unsupported("one size for several arrays")
        governing[name] = value

    def unwrap(self, t: ir.Type) -> tuple[ir.Type, bool]:
        nullable = False
        while True:
            if isinstance(t, ir.PointerType):
                nullable = nullable or t.kind != "ref"
                t = t.target
            elif isinstance(t, ir.TypeRef) and isinstance(self.decl(t), ir.Typedef):
                decl = self.decl(t)
                assert isinstance(decl, ir.Typedef)
                t = decl.type
            else:
                return t, nullable

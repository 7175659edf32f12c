"""Every procedure of every compiled corpus file: random valid arguments round-trip.

For each module that the corpus' accept rows generate, random values are derived from the IR of
each procedure's parameters (extremes of every integer width included; sizes and union
discriminants kept consistent with the values that govern them; seeded, so repeatable), and they
travel client encode -> msgpack -> server decode, and the
results server encode -> msgpack -> client decode, through the generated code, with no sockets.
Procedures whose values cannot be made without a server (context handles) or that use a
construct with no value in Python (pipes, function pointers) are counted and left out.
"""

from __future__ import annotations

import csv
import importlib
import os
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest

from idlc import ir
from idlc.backends.python.conversions import const_int
from idlc.backends.python.render import generate
from idlc.diagnostics import DiagnosticSink
from idlc.pipeline.frontend import FrontEnd, Options
from idlc.preprocess.preprocessor import parse_define
from support import CORPUS

EXAMPLES = 12  # random argument sets per procedure


class Unsupported(Exception):
    """A value of this type cannot be made here."""


class Values:
    """Random valid values of IR types, within one program (seeded: runs are repeatable)."""

    def __init__(self, program: ir.Program, modules: dict[str, ModuleType], seed: int) -> None:
        self.program = program
        self.modules = modules
        self.rng = random.Random(seed)

    def decl(self, ref: ir.TypeRef) -> ir.Decl:
        return self.program.resolve(ref)

    def cls(self, ref: ir.TypeRef) -> Any:
        return getattr(self.modules[ref.module], ir.py_name(ref.name))

    def text(self, n: int, top: int) -> str:
        return "".join(chr(self.rng.choice([0x41, 0x7A, 0xE9, top])) for _ in range(n))

    def of(self, t: ir.Type, depth: int = 0) -> Any:
        r = self.rng
        if depth > 8:
            raise Unsupported("too deep")
        match t:
            case ir.IntType():
                return r.choice(
                    [t.low, t.high, 0 if t.low <= 0 else t.low, r.randint(t.low, t.high)]
                )
            case ir.BoolType():
                return r.random() < 0.5
            case ir.FloatType():
                return r.choice([0.0, -1.5, 1e10 if t.bits == 64 else 1024.25])
            case ir.CharType(wide=wide):
                return self.text(1, 0x20AC if wide else 0xFF)
            case ir.StringType(max_length=n):
                return self.text(r.randint(0, min(n - 1, 6) if n else 6), 0x20AC)
            case ir.PointerType(target=ir.VoidType()):
                raise Unsupported("void*")
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
        if t.fixed_size is not None:
            n = t.fixed_size
        if n is None:
            if t.size_is is not None or t.length_is is not None:
                raise Unsupported("an array whose size is governed from out of scope")
            n = self.rng.randint(0, 3)
        if self.is_byte(t.element):
            return bytes(self.rng.randrange(256) for _ in range(n))
        return [self.of(t.element, depth + 1) for _ in range(n)]

    def named(self, ref: ir.TypeRef, depth: int) -> Any:
        d = self.decl(ref)
        if isinstance(d, ir.Typedef):
            return self.of(d.type, depth + 1)
        if isinstance(d, ir.Enum_):
            if not d.members:
                raise Unsupported("an empty enum")
            return self.rng.choice(list(self.cls(ref)))
        if isinstance(d, ir.Struct):
            slots = [(f.name, f.type, f.range, f.switch_is) for f in d.fields]
            kw = self.record(slots, depth)
            return self.cls(ref)(**{ir.py_name(k): v for k, v in kw.items()})
        if isinstance(d, ir.Union) and d.switch_name is not None and d.union_name is not None:
            k, v = self.union_arm(d, depth)
            return self.cls(ref)(**{ir.py_name(d.switch_name): k, ir.py_name(d.union_name): v})
        raise Unsupported("a non-encapsulated union outside its scope")

    def union_arm(self, u: ir.Union, depth: int) -> tuple[int, Any]:
        arms = [a for a in u.arms if any(const_int(c) is not None for c in a.cases)]
        if not arms:
            raise Unsupported("a union with no labelled arm")
        arm = self.rng.choice(arms)
        label = self.rng.choice([v for c in arm.cases if (v := const_int(c)) is not None])
        return label, None if arm.field is None else self.of(arm.field.type, depth + 1)

    def record(self, slots: list[tuple[str, ir.Type, Any, Any]], depth: int) -> dict[str, Any]:
        """Values for named slots (fields or parameters) in which array sizes and union
        discriminants agree with the slots that govern them (bare names only)."""
        values: dict[str, Any] = {}
        governing: dict[str, Any] = {}
        for name, t, rng, switch in slots:
            inner, nullable = self.unwrap(t)
            if isinstance(inner, ir.ArrayType) and (inner.size_is or inner.length_is):
                expr = inner.length_is if inner.length_is is not None else inner.size_is
                if not isinstance(expr, ir.Name) or inner.fixed_size is not None:
                    raise Unsupported("a size that is not a bare name")
                if expr.name in governing:
                    raise Unsupported("one size for several arrays")
                n = self.rng.randint(0, 3)
                governing[expr.name] = n
                null = nullable and self.rng.random() < 0.3
                values[name] = None if null else self.array(inner, n, depth)
            elif switch is not None:
                if not isinstance(switch, ir.Name) or switch.name in governing:
                    raise Unsupported("a discriminant that is not a bare name")
                union = self.decl(inner) if isinstance(inner, ir.TypeRef) else None
                if not isinstance(union, ir.Union):
                    raise Unsupported("switch_is on something that is not a union")
                governing[switch.name], values[name] = self.union_arm(union, depth)
            elif rng is not None and isinstance(inner, ir.IntType):
                values[name] = self.rng.randint(*rng)
            elif rng is not None and isinstance(inner, ir.StringType):
                low, high = rng  # [range] on a string bounds its length
                values[name] = self.text(self.rng.randint(low, max(low, min(high, 6))), 0x20AC)
            else:
                values[name] = self.of(t, depth)
        missing = set(governing) - values.keys()
        if missing:
            raise Unsupported(f"governed by {missing} out of scope")
        for name, value in governing.items():
            values[name] = value
        return values

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


def recipes() -> list[dict[str, str]]:
    path = CORPUS / "recipes.tsv"
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return [
            r
            for r in csv.DictReader(f, delimiter="\t")
            if r["expected"] in ("accept", "accept-unverified")
        ]


def compile_row(row: dict[str, str], out: Path) -> tuple[ir.Program, dict[str, ModuleType]] | None:
    opts = Options(
        tuple(Path(d) for d in row["include_dirs"].split(",") if d),
        tuple(parse_define(d) for d in row["defines"].split(",") if d),
        Path(row["acf"]) if row["acf"] else None,
        not row["acf"],
    )
    program = FrontEnd(opts, DiagnosticSink()).compile(Path(row["idl"]))
    if program is None:
        return None
    out.mkdir(parents=True)
    (out / "__init__.py").write_text("")
    for i, m in enumerate(program.modules):
        sub = ir.Program(program.modules[: i + 1], m.name)
        (out / f"{m.name}.py").write_text(generate(sub, version="test"))
    sys.path.insert(0, str(out.parent))
    try:
        mods = {m.name: importlib.import_module(f"{out.name}.{m.name}") for m in program.modules}
    finally:
        sys.path.remove(str(out.parent))
    return program, mods


def wire(value: object) -> object:
    return msgpack.unpackb(msgpack.packb(value), raw=False)


def test_every_corpus_procedure_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = recipes()
    if not rows:
        pytest.skip("../shared/corpus is not present")
    cwd = os.getcwd()
    os.chdir(CORPUS)
    covered, skipped, seen = 0, 0, set()
    reasons: dict[str, int] = {}
    try:
        for i, row in enumerate(rows):
            compiled = compile_row(row, tmp_path / f"rt_{i}")
            assert compiled is not None, row["idl"]
            program, mods = compiled
            root = program.module(program.root)
            gen = mods[root.name]
            values = Values(program, mods, seed=i)
            for iface in root.interfaces:
                if not iface.generated:
                    continue
                for proc in iface.procedures:
                    key = (root.name, iface.name, proc.name)
                    if key in seen:
                        continue
                    seen.add(key)
                    try:
                        round_trip(values, gen, iface, proc)
                    except Unsupported as why:
                        skipped += 1  # found while building or drawing its values
                        reason = str(why).split(" {")[0]
                        reasons[reason] = reasons.get(reason, 0) + 1
                        continue
                    covered += 1
    finally:
        os.chdir(cwd)
    with capsys.disabled():
        print(f"\ncorpus round trips: {covered} procedures covered, {skipped} left out:")
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            print(f"  {count:4} {reason}")
    assert covered > 300


def round_trip(values: Values, gen: ModuleType, iface: ir.Interface, proc: ir.Procedure) -> None:
    """Random values of one procedure through its four generated codecs (Unsupported when its
    values cannot be made without a server)."""
    if any(_has_context_handle(values, p.type) for p in proc.params):
        raise Unsupported("context handles need a server")
    ins, outs = list(proc.in_params), list(proc.out_params)
    in_slots = [(p.name, p.type, p.range, p.switch_is) for p in ins]
    out_slots = [(p.name, p.type, p.range, p.switch_is) for p in outs]
    if proc.has_retval:
        out_slots.insert(0, ("retval", proc.return_type, None, None))
    prefix = f"_{iface.name}_{proc.name}"
    cin, sin = getattr(gen, f"{prefix}_cin"), getattr(gen, f"{prefix}_sin")
    sout, cout = getattr(gen, f"{prefix}_sout"), getattr(gen, f"{prefix}_cout")
    for _ in range(EXAMPLES):
        drawn = values.record(in_slots, 0)
        args = [drawn[p.name] for p in ins]
        assert sin(wire(cin(*args))) == tuple(args), proc.name
        drawn = values.record(out_slots, 0)
        results = [drawn[name] for name, *_ in out_slots]
        decoded = cout(wire(sout(*results)))
        if outs:
            assert tuple(decoded) == tuple(results), proc.name
        elif proc.has_retval:
            assert decoded == results[0], proc.name


def _has_context_handle(values: Values, t: ir.Type) -> bool:
    for _ in range(20):
        if isinstance(t, ir.ContextHandleType):
            return True
        if isinstance(t, ir.PointerType):
            t = t.target
        elif isinstance(t, ir.TypeRef):
            d = values.decl(t)
            if not isinstance(d, ir.Typedef):
                return False
            t = d.type
        else:
            return False
    return False

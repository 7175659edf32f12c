"""The NDR model of a type, decided once (Samba pidl's way): what kind of wire construct it is,
its alignment, the size of its fixed part, whether it has a deferred part, and what NDR20 of
this backend cannot marshal about it.

A type's wire form depends on where it stands (C706 14.3):

- ``TOP``: a parameter or the referent of a pointer. A [ref] pointer there has no
  representation; a conformant array or string carries its maximum count in front; the
  referents of the pointers it embeds follow it at once.
- ``EMBEDDED``: a structure member, an array element or a union arm. A pointer there is a
  referent id, its referent deferred; so is an array or string whose [ref] pointer level the IR
  leaves out (``pointer=True``, C706 14.3.12.3). A conformant array or string in place is not
  allowed there.
- ``LAST``: the last member of a structure, where a conformant array or string in place
  (``pointer=False``) stays in place and its maximum count is hoisted to the front of the
  structure (a conformant structure); with ``pointer=True`` it is a pointer as above.

At the top, ``pointer=True`` changes nothing: a top-level [ref] pointer has no representation.

``Layout.size`` is the size of the part written in place (for a pointer, its referent id); a
structure has no trailing pad in NDR20, so an array of them aligns each element.
"""

from __future__ import annotations

from typing import Literal

from ... import ir
from ..python.typeinfo import TypeInfo

Position = Literal["top", "embedded", "last"]
TOP: Position = "top"
EMBEDDED: Position = "embedded"
LAST: Position = "last"

# struct module format, size, the array typecode of an array of it (see idlrt.wire.ndr)
_INTS = {
    (8, True): "b",
    (8, False): "B",
    (16, True): "h",
    (16, False): "H",
    (32, True): "l",
    (32, False): "L",
    (64, True): "q",
    (64, False): "Q",
}
ARRAY_CODES = {"b": "b", "B": "B", "h": "h", "H": "H", "l": "i", "L": "I", "q": "q", "Q": "Q"}
ARRAY_CODES |= {"f": "f", "d": "d"}
SIZES = {"b": 1, "B": 1, "?": 1, "h": 2, "H": 2, "l": 4, "L": 4, "q": 8, "Q": 8, "f": 4, "d": 8}


class Layout(ir.Node):
    kind: str  # prim, ctx, fstring, string, array, pointer, struct, union, eunion, bad
    align: int  # where it starts (a union: its discriminant's alignment)
    size: int | None  # the in-place part's size when fixed
    deferred: bool  # embeds pointers whose referents are deferred
    conformant: bool = False  # a structure whose conformance is hoisted to its front
    fmt: str = ""  # prim: the struct format character
    group_align: int = 0  # its alignment as a member (a union: its largest arm or discriminant)
    problem: str | None = None  # what cannot be marshalled, for the diagnostic


def prim_format(t: ir.Type | ir.Decl) -> str | None:
    """The struct format of a base type (NDR20: __int3264 is 32 bits, boolean one octet)."""
    match t:
        case ir.IntType(bits=bits, signed=signed):
            return _INTS.get((bits, signed))
        case ir.BoolType():
            return "?"
        case ir.FloatType(bits=bits):
            return "f" if bits == 32 else "d"
        case ir.CharType(wide=wide):
            return "H" if wide else "B"
    return None


def enum_format(e: ir.Enum_) -> str:
    """NDR20 enums are 16 bits (C706 14.2.?), 32 under [v1_enum]."""
    return "l" if e.v1_enum else "H"


def align_up(n: int, a: int) -> int:
    return (n + a - 1) & ~(a - 1)


class Model:
    """Layouts of the types of one program, kept by (type, position)."""

    def __init__(self, info: TypeInfo) -> None:
        self.info = info
        self._memo: dict[tuple[ir.Type, Position], Layout] = {}
        self._busy: set[tuple[str, str]] = set()
        self._guessed: set[tuple[str, str]] = set()  # busy structures met again: not kept

    def target(self, t: ir.Type) -> ir.Type | ir.Decl:
        """``t`` looked through typedefs: a type, or a struct/union/enum declaration."""
        return self.info.resolve(t)

    def top(self, t: ir.Type, pos: Position) -> tuple[ir.Type, ir.Type | ir.Decl]:
        """``t`` and what it resolves to, past the [ref] pointers that have no representation
        at the top; a [ref] pointer to a pointer typedef (``LPWSTR *``) is kept, for ``of`` to
        report."""
        r = self.target(t)
        while pos == TOP and isinstance(r, ir.PointerType) and r.kind == "ref":
            inner = self.target(r.target)
            if _ref_level(inner):
                break
            t, r = r.target, inner
        return t, r

    def of(self, t: ir.Type, pos: Position = EMBEDDED) -> Layout:
        key = (t, pos)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._layout(t, pos)
            if not self._guessed:
                self._memo[key] = hit
        return hit

    def _layout(self, t: ir.Type, pos: Position) -> Layout:
        r = self.target(t)
        fmt = None if isinstance(r, ir.Struct | ir.Union | ir.Enum_) else prim_format(r)
        if isinstance(r, ir.Enum_):
            f = enum_format(r)
            return Layout("prim", SIZES[f], SIZES[f], False, fmt=f, group_align=SIZES[f])
        if fmt is not None:
            n = SIZES[fmt]
            return Layout("prim", n, n, False, fmt=fmt, group_align=n)
        match r:
            case ir.ContextHandleType():
                return Layout("ctx", 4, 20, False, group_align=4)
            case ir.StringType(pointer=True) | ir.ArrayType(pointer=True) if pos != TOP:
                return self._elided(r)
            case ir.StringType(max_length=int()):
                return Layout("fstring", 4, None, False, group_align=4)
            case ir.StringType():
                if pos == EMBEDDED:
                    return self._bad("a conformant string in place, not last in a structure")
                return Layout("string", 4, None, False, conformant=pos == LAST, group_align=4)
            case ir.ArrayType():
                return self._array(r, pos)
            case ir.PointerType(target=target, kind=kind):
                return self._pointer(target, kind, pos)
            case ir.Struct():
                return self._struct(r)
            case ir.Union():
                return self._union(r)
            case ir.PipeType():
                return self._bad("a pipe")
            case ir.HandleType():
                return self._bad("a handle_t inside data")
            case ir.UnsupportedType(name=name, reason=reason):
                return self._bad(f"{name} ({reason})")
            case ir.VoidType():
                return self._bad("void")
        return self._bad(type(r).__name__)

    @staticmethod
    def _bad(problem: str) -> Layout:
        return Layout("bad", 1, None, False, problem=problem, group_align=1)

    def _elided(self, t: ir.StringType | ir.ArrayType) -> Layout:
        """An embedded array or string reached through a [ref] pointer the IR leaves out: a
        referent id in place, the array or string (as at the top) deferred."""
        problem = self.of(t, TOP).problem
        return Layout("pointer", 4, 4, True, problem=problem, group_align=4)

    def _pointer(self, target: ir.Type, kind: str, pos: Position) -> Layout:
        inner = self.of(target, TOP)
        problem = inner.problem
        pointee = self.target(target)
        if isinstance(pointee, ir.VoidType):
            problem = "an untyped (void) pointer"
        elif pos == TOP and kind == "ref" and _ref_level(pointee):
            # A [ref] pointer below a top-level [ref] pointer (``[ref] long **p``, or a pointer
            # typedef that says [ref]): below the top it has a referent id of its own, which
            # the model, stripping [ref] levels at the top, cannot place yet. Reported, never
            # written without it. (A typedef's unattributed pointer there takes
            # pointer_default, so LPWSTR *p is a unique pointer and is supported.)
            problem = problem or "a [ref] pointer below a top-level [ref] pointer"
        if pos != TOP:
            return Layout("pointer", 4, 4, True, problem=problem, group_align=4)
        if kind == "ref":  # no representation: the referent stands in its place
            return inner if problem is None or problem == inner.problem else self._bad(problem)
        return Layout("pointer", 4, None, inner.deferred, problem=problem, group_align=4)

    def _array(self, t: ir.ArrayType, pos: Position) -> Layout:
        elem = self.of(t.element, EMBEDDED)
        problem = elem.problem
        if elem.conformant:
            problem = "an array of conformant structures"
        conformant = t.size_is is not None and t.fixed_size is None
        varying = t.length_is is not None or t.first_is is not None
        if t.fixed_size is None and t.size_is is None:
            problem = problem or "an array without [size_is] or a size"
        if conformant and pos == EMBEDDED:
            return self._bad("a conformant array in place, not last in a structure")
        inner = t.element
        while isinstance(r := self.target(inner), ir.ArrayType):
            if r.size_is is not None or r.length_is is not None or r.first_is is not None:
                problem = problem or "a multidimensional array with inner bounds"
            inner = r.element
        align = elem.group_align or elem.align
        if conformant or varying:
            size = None
            align = max(align, 4) if (varying or pos == TOP) else align
        elif elem.size is None or t.fixed_size is None:
            size = None
        else:
            n = t.fixed_size
            size = 0 if n == 0 else (n - 1) * align_up(elem.size, align) + elem.size
        return Layout(
            "array",
            align,
            size,
            elem.deferred,
            conformant=conformant and pos == LAST,
            group_align=align,
            problem=problem,
        )

    def _struct(self, s: ir.Struct) -> Layout:
        key = (s.name, s.span.file if s.span else "")
        if key in self._busy:  # a structure reached through its own pointers
            self._guessed.add(key)
            return Layout("struct", 4, None, True, group_align=4)
        self._busy.add(key)
        try:
            align, deferred, problem = 1, False, None
            size: int | None = 0
            conformant = False
            for i, f in enumerate(s.fields):
                last = i == len(s.fields) - 1
                lay = self.of(f.type, LAST if last else EMBEDDED)
                a = lay.group_align or lay.align
                align = max(align, a)
                deferred = deferred or lay.deferred
                problem = problem or lay.problem
                if lay.kind == "union" and f.switch_is is None:
                    problem = problem or f"union member '{f.name}' without [switch_is]"
                if last and lay.conformant:
                    conformant = True
                elif lay.conformant:
                    problem = problem or f"conformant member '{f.name}' before the last"
                if size is not None and lay.size is not None:
                    size = align_up(size, lay.align) + lay.size
                else:
                    size = None
        finally:
            self._busy.discard(key)
            self._guessed.discard(key)
        return Layout(
            "struct",
            align,
            size,
            deferred,
            conformant=conformant,
            group_align=align,
            problem=problem,
        )

    def _union(self, u: ir.Union) -> Layout:
        disc = self.of(u.switch_type, EMBEDDED)
        problem = None if disc.kind == "prim" else "a union discriminant that is not an integer"
        align, deferred = disc.align, False
        for arm in u.arms:
            if arm.field is None:
                continue
            lay = self.of(arm.field.type, EMBEDDED)
            align = max(align, lay.group_align or lay.align)
            deferred = deferred or lay.deferred
            problem = problem or lay.problem
            if lay.conformant:
                problem = problem or "a conformant union arm"
        if u.switch_name is not None:
            return Layout("eunion", align, None, deferred, group_align=align, problem=problem)
        return Layout("union", disc.align, None, deferred, group_align=align, problem=problem)


def pointee(t: ir.Type, r: ir.Type | ir.Decl) -> tuple[ir.Type, str]:
    """A pointer's target and kind (``r`` is what ``t`` resolves to); an array or string that
    stands for a pointer (its [ref] level left out of the IR, ``pointer=True``) is its own
    target."""
    if isinstance(r, ir.PointerType):
        return r.target, r.kind
    return t, "ref"


def _ref_level(t: ir.Type | ir.Decl) -> bool:
    """Whether ``t`` is a [ref] pointer level: one the IR writes, or one it leaves out of an
    array or string (``pointer=True``)."""
    if isinstance(t, ir.PointerType):
        return t.kind == "ref"
    return isinstance(t, ir.StringType | ir.ArrayType) and t.pointer

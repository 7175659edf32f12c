"""IR types from a type specifier, a declarator and its attributes; the attributes MIDL knows.

Pointer rules (MIDL): a parameter's top-level pointer is ``ref`` unless attributed; other pointers
take the interface's ``pointer_default`` (``unique`` outside interfaces). A typedef whose top-level
pointer has no pointer attribute is *floating*: it is lowered as ``ref`` and each use adds the
kind that applies there (``PointerType(TypeRef(T), "unique")`` in a struct of a
``pointer_default(unique)`` interface, nothing at a parameter's top level, the interface's
``pointer_default`` below a declarator's pointer or in an array: ``LPWSTR *p``). A ``[string]``
pointer becomes
``StringType``; a conformant pointer (``size_is``...) becomes ``ArrayType``; when such a pointer is
``unique``/``ptr`` it is wrapped as ``PointerType(StringType|ArrayType, kind)`` -- i.e. a
PointerType always means "the value, or None when the kind is not ref", never an extra level of
data. When it is ``ref`` (or a floating typedef's own level) the level is left out, and the
StringType/ArrayType says so with ``pointer=True``: ``[ref, size_is(n)] long *p`` is
``ArrayType(long, size_is=n, pointer=True)``, a referent, where ``[size_is(n)] long p[]`` is the
same array in place (``pointer=False``). A wrapped one keeps ``pointer=False``: its PointerType
is the level. The flag matters only to NDR, and only off the top (a member, an arm, an element).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .. import ir
from ..diagnostics import DiagnosticSink, did_you_mean
from ..syntax import ast
from ..syntax.parser import parse_attr_exprs, parse_attr_type
from .checks import PipeRules
from .constexpr import NotConstant, fold
from .symbols import BASE_TYPES, BUILTIN_NAMES, SymbolTable, TypeEntry, c_base_type
from .values import ValueLowerer

MAX_ARRAY_SIZE = 0xFFFF_FFFF  # elements in one dimension of a fixed array


def attr(attrs: ast.Attrs, name: str) -> ast.Attribute | None:
    for a in attrs:  # a loop, not next(genexpr): lowering asks this a third of a million times
        if a.name == name:
            return a
    return None


def has_attr(attrs: ast.Attrs, name: str) -> bool:
    return attr(attrs, name) is not None


_POINTER_ATTRS = frozenset(("ref", "unique", "ptr"))
# The most pointer and array levels one declarator may stack: each is a level of the IR type,
# which later passes walk by recursion (C asks compilers for 12; real IDL uses 3 at most).
MAX_LEVELS = 32
_SIZE_ATTRS = frozenset(("size_is", "max_is", "length_is", "first_is", "last_is"))


class RecordBodies(Protocol):
    """What shaping a type asks of the record lowerer (records.py, built on this module): the
    type naming a struct, union or enum body, declared under ``hint`` the first time."""

    def struct(self, spec: ast.StructSpec, hint: str) -> ir.Type: ...

    def union(self, spec: ast.UnionSpec, attrs: ast.Attrs, hint: str) -> ir.Type: ...

    def enum(self, spec: ast.EnumSpec, attrs: ast.Attrs, hint: str) -> ir.Type: ...


# Lowers the typedef declaring a name further down the file; its entry, if there is one.
LowerPending = Callable[[str, ir.Span], TypeEntry | None]


class TypeShaper:
    """IR types from a type specifier, a declarator and its attributes, and the attribute
    arguments that shape them.

    Handed the symbol table, the sink and the value lowerer (array sizes, ``size_is`` and its
    kin, ``[range]``). It also needs the record lowerer (a struct, union or enum body used as a
    type) and the forward lowerer (a typedef name declared further down), which are built on
    this one: the orchestrator hands them in with ``connect``.

    ``pointer_default`` and ``local_names`` are the context of the declaration being lowered:
    whoever lowers an interface, a record, a procedure or a typedef out of turn sets them, and
    puts them back after."""

    records: RecordBodies
    lower_pending: LowerPending

    def __init__(self, symbols: SymbolTable, sink: DiagnosticSink, values: ValueLowerer) -> None:
        self.module = symbols.module
        self.symbols = symbols
        self.sink = sink
        self.values = values
        self.pipes = PipeRules(symbols, sink)
        self.pointer_default: ir.PointerKind = "unique"
        # the fields or parameters an attribute expression may name; None outside them
        self.local_names: set[str] | None = None

    def connect(self, records: RecordBodies, lower_pending: LowerPending) -> None:
        """Wire in the lowerers built on this one, before anything is lowered."""
        self.records = records
        self.lower_pending = lower_pending

    def disconnect(self) -> None:
        """Drop what ``connect`` wired in, once the file is lowered (see ValueLowerer's)."""
        del self.records, self.lower_pending

    def tag_ref(self, kind: str, tag: str, span: ir.Span) -> ir.Type:
        """The type ``struct X`` (``union X``, ``enum X``) names where it has no body."""
        name = self.symbols.lookup_tag(f"{kind} {tag}")
        if name is not None:
            entry = self.symbols.lookup_type(name)
            return ir.TypeRef(name, entry.module if entry else self.module)
        if kind in ("struct", "union"):
            return ir.UnsupportedType(f"{kind} {tag}", "incomplete type")
        self.sink.error(f"unknown {kind} '{tag}'", span)
        return ir.UnsupportedType(f"{kind} {tag}", "undefined")

    # character types ---------------------------------------------------------------------

    def charish(self, t: ir.Type) -> bool | None:
        """None if not a character type; else whether it is wide."""
        r = self.symbols.resolve_deep(t)
        if isinstance(r, ir.CharType):
            return r.wide
        if isinstance(r, ir.IntType) and r.bits in (8, 16):
            return r.bits == 16
        return None

    # attribute arguments -----------------------------------------------------------------

    def attr_exprs(self, attrs: ast.Attrs, name: str) -> list[ir.Expr | None] | None:
        """The arguments of attribute ``name`` as expressions (None for an empty or ``*`` one);
        None when the attribute is absent."""
        a = attr(attrs, name)
        if a is None:
            return None
        out: list[ir.Expr | None] = []
        for arg in a.args or ():
            if arg.text.strip() in ("", "*"):
                out.append(None)
                continue
            parsed = parse_attr_exprs(arg.text, arg.span, self.sink, f"[{name}]")
            if parsed is None:
                out.append(None)
                continue
            e = parsed[0]
            out.append(fold(self.values.expr(e, self.local_names)) if e is not None else None)
        return out

    def switch_is(self, attrs: ast.Attrs) -> ir.Expr | None:
        got = self.attr_exprs(attrs, "switch_is")
        return got[0] if got else None

    def range(self, attrs: ast.Attrs) -> tuple[int, int] | None:
        """The two constant bounds of [range], if it has them (else a warning)."""
        a = attr(attrs, "range")
        if a is None:
            return None
        quiet = DiagnosticSink()
        values: list[int] = []
        for arg in a.args or ():
            parsed = parse_attr_exprs(arg.text, arg.span, quiet, "[range]")
            if not parsed or parsed[0] is None:
                break
            try:
                v = self.values.evaluate(parsed[0])
            except NotConstant:
                break
            if isinstance(v, int):
                values.append(v)
        if len(values) != 2:
            self.sink.warning("[range] needs two constant bounds; ignored", a.span, kind="range")
            return None
        return values[0], values[1]

    def type_arg(self, a: ast.Attribute) -> ir.Type | None:
        """The type that an attribute such as [switch_type] or [transmit_as] names."""
        if not a.args or not a.args[0].text.strip():
            self.sink.error(f"[{a.name}] needs a type argument", a.span)
            return None
        parsed = parse_attr_type(a.args[0].text, a.args[0].span, self.sink, f"[{a.name}]")
        if parsed is None:
            return None
        spec, pointers, _ = parsed
        if (
            isinstance(spec, ast.NamedType)
            and not pointers
            and self.symbols.lookup_type(spec.name) is None
            and spec.name in self.symbols.future_types
        ):
            return ir.TypeRef(spec.name, self.module)  # declared further down
        return self.shape_cast(spec, pointers, a.name)

    def shape_cast(self, spec: ast.TypeSpec, pointers: int, hint: str) -> ir.Type:
        """The type named in a cast, a sizeof or a type attribute such as [switch_type]."""
        t, _floating = self.shape(spec, ast.Declarator(None, pointers), (), "cast", hint)
        return t

    # shaping -----------------------------------------------------------------------------

    def shape(
        self, spec: ast.TypeSpec, d: ast.Declarator, attrs: ast.Attrs, site: str, hint: str
    ) -> tuple[ir.Type, bool]:
        """The IR type of declarator ``d`` of type ``spec`` at ``site`` (param, field, arm,
        typedef, return, const, cast), and whether it is a floating pointer typedef; an error
        where it holds a pipe that it may not (parameters: see ``interfaces``)."""
        t, floating = self._shape(spec, d, attrs, site, hint)
        if site != "param" and site != "cast":
            span = d.span if d.span.line else spec.span
            name = d.name or (hint.removesuffix("_return") if site == "return" else hint)
            self.pipes.placement(t, site, name, span)
        return t, floating

    def _shape(
        self, spec: ast.TypeSpec, d: ast.Declarator, attrs: ast.Attrs, site: str, hint: str
    ) -> tuple[ir.Type, bool]:
        # Asked of every declaration (100 000 over the corpus): the names are looked at once.
        names = [a.name for a in attrs]
        if d.pointers + len(d.arrays) > MAX_LEVELS:
            self.sink.error(
                f"too many pointer and array levels ({d.pointers + len(d.arrays)}): "
                f"at most {MAX_LEVELS} are supported",
                d.span if d.span.line else spec.span,
            )
            return ir.UnsupportedType(d.name or hint, "too many levels"), False
        if site == "typedef" and ("transmit_as" in names or "wire_marshal" in names):
            for name in ("transmit_as", "wire_marshal"):
                a = attr(attrs, name)
                if a is not None:
                    self.base_type(spec, attrs, hint)
                    wire = self.type_arg(a)
                    self.sink.warning(
                        f"[{name}] is not supported: '{d.name or hint}' travels and is used in "
                        "Python as its transmitted type",
                        a.span,
                        kind="unsupported",
                    )
                    return (wire or ir.UnsupportedType(hint, f"bad [{name}]")), False
        base, base_floating = self.base_type(spec, attrs, hint)
        if d.params is not None:
            reason = "function pointer" if d.func_pointers else "function type"
            return ir.UnsupportedType(d.name or hint, reason), False
        if "context_handle" in names and site != "cast":
            if site == "typedef":
                return ir.ContextHandleType(d.name or hint), False
            t: ir.Type = ir.ContextHandleType(hint)
            for _ in range(max(d.pointers - 1, 0)):
                t = ir.PointerType(t, "ref")
            return t, False
        explicit = None
        if not _POINTER_ATTRS.isdisjoint(names):
            explicit = next(n for n in names if n in _POINTER_ATTRS)
        string = "string" in names
        sizes = (None, None, None) if _SIZE_ATTRS.isdisjoint(names) else self.sizes(attrs)
        levels: list[ast.ArrayDim | None] = [*d.arrays, *([None] * d.pointers)]
        if not levels:
            if string or sizes != (None, None, None):
                self.check_bare(base, attrs, string, sizes, d.name or hint)
            return self.shape_bare(base, base_floating, explicit, string, sizes, site)
        t = base
        if base_floating and self.pointer_default != "ref":
            # The typedef's own pointer is below this declaration's top level: like any pointer
            # there, it takes the interface's pointer_default (and has a referent id on NDR).
            t = ir.PointerType(base, self.pointer_default)
        n = len(levels)
        for i in range(n - 1, -1, -1):
            level = levels[i]
            size, length, first = (s[i] if s is not None and i < len(s) else None for s in sizes)
            innermost = i == n - 1
            wide = self.charish(t) if string and innermost else None
            if level is not None:
                fixed = self.dimension(level)
                if wide is not None:
                    t = ir.StringType(wide, fixed)
                else:
                    t = ir.ArrayType(t, fixed, size, length, first)
                continue
            if i == 0:
                kind = explicit or (
                    "ref" if site in ("param", "typedef", "const", "cast") else None
                )
            else:
                kind = None
            kind = kind or self.pointer_default
            elided = kind == "ref"  # else the PointerType made below is the level
            if wide is not None:
                t = ir.StringType(wide, pointer=elided)
            elif size is not None or length is not None:
                t = ir.ArrayType(t, None, size, length, first, pointer=elided)
            else:
                t = ir.PointerType(t, kind)  # type: ignore[arg-type]
                continue
            if kind != "ref":
                t = ir.PointerType(t, kind)  # type: ignore[arg-type]
        if (
            string
            and self.charish(base) is None
            and not isinstance(self.symbols.resolve_deep(base), ir.StringType)
        ):
            if self.plain_data(base):  # `[string] long *p`: no character anywhere
                self.sink.error(
                    f"[string] on '{d.name or hint}', which is not a char or wchar_t pointer "
                    "or array",
                    _attr_span(attrs, "string", d.span),
                )
            else:  # `[string] LPWSTR *p`: the strings are further down
                self.sink.warning(
                    "[string] applies only to char or wchar_t pointers and arrays",
                    d.span,
                    kind="string",
                )
        floating = site == "typedef" and explicit is None and d.pointers > 0 and not d.arrays
        return t, floating

    def plain_data(self, t: ir.Type, *, chars: bool = False) -> bool:
        """Whether ``t`` is a number, a boolean or a record (or, with ``chars``, a character):
        data with no pointer, array or character in it for [string] or [size_is] to apply to."""
        r = self.symbols.resolve_deep(t)
        if isinstance(r, ir.CharType):
            return chars
        if isinstance(r, ir.IntType | ir.FloatType | ir.BoolType):
            return chars or self.charish(r) is None
        if isinstance(r, ir.TypeRef):
            return isinstance(self.symbols.resolve(r), ir.Struct | ir.Union | ir.Enum_)
        return False

    def check_bare(
        self,
        base: ir.Type,
        attrs: ast.Attrs,
        string: bool,
        sizes: tuple[list[ir.Expr | None] | None, ...],
        name: str,
    ) -> None:
        """MIDL's errors for [string] and the size attributes on a declarator with no pointer
        or array of its own, where its type has none either (``[in, string] long x``)."""
        if not self.plain_data(base, chars=True):
            return  # a pointer, an array or a string already, or a type in error
        if string:
            self.sink.error(
                f"[string] on '{name}', which is not a char or wchar_t pointer or array",
                _attr_span(attrs, "string", None),
            )
        if sizes != (None, None, None):
            which = next(a for a in attrs if a.name in _SIZE_ATTRS)
            self.sink.error(
                f"[{which.name}] on '{name}', which is neither a pointer nor an array", which.span
            )

    def shape_bare(
        self,
        base: ir.Type,
        base_floating: bool,
        explicit: str | None,
        string: bool,
        sizes: tuple[list[ir.Expr | None] | None, ...],
        site: str,
    ) -> tuple[ir.Type, bool]:
        """A type used without declarator pointers or arrays (perhaps a pointer typedef)."""
        size, length, first = (s[0] if s else None for s in sizes)
        # Look through the typedefs only where a string or a size is to be applied.
        sized = string or size is not None or length is not None
        resolved = self.symbols.resolve_deep(base) if sized else base
        t = base
        level = False
        if string and not isinstance(resolved, ir.StringType):
            if isinstance(resolved, ir.PointerType) and self.charish(resolved.target) is not None:
                t, level = ir.StringType(bool(self.charish(resolved.target))), True
            elif isinstance(resolved, ir.ArrayType) and self.charish(resolved.element) is not None:
                wide = bool(self.charish(resolved.element))
                t = ir.StringType(wide, resolved.fixed_size, resolved.pointer)
        elif size is not None or length is not None:
            if isinstance(resolved, ir.PointerType):
                t, level = ir.ArrayType(resolved.target, None, size, length, first), True
            elif isinstance(resolved, ir.ArrayType):
                t = ir.ArrayType(
                    resolved.element, resolved.fixed_size, size, length, first, resolved.pointer
                )
        if not (level or base_floating):
            return t, False
        if explicit is not None:
            kind = explicit
        elif site == "typedef":
            return (ir.replace(t, pointer=True) if level else t), True
        elif site in ("param", "const", "cast"):
            kind = "ref"
        else:
            kind = self.pointer_default
        if kind != "ref":
            t = ir.PointerType(t, kind)  # type: ignore[arg-type]
        elif level:  # the typedef's pointer level, left out: the string or array is its referent
            t = ir.replace(t, pointer=True)
        return t, False

    def sizes(self, attrs: ast.Attrs) -> tuple[list[ir.Expr | None] | None, ...]:
        """The size_is/max_is, length_is (or last_is) and first_is bounds, level by level (shape()
        asks only where one of _SIZE_ATTRS is present)."""
        size = self.attr_exprs(attrs, "size_is")
        max_is = self.attr_exprs(attrs, "max_is")
        if size is None and max_is is not None:
            size = [fold(ir.Binary("+", m, ir.Literal_(1))) if m else None for m in max_is]
        length = self.attr_exprs(attrs, "length_is")
        first = self.attr_exprs(attrs, "first_is")
        last = self.attr_exprs(attrs, "last_is")
        if length is None and last is not None:
            length = []
            for i, e in enumerate(last):
                f = first[i] if first and i < len(first) else None
                length.append(
                    fold(ir.Binary("+", ir.Binary("-", e, f or ir.Literal_(0)), ir.Literal_(1)))
                    if e is not None
                    else None
                )
        return size, length, first

    def dimension(self, dim: ast.ArrayDim) -> int | None:
        if dim.size is None:
            return None
        try:
            v = self.values.evaluate(dim.size)
        except NotConstant as exc:
            self.values.report_not_constant(exc)
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            self.sink.error("array size must be a non-negative integer constant", dim.span)
            return None
        if v > MAX_ARRAY_SIZE:  # NDR counts elements in 32 bits; so do MIDL's stubs
            self.sink.error(f"array size {v} is too large (at most {MAX_ARRAY_SIZE})", dim.span)
            return None
        return v

    # base types --------------------------------------------------------------------------

    def base_type(self, spec: ast.TypeSpec, attrs: ast.Attrs, hint: str) -> tuple[ir.Type, bool]:
        if isinstance(spec, ast.BaseType):
            t = BASE_TYPES.get(spec.name)
            if t is None:
                t = BASE_TYPES[spec.name] = c_base_type(spec.name)
            return t, False
        if isinstance(spec, ast.NamedType):
            entry = self.symbols.lookup_type(spec.name)
            if entry is not None:
                if entry.interface:
                    return ir.UnsupportedType(spec.name, "interface"), False
                return ir.TypeRef(spec.name, entry.module), entry.floating
            if spec.name in BUILTIN_NAMES:
                return BUILTIN_NAMES[spec.name], False
            entry = self.lower_pending(spec.name, spec.span)
            if entry is not None and not entry.interface:
                return ir.TypeRef(spec.name, entry.module), entry.floating
            near = did_you_mean(spec.name, self.symbols.type_names())
            self.sink.error(f"unknown type '{spec.name}'{near}", spec.span)
            return ir.UnsupportedType(spec.name, "undefined"), False
        if isinstance(spec, ast.InterfaceType):
            return ir.UnsupportedType(spec.name, "interface"), False
        if isinstance(spec, ast.SafeArraySpec):
            # MIDL's header spells it `SAFEARRAY *`: what LPSAFEARRAY is where oaidl.idl is in
            # reach, else a type only COM interfaces (which generate no calls) may use
            self.base_type(spec.element, (), hint)
            entry = self.symbols.lookup_type("LPSAFEARRAY")
            if entry is not None and not entry.interface:
                return ir.TypeRef("LPSAFEARRAY", entry.module), False
            return ir.UnsupportedType("SAFEARRAY", "SAFEARRAY(...)"), False
        if isinstance(spec, ast.PipeSpec):
            element, _ = self.base_type(spec.element, (), hint)
            self.pipes.element(element, spec.span)
            return ir.PipeType(element), False
        if isinstance(spec, ast.StructSpec):
            if spec.members is None:
                return self.tag_ref("struct", spec.tag or "", spec.span), False
            return self.records.struct(spec, hint), False
        if isinstance(spec, ast.UnionSpec):
            if spec.arms is None:
                return self.tag_ref("union", spec.tag or "", spec.span), False
            return self.records.union(spec, attrs, hint), False
        if spec.members is None:
            return self.tag_ref("enum", spec.tag or "", spec.span), False
        return self.records.enum(spec, attrs, hint), False


def _attr_span(attrs: ast.Attrs, name: str, default: ir.Span | None) -> ir.Span | None:
    a = attr(attrs, name)
    return a.span if a is not None else default

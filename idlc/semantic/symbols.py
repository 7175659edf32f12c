"""The symbol table of one file being lowered: its own names in front of its imports'.

``Symbols`` is what a file declares, handed on to the files importing it. ``SymbolTable`` holds
the ``Symbols`` of the file being lowered together with those of the files it sees, answers every
lookup of a type, tag, constant or interface, and records what the file declares, in order.
Beneath them all are the types no file declares: C's base types and MIDL's built-in names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from .constexpr import Value

T = TypeVar("T")

# C's base type words, and the keywords a declaration starts with, for "did you mean"
_BASE_WORDS = frozenset(
    """
    char short long int hyper small float double void signed unsigned typedef struct union enum
    const
    """.split()  # noqa: SIM905 - a word list reads best as text
)

_INT_NAMES: dict[str, tuple[str, int, bool]] = {}


def _ints() -> dict[str, tuple[str, int, bool]]:
    if _INT_NAMES:
        return _INT_NAMES
    table = {
        "small": ("small", 8, True),
        "__int8": ("small", 8, True),
        "short": ("short", 16, True),
        "__int16": ("short", 16, True),
        "long": ("long", 32, True),
        "int": ("int", 32, True),
        "__int32": ("int", 32, True),
        "__int3264": ("__int3264", 32, True),
        "hyper": ("hyper", 64, True),
        "__int64": ("hyper", 64, True),
        "long long": ("hyper", 64, True),
    }
    for words, (name, bits, _) in table.items():
        for sign in ("", "signed ", "unsigned "):
            for suffix in ("", " int"):
                if suffix and words in ("int", "__int8", "__int16", "__int32", "__int64"):
                    continue
                if suffix and words == "__int3264":
                    continue
                signed = sign != "unsigned "
                canon = name if signed else f"unsigned {name}"
                _INT_NAMES[f"{sign}{words}{suffix}"] = (canon, bits, signed)
    _INT_NAMES["unsigned"] = ("unsigned int", 32, False)
    _INT_NAMES["signed"] = ("int", 32, True)
    _INT_NAMES["unsigned char"] = ("unsigned char", 8, False)
    _INT_NAMES["signed char"] = ("signed char", 8, True)
    return _INT_NAMES


def c_base_type(words: str) -> ir.Type:
    """The IR type of a C base type as written (``unsigned long int``, ``double``)."""
    if words == "void":
        return ir.VoidType()
    if words == "char":
        return ir.CharType(False)
    if words in ("float", "double"):
        return ir.FloatType(words, 32 if words == "float" else 64)
    name, bits, signed = _ints().get(words, (words, 32, True))
    return ir.IntType(name, bits, signed)


# IR nodes are immutable: one per base type as written serves every declaration using it
# (filled by the type lowerer, which asks it of every base type).
BASE_TYPES: dict[str, ir.Type] = {}


# Types every file knows by name without declaring them.
BUILTIN_NAMES: dict[str, ir.Type] = {
    "wchar_t": ir.CharType(wide=True),
    "byte": ir.IntType("byte", 8, False),
    "boolean": ir.BoolType(),
    "handle_t": ir.HandleType(),
    "error_status_t": ir.IntType("error_status_t", 32, False),
}


@dataclass
class TypeEntry:
    module: str
    decl: ir.Decl | None  # None for an interface name
    span: ir.Span
    floating: bool = False  # a typedef whose top-level pointer takes its kind where it is used
    interface: bool = False
    depth: int = 0  # how deep its type nests, through the named types it uses (``type_depth``)


# The deepest a named type may nest, counting each struct, union, typedef, pointer and array
# level down to base types, through the names it uses: the backends walk types by recursion,
# and what nests by name (``typedef struct { S1 a; } S2;``...) escapes the parser's bound.
# Real IDL stays under 30.
MAX_TYPE_DEPTH = 100


@dataclass
class Symbols:
    """What one IDL file declares, for the files importing it."""

    module: str
    types: dict[str, TypeEntry] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # "struct X" -> declaration name
    consts: dict[str, tuple[Value, ir.Span]] = field(default_factory=dict)
    interfaces: dict[str, int] = field(default_factory=dict)  # name -> procedures incl. bases


def _consts(sym: Symbols) -> dict[str, tuple[Value, ir.Span]]:
    return sym.consts


def _interfaces(sym: Symbols) -> dict[str, int]:
    return sym.interfaces


class SymbolTable:
    """The names of module ``module`` (``own``) in front of those of the files it imports
    (``visible``, latest last), and the declarations it makes (``decls``, in file order).

    Errors about redefinitions go to ``sink``. The forward pass fills ``future_tags`` and
    ``future_types`` with what the file declares further down, before lowering starts."""

    def __init__(self, module: str, visible: list[Symbols], sink: DiagnosticSink) -> None:
        self.module = module
        self.own = Symbols(module)
        self.visible = visible
        self.sink = sink
        self.decls: list[ir.Decl] = []
        # `struct X` may be used before its definition: the names tags will be declared under
        self.future_tags: dict[str, str] = {}
        # typedef names declared anywhere in this file (for [wire_marshal] forward references)
        self.future_types: set[str] = set()

    # lookups ---------------------------------------------------------------------------------

    def _lookup(self, table: Callable[[Symbols], dict[str, T]], name: str) -> T | None:
        """``name`` in this file's ``table``, else in the imported files', latest first."""
        own = table(self.own)
        if name in own:
            return own[name]
        for sym in reversed(self.visible):
            found = table(sym)
            if name in found:
                return found[name]
        return None

    def lookup_type(self, name: str) -> TypeEntry | None:
        """A type declared so far (no forward lowering): ``_lookup`` written out for the types,
        which are looked up a hundred thousand times over a large program."""
        found = self.own.types.get(name)
        if found is not None:
            return found
        for sym in reversed(self.visible):
            found = sym.types.get(name)
            if found is not None:
                return found
        return None

    def type_names(self) -> set[str]:
        """Every type name this file can use: its own, its imports', the built-in ones and
        C's base types (for "did you mean" after an unknown one)."""
        names = set(self.own.types) | self.future_types | set(BUILTIN_NAMES) | _BASE_WORDS
        for sym in self.visible:
            names.update(sym.types)
        return names

    def lookup_tag(self, key: str) -> str | None:
        """The declaration name of ``key`` ("struct X"), declared so far or further down."""
        if key in self.own.tags:
            return self.own.tags[key]
        if key in self.future_tags:
            return self.future_tags[key]
        for sym in reversed(self.visible):
            if key in sym.tags:
                return sym.tags[key]
        return None

    def lookup_const(self, name: str) -> tuple[Value, ir.Span] | None:
        return self._lookup(_consts, name)

    def lookup_interface(self, name: str) -> int | None:
        """The number of procedures of interface ``name``, its bases' included."""
        return self._lookup(_interfaces, name)

    def resolve(self, ref: ir.TypeRef) -> ir.Decl | None:
        entry = self.lookup_type(ref.name)
        if entry is not None and entry.module == ref.module:
            return entry.decl
        for sym in [self.own, *self.visible]:
            if sym.module == ref.module and ref.name in sym.types:
                return sym.types[ref.name].decl
        return None

    def resolve_deep(self, t: ir.Type) -> ir.Type:
        """``t`` with its typedefs looked through."""
        seen = 0
        while isinstance(t, ir.TypeRef) and seen < 64:
            decl = self.resolve(t)
            if not isinstance(decl, ir.Typedef):
                break
            t = decl.type
            seen += 1
        return t

    # declaring -------------------------------------------------------------------------------

    def add_decl(self, decl: ir.Decl, floating: bool = False) -> None:
        """Declare a type (or alias); an identical redefinition is allowed, others are errors."""
        prev = self.lookup_type(decl.name)
        if prev is not None:
            if prev.interface:
                self.sink.error(f"'{decl.name}' is already declared as an interface", decl.span)
                return
            if prev.decl == decl and (prev.module == self.module or isinstance(decl, ir.Typedef)):
                # (a struct, union or enum is referred to in this module already: declare it)
                return
            if prev.decl is not None and _is_self_alias(decl, prev.module, prev.decl.name):
                return
            if prev.module != self.module:
                # MIDL lets a file redefine a type it imports; the local definition wins
                self.own.types[decl.name] = TypeEntry(self.module, decl, decl.span, floating)
                self.decls.append(decl)
                return
            note = (_note("previous definition is here", prev.span),)
            if self._same_on_the_wire(prev.decl, decl):
                # `typedef byte BYTE;` then `typedef unsigned char BYTE;`: C accepts the pair
                # once MIDL's header maps byte to unsigned char; the first definition stays
                self.sink.warning(
                    f"redefinition of '{decl.name}' as a different but equivalent type; "
                    "the first definition is kept",
                    decl.span,
                    notes=note,
                    kind="redefinition",
                )
                return
            self.sink.error(f"redefinition of '{decl.name}'", decl.span, notes=note)
            return
        depth = self.type_depth(decl)
        if depth > MAX_TYPE_DEPTH:
            self.sink.error(
                f"'{decl.name}' nests too deeply: {depth} levels of structs, unions, typedefs, "
                f"pointers and arrays, at most {MAX_TYPE_DEPTH}",
                decl.span,
            )
            return
        self.own.types[decl.name] = TypeEntry(self.module, decl, decl.span, floating, depth=depth)
        self.decls.append(decl)

    def type_depth(self, t: ir.Type | ir.Decl) -> int:
        """How many levels ``t`` nests, a named type counting as deep as it was declared (a
        recursion bounded by the parser's and the declarators' bounds)."""
        if isinstance(t, ir.TypeRef):
            entry = self.lookup_type(t.name)
            if entry is None or entry.module != t.module:
                sym = next((s for s in [self.own, *self.visible] if s.module == t.module), None)
                entry = None if sym is None else sym.types.get(t.name)
            return 0 if entry is None else entry.depth
        if isinstance(t, ir.PointerType):
            return 1 + self.type_depth(t.target)
        if isinstance(t, ir.ArrayType | ir.PipeType):
            return 1 + self.type_depth(t.element)
        if isinstance(t, ir.Typedef):
            return 1 + self.type_depth(t.type)
        if isinstance(t, ir.Struct):
            return 1 + max((self.type_depth(f.type) for f in t.fields), default=0)
        if isinstance(t, ir.Union):
            arms = (a.field.type for a in t.arms if a.field is not None)
            return 1 + max((self.type_depth(a) for a in arms), default=0)
        return 0

    def withdraw(self, decl: ir.Decl) -> None:
        """Take back a declaration this file made (an anonymous enum becomes its constants)."""
        self.decls.remove(decl)
        del self.own.types[decl.name]

    def _same_on_the_wire(self, a: ir.Decl | None, b: ir.Decl) -> bool:
        """Whether two typedefs name integer types of one width and signedness."""
        if not isinstance(a, ir.Typedef) or not isinstance(b, ir.Typedef):
            return False
        ra, rb = self.resolve_deep(a.type), self.resolve_deep(b.type)
        if isinstance(ra, ir.IntType) and isinstance(rb, ir.IntType):
            return (ra.bits, ra.signed) == (rb.bits, rb.signed)
        return False

    def add_const(self, name: str, value: Value, span: ir.Span) -> bool:
        """Declare a constant; False when it was declared already (an error unless the value is
        the same)."""
        prev = self.lookup_const(name)
        if prev is not None:
            if prev[0] == value:
                return False
            self.sink.error(
                f"redefinition of constant '{name}'",
                span,
                notes=(_note("previous definition is here", prev[1]),),
            )
            return False
        self.own.consts[name] = (value, span)
        return True

    def declare_interface(self, name: str, span: ir.Span) -> None:
        """Make ``name`` an interface name (a forward declaration or a definition)."""
        self.own.types[name] = TypeEntry(self.module, None, span, interface=True)


def _is_self_alias(decl: ir.Decl, module: str, name: str) -> bool:
    """``typedef struct S S;`` style: a typedef naming exactly the declaration it aliases."""
    return isinstance(decl, ir.Typedef) and decl.type == ir.TypeRef(name, module)


def _note(message: str, span: ir.Span) -> Diagnostic:
    return Diagnostic("note", message, span)

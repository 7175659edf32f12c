"""Types used before their definition, and well-known Windows types nobody declared.

MIDL resolves a type name against the whole file, not only what precedes it ("unresolved type
declaration" means declared nowhere). A typedef used before its definition is lowered on demand,
where it is first needed, in the pointer_default of the interface that declares it. A name that
no file declares but that [MS-DTYP] defines (``NTSTATUS``, ``HRESULT``, ``LUID``...) is lowered
from idlc's own copy of those definitions, with a warning that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from ..syntax import ast
from .declarations import DeclarationLowerer, defined_name
from .symbols import SymbolTable, TypeEntry
from .typeshapes import TypeShaper, attr

WELLKNOWN_IDL = Path(__file__).resolve().parent / "wellknown" / "ms-dtyp.idl"


@dataclass(frozen=True, slots=True)
class Pending:
    """A typedef not lowered yet, with the context it is declared in."""

    item: ast.Typedef
    pointer_default: ir.PointerKind
    wellknown: bool = False


@cache
def wellknown_typedefs() -> dict[str, Pending]:
    """[MS-DTYP]'s typedefs by declared name, parsed once per process from idlc's copy."""
    from ..syntax.parser import parse_idl

    shown = str(WELLKNOWN_IDL)
    sink = DiagnosticSink()
    tree = parse_idl(
        WELLKNOWN_IDL.read_text(encoding="utf-8"), lambda ln, col: ir.Span(shown, ln, col), sink
    )
    if tree is None or sink.error_count:  # pragma: no cover - the file ships with idlc
        raise RuntimeError(f"idlc's {WELLKNOWN_IDL.name} does not parse")
    out: dict[str, Pending] = {}
    for item in tree.items:
        if isinstance(item, ast.Typedef):
            for d in item.declarators:
                if d.name:
                    out.setdefault(d.name, Pending(item, "unique", wellknown=True))
    return out


def _kind_name(spec: ast.StructSpec | ast.UnionSpec | ast.EnumSpec) -> str:
    if isinstance(spec, ast.StructSpec):
        return "struct"
    return "union" if isinstance(spec, ast.UnionSpec) else "enum"


def _entry_to_come(module: str, pending: Pending, name: str) -> TypeEntry:
    """The entry ``name`` will have once its typedef, now being lowered, is done."""
    d = next(d for d in pending.item.declarators if d.name == name)
    explicit = any(a.name in ("ref", "unique", "ptr") for a in pending.item.attrs)
    floating = d.pointers > 0 and not d.arrays and not explicit
    return TypeEntry(module, None, d.span, floating)


class ForwardTypes:
    """The pass over a file that notes what it declares, and the lowering out of turn of a
    typedef or constant used before its declaration.

    Handed the symbol table (its ``future_tags`` and ``future_types`` are filled here), the
    sink, the type lowerer (whose context a typedef lowered out of turn takes from where it is
    declared) and the declaration lowerer that lowers it."""

    def __init__(
        self,
        symbols: SymbolTable,
        sink: DiagnosticSink,
        types: TypeShaper,
        declarations: DeclarationLowerer,
    ) -> None:
        self.module = symbols.module
        self.symbols = symbols
        self.sink = sink
        self.types = types
        self.declarations = declarations
        # the typedefs of this file by declared name, lowered on demand when used before them
        self.pending: dict[str, Pending] = {}
        # constants and enum members by name, with what declares them (a typedef's Pending, a
        # `const` or a bare `enum` declaration), for constants used before they are declared
        self.pending_consts: dict[str, Pending | ast.ConstDecl | ast.Declaration] = {}
        self._wellknown_depth = 0  # > 0 while lowering [MS-DTYP]'s definitions

    def prepass(
        self, items: tuple[ast.Item, ...], pointer_default: ir.PointerKind = "unique"
    ) -> None:
        """Record the tags and typedefs this file defines, for references that precede them.

        ``struct _X *`` naming a struct defined further down becomes a TypeRef to the name that
        struct will be declared under; a typedef name is lowered when first used."""
        for item in items:
            if isinstance(item, ast.ConstDecl) and item.declarator.name:
                self.pending_consts.setdefault(item.declarator.name, item)
            if isinstance(item, ast.Typedef | ast.Declaration):
                spec = item.type
                if isinstance(item, ast.Typedef):
                    for d in item.declarators:
                        if d.name:
                            self.symbols.future_types.add(d.name)
                            self.pending.setdefault(d.name, Pending(item, pointer_default))
                if isinstance(spec, ast.EnumSpec) and spec.members:
                    owner = (
                        Pending(item, pointer_default) if isinstance(item, ast.Typedef) else item
                    )
                    for m in spec.members:
                        self.pending_consts.setdefault(m.name, owner)
                if isinstance(spec, ast.StructSpec | ast.UnionSpec | ast.EnumSpec) and spec.tag:
                    body = spec.arms if isinstance(spec, ast.UnionSpec) else spec.members
                    if body is not None:
                        name = (
                            defined_name(spec, item.declarators)
                            if isinstance(item, ast.Typedef)
                            else spec.tag
                        )
                        kind = _kind_name(spec)
                        self.symbols.future_tags.setdefault(f"{kind} {spec.tag}", name or spec.tag)
            elif isinstance(item, ast.Interface):
                inner = pointer_default
                a = attr(item.attrs, "pointer_default")
                if a is not None and a.args and a.args[0].text.strip() in ("ref", "unique", "ptr"):
                    inner = a.args[0].text.strip()  # type: ignore[assignment]
                self.prepass(item.items, inner)
            elif isinstance(item, ast.Container):
                self.prepass(item.items or (), pointer_default)

    def lower_pending_const(self, name: str) -> None:
        """Lower the declaration of a constant this file declares further down, if any (a
        type lowered on demand may need constants declared after its first use)."""
        owner = self.pending_consts.pop(name, None)
        if isinstance(owner, Pending):
            if not self.declarations.has_begun(owner.item):
                self._lower_in_context(owner)
        elif isinstance(owner, ast.Declaration):
            self.declarations.declaration(owner)
        elif owner is not None:
            self.declarations.const(owner)

    def lower_pending(self, name: str, span: ir.Span) -> TypeEntry | None:
        """Lower the typedef that declares ``name`` further down this file, or [MS-DTYP]'s
        definition of it (with a warning at ``span``); None when neither has it."""
        pending = self.pending.get(name) or wellknown_typedefs().get(name)
        if pending is None:
            return None
        if self.declarations.has_begun(pending.item):
            # its definition is being lowered (a cycle through pointers, as in PROPVARIANT):
            # the name it will be declared under
            return _entry_to_come(self.module, pending, name)
        if not pending.wellknown:
            where = next(d.span for d in pending.item.declarators if d.name == name)
            self.sink.warning(
                f"'{name}' is used before its definition; MIDL accepts that, but widl and "
                "the C headers MIDL writes need the definition first",
                span,
                notes=(Diagnostic("note", f"'{name}' is defined here", where),),
                kind="use-before-definition",
            )
        elif self._wellknown_depth == 0:
            self.sink.warning(
                f"unknown type '{name}': using its [MS-DTYP] definition; import a file "
                "that declares it (ms-dtyp.idl) to make this explicit",
                span,
                kind="ms-dtyp",
            )
        self._lower_in_context(pending)
        return self.symbols.lookup_type(name)

    def _lower_in_context(self, pending: Pending) -> None:
        """Lower a typedef in the pointer_default of the interface that declares it."""
        types = self.types
        saved = (types.pointer_default, types.local_names)
        types.pointer_default, types.local_names = pending.pointer_default, None
        self._wellknown_depth += pending.wellknown
        try:
            self.declarations.typedef(pending.item)
        finally:
            self._wellknown_depth -= pending.wellknown
            types.pointer_default, types.local_names = saved

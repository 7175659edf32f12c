"""Typedefs, constants and bare declarations (``struct X {...};``) lowered to IR declarations.

Naming choices (see also typeshapes.py):
- ``typedef struct _P {...} P, *PP;`` gives a Struct named ``P`` (the first plain declarator), a
  Typedef ``_P`` aliasing it (the tag, when it differs) and a Typedef ``PP``.
- A struct/union/enum defined inline without a name is named ``<Outer>_<field>`` (or ``_<first
  declarator>`` in a typedef with only pointer declarators).
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import DiagnosticSink
from ..syntax import ast
from .attributes import check_attrs
from .constexpr import NotConstant, normalize
from .symbols import SymbolTable
from .typeshapes import TypeShaper
from .values import ValueLowerer


def defined_name(spec: ast.TypeSpec, decls: tuple[ast.Declarator, ...]) -> str | None:
    """The IR name of a struct/union/enum defined in a typedef: its first plain declarator."""
    if not isinstance(spec, ast.StructSpec | ast.UnionSpec | ast.EnumSpec):
        return None
    if (spec.members if isinstance(spec, ast.StructSpec | ast.EnumSpec) else spec.arms) is None:
        return None
    for d in decls:
        if d.name and not d.pointers and not d.arrays and d.params is None:
            return d.name
    if spec.tag:
        return spec.tag
    first = next((d.name for d in decls if d.name), "anonymous")
    return f"_{first}"


class DeclarationLowerer:
    """Lowers the typedefs, constants and bare declarations of a file, each once.

    Handed the symbol table (where they are declared), the sink, the type lowerer and the value
    lowerer. A typedef or a bare declaration may be lowered out of turn, where a name it declares
    is first used; ``has_begun`` tells whether it was, so the walk in file order skips it."""

    def __init__(
        self, symbols: SymbolTable, sink: DiagnosticSink, types: TypeShaper, values: ValueLowerer
    ) -> None:
        self.symbols = symbols
        self.sink = sink
        self.types = types
        self.values = values
        self._begun: set[int] = set()  # the ids of the typedefs and declarations begun

    def has_begun(self, item: ast.Typedef | ast.Declaration) -> bool:
        return id(item) in self._begun

    def typedef(self, item: ast.Typedef) -> None:
        if id(item) in self._begun:
            return
        self._begun.add(id(item))
        check_attrs(item.attrs, self.sink)
        shape = self.types.shape
        base_name = defined_name(item.type, item.declarators)
        for d in item.declarators:
            if d.name is None:
                continue
            plain = not d.pointers and not d.arrays and d.params is None
            if plain and d.name == base_name:
                # the struct/union/enum itself takes this name
                shape(item.type, d, item.attrs, "typedef", d.name)
                continue
            t, floating = shape(item.type, d, item.attrs, "typedef", base_name or d.name)
            self.symbols.add_decl(ir.Typedef(d.name, t, d.span), floating)

    def const(self, item: ast.ConstDecl) -> None:
        name = item.declarator.name or ""
        t, _ = self.types.shape(item.type, item.declarator, (), "const", name)
        try:
            value = self.values.evaluate(item.value)
        except NotConstant as exc:
            self.values.report_not_constant(exc)
            return
        target = t.target if isinstance(t, ir.PointerType) else None
        if isinstance(target, ir.CharType) or (
            isinstance(value, str) and not isinstance(t, ir.StringType)
        ):
            t = ir.StringType(isinstance(target, ir.CharType) and target.wide)
        resolved = self.symbols.resolve_deep(t)
        if isinstance(value, int) and not isinstance(value, bool):
            if isinstance(resolved, ir.IntType):
                value = normalize(value, resolved)
            elif isinstance(resolved, ir.BoolType):
                value = bool(value)
            elif isinstance(resolved, ir.FloatType):
                value = float(value)
        if self.symbols.add_const(name, value, item.declarator.span):
            self.symbols.decls.append(ir.Const(name, t, value, item.declarator.span))

    def declaration(self, item: ast.Declaration) -> None:
        """A declaration outside a typedef: a struct, union or enum body, or one ignored."""
        if id(item) in self._begun:
            return
        self._begun.add(id(item))
        check_attrs(item.attrs, self.sink)
        if not item.declarators:
            spec = item.type
            body = (
                spec.members
                if isinstance(spec, ast.StructSpec | ast.EnumSpec)
                else spec.arms
                if isinstance(spec, ast.UnionSpec)
                else None
            )
            if isinstance(spec, ast.EnumSpec) and spec.members is not None and not spec.tag:
                # `enum { A = 1, B };`: the members are constants
                t, _ = self.types.shape(spec, ast.Declarator(None), item.attrs, "typedef", "")
                decl = self.symbols.resolve(t) if isinstance(t, ir.TypeRef) else None
                if isinstance(decl, ir.Enum_):
                    self.symbols.withdraw(decl)
                    long = ir.IntType("long", 32, True)
                    consts = (ir.Const(m.name, long, m.value, m.span) for m in decl.members)
                    self.symbols.decls.extend(consts)
                return
            if body is None or not getattr(spec, "tag", None):
                self.sink.warning(
                    "declaration declares nothing", item.span, kind="ignored-declaration"
                )
                return
            tag = spec.tag or ""  # type: ignore[union-attr]
            self.types.shape(spec, ast.Declarator(None), item.attrs, "typedef", tag)
            return
        for d in item.declarators:
            if d.params is not None and not d.func_pointers:
                self.sink.warning(
                    f"procedure '{d.name}' outside an interface ignored",
                    d.span,
                    kind="ignored-declaration",
                )
            else:
                self.sink.warning(
                    f"declaration of '{d.name}' ignored", d.span, kind="ignored-declaration"
                )

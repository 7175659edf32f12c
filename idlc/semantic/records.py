"""Structs, unions and enums: their fields, arms and members lowered to IR declarations."""

from __future__ import annotations

from .. import ir
from ..diagnostics import DiagnosticSink
from ..syntax import ast
from .attributes import check_attrs, doc_comment
from .constexpr import NotConstant, fold
from .symbols import SymbolTable
from .typeshapes import TypeShaper, attr, has_attr
from .values import ValueLowerer


class RecordLowerer:
    """Lowers struct, union and enum bodies to declarations, and gives the type naming each
    (``struct``, ``union`` and ``enum``: a ``RecordBodies`` for the type lowerer).

    Handed the symbol table, the sink, the type lowerer (fields and arms, switch types) and the
    value lowerer (case labels, enum values). ``_defined`` maps each body (by the identity of its
    AST node) to its TypeRef, so a body used twice is declared once."""

    def __init__(
        self, symbols: SymbolTable, sink: DiagnosticSink, types: TypeShaper, values: ValueLowerer
    ) -> None:
        self.module = symbols.module
        self.symbols = symbols
        self.sink = sink
        self.types = types
        self.values = values
        self._defined: dict[int, ir.Type] = {}

    def _begin(
        self, kind: str, spec: ast.StructSpec | ast.UnionSpec | ast.EnumSpec, hint: str
    ) -> str:
        """The name a body is declared under; its tag names it from now on."""
        name = hint if hint else (spec.tag or "anonymous")
        if spec.tag:
            self.symbols.own.tags[f"{kind} {spec.tag}"] = name
        return name

    def _finish(self, decl: ir.Decl, tag: str | None) -> ir.Type:
        """Declare ``decl``, and its tag as an alias of it when the tag is another name."""
        self.symbols.add_decl(decl)
        if tag and tag != decl.name and self.symbols.lookup_type(tag) is None:
            self.symbols.add_decl(ir.Typedef(tag, ir.TypeRef(decl.name, self.module), decl.span))
        return ir.TypeRef(decl.name, self.module)

    def struct(self, spec: ast.StructSpec, hint: str) -> ir.Type:
        if id(spec) in self._defined:
            return self._defined[id(spec)]
        name = self._begin("struct", spec, hint)
        ref = ir.TypeRef(name, self.module)
        self._defined[id(spec)] = ref
        fields = self.fields(spec.members or (), name)
        doc = doc_comment(spec.span, ())
        self._finish(ir.Struct(name, fields, spec.span, doc), spec.tag)
        return ref

    def fields(self, members: tuple[ast.Member, ...], outer: str) -> tuple[ir.Field, ...]:
        names = {d.name for m in members for d in m.declarators if d.name}
        types = self.types
        saved, types.local_names = types.local_names, names
        out: list[ir.Field] = []
        for m in members:
            if m.attrs:  # most members have none
                check_attrs(m.attrs, self.sink)
            if m.init is not None:
                self.sink.warning(
                    f"initialiser of struct member '{m.declarators[0].name}' ignored: "
                    "IDL members take no values",
                    m.init.span,
                    kind="member-initializer",
                )
            for d in m.declarators or (ast.Declarator(None, span=m.span),):
                out.append(self.field(m, d, outer))
        types.local_names = saved
        return tuple(out)

    def field(self, m: ast.Member, d: ast.Declarator, outer: str) -> ir.Field:
        name = d.name or f"_anon{d.span.line}"
        t, _ = self.types.shape(m.type, d, m.attrs, "field", f"{outer}_{name}")
        if not m.attrs:  # most fields
            return ir.Field(name, t, None, span=d.span)
        types = self.types
        return ir.Field(
            name, t, types.range(m.attrs), span=d.span, switch_is=types.switch_is(m.attrs)
        )

    def union(self, spec: ast.UnionSpec, attrs: ast.Attrs, hint: str) -> ir.Type:
        if id(spec) in self._defined:
            return self._defined[id(spec)]
        name = self._begin("union", spec, hint)
        ref = ir.TypeRef(name, self.module)
        self._defined[id(spec)] = ref
        if spec.switch_type is not None:
            switch_type, _ = self.types.base_type(spec.switch_type, (), name)
        else:
            st = attr(attrs, "switch_type")
            switch_type = (self.types.type_arg(st) if st else None) or ir.IntType("long", 32, True)
        arm_fields = {
            d.name for arm in spec.arms or () if arm.member for d in arm.member.declarators
        }
        types = self.types
        saved, types.local_names = types.local_names, {n for n in arm_fields if n}
        arms: list[ir.UnionArm] = []
        for arm in spec.arms or ():
            check_attrs(arm.attrs, self.sink)
            cases: list[ir.Expr] = []
            if spec.switch_type is not None:
                for label in arm.labels:
                    if label is not None:
                        cases.append(self.case_value(label))
            else:
                for e in types.attr_exprs(arm.attrs, "case") or []:
                    if e is not None:
                        cases.append(e)
            fld = None
            if arm.member is not None and arm.member.declarators:
                fld = self.field(arm.member, arm.member.declarators[0], name)
            arms.append(ir.UnionArm(tuple(cases), fld, arm.span))
        types.local_names = saved
        self._finish(
            ir.Union(
                name,
                switch_type,
                tuple(arms),
                spec.switch_name,
                (spec.union_name or "tagged_union") if spec.switch_name else None,
                spec.span,
                doc_comment(spec.span, attrs),
            ),
            spec.tag,
        )
        return ref

    def case_value(self, e: ast.Expr) -> ir.Expr:
        lowered = fold(self.values.expr(e, None))
        if not isinstance(lowered, ir.Literal_):
            try:
                self.values.evaluate(e)
            except NotConstant as exc:
                self.values.report_not_constant(exc)
        return lowered

    def enum(self, spec: ast.EnumSpec, attrs: ast.Attrs, hint: str) -> ir.Type:
        if id(spec) in self._defined:
            return self._defined[id(spec)]
        name = self._begin("enum", spec, hint)
        ref = ir.TypeRef(name, self.module)
        self._defined[id(spec)] = ref
        members: list[ir.EnumMember] = []
        nxt = 0
        for m in spec.members or ():
            if m.value is not None:
                try:
                    v = self.values.evaluate(m.value)
                except NotConstant as exc:
                    self.values.report_not_constant(exc)
                    v = nxt
                if not isinstance(v, int):
                    self.sink.error(f"enum value of '{m.name}' must be an integer", m.span)
                    v = nxt
                nxt = v
            members.append(ir.EnumMember(m.name, int(nxt), m.span))
            self.symbols.add_const(m.name, int(nxt), m.span)
            nxt = int(nxt) + 1
        v1 = has_attr(attrs, "v1_enum")
        doc = doc_comment(spec.span, attrs)
        self._finish(ir.Enum_(name, tuple(members), v1, spec.span, doc), spec.tag)
        return ref

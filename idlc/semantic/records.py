"""Structs, unions and enums: their fields, arms and members lowered to IR declarations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..diagnostics import DiagnosticSink
from ..syntax import ast
from .constexpr import NotConstant, Value, fold
from .symbols import SymbolTable
from .typeshapes import attr, has_attr


class RecordShaper:
    """Mixin for FileLowerer: declarations with bodies. ``_defined`` maps each body (by the
    identity of its AST node) to its TypeRef, so a body used twice is declared once."""

    module: str
    symbols: SymbolTable
    sink: DiagnosticSink
    locals_: set[str] | None
    _defined: dict[int, ir.Type]

    if TYPE_CHECKING:  # provided by FileLowerer, ValueLowerer and TypeShaper

        def check_attrs(self, attrs: ast.Attrs) -> None: ...

        def expr(self, e: ast.Expr, locals_: set[str] | None) -> ir.Expr: ...

        def evaluate(self, e: ast.Expr) -> Value: ...

        def report_not_constant(self, exc: NotConstant) -> None: ...

        def shape(
            self, spec: ast.TypeSpec, d: ast.Declarator, attrs: ast.Attrs, site: str, hint: str
        ) -> tuple[ir.Type, bool]: ...

        def base_type(
            self, spec: ast.TypeSpec, attrs: ast.Attrs, hint: str
        ) -> tuple[ir.Type, bool]: ...

        def type_arg(self, a: ast.Attribute) -> ir.Type | None: ...

        def attr_exprs(self, attrs: ast.Attrs, name: str) -> list[ir.Expr | None] | None: ...

        def switch_is(self, attrs: ast.Attrs) -> ir.Expr | None: ...

        def range(self, attrs: ast.Attrs) -> tuple[int, int] | None: ...

    def tag_ref(self, kind: str, tag: str, span: ir.Span) -> ir.Type:
        name = self.symbols.lookup_tag(f"{kind} {tag}")
        if name is not None:
            entry = self.symbols.lookup_type(name)
            return ir.TypeRef(name, entry.module if entry else self.module)
        if kind in ("struct", "union"):
            return ir.UnsupportedType(f"{kind} {tag}", "incomplete type")
        self.sink.error(f"unknown {kind} '{tag}'", span)
        return ir.UnsupportedType(f"{kind} {tag}", "undefined")

    def _begin(
        self, kind: str, spec: ast.StructSpec | ast.UnionSpec | ast.EnumSpec, hint: str
    ) -> str:
        name = hint if hint else (spec.tag or "anonymous")
        if spec.tag:
            self.symbols.own.tags[f"{kind} {spec.tag}"] = name
        return name

    def _finish(self, decl: ir.Decl, tag: str | None) -> ir.Type:
        self.symbols.add_decl(decl)
        if tag and tag != decl.name and self.symbols.lookup_type(tag) is None:
            self.symbols.add_decl(ir.Typedef(tag, ir.TypeRef(decl.name, self.module), decl.span))
        return ir.TypeRef(decl.name, self.module)

    def struct(self, spec: ast.StructSpec, attrs: ast.Attrs, hint: str) -> ir.Type:
        if id(spec) in self._defined:
            return self._defined[id(spec)]
        name = self._begin("struct", spec, hint)
        ref = ir.TypeRef(name, self.module)
        self._defined[id(spec)] = ref
        fields = self.fields(spec.members or (), name)
        self._finish(ir.Struct(name, fields, spec.span), spec.tag)
        return ref

    def fields(self, members: tuple[ast.Member, ...], outer: str) -> tuple[ir.Field, ...]:
        names = {d.name for m in members for d in m.declarators if d.name}
        saved, self.locals_ = self.locals_, names
        out: list[ir.Field] = []
        for m in members:
            self.check_attrs(m.attrs)
            if m.init is not None:
                self.sink.warning(
                    f"initialiser of struct member '{m.declarators[0].name}' ignored: "
                    "IDL members take no values",
                    m.init.span,
                )
            for d in m.declarators or (ast.Declarator(None, span=m.span),):
                out.append(self.field(m, d, outer))
        self.locals_ = saved
        return tuple(out)

    def field(self, m: ast.Member, d: ast.Declarator, outer: str) -> ir.Field:
        name = d.name or f"_anon{d.span.line}"
        t, _ = self.shape(m.type, d, m.attrs, "field", f"{outer}_{name}")
        if not m.attrs:  # most fields
            return ir.Field(name, t, None, span=d.span)
        return ir.Field(
            name, t, self.range(m.attrs), span=d.span, switch_is=self.switch_is(m.attrs)
        )

    def union(self, spec: ast.UnionSpec, attrs: ast.Attrs, hint: str) -> ir.Type:
        if id(spec) in self._defined:
            return self._defined[id(spec)]
        name = self._begin("union", spec, hint)
        ref = ir.TypeRef(name, self.module)
        self._defined[id(spec)] = ref
        if spec.switch_type is not None:
            switch_type, _ = self.base_type(spec.switch_type, (), name)
        else:
            st = attr(attrs, "switch_type")
            switch_type = (self.type_arg(st) if st else None) or ir.IntType("long", 32, True)
        arm_fields = {
            d.name for arm in spec.arms or () if arm.member for d in arm.member.declarators
        }
        saved, self.locals_ = self.locals_, {n for n in arm_fields if n}
        arms: list[ir.UnionArm] = []
        for arm in spec.arms or ():
            self.check_attrs(arm.attrs)
            cases: list[ir.Expr] = []
            if spec.switch_type is not None:
                for label in arm.labels:
                    if label is not None:
                        cases.append(self.case_value(label))
            else:
                for e in self.attr_exprs(arm.attrs, "case") or []:
                    if e is not None:
                        cases.append(e)
            fld = None
            if arm.member is not None and arm.member.declarators:
                fld = self.field(arm.member, arm.member.declarators[0], name)
            arms.append(ir.UnionArm(tuple(cases), fld, arm.span))
        self.locals_ = saved
        self._finish(
            ir.Union(
                name,
                switch_type,
                tuple(arms),
                spec.switch_name,
                (spec.union_name or "tagged_union") if spec.switch_name else None,
                spec.span,
            ),
            spec.tag,
        )
        return ref

    def case_value(self, e: ast.Expr) -> ir.Expr:
        lowered = fold(self.expr(e, None))
        if not isinstance(lowered, ir.Literal_):
            try:
                self.evaluate(e)
            except NotConstant as exc:
                self.report_not_constant(exc)
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
                    v = self.evaluate(m.value)
                except NotConstant as exc:
                    self.report_not_constant(exc)
                    v = nxt
                if not isinstance(v, int):
                    self.sink.error(f"enum value of '{m.name}' must be an integer", m.span)
                    v = nxt
                nxt = v
            members.append(ir.EnumMember(m.name, int(nxt), m.span))
            self.symbols.add_const(m.name, int(nxt), m.span)
            nxt = int(nxt) + 1
        v1 = has_attr(attrs, "v1_enum")
        self._finish(ir.Enum_(name, tuple(members), v1, spec.span), spec.tag)
        return ref

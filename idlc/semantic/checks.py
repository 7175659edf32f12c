"""Semantic checks on a lowered module (MIDL's rules), many diagnostics per pass."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from .constexpr import expr_names

_SIZE_ATTRS = ("size_is", "length_is", "first_is")


def check_module(module: ir.Module, sink: DiagnosticSink) -> None:
    for decl in module.decls:
        if isinstance(decl, ir.Struct):
            _check_fields(decl.name, decl.fields, sink)
        elif isinstance(decl, ir.Union):
            _check_union(decl, sink)
    for iface in module.interfaces:
        for proc in iface.procedures:
            _check_procedure(proc, iface, sink)


def _duplicates(
    what: str, owner: str, items: list[tuple[str, ir.Span]], sink: DiagnosticSink
) -> None:
    seen: dict[str, ir.Span] = {}
    for name, span in items:
        if name in seen:
            note = Diagnostic("note", "previous declaration is here", seen[name])
            sink.error(f"duplicate {what} '{name}' in '{owner}'", span, notes=(note,))
        else:
            seen[name] = span


def _refs(t: ir.Type) -> list[tuple[str, ir.Expr]]:
    """The size/length expressions a type carries, with the attribute each came from."""
    out: list[tuple[str, ir.Expr]] = []
    while True:
        if isinstance(t, ir.PointerType):
            t = t.target
        elif isinstance(t, ir.ArrayType):
            for attr, e in (("size_is", t.size_is), ("length_is", t.length_is)):
                if e is not None:
                    out.append((attr, e))
            if t.first_is is not None:
                out.append(("first_is", t.first_is))
            t = t.element
        else:
            return out


def _check_names(
    owner: str,
    kind: str,
    t: ir.Type,
    switch_is: ir.Expr | None,
    names: set[str],
    span: ir.Span,
    sink: DiagnosticSink,
) -> None:
    refs = _refs(t)
    if switch_is is not None:
        refs.append(("switch_is", switch_is))
    for attr, e in refs:
        for name in expr_names(e):
            base = name.split("->")[0].split(".")[0]
            if base not in names:
                sink.error(f"[{attr}] of '{owner}' refers to unknown {kind} '{base}'", span)


def _check_fields(owner: str, fields: tuple[ir.Field, ...], sink: DiagnosticSink) -> None:
    _duplicates("field", owner, [(f.name, f.span) for f in fields], sink)
    names = {f.name for f in fields}
    for f in fields:
        _check_names(f.name, "field", f.type, f.switch_is, names, f.span, sink)


def _check_union(u: ir.Union, sink: DiagnosticSink) -> None:
    seen: dict[object, ir.Span] = {}
    defaults = 0
    fields = [arm.field for arm in u.arms if arm.field is not None]
    _duplicates("arm", u.name, [(f.name, f.span) for f in fields], sink)
    discriminated = any(arm.cases for arm in u.arms)
    for arm in u.arms:
        if not arm.cases and discriminated:
            defaults += 1
            if defaults == 2:
                sink.error(f"union '{u.name}' has more than one default arm", arm.span)
        for case in arm.cases:
            if not isinstance(case, ir.Literal_):
                continue
            if case.value in seen:
                note = Diagnostic("note", "previous case is here", seen[case.value])
                sink.error(
                    f"duplicate case value {case.value!r} in union '{u.name}'",
                    arm.span,
                    notes=(note,),
                )
            else:
                seen[case.value] = arm.span


def _check_procedure(proc: ir.Procedure, iface: ir.Interface, sink: DiagnosticSink) -> None:
    _duplicates("parameter", proc.name, [(p.name, p.span) for p in proc.params], sink)
    names = {p.name for p in proc.params}
    for p in proc.params:
        _check_names(p.name, "parameter", p.type, p.switch_is, names, p.span, sink)

"""Semantic checks (MIDL's rules), many diagnostics per pass: on a lowered module
(``check_module``), and the rules of pipes, which the front end applies as it lowers types
(``PipeRules``: they look through typedefs).

MIDL's rules for pipes (``typedef pipe T NAME``): a pipe is a parameter's type only, an [in]
pipe passed by value, an [out] pipe through one [ref] pointer. It is never a member, an array
element, a return value or another pointer's target, never [in, out] (idlc: use an [in] and an
[out] pipe), never a [callback]'s. Its element has a fixed size and holds no pointer, string,
conformant or varying array, handle or context handle (structures, unions, enums and fixed
arrays of such types are fine).
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from .constexpr import expr_names
from .symbols import SymbolTable

_SIZE_ATTRS = ("size_is", "length_is", "first_is")
_MAX_LEVELS = 64  # pointer and array levels looked through (declarators allow fewer)
_NOT_IN_ELEMENT = {
    ir.StringType: "a string",
    ir.PointerType: "a pointer",
    ir.ContextHandleType: "a context handle",
    ir.HandleType: "a handle_t",
    ir.PipeType: "a pipe",
    ir.VoidType: "void",
}


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


# ---------------------------------------------------------------------------------------------
# Pipes


class PipeRules:
    """Checks pipes as the front end lowers them, looking through typedefs with ``symbols``."""

    def __init__(self, symbols: SymbolTable, sink: DiagnosticSink) -> None:
        self.symbols = symbols
        self.sink = sink

    def levels(self, t: ir.Type) -> tuple[str, ...] | None:
        """The pointer kinds and ``"array"`` levels above the pipe ``t`` holds in place, from
        the outside in (``()``: ``t`` is a pipe); None when it holds none. Structures are not
        looked into: their members were checked where they were declared."""
        kinds: list[str] = []
        for _ in range(_MAX_LEVELS):
            if isinstance(t, ir.TypeRef):
                t = self.symbols.resolve_deep(t)
            if isinstance(t, ir.PipeType):
                return tuple(kinds)
            if isinstance(t, ir.PointerType):
                kinds.append(t.kind)
                t = t.target
            elif isinstance(t, ir.ArrayType):
                kinds.append("array")
                t = t.element
            else:
                return None
        return None

    def placement(self, t: ir.Type, site: str, name: str, span: ir.Span) -> None:
        """An error where ``t``, the type of a ``site`` (field, return, typedef, const), holds
        a pipe that it may not."""
        if not isinstance(t, ir.TypeRef | ir.PointerType | ir.ArrayType | ir.PipeType):
            return  # most types: nothing to look through
        kinds = self.levels(t)
        if kinds is None or (site == "typedef" and not kinds):
            return
        if site == "typedef":
            where = "an array element" if "array" in kinds else "the target of a pointer"
        elif site == "return":
            where = "a return value"
        elif site == "field":
            where = "a structure or union member"
        else:
            where = f"a {site}"
        self.sink.error(f"'{name}': a pipe can only be a parameter, not {where}", span)

    def param(
        self,
        t: ir.Type,
        direction: ir.Direction,
        name: str,
        proc: str,
        is_callback: bool,
        span: ir.Span,
    ) -> bool | None:
        """Whether parameter ``name`` of ``proc`` is a pipe (None: it holds none), with an
        error for each rule it breaks."""
        kinds = self.levels(t)
        if kinds is None:
            return None
        error = self.sink.error
        inline = t.target if isinstance(t, ir.PointerType) else t
        if isinstance(inline, ir.PipeType):
            error(
                f"pipe parameter '{name}' must name a pipe type declared with "
                "'typedef pipe T NAME;'",
                span,
            )
        if is_callback:
            error(f"[callback] procedure '{proc}' cannot take a pipe ('{name}')", span)
        if direction is ir.Direction.INOUT:
            error(
                f"[in, out] pipe '{name}' is not supported: use an [in] pipe and an [out] pipe",
                span,
            )
        elif direction is ir.Direction.IN and kinds:
            error(f"[in] pipe '{name}' is passed by value, not through a pointer or array", span)
        elif direction is ir.Direction.OUT and kinds != ("ref",):
            error(f"[out] pipe '{name}' must be passed through one [ref] pointer", span)
        return True

    def element(self, element: ir.Type, span: ir.Span) -> None:
        """An error when a pipe's ``element`` type is not of fixed size without pointers."""
        problem = self._problem(element, set())
        r = self.symbols.resolve_deep(element)
        if problem is None and isinstance(r, ir.TypeRef):
            decl = self.symbols.resolve(r)
            if isinstance(decl, ir.Union) and decl.switch_name is None:
                problem = "a non-encapsulated union, whose discriminant nothing could give"
        if problem is not None:
            self.sink.error(
                f"a pipe's element type must have a fixed size and no pointers: it has {problem}",
                span,
            )

    def _problem(self, t: ir.Type, busy: set[str]) -> str | None:
        """What in ``t`` a pipe element may not hold, or None."""
        for _ in range(_MAX_LEVELS):
            r = self.symbols.resolve_deep(t)
            if not isinstance(r, ir.ArrayType):
                break
            if r.pointer:
                return "a pointer"
            if r.fixed_size is None or r.size_is or r.length_is or r.first_is:
                return "a conformant or varying array"
            t = r.element
        else:
            return None
        what = _NOT_IN_ELEMENT.get(type(r))
        if what is not None:
            return what
        if isinstance(r, ir.UnsupportedType):
            return f"{r.name} ({r.reason})"
        if not isinstance(r, ir.TypeRef) or r.name in busy:
            return None
        decl = self.symbols.resolve(r)
        fields: list[ir.Field] = []
        if isinstance(decl, ir.Struct):
            fields = list(decl.fields)
        elif isinstance(decl, ir.Union):
            fields = [arm.field for arm in decl.arms if arm.field is not None]
        busy.add(r.name)
        for f in fields:
            problem = self._problem(f.type, busy)
            if problem is not None:
                return problem if " in member " in problem else f"{problem} in member '{f.name}'"
        busy.discard(r.name)
        return None

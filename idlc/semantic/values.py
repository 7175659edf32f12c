"""Constant expressions and attribute expressions: AST to IR, with constants folded in."""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..diagnostics import DiagnosticSink
from ..syntax import ast
from .constexpr import NotConstant, Value, expr_names, fold, size_align
from .symbols import BUILTIN_NAMES, SymbolTable

# The type a cast or sizeof names: its type specifier, its pointer count and a name hint.
ShapeCast = Callable[[ast.TypeSpec, int, str], ir.Type]


class ValueLowerer:
    """Names of constants become their values, casts and sizeof are evaluated, field and
    parameter names stay names.

    Handed the symbol table and the sink. It also needs the type lowerer (for the type of a cast
    or sizeof) and the forward lowerer (for a constant declared further down), which are built
    on this one: the orchestrator hands their methods in with ``connect``."""

    shape_cast: ShapeCast
    lower_pending_const: Callable[[str], None]

    def __init__(self, symbols: SymbolTable, sink: DiagnosticSink) -> None:
        self.symbols = symbols
        self.sink = sink

    def connect(self, shape_cast: ShapeCast, lower_pending_const: Callable[[str], None]) -> None:
        """Wire in the lowerers built on this one, before anything is lowered."""
        self.shape_cast = shape_cast
        self.lower_pending_const = lower_pending_const

    def disconnect(self) -> None:
        """Drop what ``connect`` wired in, once the file is lowered: it closes reference cycles,
        which the front end leaves for the cycle collector it pauses while lowering."""
        del self.shape_cast, self.lower_pending_const

    def evaluate(self, e: ast.Expr) -> Value:
        """The value of constant expression ``e``; NotConstant when it has none."""
        lowered = fold(self.expr(e, None))
        if isinstance(lowered, ir.Literal_):
            return lowered.value
        names = expr_names(lowered)
        raise NotConstant(names[0] if names else None, e.span)

    def report_not_constant(self, exc: NotConstant) -> None:
        if exc.name:
            self.sink.error(f"undefined constant '{exc.name}'", exc.span)
        else:
            self.sink.error("expression is not constant", exc.span)

    def expr(self, e: ast.Expr, locals_: set[str] | None) -> ir.Expr:
        """An IR expression; names of constants become their values."""
        if isinstance(e, ast.Number):
            return ir.Literal_(e.value)
        if isinstance(e, ast.String):
            return ir.Literal_(e.value)
        if isinstance(e, ast.Char):
            return ir.Literal_(ord(e.value[0]) if len(e.value) == 1 else e.value)
        if isinstance(e, ast.Ident):
            if locals_ is not None and e.name in locals_:
                return ir.Name(e.name)
            c = self.symbols.lookup_const(e.name)
            if c is None:
                self.lower_pending_const(e.name)
                c = self.symbols.lookup_const(e.name)
            if c is not None:
                return ir.Literal_(c[0])
            if e.name in ("TRUE", "FALSE", "NULL"):
                return ir.Literal_({"TRUE": 1, "FALSE": 0, "NULL": None}[e.name])
            if locals_:
                return ir.Name(self.near_local(e.name, locals_, e.span))
            return ir.Name(e.name)
        if isinstance(e, ast.UnaryOp):
            return ir.Unary(e.op, self.expr(e.operand, locals_))
        if isinstance(e, ast.Paren):
            return self.expr(e.expr, locals_)
        if isinstance(e, ast.BinaryOp):
            left = e.left
            if (
                e.op in ("-", "+", "*", "&")
                and isinstance(left, ast.Paren)
                and isinstance(left.expr, ast.Ident)
                and self.symbols.lookup_const(left.expr.name) is None
                and (left.expr.name in BUILTIN_NAMES or self.symbols.lookup_type(left.expr.name))
            ):
                # `(T) -1`: a cast, not a subtraction
                operand = ast.UnaryOp(e.op, e.right, e.span)
                cast = ast.CastOp(ast.NamedType(left.expr.name, left.span), 0, operand, e.span)
                return self.expr(cast, locals_)
            return ir.Binary(e.op, self.expr(e.left, locals_), self.expr(e.right, locals_))
        if isinstance(e, ast.CondOp):
            return ir.Conditional(
                self.expr(e.cond, locals_),
                self.expr(e.then, locals_),
                self.expr(e.other, locals_),
            )
        if isinstance(e, ast.CastOp):
            t = self.shape_cast(e.type, e.pointers, "cast")
            return fold(ir.Cast(self.symbols.resolve_deep(t), self.expr(e.operand, locals_)))
        if isinstance(e, ast.SizeOfOp):
            t = self.shape_cast(e.type, e.pointers, "sizeof")
            try:
                return ir.Literal_(size_align(t, self.symbols.resolve)[0])
            except ValueError:
                return ir.SizeOf(t)
        if isinstance(e, ast.MemberOp):
            inner = self.expr(e.obj, locals_)
            base = inner.name if isinstance(inner, ir.Name) else "?"
            return ir.Name(f"{base}{'->' if e.arrow else '.'}{e.name}")
        return ir.Name("?")

    def near_local(self, name: str, locals_: set[str], span: ir.Span) -> str:
        """The one field or parameter that ``name`` spells in another case (with a warning:
        published IDL has such slips), else ``name`` itself for the checks to report."""
        folded = name.casefold()
        near = sorted(n for n in locals_ if n.casefold() == folded)
        if len(near) != 1:
            return name
        self.sink.warning(
            f"'{name}' taken as '{near[0]}', which differs only in case", span, kind="case-mismatch"
        )
        return near[0]

"""Expressions: AST to IR, constant folding with C semantics, and ``sizeof``."""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..syntax import ast

Value = int | float | str | bool | None


class NotConstant(Exception):
    """An expression that cannot be evaluated at compile time; ``name`` is the culprit if known."""

    def __init__(self, name: str | None, span: ir.Span) -> None:
        super().__init__(name)
        self.name = name
        self.span = span


def normalize(value: int, t: ir.Type) -> int:
    """``value`` wrapped to the width and signedness of an integer type (C conversion)."""
    if isinstance(t, ir.IntType):
        value &= (1 << t.bits) - 1
        if t.signed and value >= 1 << (t.bits - 1):
            value -= 1 << t.bits
    return value


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _c_mod(a: int, b: int) -> int:
    return a - b * _c_div(a, b)


_BINARY: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "<<": lambda a, b: a << b,
    ">>": lambda a, b: a >> b,
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
    "&&": lambda a, b: int(bool(a) and bool(b)),
    "||": lambda a, b: int(bool(a) or bool(b)),
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b),
    ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b),
    ">=": lambda a, b: int(a >= b),
}


# The widest integer folded, in bits: IDL's widest type has 64. A wider operand, or a shift past
# it, is left unfolded (so reported as not constant), never computed: ``1 << 10**12`` would
# take all memory, and ``A * A`` over a chain of constants doubles the width at each step.
_MAX_BITS = 256


def _too_wide(v: object) -> bool:
    return isinstance(v, int) and v.bit_length() > _MAX_BITS


def fold(e: ir.Expr) -> ir.Expr:
    """Evaluate the constant parts of an IR expression."""
    if isinstance(e, ir.Unary):
        operand = fold(e.operand)
        v = operand.value if isinstance(operand, ir.Literal_) else None
        if isinstance(v, int | float) and not isinstance(v, bool) and e.op in "-+~!":
            if e.op == "-":
                return ir.Literal_(-v)
            if e.op == "+":
                return ir.Literal_(v)
            if e.op == "!":
                return ir.Literal_(int(not v))
            if isinstance(v, int):
                return ir.Literal_(~v)
        return ir.Unary(e.op, operand)
    if isinstance(e, ir.Binary):
        left, right = fold(e.left), fold(e.right)
        a = left.value if isinstance(left, ir.Literal_) else None
        b = right.value if isinstance(right, ir.Literal_) else None
        if _too_wide(a) or _too_wide(b) or (e.op == "<<" and isinstance(b, int) and b > _MAX_BITS):
            return ir.Binary(e.op, left, right)  # left unfolded: "not constant"
        if isinstance(a, int) and isinstance(b, int):
            if e.op in _BINARY and not (e.op in ("<<", ">>") and b < 0):
                return ir.Literal_(_BINARY[e.op](a, b))
            if e.op in ("/", "%") and b != 0:
                return ir.Literal_(_c_div(a, b) if e.op == "/" else _c_mod(a, b))
        if isinstance(a, int | float) and isinstance(b, int | float) and e.op in "+-*/":
            if e.op == "/" and b == 0:
                return ir.Binary(e.op, left, right)
            res = {"+": a + b, "-": a - b, "*": a * b}.get(e.op, a / b if b else 0)
            return ir.Literal_(res)
        return ir.Binary(e.op, left, right)
    if isinstance(e, ir.Conditional):
        cond = fold(e.cond)
        then, other = fold(e.then), fold(e.other)
        if isinstance(cond, ir.Literal_) and cond.value is not None:
            return then if cond.value else other
        return ir.Conditional(cond, then, other)
    if isinstance(e, ir.Cast):
        operand = fold(e.operand)
        if isinstance(operand, ir.Literal_) and isinstance(operand.value, int):
            if isinstance(e.type, ir.IntType):
                return ir.Literal_(normalize(operand.value, e.type))
            if isinstance(e.type, ir.PointerType | ir.BoolType | ir.CharType):
                return operand  # (void *) -1 and the like keep their value
        return ir.Cast(e.type, operand)
    return e


# ---------------------------------------------------------------------------------------------
# sizeof, with natural (C) alignment and 32-bit pointers


def size_align(t: ir.Type, resolve: Callable[[ir.TypeRef], ir.Decl | None]) -> tuple[int, int]:
    """The C size and alignment of a type, for ``sizeof``; raises ValueError if unknown."""
    if isinstance(t, ir.IntType):
        n = t.bits // 8
        return n, n
    if isinstance(t, ir.BoolType):
        return 1, 1
    if isinstance(t, ir.FloatType):
        n = t.bits // 8
        return n, n
    if isinstance(t, ir.CharType):
        return (2, 2) if t.wide else (1, 1)
    if isinstance(t, ir.PointerType | ir.StringType | ir.HandleType | ir.ContextHandleType):
        if isinstance(t, ir.StringType) and t.max_length is not None:
            n = 2 if t.wide else 1
            return n * t.max_length, n
        return 4, 4
    if isinstance(t, ir.ArrayType) and t.pointer:  # a pointer in C
        return 4, 4
    if isinstance(t, ir.ArrayType):
        if t.fixed_size is None:
            raise ValueError("conformant array")
        size, align = size_align(t.element, resolve)
        return size * t.fixed_size, align
    if isinstance(t, ir.TypeRef):
        decl = resolve(t)
        if decl is None:
            raise ValueError(t.name)
        if isinstance(decl, ir.Typedef):
            return size_align(decl.type, resolve)
        if isinstance(decl, ir.Enum_):
            return 4, 4
        if isinstance(decl, ir.Struct):
            offset, align = 0, 1
            for f in decl.fields:
                fs, fa = size_align(f.type, resolve)
                offset = (offset + fa - 1) // fa * fa + fs
                align = max(align, fa)
            return (offset + align - 1) // align * align, align
        if isinstance(decl, ir.Union):
            size, align = 0, 1
            for arm in decl.arms:
                if arm.field is not None:
                    fs, fa = size_align(arm.field.type, resolve)
                    size, align = max(size, fs), max(align, fa)
            if decl.switch_name is not None:
                ss, sa = size_align(decl.switch_type, resolve)
                align = max(align, sa)
                size = (ss + align - 1) // align * align + size
            return (size + align - 1) // align * align, align
    raise ValueError(type(t).__name__)


def const_type_of(value: Value) -> str:
    return type(value).__name__


def expr_names(e: ir.Expr) -> list[str]:
    """The names an IR expression refers to (parameters or fields)."""
    if isinstance(e, ir.Name):
        return [e.name]
    if isinstance(e, ir.Unary):
        return expr_names(e.operand)
    if isinstance(e, ir.Binary):
        return expr_names(e.left) + expr_names(e.right)
    if isinstance(e, ir.Conditional):
        return expr_names(e.cond) + expr_names(e.then) + expr_names(e.other)
    if isinstance(e, ir.Cast):
        return expr_names(e.operand)
    return []


def ast_span(e: ast.Expr) -> ir.Span:
    return e.span

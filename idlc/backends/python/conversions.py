"""Straight-line marshalling code: the checks and conversions of one value of one IR type.

``Marshaller.encode`` turns a Python value into its wire form (msgpack-ready), checking it as the
stubs of MIDL do; ``decode`` checks a wire value and builds the Python value. Both return a
``Code``: statements to run first and an expression for the result, both typed so that the
generated module passes ``mypy --strict``. Error paths (``Put.item.tags[3]``) are f-string bodies
evaluated only when a check fails, so the happy path builds no strings. ``const_int`` and
``expr_source`` write IDL expressions (case labels, ``size_is``, ``switch_is``) as Python.

This code is written here, not by the templates: its shape follows the type, recursively (a
pointer's check wraps its target's, an array's loop holds its element's, with numbered
temporaries), and it is made per value, some 150 000 times over the corpus. Built as lines in
Python and kept by ``memo``, it costs a fraction of what a template call per value would.
"""

from __future__ import annotations

from typing import Final

from ... import ir
from .layout import INDENT
from .typeinfo import TypeInfo, is_encapsulated

_SCALARS = frozenset({ir.IntType, ir.BoolType, ir.FloatType, ir.CharType, ir.StringType})


_C_OPS = {"/": "//", "&&": "and", "||": "or"}


def const_int(e: ir.Expr) -> int | None:
    """The value of a constant expression (a union case label), or None."""
    match e:
        case ir.Literal_(value=bool() | int() as v):
            return int(v)
        case ir.Literal_(value=str() as text) if len(text) == 1:
            return ord(text)
        case ir.Cast(operand=inner):
            return const_int(inner)
        case ir.Unary(op=op, operand=inner):
            n = const_int(inner)
            if n is None:
                return None
            return {"-": -n, "+": n, "~": ~n, "!": int(not n)}.get(op)
    return None


def expr_source(e: ir.Expr, scope: dict[str, str]) -> str | None:
    """Python source of a run-time expression (``size_is``, ``switch_is``) over ``scope``'s
    names; None when it names something out of scope or cannot be computed in Python."""
    match e:
        case ir.Literal_(value=int() | bool() as v):
            return str(int(v))
        case ir.Name(name=name):
            return scope.get(name)
        case ir.Cast(operand=inner) | ir.Unary(op="*", operand=inner):
            return expr_source(inner, scope)
        case ir.Unary(op=op, operand=inner):
            src = expr_source(inner, scope)
            if src is None or op not in {"-", "+", "~", "!"}:
                return None
            return f"(not {src})" if op == "!" else f"({op}{src})"
        case ir.Binary(op=op, left=left, right=right):
            a, b = expr_source(left, scope), expr_source(right, scope)
            if a is None or b is None:
                return None
            return f"({a} {_C_OPS.get(op, op)} {b})"
        case ir.Conditional(cond=cond, then=then, other=other):
            parts = [expr_source(x, scope) for x in (cond, then, other)]
            if None in parts:
                return None
            return f"({parts[1]} if {parts[0]} else {parts[2]})"
    return None


class Code:
    """The code of one value: statements to run first, at relative indentation 0, and the
    expression of the value. (Plain classes, these two: generation makes 150 000 of them.)"""

    __slots__ = ("expr", "lines")

    def __init__(self, lines: tuple[str, ...], expr: str) -> None:
        self.lines: Final = lines
        self.expr: Final = expr


class Path:
    """An error path as the body of an f-string, e.g. ``{path}.tags[{_i1}]`` or ``Put.item``."""

    __slots__ = ("body",)

    def __init__(self, body: str) -> None:
        self.body: Final = body

    def field(self, name: str) -> Path:
        return Path(f"{self.body}.{name}")

    def index(self, var: str) -> Path:
        return Path(f"{self.body}[{{{var}}}]")

    @property
    def src(self) -> str:
        if self.body == "{path}":
            return "path"
        if "{" in self.body:
            return f'f"{self.body}"'
        return f'"{self.body}"'


def indent(lines: tuple[str, ...] | list[str], depth: int = 1) -> tuple[str, ...]:
    pad = INDENT * depth
    return tuple([pad + line if line else line for line in lines])


class Marshaller(TypeInfo):
    """Writes the marshalling code of values of the types of one program, seen from one module."""

    __slots__ = ("_counter", "nullable", "side")

    def __init__(self, program: ir.Program, module: str) -> None:
        super().__init__(program, module)
        # Context handles marshal differently on each side, and [in]-only ones may not be null:
        # the procedure generators set these before each value.
        self.side = "client"
        self.nullable = True
        self._counter = 0

    # -- temporaries ---------------------------------------------------------------------------

    def fresh(self, stem: str) -> str:
        self._counter += 1
        return f"_{stem}{self._counter}"

    def reset(self) -> None:
        """Restart temporary numbering (once per generated function, for stable output)."""
        self._counter = 0

    # -- encode --------------------------------------------------------------------------------

    def encode(self, t: ir.Type, var: str, path: Path, switch: str | None = None) -> Code:
        """Check the Python value in ``var`` (a local name) and produce its wire form.

        ``switch`` is the Python source of a non-encapsulated union's discriminant, if known.
        """
        if isinstance(t, ir.TypeRef):
            t = self.through_typedefs(t)
        if isinstance(t, ir.TypeRef):
            decl = self.decl(t)
            if isinstance(decl, ir.Struct) or is_encapsulated(decl):
                return Code((), f"{self.codec_name('enc', t)}({var}, {path.src})")
            if isinstance(decl, ir.Enum_):
                return Code(self._enum_check(t, var, path), var)
            name = self.codec_name("enc", t)
            return Code((), f"{name}({var}, {switch or 'None'}, {path.src})")
        lines = self._scalar_check(t, var, path)
        if lines is not None:
            return Code(lines, f"float({var})" if isinstance(t, ir.FloatType) else var)
        if isinstance(t, ir.PointerType):
            inner = self.encode(t.target, var, path, switch)
            if self.is_context_handle(t.target) or (t.kind == "ref" and self.is_nullable(t.target)):
                # None is the value itself (a closed handle, a union's empty arm), not a null
                return inner
            if t.kind == "ref":
                null = (f"if {var} is None:", f"    raise _codec.null_ref({path.src})")
                return Code(null + inner.lines, inner.expr)
            if not inner.lines and inner.expr == var:
                return inner
            tmp = self.fresh("t")
            return Code(
                (
                    f"{tmp}: object = None",
                    f"if {var} is not None:",
                    *indent(inner.lines),
                    f"    {tmp} = {inner.expr}",
                ),
                tmp,
            )
        if isinstance(t, ir.ArrayType):
            return self._encode_array(t, var, path)
        if isinstance(t, ir.ContextHandleType):
            if self.side == "server":
                return Code((), f'_codec.ctx_to_client({var}, {path.src}, "{t.name}")')
            return Code((), f"_codec.ctx_to_server({var}, {path.src}, {self.nullable})")
        return self._unsupported(var, path, type(t).__name__)

    def _encode_array(self, t: ir.ArrayType, var: str, path: Path) -> Code:
        size = self._fixed_size_check(t, var, path)
        if self.is_byte(t.element):
            check = (
                f"if not isinstance({var}, (bytes, bytearray)):",
                f'    raise _codec.type_error({var}, "bytes", {path.src})',
            )
            return Code(check + size, f"bytes({var})")
        i, e, out = self.fresh("i"), self.fresh("e"), self.fresh("t")
        inner = self.encode(t.element, e, path.index(i))
        check = (
            f"if not isinstance({var}, (list, tuple)):",
            f'    raise _codec.type_error({var}, "list", {path.src})',
        )
        if not inner.lines and inner.expr == e:
            return Code(check + size, f"list({var})")
        loop = (
            f"{out}: list[object] = []",
            f"for {i}, {e} in enumerate({var}):",
            *indent(inner.lines),
            f"    {out}.append({inner.expr})",
        )
        return Code(check + size + loop, out)

    # -- decode --------------------------------------------------------------------------------

    def decode(self, t: ir.Type, var: str, path: Path, switch: str | None = None) -> Code:
        """Check the wire value in ``var`` and produce the Python value, statically typed."""
        if isinstance(t, ir.TypeRef):
            t = self.through_typedefs(t)
        if isinstance(t, ir.TypeRef):
            decl = self.decl(t)
            if isinstance(decl, ir.Struct) or is_encapsulated(decl):
                return Code((), f"{self.codec_name('dec', t)}({var}, {path.src})")
            if isinstance(decl, ir.Enum_):
                return Code(self._enum_check(t, var, path), f"{self.qualify(t)}({var})")
            name = self.codec_name("dec", t)
            return Code((), f"{name}({var}, {switch or 'None'}, {path.src})")
        lines = self._scalar_check(t, var, path)
        if lines is not None:
            return Code(lines, f"float({var})" if isinstance(t, ir.FloatType) else var)
        if isinstance(t, ir.PointerType):
            inner = self.decode(t.target, var, path, switch)
            if self.is_context_handle(t.target) or (t.kind == "ref" and self.is_nullable(t.target)):
                # None is the value itself (a closed handle, a union's empty arm), not a null
                return inner
            if t.kind == "ref":
                null = (f"if {var} is None:", f"    raise _codec.null_ref({path.src})")
                return Code(null + inner.lines, inner.expr)
            tmp = self.fresh("t")
            return Code(
                (
                    f"{tmp}: {self.py_type(t)}",
                    f"if {var} is None:",
                    f"    {tmp} = None",
                    "else:",
                    *indent(inner.lines),
                    f"    {tmp} = {inner.expr}",
                ),
                tmp,
            )
        if isinstance(t, ir.ArrayType):
            return self._decode_array(t, var, path)
        if isinstance(t, ir.ContextHandleType):
            if self.side == "server":
                call = f'_codec.ctx_from_client({var}, {path.src}, "{t.name}", {self.nullable})'
                return Code((), call)
            return Code((), f"_codec.ctx_from_server({var}, {path.src})")
        return self._unsupported(var, path, type(t).__name__)

    def _decode_array(self, t: ir.ArrayType, var: str, path: Path) -> Code:
        if self.is_byte(t.element):
            check = (
                f"if not isinstance({var}, bytes):",
                f'    raise _codec.type_error({var}, "bytes", {path.src})',
            )
            return Code(check + self._fixed_size_check(t, var, path), var)
        i, e, out = self.fresh("i"), self.fresh("e"), self.fresh("t")
        inner = self.decode(t.element, e, path.index(i))
        check = (
            f"if not isinstance({var}, list):",
            f'    raise _codec.type_error({var}, "list", {path.src})',
        )
        loop = (
            f"{out}: {self.py_type(t)} = []",
            f"for {i}, {e} in enumerate({var}):",
            *indent(inner.lines),
            f"    {out}.append({inner.expr})",
        )
        return Code(check + self._fixed_size_check(t, var, path) + loop, out)

    # -- shared checks -------------------------------------------------------------------------

    def _scalar_check(self, t: ir.Type, var: str, path: Path) -> tuple[str, ...] | None:
        """The checks of a base type, or None when ``t`` is not one."""
        if t.__class__ not in _SCALARS:  # a pointer, a reference... (asked of every value)
            return None
        p = path.src
        match t:
            case ir.IntType(name=name):
                return (
                    f"if not isinstance({var}, int) or {var}.__class__ is bool"
                    f" or not {t.low} <= {var} <= {t.high}:",
                    f'    raise _codec.int_error({var}, "{name}", {p})',
                )
            case ir.BoolType():
                return (
                    f"if not isinstance({var}, bool):",
                    f'    raise _codec.type_error({var}, "bool", {p})',
                )
            case ir.FloatType(name=name):
                return (
                    f"if not isinstance({var}, (int, float)):",
                    f'    raise _codec.type_error({var}, "{name}", {p})',
                )
            case ir.CharType(wide=wide):
                limit = 0xFFFF if wide else 0xFF
                return (
                    f"if not isinstance({var}, str) or len({var}) != 1 or ord({var}) > {limit}:",
                    f'    raise _codec.type_error({var}, "{t.name}", {p})',
                )
            case ir.StringType(max_length=max_length):
                lines = [
                    f"if not isinstance({var}, str):",
                    f'    raise _codec.type_error({var}, "str", {p})',
                ]
                if max_length is not None:
                    lines += [
                        f"if len({var}) >= {max_length}:",
                        f'    raise _codec.bound_error({p}, "string longer than {max_length - 1}")',
                    ]
                return tuple(lines)
        return None

    def _fixed_size_check(self, t: ir.ArrayType, var: str, path: Path) -> tuple[str, ...]:
        if t.fixed_size is None:
            return ()
        n = t.fixed_size
        return (
            f"if len({var}) != {n}:",
            f'    raise _codec.bound_error({path.src}, f"{{len({var})}} items, not {n}")',
        )

    def _enum_check(self, ref: ir.TypeRef, var: str, path: Path) -> tuple[str, ...]:
        values = self.qualify(ref, f"_{ref.name}_VALUES")
        return (
            f"if not isinstance({var}, int) or isinstance({var}, bool) or {var} not in {values}:",
            f'    raise _codec.enum_error({var}, "{ref.name}", {path.src})',
        )

    def range_check(
        self, bounds: tuple[int, int] | None, var: str, path: Path, t: ir.Type
    ) -> tuple[str, ...]:
        """The ``[range(low, high)]`` check, after the type's own: of a number's value, or of
        a string's or an array's length."""
        if bounds is None:
            return ()
        target = self.resolve(t)
        nullable = False
        while isinstance(target, ir.PointerType):
            nullable = nullable or target.kind != "ref"
            target = self.resolve(target.target)
        if isinstance(target, ir.StringType | ir.ArrayType):
            low, high = bounds
            return (f"_codec.check_length_range({var}, {low}, {high}, {path.src})",)
        if nullable or not isinstance(target, ir.IntType):
            return ()  # a number behind a [unique] pointer may be None: its type check suffices
        low, high = bounds
        return (
            f"if not {low} <= {var} <= {high}:",
            f"    raise _codec.range_error({var}, {low}, {high}, {path.src})",
        )

    def _unsupported(self, var: str, path: Path, what: str) -> Code:
        return Code((f'raise _codec.unsupported("{what}", {path.src})',), var)

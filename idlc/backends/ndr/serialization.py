"""MIDL's type serialization ([MS-RPCE] 2.2.6, version 1): ``<Type>_encode(value) -> bytes`` and
``<Type>_decode(data) -> value`` for each type the ACF marks ``[encode]``/``[decode]``.

The value travels as a stub that holds only it (the ``_ndr_enc_X``/``_ndr_dec_X`` of the
structure or union the type comes to), inside the common and private headers that
``idlrt.wire.ndr.serialize`` writes and ``deserialize`` checks. A type that comes to anything
else (an enum, a base type, a union whose discriminant lives outside it) is reported where the
ACF names it, and its functions raise 1764.
"""

from __future__ import annotations

from ... import ir
from ..python.layout import signature
from .context import Context


def serialization_functions(ctx: Context, s: ir.Serialized) -> list[str]:
    """The public functions of one serialized type."""
    ref = ir.TypeRef(s.name, ctx.m.module)
    target = ctx.m.resolve(ref)
    name = ir.py_name(s.name)
    annotation = ctx.m.py_type(ref)
    ctx.where, ctx.span = s.name, s.span
    codec: ir.TypeRef | None = None
    problem = None
    if isinstance(target, ir.Struct) or (
        isinstance(target, ir.Union) and target.switch_name is not None
    ):
        codec = ctx.ref(ref)
    elif isinstance(target, ir.Union):
        problem = ctx.problem("type serialization of a union without its discriminant")
    else:
        problem = ctx.problem(f"type serialization of {_what(target)}")
    out: list[str] = []
    if s.encode:
        body = (
            f"    return _ndr.serialize({ctx.m.qualify(codec, f'_ndr_enc_{codec.name}')}(v))"
            if codec is not None
            else f"    {problem}"
        )
        out += [
            *signature("", f"{name}_encode", [f"v: {annotation}"], "bytes"),
            f'    """{s.name} alone, in a type serialization stream ([MS-RPCE] 2.2.6)."""',
            body,
            "",
            "",
        ]
    if s.decode:
        body = (
            f"    return {ctx.m.qualify(codec, f'_ndr_dec_{codec.name}')}(_ndr.deserialize(data))"
            if codec is not None
            else f"    {problem}"
        )
        out += [
            *signature("", f"{name}_decode", ["data: bytes"], annotation),
            f'    """The {s.name} of a type serialization stream ([MS-RPCE] 2.2.6)."""',
            body,
            "",
            "",
        ]
    return out[:-2]


_WHAT: dict[type, str] = {
    ir.Enum_: "an enum",
    ir.IntType: "an integer",
    ir.BoolType: "a boolean",
    ir.FloatType: "a floating-point number",
    ir.CharType: "a character",
    ir.StringType: "a string",
    ir.PointerType: "a pointer",
    ir.ArrayType: "an array",
    ir.ContextHandleType: "a context handle",
}


def _what(t: ir.Type | ir.Decl) -> str:
    return _WHAT.get(type(t), "this type")

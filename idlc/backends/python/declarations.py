"""The Python view of IDL declarations: constants, enums, records, aliases and their codecs.

Structs and encapsulated unions become dataclasses ("records") with an ``_enc_X``/``_dec_X``
pair; a non-encapsulated union becomes an alias of its arms' types with a pair of functions that
take the discriminant as an argument (it lives in a sibling field or parameter, where the IDL's
``switch_is`` puts it). On the wire every union is ``[discriminant, arm value]``.

The views of constants, enums, records and aliases are data that ``_types.py.j2`` writes out.
The codecs are code text, written here whole: a codec's body is the straight-line checks and
conversions of its fields (``conversions``), whose shape follows the types, recursively. Its
``def`` line and ``return`` are written with the body because they hang on the same choices (the
codec's name, whether it takes a discriminant, the decoded fields' expressions), and because a
template call per function would cost more than the line it writes: over the corpus there are
some 30 000 codec and procedure functions, and a struct's are made once and kept by ``memo``.
"""

from __future__ import annotations

from ... import ir
from .conversions import Marshaller, Path, const_int, expr_source, indent
from .layout import signature, top_level_split


class ConstView(ir.Node):
    name: str
    annotation: str
    value: int | float | str | bool | None  # the template writes it as a literal


class EnumView(ir.Node):
    name: str
    members: tuple[tuple[str, int], ...]
    values_name: str
    doc: str | None = None  # the IDL comment above it


class RecordView(ir.Node):
    """A dataclass: a struct or an encapsulated union."""

    name: str
    fields: tuple[tuple[str, str], ...]  # (python name, annotation)
    doc: str | None = None  # the IDL comment above it


class AliasView(ir.Node):
    name: str
    value: str


def const_view(c: ir.Const) -> ConstView:
    """A module constant, annotated by its value (``((OLECHAR*) -1)`` is an int in Python)."""
    annotation = "None" if c.value is None else type(c.value).__name__
    return ConstView(ir.py_name(c.name), annotation, c.value)


def enum_view(e: ir.Enum_) -> EnumView:
    return EnumView(
        ir.py_name(e.name),
        tuple((ir.py_name(x.name), x.value) for x in e.members),
        f"_{e.name}_VALUES",
        e.doc,
    )


def unpack(names: list[str], source: str, n: int, path: str) -> list[str]:
    """Take a wire list of exactly ``n`` items apart into ``names`` (1783 otherwise)."""
    call = f"_codec.fields({source}, {n}, {path})"
    if n == 0:
        return [call]
    if n == 1:
        return [f"({names[0]},) = {call}"]
    return [f"{', '.join(names)} = {call}"]


def agreement_checks(
    m: Marshaller, t: ir.Type, value: str, scope: dict[str, str], path: Path
) -> list[str]:
    """1734 checks that an array agrees with the ``length_is``/``size_is`` governing it, where
    the governing names are in ``scope``."""
    while True:  # through pointers and typedefs (resolve() looks through a typedef chain)
        if isinstance(t, ir.PointerType):
            t = t.target
        elif isinstance(t, ir.TypeRef):
            r = m.resolve(t)
            if not isinstance(r, ir.PointerType | ir.ArrayType):
                return []  # a struct, union, enum or base type governs nothing here
            t = r
        else:
            break
    if not isinstance(t, ir.ArrayType) or isinstance(t.element, ir.CharType):
        return []
    for attribute, expr in (("length_is", t.length_is), ("size_is", t.size_is)):
        if expr is None:
            continue
        src = expr_source(expr, scope)
        if src is None:
            return []
        return [f'_codec.check_count({value}, {src}, {path.src}, "{attribute}")']
    return []


def scope_name(expr: str, local: str) -> str:
    """How sizes and discriminants refer to a decoded value: by its checked local when the
    value only wraps it (an enum), which is equal and shorter."""
    return local if expr.endswith(f"({local})") else expr


def switch_source(expr: ir.Expr | None, scope: dict[str, str]) -> str | None:
    return None if expr is None else expr_source(expr, scope)


def is_union(m: Marshaller, t: ir.Type) -> bool:
    """Whether a value of ``t`` needs a discriminant from elsewhere (decoded after the rest)."""
    while isinstance(t, ir.PointerType):
        t = t.target
    return m.is_open_union(t)


# ---------------------------------------------------------------------------------------------
# Structs


def struct_codecs(m: Marshaller, s: ir.Struct) -> tuple[RecordView, list[str]]:
    name = ir.py_name(s.name)
    fields = tuple((ir.py_name(f.name), m.py_type(f.type)) for f in s.fields)
    path = Path("{path}")
    ref = ir.TypeRef(s.name, m.module)
    locals_ = {f.name: f"f_{py}" for f, (py, _) in zip(s.fields, fields, strict=True)}

    m.reset()
    enc: list[str] = [
        f"if not isinstance(v, {name}):",
        f'    raise _codec.type_error(v, "{s.name}", path)',
        *(f"{locals_[f.name]} = v.{py}" for f, (py, _) in zip(s.fields, fields, strict=True)),
    ]
    wire: list[str] = []
    checks: list[str] = []
    for f in s.fields:
        local, fpath = locals_[f.name], path.field(f.name)
        code = m.encode(f.type, local, fpath, switch_source(f.switch_is, locals_))
        enc += [*code.lines, *m.range_check(f.range, local, fpath, f.type)]
        checks += agreement_checks(m, f.type, local, locals_, fpath)
        wire.append(code.expr)
    enc += [*checks, f"return [{', '.join(wire)}]"]
    encoder = [
        *signature("", m.codec_name("enc", ref), ["v: object", "path: str"], "list[object]"),
        *indent(enc),
    ]

    m.reset()
    dec = unpack(list(locals_.values()), "w", len(fields), "path")
    decoded: dict[str, str] = {}
    scope: dict[str, str] = {}
    # Unions last: their discriminant is a sibling field that must be decoded first.
    order = sorted(s.fields, key=lambda f: is_union(m, f.type))
    for f in order:
        local, fpath = locals_[f.name], path.field(f.name)
        code = m.decode(f.type, local, fpath, switch_source(f.switch_is, scope))
        dec += [*code.lines, *m.range_check(f.range, code.expr, fpath, f.type)]
        decoded[f.name] = code.expr
        scope[f.name] = scope_name(code.expr, local)
    for f in s.fields:
        dec += agreement_checks(m, f.type, decoded[f.name], scope, path.field(f.name))
    values = ", ".join(f"{ir.py_name(f.name)}={decoded[f.name]}" for f in s.fields)
    dec.append(f"return {name}({values})")
    decoder = [
        *signature("", m.codec_name("dec", ref), ["w: object", "path: str"], name),
        *indent(dec),
    ]
    return RecordView(name, fields, s.doc), [*encoder, "", "", *decoder]


# ---------------------------------------------------------------------------------------------
# Unions


def union_annotation(m: Marshaller, u: ir.Union) -> str:
    """The Python type of a union's value: its arms' types, None for an empty arm."""
    seen: list[str] = []
    has_none = False
    for arm in u.arms:
        if arm.field is None:
            has_none = True
            continue
        # split outside brackets: an arm may be list[X | None]
        for part in top_level_split(m.py_type(arm.field.type), " | "):
            if part == "None":
                has_none = True
            elif part not in seen:
                seen.append(part)
    if has_none or not seen:
        seen.append("None")
    return " | ".join(seen)


def _arm_condition(arm: ir.UnionArm) -> str | None:
    """``d == 1 or d == 2`` for an arm's cases; None for the default arm."""
    if not arm.cases:
        return None
    values = [const_int(c) for c in arm.cases]
    return " or ".join(f"d == {v}" for v in values if v is not None) or "False"


def union_codecs(
    m: Marshaller, u: ir.Union
) -> tuple[tuple[RecordView, AliasView] | tuple[AliasView], list[str]]:
    """The union's views (its dataclass and arms alias, or its alias) and codec functions."""
    name = ir.py_name(u.name)
    ref = ir.TypeRef(u.name, m.module)
    arms_type = union_annotation(m, u)
    # The arms' union has a name: the union's own for a non-encapsulated one (its value is the
    # arm's), a private alias beside the dataclass of an encapsulated one.
    encapsulated = u.switch_name is not None and u.union_name is not None
    value_type = f"_{u.name}_arms" if encapsulated else name
    path = Path("{path}")
    enc_arm = m.qualify(ref, f"_encarm_{u.name}")
    dec_arm = m.qualify(ref, f"_decarm_{u.name}")

    def arms(kind: str) -> list[str]:
        m.reset()
        body: list[str] = []
        default: list[str] | None = None
        for arm in u.arms:
            if arm.field is None:
                lines = [
                    "if v is not None:",
                    '    raise _codec.type_error(v, "None (an empty arm)", path)',
                    "return None",
                ]
            else:
                code = (m.encode if kind == "enc" else m.decode)(arm.field.type, "v", path)
                lines = [*code.lines, f"return {code.expr}"]
            cond = _arm_condition(arm)
            if cond is None:
                default = lines
            else:
                body += [f"if {cond}:", *indent(lines)]
        if default is not None:
            body += default
        else:
            body.append(f'raise _codec.union_error(d, "{u.name}", path)')
        returns = "object" if kind == "enc" else value_type
        fn = enc_arm if kind == "enc" else dec_arm
        params = ["v: object", "d: object", "path: str"]
        return [*signature("", fn.split(".")[-1], params, returns), *indent(body)]

    functions = [*arms("enc"), "", "", *arms("dec"), "", ""]
    if encapsulated:
        assert u.switch_name is not None and u.union_name is not None
        switch_py, union_py = ir.py_name(u.switch_name), ir.py_name(u.union_name)
        fields = ((switch_py, m.py_type(u.switch_type)), (union_py, value_type))
        record = RecordView(name, fields, u.doc)
        m.reset()
        check = m.encode(u.switch_type, "k", path.field(u.switch_name))
        functions += [
            *signature("", f"_enc_{u.name}", ["v: object", "path: str"], "list[object]"),
            f"    if not isinstance(v, {name}):",
            f'        raise _codec.type_error(v, "{u.name}", path)',
            f"    k = v.{switch_py}",
            *indent(check.lines),
            f'    return [{check.expr}, {enc_arm}(v.{union_py}, k, f"{{path}}.{u.union_name}")]',
            "",
            "",
        ]
        m.reset()
        check = m.decode(u.switch_type, "k", path.field(u.switch_name))
        functions += [
            *signature("", f"_dec_{u.name}", ["w: object", "path: str"], name),
            "    k, x = _codec.fields(w, 2, path)",
            *indent(check.lines),
            f'    u = {dec_arm}(x, k, f"{{path}}.{u.union_name}")',
            f"    return {name}({switch_py}={check.expr}, {union_py}=u)",
        ]
        return (record, AliasView(value_type, arms_type)), functions
    picks = [str(const_int(arm.cases[0])) for arm in u.arms if arm.cases]
    labels = [v for arm in u.arms for c in arm.cases if (v := const_int(c)) is not None]
    if any(not arm.cases for arm in u.arms):
        picks.append(str(max(labels, default=-1) + 1))  # a value only the default arm takes
    functions += [
        f"_{u.name}_PICKS = ({', '.join(picks)}{',' if len(picks) == 1 else ''})",
        "",
        "",
        *signature("", f"_pick_{u.name}", ["v: object", "path: str"], "object"),
        '    """The discriminant of the first arm that accepts ``v`` (none in scope)."""',
        f"    for d in _{u.name}_PICKS:",
        "        try:",
        f"            {enc_arm}(v, d, path)",
        "        except idlrt.RpcError:",
        "            continue",
        "        return d",
        f'    raise _codec.union_error(v, "{u.name}", path)',
        "",
        "",
        *signature("", f"_enc_{u.name}", ["v: object", "d: object", "path: str"], "list[object]"),
        "    if d is None:",
        f"        d = _pick_{u.name}(v, path)",
        f"    return [d, {enc_arm}(v, d, path)]",
        "",
        "",
        *signature("", f"_dec_{u.name}", ["w: object", "d: object", "path: str"], value_type),
        "    wd, x = _codec.fields(w, 2, path)",
        "    if d is not None and wd != d:",
        f'        raise _codec.union_error(wd, "{u.name}", path)',
        f"    return {dec_arm}(x, wd, path)",
    ]
    return (AliasView(name, arms_type),), functions

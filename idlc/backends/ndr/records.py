"""The NDR20 functions of one declaration: an enum's table, a structure's or a union's codecs.

For a structure ``T``: ``_ndr_put_T(b, v)`` writes its in-place part, ``_ndr_putd_T(b, v)``
the referents of its pointers (when it has any), ``_ndr_conf_T(v)`` the conformance hoisted
to its front (a conformant structure); ``_ndr_get_T(r[, mc])`` reads the in-place part into a
``T`` whose pointers hold placeholders, ``_ndr_getd_T(r, v)`` reads their referents into it.
A non-encapsulated union ``U`` has the same functions with its discriminant ``d`` beside the
value (its ``_ndr_get_U(r, d)`` returns ``(discriminant, value)`` until ``_ndr_getd_U`` has
read the referents of its arm); an encapsulated one reads and writes its dataclass. The caller
aligns the position to the type before calling (C706 14.2.2, 14.3.7, 14.3.8).
"""

from __future__ import annotations

from ... import ir
from ..python.conversions import Path, const_int
from ..python.declarations import agreement_checks
from ..python.layout import signature
from .context import Context, Value
from .decode import Decoder
from .emit import function
from .encode import Encoder
from .model import EMBEDDED, LAST, Position


def enum_table(e: ir.Enum_) -> list[str]:
    name = ir.py_name(e.name)
    return [f'_ndr_E_{e.name} = _ndr.EnumTable({name}, "{e.name}")']


def whole_functions(ctx: Context, d: ir.Struct | ir.Union) -> list[str]:
    """``_ndr_enc_T(v) -> bytes`` and ``_ndr_dec_T(data) -> T``: a value alone, as a stub
    that holds only it (what type serialization wraps in its header); a non-encapsulated
    union takes its discriminant ``d`` beside it."""
    ref = ir.TypeRef(d.name, ctx.m.module)
    name = ir.py_name(d.name)
    open_union = isinstance(d, ir.Union) and d.switch_name is None
    switch = "d" if open_union else None
    annotation = "Any" if open_union else name
    _where(ctx, d.name, None, d.span)
    enc = Encoder(ctx, 8, depth=2)
    enc.whole(ref, "v", Value({}, Path(d.name), switch))
    params = ["v: Any", "d: Any"] if open_union else [f"v: {name}"]
    fallback = f'_enc_{d.name}, v, d, "{d.name}"' if open_union else f'_enc_{d.name}, v, "{d.name}"'
    out = [
        *signature("", f"_ndr_enc_{d.name}", params, "bytes"),
        "    b = _ndr.Buffer()",
        "    try:",
        *enc.text(),
        "    except _ndr.ENCODE_ERRORS as exc:",
        f'        _ndr.encode_failed(exc, "{d.name}", {fallback})',
        "    return bytes(b)",
        "",
        "",
    ]
    dec = Decoder(ctx, 8, depth=2)
    x = dec.whole(ref, Value({}, Path(d.name), switch))
    dec.write(f"result: {annotation} = {x}", "return result")
    params = ["data: bytes", "d: object = None"] if open_union else ["data: bytes"]
    out += [
        *signature("", f"_ndr_dec_{d.name}", params, annotation),
        "    r = _ndr.Reader(data)",
        "    try:",
        *dec.text(),
        "    except _ndr.DECODE_ERRORS as exc:",
        f'        _ndr.decode_failed(exc, "{d.name}")',
    ]
    return out


def _position(ctx: Context, fields: tuple[ir.Field, ...], i: int) -> Position:
    return LAST if i == len(fields) - 1 else EMBEDDED


def _where(ctx: Context, owner: str, f: ir.Field | None, span: ir.Span | None) -> None:
    ctx.where = owner if f is None else f"{owner}.{f.name}"
    ctx.span = f.span if f is not None and f.span else span


def struct_functions(ctx: Context, s: ir.Struct) -> list[str]:
    ref = ir.TypeRef(s.name, ctx.m.module)
    lay = ctx.model.of(ref)
    name = ir.py_name(s.name)
    path = Path(s.name)
    fields = s.fields
    out: list[str] = []

    enc = Encoder(ctx, lay.align)
    scope = {f.name: f"v.{ir.py_name(f.name)}" for f in fields}
    for f in fields:
        _where(ctx, s.name, f, s.span)
        v, fpath = scope[f.name], path.field(f.name)
        enc.check(*ctx.m.range_check(f.range, v, fpath, f.type))
        enc.check(*agreement_checks(ctx.m, f.type, v, scope, fpath))
    for i, f in enumerate(fields):
        _where(ctx, s.name, f, s.span)
        switch = ctx.expr(f.switch_is, scope)
        val = Value(scope, path.field(f.name), switch)
        enc.scalars(f.type, scope[f.name], _position(ctx, fields, i), val)
    head = signature("", f"_ndr_put_{s.name}", ["b: _ndr.Buffer", "v: Any"], "None")
    out += [*function(head, enc.text()), "", ""]

    if lay.deferred:
        enc = Encoder(ctx, 1)
        for i, f in enumerate(fields):
            _where(ctx, s.name, f, s.span)
            val = Value(scope, path.field(f.name), ctx.expr(f.switch_is, scope))
            enc.deferred(f.type, scope[f.name], _position(ctx, fields, i), val)
        head = signature("", f"_ndr_putd_{s.name}", ["b: _ndr.Buffer", "v: Any"], "None")
        out += [*function(head, enc.text()), "", ""]

    if lay.conformant:
        out += [*_conformance(ctx, s, scope), "", ""]

    dec = Decoder(ctx, lay.align)
    values: dict[str, str] = {}
    dscope: dict[str, str] = {}
    for i, f in enumerate(fields):
        _where(ctx, s.name, f, s.span)
        val = Value(dscope, path.field(f.name), ctx.expr(f.switch_is, dscope), "mc")
        x = dec.scalars(f.type, _position(ctx, fields, i), val)
        values[f.name] = x
        dscope[f.name] = dec.raw.get(x, x)
    dec.flush()
    for f in fields:
        fpath = path.field(f.name)
        dec.emit(*ctx.m.range_check(f.range, values[f.name], fpath, f.type))
    args = ", ".join(values[f.name] for f in fields)  # positional: faster, and in order
    dec.emit(f"return {name}({args})")
    params = ["r: _ndr.Reader", "mc: int"] if lay.conformant else ["r: _ndr.Reader"]
    head = signature("", f"_ndr_get_{s.name}", params, name)
    out += function(head, dec.text())

    if lay.deferred:
        dec = Decoder(ctx, 1)
        for i, f in enumerate(fields):
            _where(ctx, s.name, f, s.span)
            val = Value(scope, path.field(f.name), ctx.expr(f.switch_is, scope), "mc")
            dec.deferred(f.type, scope[f.name], _position(ctx, fields, i), val)
        for f in fields:
            dec.write(*agreement_checks(ctx.m, f.type, scope[f.name], scope, path.field(f.name)))
        head = signature("", f"_ndr_getd_{s.name}", ["r: _ndr.Reader", "v: Any"], "None")
        out += ["", "", *function(head, dec.text())]
    else:
        checks = [
            line
            for f in fields
            for line in agreement_checks(ctx.m, f.type, values[f.name], dscope, path.field(f.name))
        ]
        if checks:  # before the return: put them there
            body = out.pop()
            out += ["    " + c for c in checks]
            out.append(body)
    ctx.used_any = True
    return out


def _conformance(ctx: Context, s: ir.Struct, scope: dict[str, str]) -> list[str]:
    """``_ndr_conf_T(v)``: the maximum count of the conformant array that ends ``T``."""
    last = s.fields[-1]
    v = scope[last.name]
    r = ctx.model.target(last.type)
    _where(ctx, s.name, last, s.span)
    if isinstance(r, ir.StringType):
        body = f"_ndr.wlen({v})" if r.wide else f"len({v}) + 1"
    elif isinstance(r, ir.ArrayType):
        found = ctx.expr(r.size_is, scope) if r.length_is or r.first_is else f"len({v})"
        body = found if found is not None else "0"
        if found is None:
            head = signature("", f"_ndr_conf_{s.name}", ["v: Any"], "int")
            return function(head, ["    " + ctx.problem("a [size_is] that is not in scope")])
    else:
        body = f"{ctx.fn('conf', last.type)}({v})"
    head = signature("", f"_ndr_conf_{s.name}", ["v: Any"], "int")
    return function(head, [f"    return {body}"])


# ---------------------------------------------------------------------------------------------
# Unions


def _condition(arm: ir.UnionArm, d: str) -> str | None:
    if not arm.cases:
        return None
    values = [const_int(c) for c in arm.cases]
    return " or ".join(f"{d} == {v}" for v in values if v is not None) or "False"


def _arms(u: ir.Union) -> list[tuple[str | None, ir.UnionArm]]:
    """Each arm's condition on ``d`` (None for the default), the default last."""
    arms = [(_condition(arm, "d"), arm) for arm in u.arms]
    return [a for a in arms if a[0] is not None] + [a for a in arms if a[0] is None]


def _deferred(ctx: Context, arm: ir.UnionArm) -> bool:
    return arm.field is not None and ctx.model.of(arm.field.type).deferred


def union_functions(ctx: Context, u: ir.Union) -> list[str]:
    ref = ir.TypeRef(u.name, ctx.m.module)
    lay = ctx.model.of(ref)
    encapsulated = u.switch_name is not None and u.union_name is not None
    name = ir.py_name(u.name)
    path = Path(u.name)
    disc = ctx.model.of(u.switch_type)
    has_default = any(not arm.cases for arm in u.arms)
    no_arm = f'raise _codec.union_error(d, "{u.name}", "{u.name}")'
    out: list[str] = []
    value = "u" if encapsulated else "v"
    # [ms_union] ([MS-RPCE] 2.2.4.5, on the interface here: the IR keeps no type attributes):
    # a non-encapsulated union's arm is aligned to its largest arm, not to its own type.
    arm_align = lay.group_align if ctx.ms_union and not encapsulated else 1

    # put: the discriminant, then the arm
    enc = Encoder(ctx, lay.align if encapsulated else disc.align)
    if encapsulated:
        assert u.switch_name is not None and u.union_name is not None
        enc.emit(f"d = v.{ir.py_name(u.switch_name)}", f"u = v.{ir.py_name(u.union_name)}")
    _where(ctx, u.name, None, u.span)
    enc.scalars(u.switch_type, "d", EMBEDDED, Value({}, path))
    # The discriminant joins each arm's first run: one pack for both, branch by branch.
    after = enc.snapshot()
    enc.reset_run()
    for cond, arm in _arms(u):
        _where(ctx, u.name, arm.field, arm.span or u.span)
        if cond is not None:
            enc.emit(f"if {cond}:")
            enc.depth += 1
        enc.resume(after)
        if arm.field is None:
            enc.check(
                f"if {value} is not None:",
                f'    raise _codec.type_error({value}, "None (an empty arm)", "{u.name}")',
            )
        else:
            enc.align(arm_align)
            enc.scalars(arm.field.type, value, EMBEDDED, Value({}, path.field(arm.field.name)))
        if cond is not None:
            enc.write("return")
            enc.depth -= 1
        else:
            enc.flush()
    if not has_default:
        enc.write(no_arm)
    params = (
        ["b: _ndr.Buffer", "v: Any"] if encapsulated else ["b: _ndr.Buffer", "v: Any", "d: Any"]
    )
    out += [*function(signature("", f"_ndr_put_{u.name}", params, "None"), enc.text()), "", ""]

    if lay.deferred:
        enc = Encoder(ctx, 1)
        if encapsulated:
            assert u.switch_name is not None and u.union_name is not None
            if any(c is not None and _deferred(ctx, a) for c, a in _arms(u)):
                enc.emit(f"d = v.{ir.py_name(u.switch_name)}")
            enc.emit(f"u = v.{ir.py_name(u.union_name)}")
        for cond, arm in _arms(u):
            if arm.field is None or not ctx.model.of(arm.field.type).deferred:
                continue
            _where(ctx, u.name, arm.field, arm.span or u.span)
            if cond is not None:
                enc.open(f"if {cond}:")
            enc.forget()
            enc.deferred(arm.field.type, value, EMBEDDED, Value({}, path.field(arm.field.name)))
            if cond is not None:
                enc.write("return")
                enc.close()
        sig = signature("", f"_ndr_putd_{u.name}", params, "None")
        out += [*function(sig, enc.text()), "", ""]

    # get: the discriminant, checked against the one expected, then the arm
    dec = Decoder(ctx, lay.align if encapsulated else disc.align)
    _where(ctx, u.name, None, u.span)
    if disc.kind == "prim":  # compare and select by the number; a record holds the enum
        dec.align(disc.align)
        tup, i = dec.take(disc.fmt, disc.align)
        dec.write(f"d = {tup}[{i}]")
    else:
        dec.write(ctx.problem("a union discriminant that is not an integer"), "d = None")
    conv = ctx.conversion(u.switch_type)
    if not encapsulated:
        dec.emit(
            "if s is not None and d != s:",
            f'    raise _ndr.bad_stub(f"{u.name}: discriminant {{d}}, but switch_is is {{s}}")',
        )
    known = dec.state()
    for cond, arm in _arms(u):
        _where(ctx, u.name, arm.field, arm.span or u.span)
        if cond is not None:
            dec.open(f"if {cond}:")
        dec.restore(known)
        if arm.field is None:
            x = "None"
        else:
            dec.align(arm_align)
            x = dec.scalars(arm.field.type, EMBEDDED, Value({}, path.field(arm.field.name)))
        dec.flush()
        if encapsulated:
            assert u.switch_name is not None and u.union_name is not None
            k_conv = conv.format("d") if conv is not None else "d"
            sw, un = ir.py_name(u.switch_name), ir.py_name(u.union_name)
            dec.emit(f"return {name}({sw}={k_conv}, {un}={x})")
        elif lay.deferred:
            dec.emit(f"return d, {x}")
        else:
            dec.emit(f"return {x}")
        if cond is not None:
            dec.close()
    if not has_default:
        dec.write(no_arm)
    params = ["r: _ndr.Reader"] if encapsulated else ["r: _ndr.Reader", "s: object"]
    returns = name if encapsulated else "Any"
    out += function(signature("", f"_ndr_get_{u.name}", params, returns), dec.text())

    if lay.deferred:
        dec = Decoder(ctx, 1)
        if encapsulated:
            assert u.switch_name is not None and u.union_name is not None
            if any(c is not None and _deferred(ctx, a) for c, a in _arms(u)):
                dec.emit(f"d = v.{ir.py_name(u.switch_name)}")
            value = f"v.{ir.py_name(u.union_name)}"
        elif any(c is not None and _deferred(ctx, a) for c, a in _arms(u)):
            dec.emit("d, v = p")
        else:  # only the default arm has referents: no discriminant to look at
            dec.emit("v = p[1]")
        for cond, arm in _arms(u):
            if arm.field is None or not ctx.model.of(arm.field.type).deferred:
                continue
            _where(ctx, u.name, arm.field, arm.span or u.span)
            if cond is not None:
                dec.open(f"if {cond}:")
            dec.forget()
            dec.deferred(arm.field.type, value, EMBEDDED, Value({}, path.field(arm.field.name)))
            if cond is not None:
                dec.write("return" if encapsulated else "return v")
                dec.close()
        if encapsulated:
            params, returns = ["r: _ndr.Reader", "v: Any"], "None"
        else:
            dec.emit("return v")
            params, returns = ["r: _ndr.Reader", "p: Any"], "Any"
        sig = signature("", f"_ndr_getd_{u.name}", params, returns)
        out += ["", "", *function(sig, dec.text())]
    ctx.used_any = True
    return out

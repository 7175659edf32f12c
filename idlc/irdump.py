"""A stable, readable text form of the IR (``--dump-ir``), also used by tests.

A string or array reached through a pointer level the IR leaves out (``pointer=True``) is marked
with a leading ``*``: ``*array[size_is=n](long)`` is ``[ref, size_is(n)] long *p``, where
``array[size_is=n](long)`` is ``[size_is(n)] long p[]``.
"""

from __future__ import annotations

from . import ir


def dump_program(program: ir.Program) -> str:
    out: list[str] = [f"program {program.root}"]
    for m in program.modules:
        out.extend(dump_module(m))
    return "\n".join(out) + "\n"


def dump_module(m: ir.Module) -> list[str]:
    out = [f"module {m.name} ({m.source})"]
    if m.imports:
        out.append(f"  imports {', '.join(m.imports)}")
    for d in m.decls:
        out.extend("  " + line for line in dump_decl(d))
    for i in m.interfaces:
        out.extend("  " + line for line in dump_interface(i))
    for t in m.serialized:
        flags = ", ".join(f for f, on in (("encode", t.encode), ("decode", t.decode)) if on)
        out.append(f"  serialized {t.name} [{flags}]")
    return out


def dump_type(t: ir.Type) -> str:
    if isinstance(t, ir.IntType):
        return t.name
    if isinstance(t, ir.BoolType | ir.FloatType | ir.VoidType | ir.HandleType | ir.CharType):
        return t.name
    if isinstance(t, ir.StringType):
        cap = f"[{t.max_length}]" if t.max_length is not None else ""
        return f"{'*' if t.pointer else ''}{'wstring' if t.wide else 'string'}{cap}"
    if isinstance(t, ir.TypeRef):
        return f"{t.module}.{t.name}"
    if isinstance(t, ir.PointerType):
        return f"{t.kind}*({dump_type(t.target)})"
    if isinstance(t, ir.ArrayType):
        parts = []
        if t.fixed_size is not None:
            parts.append(str(t.fixed_size))
        if t.size_is is not None:
            parts.append(f"size_is={dump_expr(t.size_is)}")
        if t.length_is is not None:
            parts.append(f"length_is={dump_expr(t.length_is)}")
        if t.first_is is not None:
            parts.append(f"first_is={dump_expr(t.first_is)}")
        mark = "*" if t.pointer else ""
        return f"{mark}array[{', '.join(parts)}]({dump_type(t.element)})"
    if isinstance(t, ir.ContextHandleType):
        return f"context_handle({t.name})"
    if isinstance(t, ir.PipeType):
        return f"pipe({dump_type(t.element)})"
    return f"unsupported({t.name}: {t.reason})"


def dump_expr(e: ir.Expr) -> str:
    if isinstance(e, ir.Literal_):
        return repr(e.value)
    if isinstance(e, ir.Name):
        return e.name
    if isinstance(e, ir.Unary):
        return f"({e.op}{dump_expr(e.operand)})"
    if isinstance(e, ir.Binary):
        return f"({dump_expr(e.left)} {e.op} {dump_expr(e.right)})"
    if isinstance(e, ir.Conditional):
        return f"({dump_expr(e.cond)} ? {dump_expr(e.then)} : {dump_expr(e.other)})"
    if isinstance(e, ir.Cast):
        return f"(({dump_type(e.type)}) {dump_expr(e.operand)})"
    return f"sizeof({dump_type(e.type)})"


def _field(f: ir.Field) -> str:
    extra = ""
    if f.range is not None:
        extra += f" range={f.range[0]}..{f.range[1]}"
    if f.switch_is is not None:
        extra += f" switch_is={dump_expr(f.switch_is)}"
    return f"{f.name}: {dump_type(f.type)}{extra}"


def dump_decl(d: ir.Decl) -> list[str]:
    if isinstance(d, ir.Const):
        return [f"const {d.name}: {dump_type(d.type)} = {d.value!r}"]
    if isinstance(d, ir.Typedef):
        return [f"typedef {d.name} = {dump_type(d.type)}"]
    if isinstance(d, ir.Enum_):
        head = f"enum {d.name}{' [v1_enum]' if d.v1_enum else ''}"
        return [head, *(f"  {m.name} = {m.value}" for m in d.members)]
    if isinstance(d, ir.Struct):
        return [f"struct {d.name}", *(f"  {_field(f)}" for f in d.fields)]
    head = f"union {d.name} switch {dump_type(d.switch_type)}"
    if d.switch_name is not None:
        head += f" {d.switch_name} -> {d.union_name}"
    lines = [head]
    for arm in d.arms:
        label = ", ".join(dump_expr(c) for c in arm.cases) if arm.cases else "default"
        lines.append(f"  case {label}: {_field(arm.field) if arm.field else '(empty)'}")
    return lines


def dump_interface(i: ir.Interface) -> list[str]:
    flags = [f"uuid={i.uuid}", f"version={i.version[0]}.{i.version[1]}"]
    flags.append(f"pointer_default={i.pointer_default}")
    if i.is_object:
        flags.append("object")
    if i.is_local:
        flags.append("local")
    if i.base:
        flags.append(f"base={i.base}")
    lines = [f"interface {i.name} {' '.join(flags)}"]
    for p in i.procedures:
        marks = "".join(
            f" [{m}]"
            for m, on in (
                ("async", p.is_async),
                ("callback", p.is_callback),
                ("comm_status", p.comm_status),
                ("fault_status", p.fault_status),
            )
            if on
        )
        lines.append(f"  {p.opnum}: {p.name} -> {dump_type(p.return_type)}{marks}")
        for prm in p.params:
            extra = ""
            if prm.switch_is is not None:
                extra += f" switch_is={dump_expr(prm.switch_is)}"
            if prm.range is not None:
                extra += f" range={prm.range[0]}..{prm.range[1]}"
            if prm.comm_status:
                extra += " [comm_status]"
            if prm.fault_status:
                extra += " [fault_status]"
            if prm.is_pipe:
                extra += " [pipe]"
            lines.append(f"    [{prm.direction.value}] {prm.name}: {dump_type(prm.type)}{extra}")
    return lines

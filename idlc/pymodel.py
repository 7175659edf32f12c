"""The Python view of one IR module: every name, annotation and marshalling body the templates need.

Templates only loop and branch over these objects (STYLE rule 3): all decisions about Python
spelling, signatures, line wrapping and marshalling code are made here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from . import ir
from .marshal import Code, Marshaller, Path, indent
from .pyfmt import py_str, py_value, signature, wrap

TUPLE_METHODS = frozenset(dir(tuple))


@dataclass(frozen=True, slots=True)
class ConstView:
    name: str
    annotation: str
    value: str


@dataclass(frozen=True, slots=True)
class EnumView:
    name: str
    members: tuple[tuple[str, int], ...]
    values_name: str


@dataclass(frozen=True, slots=True)
class StructView:
    name: str
    fields: tuple[tuple[str, str], ...]  # (python name, annotation)
    encoder: tuple[str, ...]  # the function, lines at module level
    decoder: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AliasView:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ProcView:
    name: str
    spec: str  # module-level name of the idlrt.Procedure
    is_async: bool
    result_class: str | None  # the NamedTuple, when there are [out] parameters
    result_fields: tuple[tuple[str, str], ...]
    result_class_body: tuple[str, ...]  # the NamedTuple's field lines
    result_type: str  # what a call returns: the NamedTuple, the return value's type or None
    handle_class: str | None  # the AsyncHandle subclass of an [async] procedure
    complete_def: tuple[str, ...]  # the typed complete() signature (class-body indentation)
    complete_call: str
    client_def: tuple[str, ...]  # blocking client method signature
    async_client_def: tuple[str, ...]
    client_body: tuple[str, ...]
    async_client_body: tuple[str, ...]
    manager_def: tuple[str, ...]
    manager_body: tuple[str, ...]  # the base class's "not implemented" raise
    functions: tuple[str, ...]  # the four marshalling functions, module level
    spec_def: tuple[str, ...]  # the idlrt.Procedure(...) assignment


@dataclass(frozen=True, slots=True)
class InterfaceView:
    name: str
    uuid: str
    version: tuple[int, int]
    spec: str
    procedures: tuple[ProcView, ...]
    spec_def: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleView:
    source: str
    version: str
    doc: str
    imports: tuple[tuple[str, str], ...]  # (module, alias) of imported IDL files
    constants: tuple[ConstView, ...]
    enums: tuple[EnumView, ...]
    structs: tuple[StructView, ...]
    aliases: tuple[AliasView, ...]
    interfaces: tuple[InterfaceView, ...]
    skipped: tuple[str, ...]  # interfaces parsed but not generated, for the docstring
    needs_enum: bool
    needs_dataclass: bool
    needs_namedtuple: bool
    needs_awaitable: bool
    typing_imports: str  # "Final, NamedTuple", or "" when nothing is needed from typing
    needs_final: bool
    needs_idlrt: bool
    needs_codec: bool


def build(program: ir.Program, *, version: str) -> ModuleView:
    """The view of ``program.root``."""
    module = program.module(program.root)
    aliases = {name: f"_m_{name}" for name in module.imports}
    m = Marshaller(program, module.name, aliases)
    constants = tuple(_const(m, d) for d in module.decls if isinstance(d, ir.Const))
    enums = tuple(_enum(d) for d in module.decls if isinstance(d, ir.Enum_))
    structs = tuple(_struct(m, d) for d in module.decls if isinstance(d, ir.Struct))
    typedefs = tuple(
        AliasView(ir.py_name(d.name), m.py_type(d.type))
        for d in module.decls
        if isinstance(d, ir.Typedef)
    )
    generated = tuple(i for i in module.interfaces if i.generated)
    interfaces = tuple(_interface(m, i) for i in generated)
    skipped = tuple(i.name for i in module.interfaces if not i.generated)
    has_procs = any(i.procedures for i in interfaces)
    needs_namedtuple = any(p.result_class for i in interfaces for p in i.procedures)
    doc = _module_doc(module, generated, skipped)
    return ModuleView(
        source=PurePath(module.source).name,
        version=version,
        doc=doc,
        imports=tuple(sorted(aliases.items())),
        constants=constants,
        enums=enums,
        structs=structs,
        aliases=typedefs,
        interfaces=interfaces,
        skipped=skipped,
        needs_enum=bool(enums),
        needs_dataclass=bool(structs),
        needs_namedtuple=needs_namedtuple,
        needs_awaitable=has_procs,
        typing_imports=", ".join(
            n for n, used in (("Final", bool(constants)), ("NamedTuple", needs_namedtuple)) if used
        ),
        needs_final=bool(constants),
        needs_idlrt=bool(interfaces),
        needs_codec=bool(structs) or has_procs,
    )


def _module_doc(
    module: ir.Module, generated: tuple[ir.Interface, ...], skipped: tuple[str, ...]
) -> str:
    parts = [
        f"interface {i.name} ({i.uuid}, version {i.version[0]}.{i.version[1]})" for i in generated
    ]
    if not parts:
        return f"Types and constants of {module.source}."
    return "Stubs for " + ", ".join(parts) + "."


def _const(m: Marshaller, c: ir.Const) -> ConstView:
    return ConstView(ir.py_name(c.name), m.py_type(c.type), py_value(c.value))


def _enum(e: ir.Enum_) -> EnumView:
    return EnumView(
        ir.py_name(e.name),
        tuple((ir.py_name(x.name), x.value) for x in e.members),
        f"_{e.name}_VALUES",
    )


def _struct(m: Marshaller, s: ir.Struct) -> StructView:
    name = ir.py_name(s.name)
    fields = tuple((ir.py_name(f.name), m.py_type(f.type)) for f in s.fields)
    path = Path("{path}")
    ref = ir.TypeRef(s.name, m.module)

    m.reset()
    enc: list[str] = [
        f"if not isinstance(v, {name}):",
        f'    raise _codec.type_error(v, "{s.name}", path)',
    ]
    wire: list[str] = []
    for f, (py, _) in zip(s.fields, fields, strict=True):
        local = f"f_{py}"
        code = m.encode(f.type, local, path.field(f.name))
        enc += [
            f"{local} = v.{py}",
            *code.lines,
            *m.range_check(f.range, local, path.field(f.name)),
        ]
        wire.append(code.expr)
    enc.append(f"return [{', '.join(wire)}]")
    encoder = (
        *signature("", m.codec_name("enc", ref), ["v: object", "path: str"], "list[object]"),
        *indent(enc),
    )

    m.reset()
    locals_ = [f"f_{py}" for py, _ in fields]
    dec: list[str] = _unpack(locals_, "w", len(fields), "path")
    values: list[str] = []
    for f, local in zip(s.fields, locals_, strict=True):
        code = m.decode(f.type, local, path.field(f.name))
        dec += [*code.lines, *m.range_check(f.range, code.expr, path.field(f.name))]
        values.append(f"{ir.py_name(f.name)}={code.expr}")
    dec.append(f"return {name}({', '.join(values)})")
    decoder = (
        *signature("", m.codec_name("dec", ref), ["w: object", "path: str"], name),
        *indent(dec),
    )
    return StructView(name, fields, encoder, decoder)


def _unpack(names: list[str], source: str, n: int, path: str) -> list[str]:
    call = f"_codec.fields({source}, {n}, {path})"
    if n == 0:
        return [call]
    target = names[0] + "," if n == 1 else ", ".join(names)
    return [f"{'(' + target + ')' if n == 1 else target} = {call}"]


# ---------------------------------------------------------------------------------------------
# Interfaces and procedures


def _interface(m: Marshaller, iface: ir.Interface) -> InterfaceView:
    spec = f"_{iface.name}_INTERFACE"
    procs = tuple(_procedure(m, iface, p) for p in iface.procedures)
    assert iface.uuid is not None
    spec_def = (
        f"{spec} = idlrt.Interface(",
        f"    name={py_str(iface.name)},",
        f"    uuid={py_str(iface.uuid)},",
        f"    version=({iface.version[0]}, {iface.version[1]}),",
        *_tuple_lines("    ", "procedures=", [p.spec for p in procs], ","),
        ")",
    )
    return InterfaceView(iface.name, iface.uuid, iface.version, spec, procs, spec_def)


def _tuple_lines(indent_: str, head: str, items: list[str], tail: str) -> list[str]:
    """A tuple display: ``()``, ``(x,)`` or the items wrapped as the formatter would."""
    if not items:
        return [f"{indent_}{head}(){tail}"]
    if len(items) == 1:
        return wrap(indent_, f"{head}(", [items[0] + ","], f"){tail}")
    return wrap(indent_, f"{head}(", items, f"){tail}", magic=len(items) > 1 and bool(tail))


def _result_field(name: str, taken: set[str]) -> str:
    if not name.startswith("_"):
        return name
    return _unique((name.lstrip("_") or "field") + "_", taken)


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _procedure(m: Marshaller, iface: ir.Interface, proc: ir.Procedure) -> ProcView:
    prefix = f"_{iface.name}_{proc.name}"
    # Python names of the parameters, made unique against the ones we add (self, retval, handle).
    taken = {"self", "retval"} if proc.has_retval else {"self"}
    names = {p.name: _unique(p.py_name, taken) for p in proc.params}
    handle_param = _unique("handle", set(taken))
    ins = proc.in_params
    outs = proc.out_params
    results: list[tuple[str, ir.Type]] = []
    if proc.has_retval:
        results.append(("retval", proc.return_type))
    # NamedTuple fields cannot start with "_": such an [out] parameter's field is "x_" for "_x".
    results += [(_result_field(names[p.name], taken), p.type) for p in outs]

    result_class = f"{proc.name}Result" if outs else None
    result_fields = tuple((n, m.py_type(t)) for n, t in results)
    result_type = result_class or m.py_type(proc.return_type)

    functions = [
        *_client_encode(m, prefix, proc, ins, names),
        "",
        "",
        *_client_decode(m, prefix, proc, results, result_class, result_type),
        "",
        "",
        *_server_decode(m, prefix, proc, ins, names),
        "",
        "",
        *_server_encode(m, prefix, proc, results),
        "",
        "",
        *_server_result(prefix, proc, results),
    ]

    params = [f"{names[p.name]}: {m.py_type(p.type)}" for p in ins]
    args = ", ".join(names[p.name] for p in ins)
    spec = prefix
    encode_call = f"{prefix}_cin({args})"
    call_type = f"idlrt.AsyncCall[{result_type}]"
    if proc.is_async:
        client_def = tuple(signature("    ", proc.py_name, ["self", *params], call_type))
        async_def = client_def
        body = (f"        return self._start({spec}, {encode_call})",)
        async_body = body
    else:
        client_def = tuple(signature("    ", proc.py_name, ["self", *params], result_type))
        async_def = tuple(
            signature("    ", proc.py_name, ["self", *params], result_type, is_async=True)
        )
        body = (f"        return self._call({spec}, {encode_call})",)
        async_body = (f"        return await self._call({spec}, {encode_call})",)

    manager_params = ["self"]
    handle_class = f"{proc.name}Handle" if proc.is_async else None
    if handle_class:
        manager_params.append(f"{handle_param}: {handle_class}")
    context_positions: list[int] = []
    for p in proc.params:
        if p.is_handle:
            context_positions.append(len(manager_params) - (2 if handle_class else 1))
            manager_params.append(f"{names[p.name]}: idlrt.CallContext")
        elif p.direction.is_in:
            manager_params.append(f"{names[p.name]}: {m.py_type(p.type)}")
    if proc.is_async:
        manager_returns = "Awaitable[None] | None"
    else:
        sync = _sync_result_type(result_fields)
        manager_returns = (
            f"Awaitable[{sync}] | None" if sync == "None" else f"{sync} | Awaitable[{sync}]"
        )
    manager_def = tuple(signature("    ", proc.py_name, manager_params, manager_returns))

    complete_params = ["self"]
    if proc.has_retval:
        complete_params.append(f"retval: {result_fields[0][1]}")
    kw = [f"{n}: {t}" for n, t in result_fields[1 if proc.has_retval else 0 :]]
    if kw:
        complete_params += ["*", *kw]
    complete_def = tuple(signature("    ", "complete", complete_params, "None"))
    complete_call = f"self._reply({', '.join([prefix + '_sout', *(n for n, _ in result_fields)])})"

    spec_items = [
        f"name={py_str(proc.name)}",
        f"opnum={proc.opnum}",
        f"is_async={proc.is_async}",
        f"method={py_str(proc.py_name)}",
        f"decode_out={prefix}_cout",
        f"decode_in={prefix}_sin",
        f"encode_result={prefix}_sres",
    ]
    if handle_class:
        spec_items.append(f"handle_class={handle_class}")
    if context_positions:
        positions = ", ".join(str(i) for i in context_positions)
        spec_items.append(
            f"context_positions=({positions}{',' if len(context_positions) == 1 else ''})"
        )
    spec_def = tuple(wrap("", f"{spec} = idlrt.Procedure(", spec_items, ")", magic=True))

    return ProcView(
        name=proc.py_name,
        spec=spec,
        is_async=proc.is_async,
        result_class=result_class,
        result_fields=result_fields,
        result_class_body=tuple(
            # A field may shadow a tuple method (count, index): legal, but mypy must be told.
            f"    {n}: {t}" + ("  # type: ignore[assignment]" if n in TUPLE_METHODS else "")
            for n, t in result_fields
        ),
        result_type=result_type,
        handle_class=handle_class,
        complete_def=complete_def,
        complete_call=complete_call,
        client_def=client_def,
        async_client_def=async_def,
        client_body=body,
        async_client_body=async_body,
        manager_def=manager_def,
        manager_body=(
            "        raise idlrt.RpcError(idlrt.status.RPC_S_CANNOT_SUPPORT, "
            + py_str(f"{iface.name}.{proc.name} is not implemented")
            + ")",
        ),
        functions=tuple(functions),
        spec_def=spec_def,
    )


def _sync_result_type(result_fields: tuple[tuple[str, str], ...]) -> str:
    """What a synchronous manager routine returns: the value, a tuple, or None."""
    if not result_fields:
        return "None"
    if len(result_fields) == 1 and result_fields[0][0] == "retval":
        return result_fields[0][1]
    return f"tuple[{', '.join(t for _, t in result_fields)}]"


def _checks(m: Marshaller, code: Code, bounds: tuple[int, int] | None, path: Path) -> list[str]:
    return [*code.lines, *m.range_check(bounds, code.expr, path)]


def _client_encode(
    m: Marshaller, prefix: str, proc: ir.Procedure, ins: tuple[ir.Param, ...], names: dict[str, str]
) -> list[str]:
    """``_X_cin(args) -> wire``: the client checks its arguments before anything is sent."""
    m.reset()
    body: list[str] = []
    wire: list[str] = []
    for p in ins:
        local = f"a_{names[p.name]}"
        path = Path(f"{proc.name}.{p.name}")
        code = m.encode(p.type, local, path)
        body += _checks(m, code, p.range, path)
        wire.append(code.expr)
    body.append(f"return [{', '.join(wire)}]")
    params = [f"a_{names[p.name]}: {m.py_type(p.type)}" for p in ins]
    return [*signature("", f"{prefix}_cin", params, "list[object]"), *indent(body)]


def _client_decode(
    m: Marshaller,
    prefix: str,
    proc: ir.Procedure,
    results: list[tuple[str, ir.Type]],
    result_class: str | None,
    result_type: str,
) -> list[str]:
    """``_X_cout(wire) -> result``: the client checks what the server sent back."""
    m.reset()
    locals_ = [f"r_{n}" for n, _ in results]
    body = _unpack(locals_, "w", len(results), py_str(proc.name))
    exprs: list[str] = []
    for (n, t), local in zip(results, locals_, strict=True):
        code = m.decode(t, local, Path(f"{proc.name}.{n}"))
        body += code.lines
        exprs.append(code.expr)
    if result_class:
        fields = ", ".join(f"{n}={e}" for (n, _), e in zip(results, exprs, strict=True))
        body.append(f"return {result_class}({fields})")
    elif results:
        body.append(f"return {exprs[0]}")
    return [*signature("", f"{prefix}_cout", ["w: object"], result_type), *indent(body)]


def _server_decode(
    m: Marshaller, prefix: str, proc: ir.Procedure, ins: tuple[ir.Param, ...], names: dict[str, str]
) -> list[str]:
    """``_X_sin(wire) -> args``: the server checks the request before the manager sees it."""
    m.reset()
    locals_ = [f"p_{names[p.name]}" for p in ins]
    body = _unpack(locals_, "w", len(ins), py_str(proc.name))
    exprs: list[str] = []
    for p, local in zip(ins, locals_, strict=True):
        path = Path(f"{proc.name}.{p.name}")
        code = m.decode(p.type, local, path)
        body += _checks(m, code, p.range, path)
        exprs.append(code.expr)
    body.append(f"return ({exprs[0]},)" if len(exprs) == 1 else f"return ({', '.join(exprs)})")
    return [*signature("", f"{prefix}_sin", ["w: object"], "tuple[object, ...]"), *indent(body)]


def _server_encode(
    m: Marshaller, prefix: str, proc: ir.Procedure, results: list[tuple[str, ir.Type]]
) -> list[str]:
    """``_X_sout(retval, outs...) -> wire``: checked where the values are produced (rule 7)."""
    m.reset()
    body: list[str] = []
    wire: list[str] = []
    for n, t in results:
        local = f"r_{n}"
        code = m.encode(t, local, Path(f"{proc.name}.{n}"))
        body += code.lines
        wire.append(code.expr)
    body.append(f"return [{', '.join(wire)}]")
    params = [f"r_{n}: object" for n, _ in results]
    return [*signature("", f"{prefix}_sout", params, "list[object]"), *indent(body)]


def _server_result(
    prefix: str, proc: ir.Procedure, results: list[tuple[str, ir.Type]]
) -> list[str]:
    """``_X_sres(result) -> wire``: a synchronous routine's return value, unpacked."""
    if not results:
        body = ["return []"]
    elif len(results) == 1 and proc.has_retval:
        body = [f"return {prefix}_sout(r)"]
    else:
        n = len(results)
        body = [f"return {prefix}_sout(*_codec.result_tuple(r, {n}, {py_str(proc.name)}))"]
    return [*signature("", f"{prefix}_sres", ["r: object"], "list[object]"), *indent(body)]

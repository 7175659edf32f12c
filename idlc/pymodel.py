"""The Python view of one IR module: every name, annotation and marshalling body the templates need.

Templates only loop and branch over these objects (STYLE rule 3): all decisions about Python
spelling, signatures, line wrapping and marshalling code are made here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from . import ir
from .marshal import Marshaller, Path, indent
from .pyfmt import py_str, signature, wrap
from .pytypes import (
    AliasView,
    ConstView,
    EnumView,
    RecordView,
    agreement_checks,
    const_view,
    enum_view,
    is_union,
    scope_name,
    struct_codecs,
    switch_source,
    union_codecs,
    unpack,
)

TUPLE_METHODS = frozenset(dir(tuple))


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
    after_imports: bool  # the first thing after the imports: one blank line, not two


@dataclass(frozen=True, slots=True)
class ModuleView:
    source: str
    version: str
    doc: str
    imports: tuple[tuple[str, str], ...]  # (module, alias) of imported IDL files
    constants: tuple[ConstView, ...]
    enums: tuple[EnumView, ...]
    records: tuple[RecordView, ...]  # dataclasses: structs and encapsulated unions
    aliases: tuple[AliasView, ...]  # typedefs and non-encapsulated unions, in order
    codecs: tuple[tuple[str, ...], ...]  # each record's or union's codec functions
    interfaces: tuple[InterfaceView, ...]
    skipped: tuple[str, ...]  # interfaces parsed but not generated, for the docstring
    std_imports: tuple[str, ...]  # standard-library import lines, in isort's order
    needs_idlrt: bool
    needs_codec: bool


def build(program: ir.Program, *, version: str) -> ModuleView:
    """The view of ``program.root``."""
    module = program.module(program.root)
    m = Marshaller(program, module.name)
    m.module_aliases.update({name: f"_m_{name}" for name in _referenced(m, module)})
    constants: list[ConstView] = []
    enums: list[EnumView] = []
    records: list[RecordView] = []
    aliases: list[AliasView] = []
    codecs: list[tuple[str, ...]] = []
    for d in module.decls:
        if isinstance(d, ir.Const):
            constants.append(const_view(d))
        elif isinstance(d, ir.Enum_):
            enums.append(enum_view(d))
        elif isinstance(d, ir.Typedef):
            aliases.append(AliasView(ir.py_name(d.name), m.py_type(d.type)))
        elif isinstance(d, ir.Struct):
            record, functions = struct_codecs(m, d)
            records.append(record)
            codecs.append(tuple(functions))
        else:
            views, functions = union_codecs(m, d)
            for view in views:
                if isinstance(view, RecordView):
                    records.append(view)
                else:
                    aliases.append(view)
            codecs.append(tuple(functions))
    generated = tuple(i for i in module.interfaces if i.generated)
    first = not (constants or enums or records or aliases or codecs)
    names = [p.name for i in generated for p in i.procedures]
    shared = {n for n in names if names.count(n) > 1}
    interfaces = tuple(_interface(m, i, first and n == 0, shared) for n, i in enumerate(generated))
    skipped = tuple(i.name for i in module.interfaces if not i.generated)
    has_procs = any(i.procedures for i in interfaces)
    needs_namedtuple = any(p.result_class for i in interfaces for p in i.procedures)
    picks_arms = any(isinstance(d, ir.Union) and d.switch_name is None for d in module.decls)
    typing_names = (("Final", bool(constants)), ("NamedTuple", needs_namedtuple))
    return ModuleView(
        source=PurePath(module.source).name,
        version=version,
        doc=_module_doc(module, generated),
        imports=tuple(sorted(m.module_aliases.items())),
        constants=tuple(constants),
        enums=tuple(enums),
        records=tuple(records),
        aliases=tuple(aliases),
        codecs=tuple(codecs),
        interfaces=interfaces,
        skipped=skipped,
        std_imports=_std_imports(
            enum=bool(enums),
            awaitable=has_procs,
            dataclass=bool(records),
            typing=", ".join(n for n, used in typing_names if used),
        ),
        needs_idlrt=bool(interfaces) or picks_arms or _names_idlrt(aliases, records),
        needs_codec=bool(codecs) or has_procs,
    )


def _names_idlrt(aliases: list[AliasView], records: list[RecordView]) -> bool:
    """Whether a type annotation evaluated at import time names idlrt (a context handle)."""
    texts = [a.value for a in aliases] + [t for r in records for _, t in r.fields]
    return any("idlrt." in t for t in texts)


def _std_imports(*, enum: bool, awaitable: bool, dataclass: bool, typing: str) -> tuple[str, ...]:
    lines = [
        ("import enum", enum),
        ("from collections.abc import Awaitable", awaitable),
        ("from dataclasses import dataclass", dataclass),
        (f"from typing import {typing}", bool(typing)),
    ]
    return tuple(line for line, used in lines if used)


def _referenced(m: Marshaller, module: ir.Module) -> list[str]:
    """The other modules whose declarations this one names (imports are transitive in MIDL)."""
    found: set[str] = set()
    for d in module.decls:
        match d:
            case ir.Const() | ir.Typedef():
                found |= m.referenced_modules(d.type)
            case ir.Struct():
                for f in d.fields:
                    found |= m.referenced_modules(f.type)
            case ir.Union():
                found |= m.referenced_modules(d.switch_type)
                for arm in d.arms:
                    if arm.field is not None:
                        found |= m.referenced_modules(arm.field.type)
    for iface in module.interfaces:
        if iface.generated:
            for proc in iface.procedures:
                found |= m.referenced_modules(proc.return_type)
                for p in proc.params:
                    found |= m.referenced_modules(p.type)
    return sorted(found)


def _module_doc(module: ir.Module, generated: tuple[ir.Interface, ...]) -> str:
    parts = [
        f"interface {i.name} ({i.uuid}, version {i.version[0]}.{i.version[1]})" for i in generated
    ]
    if not parts:
        return f"Types and constants of {module.source}."
    return "Stubs for " + ", ".join(parts) + "."


# ---------------------------------------------------------------------------------------------
# Interfaces and procedures


def _interface(
    m: Marshaller, iface: ir.Interface, after_imports: bool, shared: set[str]
) -> InterfaceView:
    """``shared``: procedure names that more than one interface of the module declares; their
    Result and Handle classes take the interface's name first, so that neither hides the other."""
    spec = f"_{iface.name}_INTERFACE"
    procs = tuple(
        _procedure(m, iface, p, f"{iface.name}_" if p.name in shared else "")
        for p in iface.procedures
    )
    assert iface.uuid is not None
    spec_def = (
        f"{spec} = idlrt.Interface(",
        f"    name={py_str(iface.name)},",
        f"    uuid={py_str(iface.uuid)},",
        f"    version=({iface.version[0]}, {iface.version[1]}),",
        *_tuple_lines("    ", "procedures=", [p.spec for p in procs], ","),
        ")",
    )
    return InterfaceView(
        iface.name, iface.uuid, iface.version, spec, procs, spec_def, after_imports
    )


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


def _procedure(
    m: Marshaller, iface: ir.Interface, proc: ir.Procedure, class_prefix: str
) -> ProcView:
    prefix = f"_{iface.name}_{proc.name}"
    # Python names of the parameters, made unique against the ones we add (self, retval, handle).
    taken = {"self", "retval"} if proc.has_retval else {"self"}
    names = {p.name: _unique(p.py_name, taken) for p in proc.params}
    handle_param = _unique("handle", set(taken))
    ins = [Slot(names[p.name], p.name, p.type, p) for p in proc.in_params]
    outs = proc.out_params
    results: list[Slot] = []
    if proc.has_retval:
        results.append(Slot("retval", "retval", proc.return_type))
    # NamedTuple fields cannot start with "_": such an [out] parameter's field is "x_" for "_x".
    results += [Slot(_result_field(names[p.name], taken), p.name, p.type, p) for p in outs]

    result_class = f"{class_prefix}{proc.name}Result" if outs else None
    result_fields = tuple((s.py, m.py_type(s.type)) for s in results)
    server_fields = tuple((s.py, m.py_type(s.type, server=True)) for s in results)
    result_type = result_class or m.py_type(proc.return_type)

    functions = [
        *_client_encode(m, prefix, proc, ins),
        "",
        "",
        *_client_decode(m, prefix, proc, results, result_class, result_type),
        "",
        "",
        *_server_decode(m, prefix, proc, ins),
        "",
        "",
        *_server_encode(m, prefix, proc, results),
        "",
        "",
        *_server_result(prefix, proc, results),
        *_client_status(prefix, proc, results, result_class, result_type),
    ]

    # Every call takes a keyword-only timeout (seconds; None: the client's call_timeout).
    timeout = _unique("timeout", {slot.py for slot in ins})
    params = [f"{slot.py}: {m.py_type(slot.type)}" for slot in ins] + [
        "*",
        f"{timeout}: float | None = None",
    ]
    args = ", ".join(slot.py for slot in ins)
    spec = prefix
    call_args = f"{spec}, {prefix}_cin({args}), {timeout}"
    call_type = f"idlrt.AsyncCall[{result_type}]"
    if proc.is_async:
        client_def = tuple(signature("    ", proc.py_name, ["self", *params], call_type))
        async_def = client_def
        body = (f"        return self._start({call_args})",)
        async_body = body
    else:
        client_def = tuple(signature("    ", proc.py_name, ["self", *params], result_type))
        async_def = tuple(
            signature("    ", proc.py_name, ["self", *params], result_type, is_async=True)
        )
        body = (f"        return self._call({call_args})",)
        async_body = (f"        return await self._call({call_args})",)

    manager_params = ["self"]
    handle_class = f"{class_prefix}{proc.name}Handle" if proc.is_async else None
    if handle_class:
        manager_params.append(f"{handle_param}: {handle_class}")
    context_positions: list[int] = []
    for p in proc.params:
        if p.is_handle:
            context_positions.append(len(manager_params) - (2 if handle_class else 1))
            manager_params.append(f"{names[p.name]}: idlrt.CallContext")
        elif p.direction.is_in:
            manager_params.append(f"{names[p.name]}: {m.py_type(p.type, server=True)}")
    if proc.is_async:
        manager_returns = "Awaitable[None] | None"
    else:
        sync = _sync_result_type(server_fields)
        manager_returns = (
            f"Awaitable[{sync}] | None" if sync == "None" else f"{sync} | Awaitable[{sync}]"
        )
    manager_def = tuple(signature("    ", proc.py_name, manager_params, manager_returns))

    complete_params = ["self"]
    if proc.has_retval:
        complete_params.append(f"retval: {server_fields[0][1]}")
    kw = [f"{n}: {t}" for n, t in server_fields[1 if proc.has_retval else 0 :]]
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
    if any(m.is_context_handle(p.type) for p in proc.params) or m.is_context_handle(
        proc.return_type
    ):
        spec_items.append("context_handles=True")  # the server tracks handles per call
    if _status_slot(proc, results) is not None:
        spec_items.append(f"status_result={prefix}_cstatus")
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


@dataclass(frozen=True, slots=True)
class Slot:
    """One value a procedure carries: a parameter, or the return value (``param`` None)."""

    py: str  # its Python name (argument, NamedTuple field, complete() keyword)
    idl: str  # its IDL name, for error paths and switch_is/size_is references
    type: ir.Type
    param: ir.Param | None = None

    @property
    def switch_is(self) -> ir.Expr | None:
        return None if self.param is None else self.param.switch_is

    @property
    def range(self) -> tuple[int, int] | None:
        return None if self.param is None else self.param.range

    @property
    def nullable(self) -> bool:
        """Whether a context handle here may be null: not for [in]-only parameters."""
        return self.param is None or self.param.direction is not ir.Direction.IN


def _encoder(
    m: Marshaller, name: str, proc: ir.Procedure, slots: list[Slot], prefix: str, side: str
) -> list[str]:
    """A function from Python values to the wire list: every value checked where it is
    produced, then the arrays' agreement with the sizes that govern them."""
    m.reset()
    m.side = side
    scope = {s.idl: f"{prefix}{s.py}" for s in slots if s.param is not None}
    body: list[str] = []
    wire: list[str] = []
    for s in slots:
        local, path = f"{prefix}{s.py}", Path(f"{proc.name}.{s.idl}")
        m.nullable = s.nullable
        code = m.encode(s.type, local, path, switch_source(s.switch_is, scope))
        body += [*code.lines, *m.range_check(s.range, local, path, s.type)]
        wire.append(code.expr)
    for s in slots:
        path = Path(f"{proc.name}.{s.idl}")
        body += agreement_checks(m, s.type, f"{prefix}{s.py}", scope, path)
    body.append(f"return [{', '.join(wire)}]")
    typed = side == "client"
    params = [f"{prefix}{s.py}: {m.py_type(s.type) if typed else 'object'}" for s in slots]
    return [*signature("", name, params, "list[object]"), *indent(body)]


def _decoder(
    m: Marshaller, proc: ir.Procedure, slots: list[Slot], prefix: str, side: str
) -> tuple[list[str], list[str]]:
    """The body of a function from the wire list to checked Python values, and the expressions
    of those values, in slot order (unions decoded after their discriminants)."""
    m.reset()
    m.side = side
    locals_ = [f"{prefix}{s.py}" for s in slots]
    body = unpack(locals_, "w", len(slots), py_str(proc.name))
    decoded: dict[str, str] = {}
    scope: dict[str, str] = {}
    for s, local in sorted(zip(slots, locals_, strict=True), key=lambda x: is_union(m, x[0].type)):
        path = Path(f"{proc.name}.{s.idl}")
        m.nullable = s.nullable
        code = m.decode(s.type, local, path, switch_source(s.switch_is, scope))
        body += [*code.lines, *m.range_check(s.range, code.expr, path, s.type)]
        decoded[s.idl] = code.expr
        scope[s.idl] = scope_name(code.expr, local)
    for s in slots:
        path = Path(f"{proc.name}.{s.idl}")
        body += agreement_checks(m, s.type, decoded[s.idl], scope, path)
    return body, [decoded[s.idl] for s in slots]


def _client_encode(m: Marshaller, prefix: str, proc: ir.Procedure, ins: list[Slot]) -> list[str]:
    """``_X_cin(args) -> wire``: the client checks its arguments before anything is sent."""
    return _encoder(m, f"{prefix}_cin", proc, ins, "a_", "client")


def _client_decode(
    m: Marshaller,
    prefix: str,
    proc: ir.Procedure,
    results: list[Slot],
    result_class: str | None,
    result_type: str,
) -> list[str]:
    """``_X_cout(wire) -> result``: the client checks what the server sent back."""
    body, exprs = _decoder(m, proc, results, "r_", "client")
    if result_class:
        fields = ", ".join(f"{s.py}={e}" for s, e in zip(results, exprs, strict=True))
        body.append(f"return {result_class}({fields})")
    elif results:
        body.append(f"return {exprs[0]}")
    return [*signature("", f"{prefix}_cout", ["w: object"], result_type), *indent(body)]


def _server_decode(m: Marshaller, prefix: str, proc: ir.Procedure, ins: list[Slot]) -> list[str]:
    """``_X_sin(wire) -> args``: the server checks the request before the manager sees it."""
    body, exprs = _decoder(m, proc, ins, "p_", "server")
    body.append(f"return ({exprs[0]},)" if len(exprs) == 1 else f"return ({', '.join(exprs)})")
    return [*signature("", f"{prefix}_sin", ["w: object"], "tuple[object, ...]"), *indent(body)]


def _server_encode(
    m: Marshaller, prefix: str, proc: ir.Procedure, results: list[Slot]
) -> list[str]:
    """``_X_sout(retval, outs...) -> wire``: checked where the values are produced (rule 7)."""
    return _encoder(m, f"{prefix}_sout", proc, results, "r_", "server")


def _status_slot(proc: ir.Procedure, results: list[Slot]) -> Slot | None:
    """The result that carries [comm_status]/[fault_status] codes: the return value or an
    [out] parameter; None when the procedure has neither."""
    if proc.comm_status or proc.fault_status:
        return results[0]
    for slot in results:
        if slot.param is not None and (slot.param.comm_status or slot.param.fault_status):
            return slot
    return None


def _client_status(
    prefix: str,
    proc: ir.Procedure,
    results: list[Slot],
    result_class: str | None,
    result_type: str,
) -> list[str]:
    """``_X_cstatus(code, fault) -> result``: [comm_status]/[fault_status] return a failure's
    code in its slot (the other results are then absent) instead of raising it."""
    slot = _status_slot(proc, results)
    if slot is None:
        return []
    if slot.param is None:
        comm, fault = proc.comm_status, proc.fault_status
    else:
        comm, fault = slot.param.comm_status, slot.param.fault_status
    body: list[str] = []
    if not (comm and fault):
        covered = "not fault" if fault else "fault"  # the kind of failure NOT covered
        body += [f"if {covered}:", "    raise idlrt.RpcError(code)"]
    if result_class:
        values = ", ".join(f"{s.py}={'code' if s is slot else '_codec.NO_VALUE'}" for s in results)
        body.append(f"return {result_class}({values})")
    else:
        body.append("return code")
    head = signature("", f"{prefix}_cstatus", ["code: int", "fault: bool"], result_type)
    return ["", "", *head, *indent(body)]


def _server_result(prefix: str, proc: ir.Procedure, results: list[Slot]) -> list[str]:
    """``_X_sres(result) -> wire``: a synchronous routine's return value, unpacked."""
    if not results:
        body = ["return []"]
    elif len(results) == 1 and proc.has_retval:
        body = [f"return {prefix}_sout(r)"]
    else:
        n = len(results)
        body = [f"return {prefix}_sout(*_codec.result_tuple(r, {n}, {py_str(proc.name)}))"]
    return [*signature("", f"{prefix}_sres", ["r: object"], "list[object]"), *indent(body)]

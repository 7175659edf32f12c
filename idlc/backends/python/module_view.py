"""The Python view of one IR module: the names, annotations and flags the templates need.

The templates (``templates/``) write the fixed shapes of the generated code: classes, methods,
specs. They only loop and branch over these objects and call pure filters (STYLE rule 3);
every decision about Python spelling (names made unique, annotations, which function a spec
names) is made here, once. One kind of field still holds finished code: the marshalling
functions (``ModuleView.codecs``, ``ProcView.functions``), straight-line code whose shape
follows the type, recursively (see ``conversions``, ``declarations`` and ``procedures``).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ... import ir
from ..ndr import section as ndr_section
from ..ndr.model import Model
from ..ndr.pipes import element_layout
from ..ndr.section import NdrSection, ProcSlots
from .conversions import Marshaller
from .declarations import (
    AliasView,
    ConstView,
    EnumView,
    RecordView,
    const_view,
    enum_view,
    struct_codecs,
    union_codecs,
)
from .memo import cached, dependencies
from .pipes import PipeView, pipe_codecs, pipe_element, pipe_ref, pipe_views
from .procedures import (
    Slot,
    StubNames,
    client_decode,
    client_encode,
    client_status,
    server_decode,
    server_encode,
    server_result,
    status_slot,
    stub_names,
)

TUPLE_METHODS = frozenset(dir(tuple))


class ResultField(ir.Node):
    """A field of a procedure's NamedTuple of results."""

    name: str
    annotation: str
    shadows_tuple_method: bool  # count, index: legal, but mypy must be told


class ProcView(ir.Node):
    """One procedure: the names, annotations and flags of its classes, methods and spec."""

    name: str  # the Python method name
    idl_name: str
    opnum: int
    spec: str  # module-level name of the idlrt.Procedure
    is_async: bool
    params: tuple[tuple[str, str], ...]  # the client's arguments: (name, annotation)
    call_args: tuple[tuple[str, str], ...]  # those the client's call passes as values
    pipe_args: tuple[tuple[str, str], ...]  # its pipes, which it passes apart, in index order
    timeout: str  # the client's keyword-only timeout argument
    result_class: str | None  # the NamedTuple, when there are [out] parameters
    result_fields: tuple[ResultField, ...]
    result_type: str  # what a call returns: the NamedTuple, the return value's type or None
    handle_class: str | None  # the AsyncHandle subclass of an [async] procedure
    complete_params: tuple[tuple[str, str], ...]  # complete()'s positional: the return value
    complete_keywords: tuple[tuple[str, str], ...]  # complete()'s keyword-only: [out] values
    manager_params: tuple[tuple[str, str], ...]  # after self: the handle, then the [in] values
    # and the pipes
    manager_result: str  # what a synchronous manager routine returns; "None" for [async]
    # The marshalling functions' names (see procedures.py), as the spec and methods call them.
    encode_in: str
    decode_out: str
    decode_in: str
    encode_out: str
    encode_result: str
    status_result: str | None
    ndr: StubNames  # the NDR20 functions (idlc/backends/ndr/procedures.py)
    context_handles: bool  # the server tracks context handles per call
    context_positions: tuple[int, ...]  # the manager arguments that are call contexts
    functions: str  # the marshalling functions, module level: code text (procedures.py)
    doc: str | None = None  # the IDL comment above it
    pipes: tuple[PipeView, ...] = ()
    is_callback: bool = False  # run by the client: a method of the Callbacks classes


class InterfaceView(ir.Node):
    name: str
    uuid: str
    version: tuple[int, int]
    spec: str  # module-level name of the idlrt.Interface
    procedures: tuple[ProcView, ...]  # by opnum, the callbacks included
    after_imports: bool  # the first thing after the imports: one blank line, not two
    doc: str | None = None  # the IDL comment above it
    calls: tuple[ProcView, ...] = ()  # the procedures the server serves: clients, manager
    callbacks: tuple[ProcView, ...] = ()  # the [callback] procedures the client serves


class ModuleView(ir.Node):
    source: str  # the IDL file's name, for the banner
    source_path: str  # as given or found, for the docstring of a module with no interfaces
    version: str
    imports: tuple[tuple[str, str], ...]  # (module, alias) of imported IDL files
    constants: tuple[ConstView, ...]
    enums: tuple[EnumView, ...]
    records: tuple[RecordView, ...]  # dataclasses: structs and encapsulated unions
    aliases: tuple[AliasView, ...]  # typedefs and non-encapsulated unions, in order
    codecs: tuple[str, ...]  # each record's or union's codec functions, lines joined
    interfaces: tuple[InterfaceView, ...]
    typing_names: tuple[str, ...]  # what the module imports from typing
    needs_awaitable: bool  # the managers' return types name collections.abc.Awaitable
    needs_idlrt: bool
    needs_codec: bool
    ndr: NdrSection  # the NDR20 codecs (idlc/backends/ndr), after everything else
    needs_ndr: bool
    ndr_after_imports: bool  # the NDR section is the first thing after the imports


def build(program: ir.Program, *, version: str) -> ModuleView:
    """The view of ``program.root``."""
    module = program.module(program.root)
    m = Marshaller(program, module.name)
    m.alias_modules({name: f"_m_{name}" for name in _referenced(m, module)})
    constants: list[ConstView] = []
    enums: list[EnumView] = []
    records: list[RecordView] = []
    aliases: list[AliasView] = []
    codecs: list[str] = []
    for d in module.decls:
        if isinstance(d, ir.Const):
            constants.append(const_view(d))
        elif isinstance(d, ir.Enum_):
            enums.append(enum_view(d))
        elif isinstance(d, ir.Typedef):
            aliases.append(AliasView(ir.py_name(d.name), m.py_type(d.type)))
            if isinstance(d.type, ir.PipeType):
                codecs.append("\n".join(pipe_codecs(m, d.name, d.type)))
        elif isinstance(d, ir.Struct):
            record, codec = _struct(m, d)
            records.append(record)
            codecs.append(codec)
        else:
            views, functions = union_codecs(m, d)
            for view in views:
                if isinstance(view, RecordView):
                    records.append(view)
                else:
                    aliases.append(view)
            codecs.append("\n".join(functions))
    aliases = _definition_order(aliases)
    generated = tuple(i for i in module.interfaces if i.generated)
    # the NDR section, with any procedure's codecs, comes before the interfaces
    ndr_first = not (constants or enums or records or aliases or codecs)
    first = ndr_first and not any(i.procedures for i in generated)
    names = [p.name for i in generated for p in i.procedures]
    shared = {n for n in names if names.count(n) > 1}
    layouts = _pipe_layouts(m, generated)
    interfaces = tuple(
        _interface(m, i, first and n == 0, shared, layouts) for n, i in enumerate(generated)
    )
    has_procs = any(i.procedures for i in interfaces)
    ndr = ndr_section.build(m, module, _ndr_procedures(m, generated, interfaces))
    needs_namedtuple = any(p.result_class for i in interfaces for p in i.procedures)
    picks_arms = any(isinstance(d, ir.Union) and d.switch_name is None for d in module.decls)
    typing_names = (
        ("Any", ndr.uses_any),
        ("Final", bool(constants)),
        ("NamedTuple", needs_namedtuple),
    )
    return ModuleView(
        source=PurePath(module.source).name,
        source_path=module.source,
        version=version,
        imports=tuple(sorted(m.module_aliases.items())),
        constants=tuple(constants),
        enums=tuple(enums),
        records=tuple(records),
        aliases=tuple(aliases),
        codecs=tuple(codecs),
        interfaces=interfaces,
        typing_names=tuple(n for n, used in typing_names if used),
        needs_awaitable=has_procs,
        needs_idlrt=bool(interfaces) or picks_arms or _names_idlrt(aliases, records),
        needs_codec=bool(codecs) or has_procs,
        ndr=ndr,
        needs_ndr=bool(ndr.functions or ndr.tables),
        ndr_after_imports=ndr_first,
    )


def _struct(m: Marshaller, s: ir.Struct) -> tuple[RecordView, str]:
    """The struct's dataclass and codecs, made once per equal struct in an equal setting."""

    def make() -> tuple[RecordView, str]:
        record, functions = struct_codecs(m, s)
        return record, "\n".join(functions)

    types = [f.type for f in s.fields]
    key = ("struct", s, m.side, m.nullable, dependencies(m, types))
    return cached(key, make)


def _names_idlrt(aliases: list[AliasView], records: list[RecordView]) -> bool:
    """Whether a type annotation evaluated at import time names idlrt (a context handle)."""
    texts = [a.value for a in aliases] + [t for r in records for _, t in r.fields]
    return any("idlrt." in t for t in texts)


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


# ---------------------------------------------------------------------------------------------
# Interfaces and procedures


def _interface(
    m: Marshaller,
    iface: ir.Interface,
    after_imports: bool,
    shared: set[str],
    layouts: _Layouts,
) -> InterfaceView:
    """``shared``: procedure names that more than one interface of the module declares; their
    Result and Handle classes take the interface's name first, so that neither hides the other.
    ``layouts``: the NDR20 element layout of each pipe type."""
    procs = tuple(
        _procedure(m, iface, p, f"{iface.name}_" if p.name in shared else "", layouts)
        for p in iface.procedures
    )
    assert iface.uuid is not None
    spec = f"_{iface.name}_INTERFACE"
    return InterfaceView(
        iface.name,
        iface.uuid,
        iface.version,
        spec,
        procs,
        after_imports,
        iface.doc,
        calls=tuple(p for p in procs if not p.is_callback),
        callbacks=tuple(p for p in procs if p.is_callback),
    )


_Layouts = dict[ir.TypeRef, tuple[int, int] | None]


def _pipe_layouts(m: Marshaller, generated: tuple[ir.Interface, ...]) -> _Layouts:
    """The NDR20 size and alignment of an element of each pipe type the procedures use (None
    where it has no fixed size), found once for the module."""
    model: Model | None = None
    out: _Layouts = {}
    for iface in generated:
        for proc in iface.procedures:
            for p in proc.pipe_params:
                ref = pipe_ref(m, p.type)
                if ref not in out:
                    model = model or Model(m)
                    out[ref] = element_layout(model, pipe_element(m, ref))
    return out


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
    m: Marshaller, iface: ir.Interface, proc: ir.Procedure, class_prefix: str, layouts: _Layouts
) -> ProcView:
    """The procedure's view, made once per equal procedure in an equal setting (its pipes'
    element layouts included: they depend on structures the dependencies do not look into)."""
    types = [proc.return_type, *(p.type for p in proc.params)]
    pipes = {r: layouts[r] for r in (pipe_ref(m, p.type) for p in proc.pipe_params)}
    key = (
        "procedure",
        iface.name,
        class_prefix,
        proc,
        dependencies(m, types),
        tuple(pipes.items()),
    )
    return cached(key, lambda: _make_procedure(m, iface.name, proc, class_prefix, pipes))


def _slots(proc: ir.Procedure) -> tuple[dict[str, str], str, list[Slot], list[Slot]]:
    """The Python names of a procedure's parameters, of the manager's async handle, and its
    [in] values and results (the return value first)."""
    # Python names of the parameters, made unique against the ones we add (self, retval, handle).
    taken = {"self", "retval"} if proc.has_retval else {"self"}
    names = {p.name: _unique(p.py_name, taken) for p in proc.params}
    handle_param = _unique("handle", set(taken))
    ins = [Slot(names[p.name], p.name, p.type, p) for p in proc.in_params]
    results: list[Slot] = []
    if proc.has_retval:
        results.append(Slot("retval", "retval", proc.return_type))
    # NamedTuple fields cannot start with "_": such an [out] parameter's field is "x_" for "_x".
    results += [
        Slot(_result_field(names[p.name], taken), p.name, p.type, p) for p in proc.out_params
    ]
    return names, handle_param, ins, results


def _ndr_procedures(
    m: Marshaller, generated: tuple[ir.Interface, ...], interfaces: tuple[InterfaceView, ...]
) -> list[ProcSlots]:
    """The procedures as the NDR backend needs them: the same names as the msgpack codecs."""
    out: list[ProcSlots] = []
    for iface, view in zip(generated, interfaces, strict=True):
        for proc, pview in zip(iface.procedures, view.procedures, strict=True):
            _, _, ins, results = _slots(proc)
            out.append(
                ProcSlots(
                    iface.name,
                    proc,
                    tuple(ins),
                    tuple(results),
                    pview.result_class,
                    pview.result_type,
                )
            )
    return out


def _make_procedure(
    m: Marshaller, iface_name: str, proc: ir.Procedure, class_prefix: str, layouts: _Layouts
) -> ProcView:
    prefix = f"_{iface_name}_{proc.name}"
    names, handle_param, ins, results = _slots(proc)
    outs = proc.out_params
    result_class = f"{class_prefix}{proc.name}Result" if outs else None
    result_fields = tuple(
        ResultField(s.py, m.py_type(s.type), s.py in TUPLE_METHODS) for s in results
    )
    server_fields = tuple((s.py, m.py_type(s.type, server=True)) for s in results)
    result_type = result_class or m.py_type(proc.return_type)
    retvals = 1 if proc.has_retval else 0
    stubs = stub_names(prefix)

    functions = [
        *client_encode(m, prefix, proc, ins),
        "",
        "",
        *client_decode(m, prefix, proc, results, result_class, result_type),
        "",
        "",
        *server_decode(m, prefix, proc, ins),
        "",
        "",
        *server_encode(m, prefix, proc, results),
        "",
        "",
        *server_result(prefix, proc, results),
        *client_status(prefix, proc, results, result_class, result_type),
    ]

    handle_class = f"{class_prefix}{proc.name}Handle" if proc.is_async else None
    manager_params: list[tuple[str, str]] = []
    if handle_class:
        manager_params.append((handle_param, handle_class))
    context_positions: list[int] = []  # counted from the first argument after the handle
    positions: dict[str, int] = {}  # of the pipes, counted alike
    for p in proc.params:
        if p.is_handle:
            context_positions.append(len(manager_params) - (1 if handle_class else 0))
            manager_params.append((names[p.name], "idlrt.CallContext"))
        elif p.is_pipe:
            positions[p.name] = len(manager_params) - (1 if handle_class else 0)
            manager_params.append((names[p.name], ""))  # its type, below
        elif p.direction.is_in:
            manager_params.append((names[p.name], m.py_type(p.type, server=True)))
    pipes = pipe_views(m, proc, names, positions, layouts)
    client_params: list[tuple[str, str]] = []
    pipe_types = {v.name: v for v in pipes}
    for p in proc.params:
        if p.is_pipe:
            view = pipe_types[p.name]
            client_params.append((view.py, view.client_type))
            at = view.position + (1 if handle_class else 0)
            manager_params[at] = (view.py, view.server_type)
        elif p.direction.is_in and not p.is_handle:
            client_params.append((names[p.name], m.py_type(p.type)))

    return ProcView(
        name=proc.py_name,
        idl_name=proc.name,
        opnum=proc.opnum,
        spec=prefix,
        is_async=proc.is_async,
        params=tuple(client_params),
        call_args=tuple((slot.py, m.py_type(slot.type)) for slot in ins),
        pipe_args=tuple((v.py, v.client_type) for v in pipes),
        # Every call takes a keyword-only timeout (seconds; None: the client's call_timeout).
        timeout=_unique("timeout", {name for name, _ in client_params}),
        result_class=result_class,
        result_fields=result_fields,
        result_type=result_type,
        handle_class=handle_class,
        complete_params=server_fields[:retvals],
        complete_keywords=server_fields[retvals:],
        manager_params=tuple(manager_params),
        manager_result="None" if proc.is_async else _sync_result_type(server_fields),
        encode_in=stubs.encode_in,
        decode_out=stubs.decode_out,
        decode_in=stubs.decode_in,
        encode_out=stubs.encode_out,
        # a lone return value: _sres would only forward to _sout, one call more per reply
        encode_result=stubs.encode_out if len(results) == retvals == 1 else stubs.encode_result,
        status_result=None if status_slot(proc, results) is None else stubs.status,
        ndr=stub_names(f"_ndr{prefix}"),
        context_handles=any(m.is_context_handle(p.type) for p in proc.params)
        or m.is_context_handle(proc.return_type),
        context_positions=tuple(context_positions),
        functions="\n".join(functions),
        doc=proc.doc,
        pipes=pipes,
        is_callback=proc.is_callback,
    )


def _sync_result_type(result_fields: tuple[tuple[str, str], ...]) -> str:
    """What a synchronous manager routine returns: the value, a tuple, or None."""
    if not result_fields:
        return "None"
    if len(result_fields) == 1 and result_fields[0][0] == "retval":
        return result_fields[0][1]
    return f"tuple[{', '.join(t for _, t in result_fields)}]"


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _definition_order(aliases: list[AliasView]) -> list[AliasView]:
    """Aliases are evaluated at import: each after the aliases its value names (a nested
    union's alias may name a pointer typedef of its own struct). Stable where already right."""
    by_name = {a.name: a for a in aliases}
    out: list[AliasView] = []
    done: set[str] = set()

    def visit(a: AliasView, path: set[str]) -> None:
        if a.name in done or a.name in path:
            return
        path.add(a.name)
        for word in _WORD.findall(a.value):
            dep = by_name.get(word)
            if dep is not None and dep is not a:
                visit(dep, path)
        done.add(a.name)
        out.append(a)

    for a in aliases:
        visit(a, set())
    return out

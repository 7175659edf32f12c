"""ACF files: merge ``[async]``, ``[comm_status]`` and ``[fault_status]`` onto the IR, and
``[encode]``/``[decode]`` (on a typedef, or on an interface for all the module's types) as the
module's ``serialized`` types.

Every other ACF attribute MIDL knows is accepted and changes nothing in the generated Python:
silently where it has nothing to do there (the handle models, ``code``/``nocode``,
``optimize``), with an ``ignored-attribute`` warning where it would change the calls or the data
(``represent_as``, ``notify``...); see attributes.py. An attribute MIDL does not know is an error,
and so is a name that matches no interface, procedure, parameter or type of the IDL file (MIDL
rejects those too): a misspelt procedure must not lose its ``[async]`` in silence.
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import DiagnosticSink, did_you_mean
from ..syntax import ast
from .attributes import check_acf_attrs as _check


def _has(attrs: ast.Attrs, name: str) -> bool:
    return any(a.name == name for a in attrs)


def merge_acf(module: ir.Module, acf: ast.AcfFile | None, sink: DiagnosticSink) -> ir.Module | None:
    """``module`` with the ACF's procedure attributes applied; None if the ACF did not parse."""
    if acf is None:
        return None
    interfaces = list(module.interfaces)
    serialized = _Serialization(module)
    for item in acf.items:
        if isinstance(item, ast.AcfTypedef):
            _check(item.attrs, sink)
            _check_types(item, module, sink)
            serialized.mark(item.names, item.attrs, item.span)
            continue
        if not isinstance(item, ast.AcfInterface):
            continue
        _check(item.attrs, sink)
        serialized.mark(serialized.all_types, item.attrs, item.span)
        for inner in item.items:
            if isinstance(inner, ast.AcfTypedef):
                _check_types(inner, module, sink)
                serialized.mark(inner.names, inner.attrs, inner.span)
        index = next((i for i, x in enumerate(interfaces) if x.name == item.name), None)
        if index is None:
            if len(interfaces) == 1:
                sink.warning(
                    f"ACF interface '{item.name}' does not match interface "
                    f"'{interfaces[0].name}'; applying it there",
                    item.span,
                    kind="acf",
                )
                index = 0
            else:
                names = [i.name for i in interfaces]
                sink.error(
                    f"ACF interface '{item.name}' is not declared in {module.source}"
                    + did_you_mean(item.name, names),
                    item.span,
                )
                continue
        interfaces[index] = _merge_interface(interfaces[index], item, module.source, sink)
    return ir.replace(module, interfaces=tuple(interfaces), serialized=serialized.result())


_TYPE_DECLS = (ir.Struct, ir.Union, ir.Enum_, ir.Typedef)


def _check_types(item: ast.AcfTypedef, module: ir.Module, sink: DiagnosticSink) -> None:
    known = {d.name for d in module.decls}
    for name in item.names:
        if name not in known:
            sink.error(
                f"ACF type '{name}' is not declared in {module.source}" + did_you_mean(name, known),
                item.span,
            )


class _Serialization:
    """The types the ACF marks ``[encode]``/``[decode]``, flags merged, in declaration order."""

    def __init__(self, module: ir.Module) -> None:
        self.all_types = tuple(d.name for d in module.decls if isinstance(d, _TYPE_DECLS))
        self._known = frozenset(self.all_types)
        self._marks: dict[str, ir.Serialized] = {}

    def mark(self, names: tuple[str, ...], attrs: ast.Attrs, span: ir.Span) -> None:
        encode, decode = _has(attrs, "encode"), _has(attrs, "decode")
        if not (encode or decode):
            return
        for name in names:
            if name not in self._known:
                continue  # reported by _check_types
            old = self._marks.get(name)
            if old is None:
                self._marks[name] = ir.Serialized(name, encode, decode, span)
            else:
                self._marks[name] = ir.replace(
                    old, encode=old.encode or encode, decode=old.decode or decode
                )

    def result(self) -> tuple[ir.Serialized, ...]:
        return tuple(self._marks[n] for n in self.all_types if n in self._marks)


def _merge_interface(
    iface: ir.Interface, acf: ast.AcfInterface, source: str, sink: DiagnosticSink
) -> ir.Interface:
    procs = {p.name: i for i, p in enumerate(iface.procedures)}
    procedures = list(iface.procedures)
    for item in acf.items:
        if isinstance(item, ast.AcfTypedef):
            _check(item.attrs, sink)
            continue
        if not isinstance(item, ast.AcfProc):
            continue
        _check(item.attrs, sink)
        if item.name not in procs:
            sink.error(
                f"ACF procedure '{item.name}' is not declared in interface '{iface.name}'"
                + did_you_mean(item.name, procs),
                item.span,
            )
            continue
        proc = procedures[procs[item.name]]
        comm, fault = _has(item.attrs, "comm_status"), _has(item.attrs, "fault_status")
        if (comm or fault) and not _is_status(proc.return_type):
            sink.warning(
                f"[comm_status]/[fault_status] on '{proc.name}' needs an error_status_t return",
                item.span,
                kind="acf",
            )
            comm = fault = False
        params = {p.name: i for i, p in enumerate(proc.params)}
        new_params = list(proc.params)
        for ap in item.params:
            _check(ap.attrs, sink)
            if ap.name not in params:
                sink.error(
                    f"ACF parameter '{ap.name}' is not a parameter of '{proc.name}'"
                    + did_you_mean(ap.name, params),
                    ap.span,
                )
                continue
            p = new_params[params[ap.name]]
            new_params[params[ap.name]] = ir.replace(
                p,
                comm_status=p.comm_status or _has(ap.attrs, "comm_status"),
                fault_status=p.fault_status or _has(ap.attrs, "fault_status"),
            )
        is_async = _has(item.attrs, "async")
        if is_async and proc.is_callback:
            sink.warning(
                f"[async] on [callback] procedure '{proc.name}' is ignored: a callback is an "
                "ordinary call that the client serves",
                item.span,
                kind="unsupported",
            )
            is_async = False
        procedures[procs[item.name]] = ir.replace(
            proc,
            params=tuple(new_params),
            is_async=proc.is_async or is_async,
            comm_status=proc.comm_status or comm,
            fault_status=proc.fault_status or fault,
        )
    return ir.replace(iface, procedures=tuple(procedures))


def _is_status(t: ir.Type) -> bool:
    return (isinstance(t, ir.IntType) and t.name == "error_status_t") or isinstance(t, ir.TypeRef)

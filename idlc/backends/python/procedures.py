"""The marshalling functions of one procedure: the four codecs between Python values and the
wire (client encode and decode, server decode and encode), and the helpers for a synchronous
routine's return value and for [comm_status]/[fault_status].

They are code text, written here whole rather than by the templates: each body is the
straight-line checks and conversions of the procedure's values (``conversions``), whose shape
follows their types, recursively, and the ``def`` line and ``return`` hang on the same choices
(argument names and types, the decoded values' expressions). Made once per distinct procedure
and kept by ``memo``, they cost a join; a template call per function (five or six a procedure) would
cost more than the lines it writes. The templates write everything around them (the classes,
methods and specs of ``_interface.py.j2``), from the names in ``module_view.ProcView``.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import ir
from .conversions import Marshaller, Path, indent
from .declarations import agreement_checks, is_union, scope_name, switch_source, unpack
from .layout import py_str, signature


class StubNames(NamedTuple):
    """The names of one procedure's marshalling functions, made in one place for the functions
    themselves and for the ``idlrt.Procedure`` record that names them."""

    encode_in: str  # _X_cin: the client's arguments
    decode_out: str  # _X_cout: the client reads the reply
    decode_in: str  # _X_sin: the server reads the request
    encode_out: str  # _X_sout: the server's results
    encode_result: str  # _X_sres: a synchronous routine's return, unpacked
    status: str  # _X_cstatus: [comm_status]/[fault_status] results


def stub_names(prefix: str) -> StubNames:
    return StubNames(*(f"{prefix}_{k}" for k in ("cin", "cout", "sin", "sout", "sres", "cstatus")))


class Slot(ir.Node):
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


def client_encode(m: Marshaller, prefix: str, proc: ir.Procedure, ins: list[Slot]) -> list[str]:
    """``_X_cin(args) -> wire``: the client checks its arguments before anything is sent."""
    return _encoder(m, stub_names(prefix).encode_in, proc, ins, "a_", "client")


def client_decode(
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
    return [
        *signature("", stub_names(prefix).decode_out, ["w: object"], result_type),
        *indent(body),
    ]


def server_decode(m: Marshaller, prefix: str, proc: ir.Procedure, ins: list[Slot]) -> list[str]:
    """``_X_sin(wire) -> args``: the server checks the request before the manager sees it."""
    body, exprs = _decoder(m, proc, ins, "p_", "server")
    body.append(f"return ({exprs[0]},)" if len(exprs) == 1 else f"return ({', '.join(exprs)})")
    return [
        *signature("", stub_names(prefix).decode_in, ["w: object"], "tuple[object, ...]"),
        *indent(body),
    ]


def server_encode(m: Marshaller, prefix: str, proc: ir.Procedure, results: list[Slot]) -> list[str]:
    """``_X_sout(retval, outs...) -> wire``: checked where the values are produced (rule 7)."""
    return _encoder(m, stub_names(prefix).encode_out, proc, results, "r_", "server")


def status_slot(proc: ir.Procedure, results: list[Slot]) -> Slot | None:
    """The result that carries [comm_status]/[fault_status] codes: the return value or an
    [out] parameter; None when the procedure has neither."""
    if proc.comm_status or proc.fault_status:
        return results[0]
    for slot in results:
        if slot.param is not None and (slot.param.comm_status or slot.param.fault_status):
            return slot
    return None


def client_status(
    prefix: str,
    proc: ir.Procedure,
    results: list[Slot],
    result_class: str | None,
    result_type: str,
) -> list[str]:
    """``_X_cstatus(code, fault) -> result``: [comm_status]/[fault_status] return a failure's
    code in its slot (the other results are then absent) instead of raising it."""
    slot = status_slot(proc, results)
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
    head = signature("", stub_names(prefix).status, ["code: int", "fault: bool"], result_type)
    return ["", "", *head, *indent(body)]


def server_result(prefix: str, proc: ir.Procedure, results: list[Slot]) -> list[str]:
    """``_X_sres(result) -> wire``: a synchronous routine's return value, unpacked."""
    names = stub_names(prefix)
    if not results:
        body = ["return []"]
    elif len(results) == 1 and proc.has_retval:
        body = [f"return {names.encode_out}(r)"]
    else:
        n = len(results)
        body = [f"return {names.encode_out}(*_codec.result_tuple(r, {n}, {py_str(proc.name)}))"]
    return [*signature("", names.encode_result, ["r: object"], "list[object]"), *indent(body)]

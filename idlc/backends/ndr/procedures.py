"""The NDR20 stub data of one procedure (C706 14, [MS-RPCE] 2.2.5): four functions beside the
msgpack ones, for ``interface X``, procedure ``P``:

- ``_ndr_X_P_cin(args) -> bytes``: the client's request, the [in] parameters in order;
- ``_ndr_X_P_cout(data) -> result``: the client reads the response: the [out] parameters in
  order, then the return value;
- ``_ndr_X_P_sin(data) -> tuple``: the server reads the request into the manager's arguments;
- ``_ndr_X_P_sout(a, retval, outs...) -> bytes``: the server's response, given also the
  arguments ``a`` that ``_sin`` returned (an [out] union's discriminant or an [out] array's
  bounds are often [in] parameters); ``_ndr_X_P_sres(a, r)`` takes a routine's return value.

A procedure with pipes (docs/pipes.md) sends its [in] pipes after the other [in] values and
its [out] pipes before the other [out] values, so the runtime must know where the [in] values
end and where, after the pipes, the [out] values start: ``_sin`` then returns the offset
after the last [in] value as one more item, the runtime hands ``_sout`` the [out] values'
stub offset as the last item of ``a``, and ``_cout(data, start)`` reads ``data`` from
``start``. That offset is a multiple of 4 (a pipe ends with a count), not always of 8, so
those two functions align to 8 at run time.

Each parameter is a top-level construct: its referents follow it at once. Encoders check what
packing does not; when packing fails, the msgpack encoder of the same values says why.
"""

from __future__ import annotations

import re

from ... import ir
from ..python.conversions import Path
from ..python.declarations import agreement_checks, switch_source
from ..python.layout import py_str, signature
from ..python.procedures import Slot, stub_names
from .context import Context, Value
from .decode import Decoder
from .emit import indent
from .encode import Encoder

_READER = re.compile(r"[(\s]r[.,)]")  # the Reader in use: r.pos, f(r), f(r, ...)


def _where(ctx: Context, proc: ir.Procedure, s: Slot) -> Path:
    ctx.where = f"{proc.name}.{s.idl}"
    ctx.span = s.param.span if s.param is not None and s.param.span else proc.span
    ctx.nullable = s.nullable
    return Path(f"{proc.name}.{s.idl}")


def _wire_order(results: list[Slot], proc: ir.Procedure) -> list[Slot]:
    """The response's order: the [out] parameters, then the return value."""
    return results[1:] + results[:1] if proc.has_retval else results


def _encoder(
    ctx: Context,
    proc: ir.Procedure,
    name: str,
    params: list[str],
    slots: list[Slot],
    scope: dict[str, str],
    fallback: str,
    after_pipes: bool = False,
) -> list[str]:
    """``after_pipes``: the values follow [out] pipes, at the stub offset ``a[-1]``."""
    head = signature("", name, params, "bytes")
    if not slots:
        return [*head, '    return b""']
    enc = Encoder(ctx, 4 if after_pipes else 8, depth=2)
    for s in slots:
        path = _where(ctx, proc, s)
        local = scope[s.idl]
        enc.check(*ctx.m.range_check(s.range, local, path, s.type))
        enc.check(*agreement_checks(ctx.m, s.type, local, scope, path))
    for s in slots:
        path = _where(ctx, proc, s)
        enc.whole(s.type, scope[s.idl], Value(scope, path, switch_source(s.switch_is, scope)))
    start = ["    start = a[-1] & 7", "    b += _ndr.PAD[start]"] if after_pipes else []
    return [
        *head,
        "    b = _ndr.Buffer()",
        *start,
        "    try:",
        *enc.text(),
        "    except _ndr.ENCODE_ERRORS as exc:",
        f"        _ndr.encode_failed(exc, {py_str(proc.name)}, {fallback})",
        "    return bytes(b[start:])" if after_pipes else "    return bytes(b)",
    ]


def _decoder(
    ctx: Context,
    proc: ir.Procedure,
    name: str,
    returns: str,
    slots: list[Slot],
    after_pipes: bool = False,
) -> tuple[list[str], Decoder, list[str]]:
    """The head of a decoder, the body so far and the expressions of ``slots``' values.
    ``after_pipes``: the values follow [out] pipes, from ``data[start]`` on."""
    dec = Decoder(ctx, 4 if after_pipes else 8, depth=2)
    scope: dict[str, str] = {}
    exprs: dict[str, str] = {}
    for s in slots:
        path = _where(ctx, proc, s)
        x = dec.whole(s.type, Value(scope, path, switch_source(s.switch_is, scope)))
        exprs[s.idl] = dec.bind(x, "v")
        scope[s.idl] = dec.raw.get(x, exprs[s.idl])
    dec.flush()
    for s in slots:
        path = Path(f"{proc.name}.{s.idl}")
        dec.emit(*ctx.m.range_check(s.range, exprs[s.idl], path, s.type))
        dec.emit(*agreement_checks(ctx.m, s.type, exprs[s.idl], scope, path))
    params = ["data: bytes", "start: int = 0"] if after_pipes else ["data: bytes"]
    head = signature("", name, params, returns)
    return head, dec, [exprs[s.idl] for s in slots]


def _wrap_decoder(
    head: list[str], dec: Decoder, proc: ir.Procedure, empty: bool, start: bool = False
) -> list[str]:
    """``start``: reading begins at ``data[start]`` (the [out] values after [out] pipes)."""
    body = dec.text()
    if empty or not any(_READER.search(line) for line in body):  # nothing to read
        return [*head, *(line[4:] for line in body)]
    return [
        *head,
        "    r = _ndr.Reader(data)",
        *(["    r.pos = start"] if start else []),
        "    try:",
        *body,
        "    except _ndr.DECODE_ERRORS as exc:",
        f"        _ndr.decode_failed(exc, {py_str(proc.name)})",
    ]


def procedure_functions(
    ctx: Context,
    iface: str,
    proc: ir.Procedure,
    ins: list[Slot],
    results: list[Slot],
    result_class: str | None,
    result_type: str,
) -> list[str]:
    msgpack = stub_names(f"_{iface}_{proc.name}")  # the same values' msgpack functions
    names = stub_names(f"_ndr_{iface}_{proc.name}")
    out: list[str] = []

    # client: request
    ctx.side = "client"
    scope = {s.idl: f"a_{s.py}" for s in ins}
    params = [f"a_{s.py}: {ctx.m.py_type(s.type)}" for s in ins]
    fallback = ", ".join([msgpack.encode_in, *(scope[s.idl] for s in ins)])
    out += [*_encoder(ctx, proc, names.encode_in, params, ins, scope, fallback), "", ""]

    # client: response
    piped = bool(proc.pipe_params)
    order = _wire_order(results, proc)
    head, dec, exprs = _decoder(ctx, proc, names.decode_out, result_type, order, piped)
    by_idl = dict(zip([s.idl for s in order], exprs, strict=True))
    if result_class:
        fields = ", ".join(f"{s.py}={by_idl[s.idl]}" for s in results)
        dec.emit(f"return {result_class}({fields})")
    elif results:  # typed: the decoded items are Any
        dec.emit(f"result: {result_type} = {by_idl[results[0].idl]}", "return result")
    else:
        dec.emit("return None")
    out += [*_wrap_decoder(head, dec, proc, not order, piped), "", ""]

    # server: request
    ctx.side = "server"
    head, dec, exprs = _decoder(ctx, proc, names.decode_in, "tuple[Any, ...]", ins)
    if piped:  # where the [in] pipes start
        exprs = [*exprs, "r.pos" if ins else "0"]
    dec.emit(f"return ({exprs[0]},)" if len(exprs) == 1 else f"return ({', '.join(exprs)})")
    out += [*_wrap_decoder(head, dec, proc, not ins), "", ""]

    # server: response
    scope = {s.idl: f"a[{i}]" for i, s in enumerate(ins)}
    scope.update({s.idl: f"r_{s.py}" for s in results})
    params = ["a: tuple[Any, ...]", *(f"r_{s.py}: Any" for s in results)]
    fallback = ", ".join([msgpack.encode_out, *(f"r_{s.py}" for s in results)])
    out += _encoder(ctx, proc, names.encode_out, params, order, scope, fallback, piped)
    if not results:
        body = ['return b""']
    elif len(results) == 1 and proc.has_retval:
        body = [f"return {names.encode_out}(a, r)"]
    else:
        n = len(results)
        body = [f"return {names.encode_out}(a, *_codec.result_tuple(r, {n}, {py_str(proc.name)}))"]
    head = signature("", names.encode_result, ["a: tuple[Any, ...]", "r: object"], "bytes")
    out += ["", "", *head, *indent(body)]
    ctx.side = "client"
    ctx.used_any = True
    return out

"""Imports (several files) and ACF merging."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import HEADER, compile_idl, messages, write

from idlc import ir
from idlc.diagnostics import DiagnosticSink
from idlc.pipeline.frontend import FrontEnd, Options


def test_imports_order_and_refs(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        'import "base.idl", "sub/other.idl";\n'
        + HEADER
        + "interface I { void F([in] B b, [in] O o); }",
        base__idl="typedef long B;\n",
        **{"sub/other__idl": 'import "../base.idl";\ntypedef B O;\n'},
    )
    assert program is not None, messages(sink)
    assert [m.name for m in program.modules] == ["base", "other", "t"]
    assert program.module("t").imports == ("base", "other")
    params = program.module("t").interfaces[0].procedures[0].params
    assert [p.type for p in params] == [ir.TypeRef("B", "base"), ir.TypeRef("O", "other")]


def test_two_files_one_module_name_is_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        'import "base.idl", "sub/other.idl";\n',
        base__idl="typedef long B;\n",
        **{"sub/other__idl": 'import "base.idl";\n', "sub/base__idl": "typedef short Z;\n"},
    )
    assert program is None
    assert "would both generate module 'base'" in messages(sink)[0]


def test_import_search_path(tmp_path: Path) -> None:
    write(tmp_path, {"inc/lib.idl": "typedef long L;\n", "src/t.idl": 'import "lib.idl";\n'})
    sink = DiagnosticSink()
    program = FrontEnd(Options(include_dirs=(tmp_path / "inc",)), sink).compile(
        tmp_path / "src" / "t.idl"
    )
    assert program is not None and [m.name for m in program.modules] == ["lib", "t"]


def test_unresolvable_import_has_chain(tmp_path: Path) -> None:
    program, sink = compile_idl(tmp_path, 'import "a.idl";\n', a__idl='import "nope.idl";\n')
    assert program is None
    (d,) = sink.diagnostics
    assert d.message == "cannot find imported file 'nope.idl'"
    assert [s.line for s in d.imported_from] == [1]


def test_imported_files_parsed_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "common.idl": "typedef long C;\n",
            "a.idl": 'import "common.idl";\n',
            "b.idl": 'import "common.idl";\n',
        },
    )
    sink = DiagnosticSink()
    front = FrontEnd(Options(), sink)
    pa = front.compile(tmp_path / "a.idl")
    pb = front.compile(tmp_path / "b.idl")
    assert pa is not None and pb is not None
    assert pa.module("common") is pb.module("common")


def test_define_and_include(tmp_path: Path) -> None:
    write(tmp_path, {"t.idl": "#ifdef BIG\ntypedef hyper N;\n#else\ntypedef short N;\n#endif\n"})
    sink = DiagnosticSink()
    program = FrontEnd(Options(defines=(("BIG", "1"),)), sink).compile(tmp_path / "t.idl")
    assert program is not None
    assert program.module("t").decls[0] == ir.Typedef("N", ir.IntType("hyper", 64, True))


IDL = HEADER + (
    "interface AsyncRPC { error_status_t Ping([in] handle_t h, [out] error_status_t *st);"
    " void AsyncFunc([in] long n); }"
)


def test_acf_found_next_to_idl_any_suffix_case(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        IDL,
        name="AsyncRPC.Idl",
        **{
            "AsyncRPC__ACF": "interface AsyncRPC { [async] AsyncFunc();"
            " [comm_status] Ping([fault_status] st); }"
        },
    )
    assert program is not None, messages(sink)
    ping, func = program.module("asyncrpc").interfaces[0].procedures
    assert func.is_async and not ping.is_async
    assert ping.comm_status and not ping.fault_status
    assert ping.params[1].fault_status


def test_acf_options(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "t.idl": IDL,
            "t.acf": "interface AsyncRPC { [async] AsyncFunc(); }",
            "other.acf": "interface AsyncRPC { [async] Ping(); }",
        },
    )
    for options, expected in [
        (Options(no_acf=True), [False, False]),
        (Options(acf=tmp_path / "other.acf"), [True, False]),
        (Options(), [False, True]),
    ]:
        sink = DiagnosticSink()
        program = FrontEnd(options, sink).compile(tmp_path / "t.idl")
        assert program is not None
        assert [p.is_async for p in program.module("t").interfaces[0].procedures] == expected


def test_acf_unknown_procedure_is_an_error(tmp_path: Path) -> None:
    """A misspelt procedure must not lose its [async] in silence (MIDL rejects it too)."""
    program, sink = compile_idl(
        tmp_path, IDL, t__acf="[implicit_handle(handle_t h)] interface AsyncRPC { Nope(); }"
    )
    assert program is None
    assert messages(sink) == ["error: ACF procedure 'Nope' is not declared in interface 'AsyncRPC'"]

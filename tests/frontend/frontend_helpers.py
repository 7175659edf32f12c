"""Compiling IDL text through the front end in tests."""

from __future__ import annotations

from pathlib import Path

from idlc import ir
from idlc.diagnostics import DiagnosticSink
from idlc.pipeline.frontend import FrontEnd, Options


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def compile_idl(
    tmp_path: Path,
    text: str,
    *,
    name: str = "t.idl",
    options: Options | None = None,
    **files: str,
) -> tuple[ir.Program | None, DiagnosticSink]:
    write(tmp_path, {name: text, **{k.replace("__", "."): v for k, v in files.items()}})
    sink = DiagnosticSink()
    program = FrontEnd(options or Options(), sink).compile(tmp_path / name)
    return program, sink


def messages(sink: DiagnosticSink) -> list[str]:
    return [f"{d.severity}: {d.message}" for d in sink.diagnostics]


def ok(tmp_path: Path, text: str, **files: str) -> ir.Module:
    """The root module of a program that must compile without errors."""
    program, sink = compile_idl(tmp_path, text, **files)
    assert program is not None, messages(sink)
    assert sink.error_count == 0
    return program.module(program.root)


HEADER = "[uuid(12345678-1234-1234-1234-123456789abc), version(1.0), pointer_default(unique)]\n"


def iface(body: str, tmp_path: Path) -> ir.Module:
    return ok(tmp_path, HEADER + "interface I {\n" + body + "\n}\n")


def decl(module: ir.Module, name: str) -> ir.Decl:
    return next(d for d in module.decls if d.name == name)

"""The parser's cached tables: built from Lark on a miss, kept on disk, and parsing the same."""

from __future__ import annotations

from pathlib import Path

from idlc.diagnostics import DiagnosticSink
from idlc.ir import Span
from idlc.syntax import ast, parser
from idlc.syntax.actions import AstBuilder
from idlc.syntax.lalr import Driver, load_tables, save_tables, tables_from

SOURCE = """
[uuid(12345678-1234-1234-1234-123456789abc), version(1.0)]
interface Calc {
    typedef struct { long n; [size_is(n)] long *v; } Vec;
    typedef [switch_type(short)] union { [case(1)] long a; [default] ; } U;
    const long K = (1 << 4) + sizeof(long) * 2 ? 3 : 4;
    long Add([in] long a, [in] long b, [out] long *sum);
    void Fill([in, out, size_is(*n)] byte **p, [in] long *n);
}
"""


def _parse_with(driver: Driver, builder: AstBuilder, text: str) -> object:
    builder.start(text, parser.fragment_spanner(Span("t.idl", 1, 1)), DiagnosticSink())
    return driver.parse(text, "idl_file")


def test_tables_saved_and_loaded_parse_as_the_freshly_built_ones(tmp_path: Path) -> None:
    built = tables_from(parser._parser())
    path = tmp_path / "tables.pickle"
    save_tables(built, path)
    loaded = load_tables(path)
    assert loaded is not None
    assert loaded.gotos == built.gotos and loaded.reducers == built.reducers
    builder = AstBuilder()
    fresh = _parse_with(Driver(built, builder), builder, SOURCE)
    again = _parse_with(Driver(loaded, builder), builder, SOURCE)
    assert isinstance(fresh, ast.File) and len(fresh.items) == 1
    assert fresh == again
    sink = DiagnosticSink()
    assert fresh == parser.parse_idl(SOURCE, parser.fragment_spanner(Span("t.idl", 1, 1)), sink)


def test_a_damaged_table_file_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "tables.pickle"
    path.write_bytes(b"\x80\x05not a pickle")
    assert load_tables(path) is None
    path.write_bytes(b"")
    assert load_tables(path) is None

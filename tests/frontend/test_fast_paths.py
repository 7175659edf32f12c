"""The front end's shortcuts give exactly what the long way gives: the parsing loop against Lark's
own parser, simple attribute arguments against the grammar, the process-wide file cache against
a fresh compile (diagnostics and import chains included)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from frontend_helpers import HEADER, write
from test_parser import CONSTRUCTS

from idlc.diagnostics import DiagnosticSink
from idlc.nodes import NO_SPAN, Span, replace
from idlc.pipeline.frontend import FrontEnd, Options
from idlc.syntax import ast, parser
from idlc.syntax.lalr import Tables, load_tables, save_tables, tables_from
from idlc.syntax.lexer import decode_string


def deep(x: Any) -> Any:
    """A node as nested tuples, spans included (node equality leaves them out)."""
    if isinstance(x, ast.Node):
        return (type(x).__name__, tuple((f, deep(getattr(x, f))) for f in x._fields))
    if isinstance(x, tuple | list):
        return tuple(deep(y) for y in x)
    return x


def spanner(line: int, column: int) -> Span:
    return Span("t.idl", line, column)


def both_ways(text: str, start: str) -> tuple[Any, Any]:
    """``text`` parsed by the driver, then by Lark's parser, with the same actions."""
    parser._BUILDER.start(text, spanner, DiagnosticSink())
    fast = parser._driver().parse(text, start)
    parser._BUILDER.start(text, spanner, DiagnosticSink())
    slow = parser._parser().parse(text, start=start)
    return fast, slow


@pytest.mark.parametrize("text", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_driver_builds_what_lark_builds(text: str) -> None:
    fast, slow = both_ways(text, "idl_file")
    assert deep(fast) == deep(slow)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("a, , (long)n * 2 - sizeof(short)", "attr_exprs"),
        ("x->y[3].z ? 1 : 'c'", "attr_exprs"),
        ("unsigned short", "attr_type"),
        ("handle_t h", "attr_type"),
        ('include "x.h"; [explicit_handle] interface A { [async] F(); }', "acf_file"),
    ],
)
def test_driver_builds_what_lark_builds_from_every_start(text: str, start: str) -> None:
    fast, slow = both_ways(text, start)
    assert deep(fast) == deep(slow)


def test_syntax_errors_are_lark_s() -> None:
    sink = DiagnosticSink()
    assert parser.parse_idl("typedef struct { long a long b; } S;", spanner, sink) is None
    assert [d.message for d in sink.diagnostics] == [
        "expected ';' after struct member, found 'long'"
    ]


def test_cast_of_a_non_name_is_a_syntax_error_not_a_crash() -> None:
    sink = DiagnosticSink()
    assert parser.parse_idl("interface I { const int X = (1+2) 3; }", spanner, sink) is None
    (d,) = sink.diagnostics
    assert d.message == "expected a type name in parentheses before an operand"
    assert d.span is not None and (d.span.line, d.span.column) == (1, 31)


KEYWORDS = sorted(
    t.pattern.value
    for t in parser._parser().terminals
    if t.pattern.type == "str" and t.pattern.value[0].isalpha()
)


@pytest.mark.parametrize(
    "text",
    [
        *("n", "  n ", "\tx\t", "$a", "L", "0", "0x1F", "10UL", "017", "1e5", "08x", "a b"),
        *KEYWORDS,
    ],
)
def test_simple_attribute_argument_as_the_grammar_reads_it(text: str) -> None:
    base = Span("f.idl", 3, 7)
    fast_sink, slow_sink = DiagnosticSink(), DiagnosticSink()
    fast = parser.parse_attr_exprs(text, base, fast_sink, "[x]")
    slow = parser._parse(text, "attr_exprs", parser.fragment_spanner(base), slow_sink, "[x]")
    assert deep(fast) == deep(slow if isinstance(slow, tuple) else None)
    assert fast_sink.diagnostics == slow_sink.diagnostics


@pytest.mark.parametrize(
    ("body", "value"),
    [
        ("plain", "plain"),
        (r"a\nb\t\\\"\'\?\q", "a\nb\t\\\"'?q"),
        (r"\x41\x\101\0\08", "A\0A\0\0" + "8"),
        ("end\\", "end\\"),
    ],
)
def test_decode_string(body: str, value: str) -> None:
    assert decode_string(body) == value


def test_nodes_check_their_arguments() -> None:
    d = ast.Declarator("x", 1)
    assert (d.name, d.pointers, d.arrays, d.span) == ("x", 1, (), NO_SPAN)
    with pytest.raises(TypeError):
        ast.Declarator()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        replace(d, nope=1)
    assert replace(d, pointers=2) == ast.Declarator("x", 2)


def test_tables_round_trip_and_bad_files(tmp_path: Path) -> None:
    tables = tables_from(parser._parser())
    path = tmp_path / "t.pickle"
    save_tables(tables, path)
    loaded = load_tables(path)
    assert isinstance(loaded, Tables)
    assert loaded.states == tables.states and loaded.literals == tables.literals
    path.write_bytes(b"garbage")
    assert load_tables(path) is None
    path.write_bytes(pickle.dumps({"not": "tables"}))
    assert load_tables(path) is None
    assert load_tables(tmp_path / "missing.pickle") is None


# ---------------------------------------------------------------------------------------------
# The process-wide cache


def render(root: Path, *names: str, options: Options | None = None) -> list[str]:
    """What the command line would print compiling ``names`` (one FrontEnd, as one run)."""
    sink = DiagnosticSink()
    front = FrontEnd(options or Options(), sink)
    for name in names:
        front.compile(root / name)
    return [sink.render(d) for d in sink.diagnostics]


def test_cached_files_replay_their_diagnostics_with_each_import_chain(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "common.idl": "#pragma nope\ntypedef long C;\ntypedef [bogus] long D;\n",
            "a.idl": 'import "common.idl";\n' + HEADER + "interface A { void F([in] C c); }\n",
            "b.idl": '\n\nimport "common.idl";\n' + HEADER + "interface B { void G(); }\n",
        },
    )
    first_a = render(tmp_path, "a.idl")
    first_b = render(tmp_path, "b.idl")
    assert first_a and any("imported from" in line for line in first_a)
    assert first_a != first_b  # the chain names the importing line
    assert render(tmp_path, "a.idl") == first_a
    assert render(tmp_path, "b.idl") == first_b
    assert render(tmp_path, "a.idl", "b.idl") == render(tmp_path, "a.idl", "b.idl")


def test_cached_errors_stay_errors(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"bad.idl": "typedef Nope N;\n", "t.idl": 'import "bad.idl";\ntypedef long L;\n'},
    )
    for _ in range(2):
        sink = DiagnosticSink()
        assert FrontEnd(Options(), sink).compile(tmp_path / "t.idl") is None
        assert [d.message for d in sink.diagnostics] == ["unknown type 'Nope'"]


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    write(tmp_path, {"inc.h": "#define N 1\n", "t.idl": '#include "inc.h"\nconst long X = N;\n'})
    sink = DiagnosticSink()
    program = FrontEnd(Options(), sink).compile(tmp_path / "t.idl")
    assert program is not None
    assert program.module("t").decls[0].value == 1  # type: ignore[union-attr]
    inc = tmp_path / "inc.h"
    inc.write_text("#define N 222\n", encoding="utf-8")
    os.utime(inc, ns=(inc.stat().st_atime_ns, inc.stat().st_mtime_ns + 10**9))
    program = FrontEnd(Options(), sink).compile(tmp_path / "t.idl")
    assert program is not None
    assert program.module("t").decls[0].value == 222  # type: ignore[union-attr]


def test_source_lines_shown_again_come_from_the_file_as_it_is_now(tmp_path: Path) -> None:
    bad = tmp_path / "bad.idl"
    bad.write_text("const long X = Y;\n", encoding="utf-8")
    span = Span(str(bad), 1, 16)
    first = DiagnosticSink()
    first.error("unknown", span)
    assert first.render(first.diagnostics[0]).splitlines()[1] == " const long X = Y;"
    again = DiagnosticSink()  # another compile in the same process: the file as kept
    again.error("unknown", span)
    assert again.render(again.diagnostics[0]) == first.render(first.diagnostics[0])
    bad.write_text("const short X = Y;\n", encoding="utf-8")
    edited = DiagnosticSink()
    edited.error("unknown", span)
    assert edited.render(edited.diagnostics[0]).splitlines()[1] == " const short X = Y;"


def test_cache_key_holds_the_macros(tmp_path: Path) -> None:
    write(tmp_path, {"t.idl": "#ifdef BIG\ntypedef hyper N;\n#else\ntypedef short N;\n#endif\n"})
    names = []
    for defines in ((), (("BIG", "1"),), ()):
        sink = DiagnosticSink()
        program = FrontEnd(Options(defines=defines), sink).compile(tmp_path / "t.idl")
        assert program is not None
        names.append(program.module("t").decls[0].type.name)  # type: ignore[union-attr]
    assert names == ["short", "hyper", "short"]


def test_every_rule_reduces_through_a_written_out_callback() -> None:
    """The driver writes each rule's child filtering out as one function (what Lark's wrappers
    do is checked by the driver-against-Lark tests above); none falls back to Lark's chain."""
    from lark.parse_tree_builder import (
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
    )

    for _size, callback, origin, _step in parser._driver().reductions:
        assert type(origin) is str
        lark_s = ChildFilterLALR | ChildFilterLALR_NoPlaceholders | ExpandSingleChild
        assert not isinstance(callback, lark_s)

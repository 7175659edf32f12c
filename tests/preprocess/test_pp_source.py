"""Reading sources (CRLF, DOS EOF, encodings, comments, splices) and mapping output to sources."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from idlc.diagnostics import DiagnosticSink
from idlc.ir import Span
from idlc.preprocess.preprocessor import Preprocessed, parse_define, preprocess

if TYPE_CHECKING:
    from conftest import Runner


def test_crlf_and_dos_eof(pp: Runner) -> None:
    r = pp.run({"main.idl": b"#define A 1\r\nA x\r\n\r\ny\r\n\x1a"})
    assert r.messages() == []
    assert r.text == "\n1 x\n\ny\n"
    assert r.pre.span(4, 1) == Span("main.idl", 4, 1)


def test_dos_eof_ends_the_file(pp: Runner) -> None:
    r = pp.run({"main.idl": b"a\n\x1ab\n"})
    assert r.words() == ["a"]


def test_non_utf8_bytes_are_replaced_not_fatal(pp: Runner) -> None:
    r = pp.run({"main.idl": b"// Ove K\xe5ven\nx \xe5 y\n/* \xff */ z\n"})
    assert r.messages() == []
    assert r.lines[1] == "x \ufffd y"
    assert r.lines[2].strip() == "z"
    assert r.pre.span(3, r.lines[2].index("z") + 1) == Span("main.idl", 3, 9)


def test_utf8_bom_keeps_columns(pp: Runner) -> None:
    r = pp.run({"main.idl": b"\xef\xbb\xbfx\n"})
    assert r.words() == ["x"]
    assert r.lines[0] == " x"


def test_comments_become_blanks_and_keep_lines(pp: Runner) -> None:
    r = pp.text("a /* one\ntwo */ b // three\nc\n")
    assert r.lines[0].rstrip() == "a"
    assert r.lines[1].rstrip() == "       b"
    assert r.lines[2] == "c"


def test_comment_markers_inside_strings_are_text(pp: Runner) -> None:
    src = 'cpp_quote("/* not") x cpp_quote("// not") helpstring("a*/b")\n'
    assert pp.text(src).lines[0] == src.rstrip("\n")


def test_comments_inside_directives(pp: Runner) -> None:
    src = (
        "#define A /* c */ 1 // d\n"
        "#if A /* x */ == 1 // y\nyes\n#endif /* e */\n"
        "#ifdef /* z */ A\nyes2\n#endif\n"
        "# /* null */\n"
        "#define B 2 /* spans\n   lines */\nA B\n"
    )
    r = pp.text(src)
    assert r.messages() == []
    assert r.words() == ["yes", "yes2", "1", "2"]


def test_line_comment_continued_by_backslash_swallows_next_line(pp: Runner) -> None:
    r = pp.text("// #define DECL(name) \\\n   typedef name\nx\n")
    assert r.words() == ["x"]


def test_unterminated_comment(pp: Runner) -> None:
    r = pp.text("a\n  b /* open\n\nc\n")
    assert r.messages() == ["t.idl:2:5: unterminated comment"]
    assert r.words() == ["a", "b"]


def test_unterminated_comment_after_closed_ones(pp: Runner) -> None:
    r = pp.text('/* a */ "/*" /* b */\n/*/ x\n')
    assert r.messages() == ["t.idl:2:1: unterminated comment"]


def test_spliced_text_line_maps_both_parts(pp: Runner) -> None:
    r = pp.text("first \\\n  second\nthird\n")
    assert r.lines[:3] == ["first  second", "", "third"]
    assert r.pre.span(1, 1) == Span("t.idl", 1, 1)
    assert r.pre.span(1, r.lines[0].index("second") + 1) == Span("t.idl", 2, 3)
    assert r.pre.span(3, 2) == Span("t.idl", 3, 2)


def test_span_after_multiline_directive(pp: Runner) -> None:
    r = pp.text("#define M(a) \\\n  a \\\n  a\n  after M\n")
    assert r.lines[:4] == ["", "", "", "  after M"]
    assert r.pre.span(4, 3) == Span("t.idl", 4, 3)


def test_span_after_include(pp: Runner) -> None:
    files = {
        "main.idl": 'before\n#include "inc/h.h"\n  after\n',
        "inc/h.h": "h1\nh2\n",
    }
    r = pp.run(files)
    assert r.words() == ["before", "h1", "h2", "after"]
    out_line = r.lines.index("  after") + 1
    assert r.pre.span(out_line, 3) == Span("main.idl", 3, 3)
    h2 = r.lines.index("h2") + 1
    assert r.pre.span(h2, 2) == Span("inc/h.h", 2, 2)
    assert r.pre.span(1, 1) == Span("main.idl", 1, 1)
    assert r.pre.files == ("main.idl", "inc/h.h")


def test_span_inside_and_after_macro_expansion(pp: Runner) -> None:
    r = pp.text("#define ATTR [unique, ptr]\n  typedef ATTR long *p;\n")
    line = r.lines[1]
    assert line == "  typedef [unique, ptr] long *p;"
    assert r.pre.span(2, line.index("typedef") + 1) == Span("t.idl", 2, 3)
    # Inside the expansion: the macro use.
    assert r.pre.span(2, line.index("ptr") + 1) == Span("t.idl", 2, 11)
    # After it: exact again.
    assert r.pre.span(2, line.index("long") + 1) == Span("t.idl", 2, 16)
    assert r.pre.span(2, line.index("p;") + 1) == Span("t.idl", 2, 22)


def test_span_after_multiline_invocation(pp: Runner) -> None:
    r = pp.text("#define F(a, b) a b\nF(x,\n   y) tail\nnext\n")
    assert r.lines[1:4] == ["x y tail", "", "next"]
    assert r.pre.span(2, r.lines[1].index("tail") + 1) == Span("t.idl", 3, 7)
    assert r.pre.span(2, 1) == Span("t.idl", 2, 1)
    assert r.pre.span(4, 1) == Span("t.idl", 4, 1)


def test_span_out_of_range_is_clamped_not_raised() -> None:
    pre = preprocess(Path("x.idl"), sink=DiagnosticSink(), text="a\n")
    assert pre.span(99, 3) == Span("x.idl", 99, 3)
    assert Preprocessed("", ("y.idl",)).span(1, 1) == Span("y.idl", 1, 1)


def test_text_overrides_file_and_files_lists_root_first(pp: Runner) -> None:
    r = pp.text("x\n")
    assert r.pre.files == ("t.idl",)
    assert r.text == "x\n"


def test_empty_input() -> None:
    pre = preprocess(Path("e.idl"), sink=DiagnosticSink(), text="")
    assert pre.text in ("", "\n")


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("NAME", ("NAME", "1")),
        ("-DNAME", ("NAME", "1")),
        ("NAME=VALUE", ("NAME", "VALUE")),
        ("__midl=801", ("__midl", "801")),
        ("A=B=C", ("A", "B=C")),
        ("F(x)=x+1", ("F(x)", "x+1")),
        ("EMPTY=", ("EMPTY", " ")),
    ],
)
def test_parse_define(arg: str, expected: tuple[str, str]) -> None:
    assert parse_define(arg) == expected


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("", "-D needs a macro name"),
        ("=1", "-D needs a macro name"),
        ("3X", "invalid macro name in -D3X"),
    ],
)
def test_parse_define_rejects_bad_names(arg: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_define(arg)


def test_included_files_are_read_once_per_process(pp: Runner) -> None:
    from idlc.preprocess import tokens

    files = {"main.idl": '#include "shared.h"\n', "shared.h": "#define S 1\nS\n"}
    first = pp.run(files)
    cached = [k for k in tokens._CACHE if k.endswith("shared.h")]
    second = pp.run({})
    assert first.text == second.text == "\n\n1\n"
    assert cached

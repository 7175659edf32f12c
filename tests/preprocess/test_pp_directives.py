"""Directives: conditionals, #include search order, guards, #error, #warning, #line, #pragma."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Runner


def test_object_and_function_like_define_and_undef(pp: Runner) -> None:
    r = pp.text("#define N 4\n#define SQ(x) ((x)*(x))\nN SQ(N)\n#undef N\nN\n")
    assert r.lines[2] == "4 ((4)*(4))"
    assert r.lines[4] == "N"
    assert r.messages() == []


def test_directives_become_empty_lines(pp: Runner) -> None:
    r = pp.text("#define A 1\n#if A\nx\n#endif\ny\n")
    assert r.lines[:5] == ["", "", "x", "", "y"]


def test_ifdef_ifndef_else(pp: Runner) -> None:
    r = pp.text("#define D\n#ifdef D\na\n#else\nb\n#endif\n#ifndef D\nc\n#else\nd\n#endif\n")
    assert r.words() == ["a", "d"]


def test_if_elif_chain_takes_first_true_branch_only(pp: Runner) -> None:
    src = "#if 0\na\n#elif 1\nb\n#elif 1\nc\n#else\nd\n#endif\n"
    assert pp.text(src).words() == ["b"]
    assert pp.text("#if 0\na\n#elif 0\nb\n#else\nd\n#endif\n").words() == ["d"]


def test_nested_conditionals_in_skipped_group_are_not_evaluated(pp: Runner) -> None:
    src = "#if 0\n#if 1/0\nx\n#else\ny\n#endif\n#bogus\n#error no\n#endif\nz\n"
    r = pp.text(src)
    assert r.words() == ["z"]
    assert r.messages() == []


def test_elif_not_evaluated_after_a_taken_branch(pp: Runner) -> None:
    r = pp.text("#if 1\na\n#elif 1/0\nb\n#endif\n")
    assert r.words() == ["a"]
    assert r.messages() == []


def test_defines_from_command_line(pp: Runner) -> None:
    r = pp.text(
        "#if __midl >= 501 && FLAG == 1\nyes\n#endif\nFLAG V\n",
        defines={"__midl": "801", "FLAG": "", "V": "x y"},
    )
    assert r.words() == ["yes", "1", "x", "y"]


def test_midl_is_not_predefined(pp: Runner) -> None:
    assert pp.text("#ifdef __midl\nyes\n#endif\n").words() == []
    assert pp.text("#ifdef __STDC__\nyes\n#endif\n").words() == []


def test_error_directive(pp: Runner) -> None:
    r = pp.text("\n  #error stop here\n")
    assert r.messages() == ["t.idl:2:3: #error stop here"]


def test_warning_directive(pp: Runner) -> None:
    r = pp.text("#warning careful now\n")
    assert r.messages() == []
    assert r.messages("warning") == ["t.idl:1:1: #warning careful now"]


def test_unknown_directive_is_an_error_but_null_directive_is_fine(pp: Runner) -> None:
    r = pp.text("#\n# \n#foo bar\n")
    assert r.messages() == ["t.idl:3:2: invalid preprocessing directive #foo"]


def test_unterminated_if(pp: Runner) -> None:
    r = pp.text("x\n#ifndef G\n#if 1\n#endif\n")
    assert r.messages() == ["t.idl:2:1: unterminated #ifndef"]


def test_else_elif_endif_without_if(pp: Runner) -> None:
    r = pp.text("#else\n#elif 1\n#endif\n")
    assert r.messages() == [
        "t.idl:1:1: #else without #if",
        "t.idl:2:1: #elif without #if",
        "t.idl:3:1: #endif without #if",
    ]


def test_else_after_else(pp: Runner) -> None:
    r = pp.text("#if 1\n#else\n#else\nx\n#endif\n")
    assert r.messages() == ["t.idl:3:1: #else after #else"]
    assert r.words() == []


def test_ifdef_without_name(pp: Runner) -> None:
    r = pp.text("#ifdef\n#endif\n")
    assert r.messages() == ["t.idl:1:1: no macro name given in #ifdef directive"]


def test_pragma_dropped_with_note_only_in_root_file(pp: Runner) -> None:
    r = pp.run(
        {
            "main.idl": '#pragma midl_echo("x")\n#pragma once\n#pragma pack(4)\n'
            '#pragma warning(disable: 2111)\n#include "h.h"\nx\n',
            "h.h": "#pragma something_else\n",
        },
    )
    assert r.words() == ["x"]
    assert r.messages("note") == ['main.idl:1:1: ignoring #pragma midl_echo("x")']


def test_midl_pragma_and_cpp_quote_and_import_pass_through(pp: Runner) -> None:
    src = (
        '#define HRESULT long\nimport "wtypes.idl", "x.idl";\n'
        'cpp_quote("#define HRESULT 1 /* not a comment */")\n'
        "midl_pragma warning(disable: 2111)\nHRESULT f();\n"
    )
    r = pp.text(src)
    assert r.lines[1:5] == [
        'import "wtypes.idl", "x.idl";',
        'cpp_quote("#define HRESULT 1 /* not a comment */")',
        "midl_pragma warning(disable: 2111)",
        "long f();",
    ]


def test_line_directive_is_honoured(pp: Runner) -> None:
    r = pp.text('a\n#line 100 "other.idl"\nb\nc\n#line 7\nd\n')
    assert r.pre.span(3, 1).file == "other.idl"
    assert (r.pre.span(3, 1).line, r.pre.span(4, 1).line, r.pre.span(6, 1).line) == (100, 101, 7)
    assert r.pre.span(6, 1).file == "other.idl"
    assert r.pre.span(1, 1) == r.pre.span(1, 1).__class__("t.idl", 1, 1)


def test_line_directive_in_diagnostics_and_line_macro(pp: Runner) -> None:
    r = pp.text("#line 50\n__LINE__ __FILE__\n#error here\n")
    assert r.lines[1] == '50 "t.idl"'
    assert r.messages() == ["t.idl:51:1: #error here"]


def test_include_quoted_searches_including_folder_first(pp: Runner) -> None:
    files = {
        "src/main.idl": '#include "a.h"\n#include <b.h>\n',
        "src/a.h": "src_a\n",
        "inc1/a.h": "inc1_a\n",
        "inc1/b.h": "inc1_b\n",
        "inc2/b.h": "inc2_b\n",
        "src/b.h": "src_b\n",
    }
    r = pp.run(files, "src/main.idl", include_dirs=["inc1", "inc2"])
    assert r.words() == ["src_a", "inc1_b"]
    assert r.pre.files == ("src/main.idl", "src/a.h", "inc1/b.h")


def test_include_dirs_in_order(pp: Runner) -> None:
    files = {"main.idl": '#include "x.h"\n', "i1/y.h": "", "i2/x.h": "i2\n", "i3/x.h": "i3\n"}
    r = pp.run(files, include_dirs=["i1", "i2", "i3"])
    assert r.words() == ["i2"]


def test_include_with_macro_name_and_backslashes(pp: Runner) -> None:
    files = {
        "main.idl": '#define HDR "sub\\\\x.h"\n#include HDR\n#include "sub\\y.h"\n',
        "sub/x.h": "x\n",
        "sub/y.h": "y\n",
    }
    r = pp.run(files)
    assert r.messages() == []
    assert r.words() == ["x", "y"]


def test_include_is_case_insensitive_as_on_windows(pp: Runner) -> None:
    r = pp.run({"main.idl": '#include "Sub/Defs.H"\n', "sub/defs.h": "ok\n"})
    assert r.messages() == []
    assert r.words() == ["ok"]


def test_include_not_found(pp: Runner) -> None:
    r = pp.run({"main.idl": 'a\n  #include "missing.h"\n#include <gone.h>\n'})
    assert r.messages() == [
        "main.idl:2:12: cannot open include file 'missing.h'",
        "main.idl:3:10: cannot open include file 'gone.h'",
    ]


def test_include_not_found_in_nested_file_has_chain(pp: Runner) -> None:
    files = {
        "main.idl": '\n#include "a.h"\n',
        "a.h": '#include "b.h"\n',
        "b.h": "\n\n#include <c.h>\n",
    }
    r = pp.run(files)
    (d,) = r.diagnostics
    assert d.message == "cannot open include file 'c.h'"
    assert str(d.span) == "b.h:3:10"
    assert [str(s) for s in d.imported_from] == ["a.h:1:10", "main.idl:2:10"]


def test_include_expects_filename(pp: Runner) -> None:
    r = pp.text("#include nothing\n")
    assert r.messages() == ['t.idl:1:1: #include expects "FILENAME" or <FILENAME>']


def test_include_guard_file_is_read_once(pp: Runner) -> None:
    files = {
        "main.idl": '#include "g.h"\n#include "g.h"\nend\n',
        "g.h": "// guard\n#ifndef G_H\n#define G_H\nbody\n#endif /* G_H */\n\n",
    }
    r = pp.run(files)
    assert r.words() == ["body", "end"]
    assert r.pre.files == ("main.idl", "g.h")


def test_pragma_once(pp: Runner) -> None:
    files = {"main.idl": '#include "o.h"\n#include "./o.h"\n', "o.h": "#pragma once\nonce\n"}
    r = pp.run(files)
    assert r.words() == ["once"]
    assert r.messages("note") == []


def test_unguarded_file_is_included_each_time(pp: Runner) -> None:
    r = pp.run({"main.idl": '#include "u.h"\n#include "u.h"\n', "u.h": "u\n"})
    assert r.words() == ["u", "u"]


def test_recursive_include_stops_with_an_error(pp: Runner) -> None:
    r = pp.run({"main.idl": '#include "main.idl"\n'})
    errors = r.messages()
    assert errors == ["main.idl:1:10: #include nested depth 200 exceeds maximum"]


def test_unterminated_if_in_included_file_is_reported_there(pp: Runner) -> None:
    r = pp.run({"main.idl": '#include "h.h"\n#endif\n', "h.h": "#if 1\n"})
    assert r.messages() == ["h.h:1:1: unterminated #if", "main.idl:2:1: #endif without #if"]


def test_missing_root_file(pp: Runner) -> None:
    r = pp.run({}, "nope.idl")
    assert r.messages() == ["cannot open input file 'nope.idl'"]
    assert r.text == ""

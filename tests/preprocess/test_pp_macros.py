"""Macro expansion: object- and function-like, #, ##, variadics, rescanning, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Runner


def expand(pp: Runner, defs: str, use: str) -> str:
    r = pp.text(defs + "\n" + use + "\n")
    assert r.messages() == []
    return r.lines[defs.count("\n") + 1]


@pytest.mark.parametrize(
    ("defs", "use", "expected"),
    [
        ("#define A 1", "A+A", "1+1"),
        ("#define A B\n#define B 2", "A", "2"),
        ("#define F(x) <x>", "F(1) F (2) F", "<1> <2> F"),
        ("#define F(x, y) x-y", "F((a,b), [c])", "(a,b)-[c]"),
        ("#define F() z", "F() F ( )", "z z"),
        ("#define F(x) [x]", "F()", "[]"),
        ("#define S(x) #x", 'S(a  "b\\n"   c) S( )', '"a \\"b\\\\n\\" c" ""'),
        ("#define P(a, b) a ## b", "P(x, y) P(, y) P(x, ) P(1, 2)", "xy y x 12"),
        ("#define C(a, b, c) a ## b ## c", "C(,,) C(1,,3)", " 13"),
        ("#define HH # ## #", "HH", "##"),
        ("#define V(...) f(__VA_ARGS__)", "V() V(1) V(1, 2)", "f() f(1) f(1, 2)"),
        ("#define V(fmt, args...) p(fmt, args)", "V(a, b, c)", "p(a, b, c)"),
        ("#define E(fmt, ...) p(fmt, ## __VA_ARGS__)", "E(a) E(a, b)", "p(a) p(a, b)"),
        ("#define V(x, ...) [x|__VA_ARGS__]", "V(1)", "[1|]"),
        ("#define SELF SELF + 1", "SELF", "SELF + 1"),
        ("#define A B\n#define B A", "A B", "A B"),
        ("#define f(x) x f\n", "f(1)(2)(3)", "1 f(2)(3)"),
        ("#define f(a) a*g\n#define g(a) f(a)", "f(2)(9)", "2*9*g"),
        ("#define N(x) x\n", "N(N(N(1)))", "1"),
        ("#define LP (\n#define F(x) [x]", "F LP 1)", "F ( 1)"),
        ("#define G F\n#define F(x) [x]", "G(1)", "[1]"),
        ("#define EMPTY\n", "a EMPTY b", "a b"),
        ("#define MINUS -\n", "-MINUS 1 MINUS-1", "- - 1 - -1"),
        ("#define X(a) a\n", "X(x)X(y)", "x y"),
    ],
)
def test_expansion(pp: Runner, defs: str, use: str, expected: str) -> None:
    assert expand(pp, defs, use) == expected


def test_attribute_text_macro(pp: Runner) -> None:
    r = pp.text(
        "#define MYATTR [unique]\n#define SZ(n) [size_is(n)]\ntypedef MYATTR struct s *p;\n"
        "void f([in] long n, [in] SZ(n) long *a);\n"
    )
    assert r.lines[2] == "typedef [unique] struct s *p;"
    assert r.lines[3] == "void f([in] long n, [in] [size_is(n)] long *a);"


def test_no_expansion_in_strings_chars_or_comments(pp: Runner) -> None:
    r = pp.text('#define X 1\n"X" \'X\' L"X" /* X */ X // X\ncpp_quote("X X")\n')
    assert r.lines[1].rstrip() == '"X" \'X\' L"X"         1'
    assert r.lines[2] == 'cpp_quote("X X")'


def test_unexpanded_text_keeps_its_exact_spelling(pp: Runner) -> None:
    src = (
        "#define Byte unsigned char\n"
        "[uuid(12345678-9abe-11d1-8e04-00c04fb9989a),  version(1.0)] Byte  x;\n"
    )
    r = pp.text(src)
    assert (
        r.lines[1]
        == "[uuid(12345678-9abe-11d1-8e04-00c04fb9989a),  version(1.0)] unsigned char  x;"
    )


def test_uuid_argument_is_pasted_without_spaces(pp: Runner) -> None:
    src = (
        "#define PIPE(iid, name) [uuid (iid)] interface IPipe##name\n"
        "PIPE (DB2F3ACA-2f86-11d1-8e04-00c04fb9989a, Byte)\n"
    )
    assert (
        pp.text(src).lines[1] == "[uuid (DB2F3ACA-2f86-11d1-8e04-00c04fb9989a)] interface IPipeByte"
    )


def test_invocation_spanning_lines_keeps_line_count(pp: Runner) -> None:
    r = pp.text("#define F(a, b) a+b\nF(1,\n  2) tail\nnext\n")
    assert r.lines[1:4] == ["1+2 tail", "", "next"]
    r = pp.text("#define F(a) [a]\nF\n\n(x)\nnext\n")
    assert r.lines[1:5] == ["[x]", "", "", "next"]


def test_function_like_name_without_parens_is_left_alone(pp: Runner) -> None:
    r = pp.text("#define F(a) [a]\nF\nx\n")
    assert r.lines[1:3] == ["F", "x"]


def test_macro_continuation_lines(pp: Runner) -> None:
    r = pp.text("#define LONG(a) \\\n   first a \\\n   second\nLONG(1)\n")
    assert r.lines[3] == "first 1 second"


def test_redefinition_warns_with_previous_location(pp: Runner) -> None:
    r = pp.text("#define A 1\n#define A  1\n#define A 2\n")
    assert r.messages("warning") == ["t.idl:3:9: 'A' redefined"]
    (w,) = r.diagnostics
    assert [str(n.span) for n in w.notes] == ["t.idl:1:9"]


def test_too_few_arguments(pp: Runner) -> None:
    r = pp.text("#define F(a, b) a\nx  F(1)\n")
    assert r.messages() == ["t.idl:2:4: macro 'F' requires 2 arguments, but only 1 given"]


def test_too_many_arguments(pp: Runner) -> None:
    r = pp.text("#define F(a) a\n#define G() g\nF(1, 2) G(3)\n")
    assert r.messages() == [
        "t.idl:3:1: macro 'F' passed 2 arguments, but takes just 1",
        "t.idl:3:9: macro 'G' passed 1 arguments, but takes just 0",
    ]


def test_unterminated_argument_list(pp: Runner) -> None:
    r = pp.text("#define F(a) a\n\n F(1, (2)\n#define X\n")
    assert r.messages() == ["t.idl:3:2: unterminated argument list invoking macro 'F'"]


def test_wrong_argument_count_in_if(pp: Runner) -> None:
    r = pp.text("#define F(a, b) a\n#if F(1)\n#endif\n")
    assert r.messages() == ["t.idl:2:5: macro 'F' requires 2 arguments, but only 1 given"]


@pytest.mark.parametrize(
    ("define", "message"),
    [
        ("#define", "t.idl:1:8: no macro name given in #define directive"),
        ("#define 3", "t.idl:1:9: macro names must be identifiers"),
        ("#define defined", "t.idl:1:9: 'defined' cannot be used as a macro name"),
        ("#define F(a, a) a", "t.idl:1:9: duplicate macro parameter 'a'"),
        ("#define F(a b) a", "t.idl:1:9: invalid macro parameter 'a b'"),
        ("#define F(a", "t.idl:1:9: missing ')' in macro parameter list"),
        ("#define F(a) #b", "t.idl:1:9: '#' is not followed by a macro parameter"),
        ("#define F ## a", "t.idl:1:9: '##' cannot appear at either end of a macro expansion"),
        ("#undef", "t.idl:1:1: no macro name given in #undef directive"),
    ],
)
def test_bad_definitions(pp: Runner, define: str, message: str) -> None:
    assert pp.text(define + "\n").messages() == [message]


def test_command_line_function_like_and_empty_defines(pp: Runner) -> None:
    r = pp.text("F(2) E| ONE\n", defines={"F(x)": "x*x", "E": " ", "ONE": ""})
    assert r.lines[0] == "2*2| 1"


def test_deep_argument_nesting_does_not_crash(pp: Runner) -> None:
    depth = 3000
    r = pp.text("#define F(x) x\n" + "F(" * depth + "1" + ")" * depth + "\n")
    assert r.messages() == ["t.idl:2:201: macro expansion nested too deeply (more than 100)"]


def test_a_blank_line_inside_macro_arguments(pp: Runner) -> None:
    # found by the IDL fuzzer: the line after "F(" held no token, and the argument reader
    # popped from the empty stream (IndexError, an internal error)
    r = pp.text("#define F(x) [x]\nF(\n\n  1)\nF(\n")
    assert r.lines[1] == "[1]"
    assert r.messages() == ["t.idl:5:1: unterminated argument list invoking macro 'F'"]

"""``#if`` expressions: C integer semantics, defined, literals, and the error messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Runner


def truth(pp: Runner, expr: str, prelude: str = "") -> bool:
    r = pp.text(f"{prelude}\n#if {expr}\nyes\n#else\nno\n#endif\n")
    assert r.messages() == [], r.messages()
    (word,) = r.words()
    return word == "yes"


@pytest.mark.parametrize(
    "expr",
    [
        "1",
        "1 + 2 * 3 == 7",
        "(1 + 2) * 3 == 9",
        "10 / 3 == 3 && 10 % 3 == 1",
        "-10 / 3 == -3 && -10 % 3 == -1",  # truncation toward zero
        "1 << 4 == 16 && 256 >> 4 == 16",
        "(5 & 3) == 1 && (5 | 3) == 7 && (5 ^ 3) == 6",
        "~0 == -1",
        "!0 && !!5",
        "1 < 2 && 2 > 1 && 2 <= 2 && 2 >= 2 && 1 != 2",
        "0 || 3",
        "1 ? 2 : 0",
        "0 ? 0 : 1 ? 1 : 0",
        "(0, 1)",
        "0x10 == 16 && 020 == 16 && 0b101 == 5",
        "1L == 1 && 1ul == 1 && 1UL == 1 && 2LL == 2 && 3i64 == 3 && 4ui64 == 4",
        "__cpp_constexpr >= 200704l || 1",
        "-1 < 0",
        "-1 > 0u",  # usual arithmetic conversions: -1 becomes UINTMAX_MAX
        "0xffffffffffffffff == -1",
        "0x7fffffffffffffff + 1 < 0",  # signed wrap-around
        "(0u - 1) >> 63 == 1",
        "'a' == 97 && '\\n' == 10 && '\\x41' == 65 && '\\101' == 65 && '\\0' == 0",
        "'\\377' < 0 && L'\\377' == 255",
        "'ab' == 24930",
        "undefined_name == 0",
        "defined X && defined(X) && defined ( X ) && !defined Y",
        "X == 2",
        "F(3) == 9",
        "!(0 && (1 / 0))",  # not evaluated
        "1 || (1 % 0)",
        "1 ? 1 : 1 / 0",
    ],
)
def test_true_expressions(pp: Runner, expr: str) -> None:
    assert truth(pp, expr, "#define X 2\n#define F(a) ((a)*(a))")


@pytest.mark.parametrize("expr", ["0", "1 - 1", "defined(Y)", "X", "0 ? 1 : 0", "!1"])
def test_false_expressions(pp: Runner, expr: str) -> None:
    assert not truth(pp, expr)


def test_defined_is_not_macro_expanded(pp: Runner) -> None:
    assert truth(pp, "defined(A)", "#define A B")
    assert not truth(pp, "defined(B)", "#define A B")


def test_macro_expanding_to_expression(pp: Runner) -> None:
    assert truth(pp, "VER >= 0x0600", "#define VER WINNT\n#define WINNT 0x0601")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("", "#if with no expression"),
        ("(1", "missing ')' in expression"),
        ("1 +", "operator '+' has no right operand"),
        ("-", "operator '-' has no right operand"),
        ("1 2", 'missing binary operator before token "2"'),
        ("F(1)", 'missing binary operator before token "("'),
        ("1 / 0", "division by zero in #if"),
        ("1 % (2 - 2)", "division by zero in #if"),
        ("1 ? 2", "'?' without following ':'"),
        ("1.5", "floating constant in preprocessor expression"),
        ("12abc", 'invalid integer constant "12abc"'),
        ("09", 'invalid digit in octal constant "09"'),
        ("99999999999999999999", "integer constant is too large for its type"),
        ('"s"', 'token ""s"" is not valid in preprocessor expressions'),
        ("x = 1", 'token "=" is not valid in preprocessor expressions'),
        ("1)", "missing '(' in expression"),
        ("defined", "operator 'defined' requires an identifier"),
        ("defined(X", "missing ')' after \"defined\""),
        ("''", "empty character constant"),
        ("'a", "missing terminating ' character"),
    ],
)
def test_bad_expressions(pp: Runner, expr: str, message: str) -> None:
    r = pp.text(f"\n#if {expr}\nx\n#endif\n")
    col = 1 if expr == "" else 5
    assert r.messages() == [f"t.idl:2:{col}: {message}"]
    assert r.words() == []  # a bad condition counts as false


def test_bad_elif_expression(pp: Runner) -> None:
    r = pp.text("#if 0\n#elif (\nx\n#else\ny\n#endif\n")
    assert r.messages() == ["t.idl:2:7: expected value in expression"]
    assert r.words() == ["y"]

"""Input at the compiler's bounds compiles (to a module or to diagnostics), never to an internal
error: each bound must hold with the whole pipeline's recursion under it, code generation
included, even from inside a test runner's deep stack. The inputs past each bound are in
tests/diagnostics (``e_nesting_*``, ``e_*_too_large``...), found by the IDL fuzzer (fuzz/idl)."""

from __future__ import annotations

from pathlib import Path

import pytest

from idlc.cli import main
from idlc.syntax.lexer import decode_string, parse_int

HEADER = "[uuid(0b7c4f2e-9a31-4d6e-8f15-3c2a7e90d418), version(1.0)]\ninterface Edge\n{\n"

# Each just under its bound: the parser's 200 levels (an attribute argument's parenthesis is
# two: its text is parsed as balanced tokens first), 32 declarator levels, 100 type levels.
AT_THE_BOUNDS = {
    "parens": "const long c = " + "(" * 190 + "1" + ")" * 190 + ";",
    "sum": "const long c = " + "1 + " * 190 + "1;",
    "unary": "const long c = " + "- ~" * 95 + "1;",
    "ternary": "const long c = " + "1 ? 1 : " * 95 + "1;",
    "size_is": "void f([in] long n, [in, size_is(" + "(" * 85 + "n" + ")" * 85 + ")] long *p);",
    "structs": "typedef "
    + "struct { " * 90
    + "long x; "
    + "} a; " * 89
    + "} S;"
    + " void f([in] S *s);",
    "stars": "void f([in] long " + "*" * 32 + "p);",
    "arrays": "typedef long A" + "[2]" * 32 + "; void f([in] A *a);",
    "struct_refs": "typedef struct { long a; } S0;\n"
    + "".join(f"typedef struct {{ S{i} a; long b; }} S{i + 1};\n" for i in range(99))
    + "void f([in] S99 *s);",
    "pointer_refs": "typedef long T0;\n"
    + "".join(f"typedef T{i} *T{i + 1};\n" for i in range(30))
    + "void f([in] T30 t);",
}


@pytest.mark.parametrize("case", sorted(AT_THE_BOUNDS))
def test_input_at_the_bounds_compiles_without_internal_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    idl = tmp_path / "edge.idl"
    idl.write_text(HEADER + AT_THE_BOUNDS[case] + "\n}\n")
    status = main([str(idl), "-o", str(tmp_path / "out"), "--no-acf"])
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert status in (0, 1)
    assert "nests too deeply" not in err and "nesting too deep" not in err


def test_escapes_that_name_no_character_read_as_the_replacement_character() -> None:
    assert decode_string(r"a\x110000 z") == "a\ufffd z"
    assert decode_string(r"\xd800") == "\ufffd"
    assert decode_string(r"\x41\101") == "AA"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("18446744073709551616", "too large"),
        ("0x10000000000000000", "too large"),
        ("9" * 5000, "too large"),
        ("08", "octal"),
    ],
)
def test_integer_literals_out_of_range_are_value_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_int(text)
    assert parse_int("18446744073709551615") == 2**64 - 1

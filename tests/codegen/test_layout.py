"""The generator's line layout agrees with the formatter on the shapes idlc emits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from idlc.backends.python.layout import (
    LINE_LENGTH,
    fit_line,
    py_str,
    py_value,
    relayout,
    signature,
    top_level_split,
    wrap,
)


def test_short_lines_pass_through() -> None:
    assert fit_line("    return [a, b]") == ["    return [a, b]"]


def test_long_if_is_parenthesised_then_split_at_or() -> None:
    cond = (
        "not isinstance(a_total, int) or not -9223372036854775808 <= a_total <= 9223372036854775807"
    )
    lines = fit_line(f"    if {cond}:")
    assert lines == [
        "    if (",
        "        not isinstance(a_total, int)",
        "        or not -9223372036854775808 <= a_total <= 9223372036854775807",
        "    ):",
    ]


def test_long_call_puts_arguments_on_one_line_when_they_fit() -> None:
    line = (
        "        return self._call(_AsyncRPC_NonAsyncFunc, _AsyncRPC_NonAsyncFunc_cin(pszMessage))"
    )
    assert fit_line(line) == [
        "        return self._call(",
        "            _AsyncRPC_NonAsyncFunc, _AsyncRPC_NonAsyncFunc_cin(pszMessage)",
        "        )",
    ]


def test_very_long_call_gets_one_argument_per_line_and_a_trailing_comma() -> None:
    args = ", ".join(f"argument_number_{i}=value_{i}" for i in range(6))
    lines = fit_line(f"    return Result({args})")
    assert lines[0] == "    return Result("
    assert lines[-1] == "    )"
    assert all(line.endswith(",") for line in lines[1:-1])
    assert all(len(line) <= LINE_LENGTH for line in lines)


def test_brackets_inside_strings_are_not_split_points() -> None:
    line = (
        '    raise _codec.int_error(value_with_a_long_name, "unsigned long",'
        ' f"{path}.items[{_i1}]")'
    )
    lines = fit_line(line)
    assert lines[0] == "    raise _codec.int_error("
    assert 'f"{path}.items[{_i1}]"' in lines[1]


def test_wrap_and_signature_shapes() -> None:
    assert wrap("", "f(", ["a", "b"], ")") == ["f(a, b)"]
    assert wrap("", "f(", ["a"], ")", magic=True) == ["f(", "    a,", ")"]
    assert signature("", "g", ["x: int"], "None", is_async=True) == ["async def g(x: int) -> None:"]


def test_literals_use_double_quotes_and_ascii() -> None:
    assert py_str('a "q" \u00e9') == '"a \\"q\\" \\u00e9"'
    assert py_value(True) == "True"
    assert py_value(0x2001) == "8193"
    assert py_value(None) == "None"


def test_formatter_agrees_with_relayout(tmp_path: Path) -> None:
    ruff = str(Path(sys.executable).with_name("ruff"))  # a test dependency, beside python
    cond = " or ".join(f"not check_{i}(value)" for i in range(8))
    source = "\n".join(
        [
            "def f(value: object) -> object:",
            f"    if {cond}:",
            "        raise ValueError(value)",
            "    return make_a_result(" + ", ".join(f"field_{i}=value" for i in range(9)) + ")",
            "    " + ", ".join(f"f_field_{i}" for i in range(6)) + " = _codec.fields(w, 6, path)",
            "    " + ", ".join(f"f_field_{i}" for i in range(12)) + " = _codec.fields(w, 12, p)",
            # a comparison chain too long for its own line of the condition
            f"    if not isinstance(f_{'x' * 40}, int) or not -9223372036854775808 <= "
            f"f_{'x' * 40} <= 9223372036854775807:",
            "        raise ValueError(value)",
            # an atom whose `name = (` would not fit either stays on its over-long line
            f"    {'N' * 87} = 16",
            f"    {'M' * 70} = 16000000000000000000",
            "    return value",
            "",
        ]
    )
    laid_out = relayout(source)
    target = tmp_path / "laid_out.py"
    target.write_text(laid_out)
    check = subprocess.run(
        [ruff, "format", "--isolated", "--check", "--diff", str(target)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_top_level_split_skips_brackets_and_strings() -> None:
    body = 'a, "x, y", f(b, c), "z"'
    assert top_level_split(body, ",") == ["a", '"x, y"', "f(b, c)", '"z"']
    assert top_level_split('"p", "q"', ",") == ['"p"', '"q"']


def test_relayout_memo_gives_what_fit_line_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long lines are laid out once per text: a hit, a miss and a full memo agree with fit_line."""
    from idlc.backends.python import layout

    long_call = "    return make_a_result(" + ", ".join(f"f_{i}=value" for i in range(12)) + ")"
    long_if = "    if " + " or ".join(f"not check_{i}(value)" for i in range(8)) + ":"
    text = "\n".join(["def f(value):", long_call, long_if, "        pass", long_call, ""])
    expected = "\n".join(line for raw in text.split("\n") for line in fit_line(raw))
    monkeypatch.setattr(layout, "_LAID_OUT", {})
    assert relayout(text) == expected  # misses, then a hit on the repeated call
    assert set(layout._LAID_OUT) == {long_call, long_if}
    assert relayout(text) == expected  # every long line a hit
    monkeypatch.setattr(layout, "_LAID_OUT", {})
    monkeypatch.setattr(layout, "_LAID_OUT_SIZE", 1)
    assert relayout(text) == expected  # the memo emptied when full
    assert len(layout._LAID_OUT) == 1

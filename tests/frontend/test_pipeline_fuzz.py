"""No edit of a real IDL file makes the compiler fail inside: every mutant of the examples ends
in exit 0 with Python that compiles, or exit 1 with diagnostics; never a traceback or exit 2."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlc.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    (ROOT / "examples/async/AsyncRPC.idl").read_text(encoding="utf-8"),
    (ROOT / "examples/types/Inventory.idl").read_text(encoding="utf-8"),
]
TOKENS = [list(re.finditer(r"\w+|\S", text)) for text in SOURCES]
JUNK = [
    "[", "]", "{", "}", "(", ")", ";", ",", "*", "=", "0x", '"', "union", "struct", "switch",
    "case", "typedef", "interface", "const", "...", "?", ":", 'L"x"', "[size_is(]", "-1",
    "99999999999999999999", "1.5", "void", "[out]", "[string]", "pipe", "\x00", "#if", "\\",
]  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    source=st.integers(0, len(SOURCES) - 1),
    where=st.floats(0, 1, exclude_max=True),
    op=st.sampled_from(["delete", "repeat", "replace"]),
    junk=st.sampled_from(JUNK),
)
def test_mutants_compile_or_are_refused_cleanly(
    tmp_path: Path, source: int, where: float, op: str, junk: str
) -> None:
    text, tokens = SOURCES[source], TOKENS[source]
    tok = tokens[int(where * len(tokens))]
    edited = {
        "delete": text[: tok.start()] + text[tok.end() :],
        "repeat": text[: tok.end()] + " " + tok.group() + text[tok.end() :],
        "replace": text[: tok.start()] + junk + text[tok.end() :],
    }[op]
    idl = tmp_path / f"m{source}.idl"
    idl.write_text(edited, encoding="utf-8")
    out = tmp_path / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main([str(idl), "--no-acf", "-o", str(out)])
    assert status in (0, 1), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    if status == 1:
        assert "error:" in err.getvalue()
    else:
        for module in out.glob("*.py"):
            compile(module.read_text(encoding="utf-8"), str(module), "exec")

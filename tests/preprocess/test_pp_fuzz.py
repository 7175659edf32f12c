"""No input makes the preprocessor raise: random mixes of directives, macros and junk."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlc.diagnostics import DiagnosticSink
from idlc.preprocess.preprocessor import preprocess

FRAGMENTS = [
    "#define A 1\n", "#define F(x, ...) x ## __VA_ARGS__ #x\n", "#define G(a) F(a, a) G\n",
    "#undef A\n", "#if ", "#ifdef A\n", "#ifndef F\n", "#elif ", "#else\n", "#endif\n",
    "#include ", '"x.h"', "<y.h>", "#line ", "#pragma once\n", "#error e\n", "#warning w\n",
    "#", "#bogus\n", "defined", "(", ")", ",", "A", "F", "G", "1", "0x", "'", '"', "'\\",
    "/*", "*/", "//", "\\\n", "\n", "\r\n", "\x1a", " ", "\t", "?", ":", "/", "%", "<<",
    "-", "!", "~", "&&", "||", "##", "...", "__VA_ARGS__", "__LINE__", "__FILE__",
    "import \"a.idl\";\n", 'cpp_quote("#if")\n', "[uuid(1-2)]", "\ufffd", "\x00",
    "9999999999999999999999",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_random_fragments_never_raise(parts: list[str]) -> None:
    text = "".join(parts)
    sink = DiagnosticSink()
    pre = preprocess(Path("fuzz.idl"), sink=sink, text=text)
    lines = pre.text.split("\n")
    for n in range(1, len(lines) + 1):
        span = pre.span(n, 1)
        assert span.line >= 0 and span.column >= 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    preprocess(Path("fuzz.idl"), sink=DiagnosticSink(), text=text)

"""Text to AST: the Lark LALR parser, built once per process, calling the grammar actions of
``parser_actions`` as it reduces (so no parse tree is built), and its syntax errors in plain words
(``parser_errors``)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark
from lark.exceptions import UnexpectedInput

from . import ast
from .diagnostics import DiagnosticSink
from .ir import Span
from .parser_actions import AstBuilder, Spanner, SyntaxFailure
from .parser_errors import report

__all__ = [
    "fragment_spanner",
    "parse_acf",
    "parse_attr_exprs",
    "parse_attr_type",
    "parse_idl",
]

GRAMMAR = Path(__file__).with_name("grammar") / "midl.lark"
STARTS = ["idl_file", "acf_file", "attr_exprs", "attr_type"]

_BUILDER = AstBuilder()


@cache
def _parser() -> Lark:
    """The parser for every start symbol; Lark caches the built tables in the temp folder."""
    from .lexer import MidlLexer

    options: dict[str, Any] = {
        "parser": "lalr",
        "lexer": MidlLexer,
        "start": STARTS,
        "maybe_placeholders": True,
        "transformer": _BUILDER,
    }
    grammar = GRAMMAR.read_text(encoding="utf-8")
    cache_file = Path(tempfile.gettempdir()) / f"idlc-lark-{_grammar_stamp()}.pickle"
    try:
        return Lark(grammar, cache=str(cache_file), **options)
    except OSError:  # pragma: no cover - an unwritable temp folder
        return Lark(grammar, **options)


def _grammar_stamp() -> str:
    import lark

    st = GRAMMAR.stat()
    return f"{st.st_size}-{st.st_mtime_ns}-{lark.__version__}"


def parse_idl(text: str, spanner: Spanner, sink: DiagnosticSink) -> ast.File | None:
    result = _parse(text, "idl_file", spanner, sink)
    return result if isinstance(result, ast.File) else None


def parse_acf(text: str, spanner: Spanner, sink: DiagnosticSink) -> ast.AcfFile | None:
    result = _parse(text, "acf_file", spanner, sink)
    return result if isinstance(result, ast.AcfFile) else None


def fragment_spanner(base: Span) -> Spanner:
    """Positions in an attribute argument's text mapped back through the argument's own span."""

    def spanner(line: int, column: int) -> Span:
        if line == 1:
            return Span(base.file, base.line, base.column + column - 1)
        return Span(base.file, base.line + line - 1, column)

    return spanner


def parse_attr_exprs(
    text: str, base: Span, sink: DiagnosticSink, what: str
) -> tuple[ast.Expr | None, ...] | None:
    """The comma-separated (possibly empty) expressions of an attribute argument."""
    result = _parse(text, "attr_exprs", fragment_spanner(base), sink, what)
    return result if isinstance(result, tuple) else None


def parse_attr_type(
    text: str, base: Span, sink: DiagnosticSink, what: str
) -> tuple[ast.TypeSpec, int, str | None] | None:
    """A type argument (``switch_type(unsigned short)``, ``implicit_handle(handle_t h)``)."""
    result = _parse(text, "attr_type", fragment_spanner(base), sink, what)
    return result if isinstance(result, tuple) else None


def _parse(
    text: str, start: str, spanner: Spanner, sink: DiagnosticSink, what: str | None = None
) -> Any:
    parser = _parser()
    _BUILDER.start(text, spanner, sink)
    try:
        return parser.parse(text, start=start)
    except UnexpectedInput as exc:
        report(exc, text, spanner, sink, what, parser.terminals)
        return None
    except SyntaxFailure:
        return None

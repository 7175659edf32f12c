"""Text to AST: Lark's LALR tables for ``grammar/midl.lark``, run by ``lalr``, which
calls the grammar actions of ``actions`` as it reduces (so no parse tree is built); on a
syntax error, Lark's own parser (``tables``, imported and built only then) and
``errors`` say what went wrong."""

from __future__ import annotations

import re
import sys
import threading
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cachedir import cache_dir
from ..diagnostics import DiagnosticSink
from ..nodes import Span
from . import ast
from .actions import AstBuilder
from .actions_base import Spanner, SyntaxFailure
from .lalr import (
    FORMAT,
    MAX_DEPTH,
    Driver,
    Stuck,
    TooDeep,
    load_tables,
    save_tables,
    tables_from,
)
from .lexer import parse_int

if TYPE_CHECKING:
    from lark import Lark

__all__ = [
    "fragment_spanner",
    "parse_acf",
    "parse_attr_exprs",
    "parse_attr_type",
    "parse_idl",
]

GRAMMAR = Path(__file__).with_name("grammar") / "midl.lark"
STARTS = ["idl_file", "acf_file", "attr_exprs", "attr_type"]
# An attribute argument that is one name or integer, as most are (``size_is(n)``, ``case(1)``).
_SIMPLE_ARG = re.compile(
    r"([ \t]*)(?:([A-Za-z_$][A-Za-z0-9_$]*)|((?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*))[ \t]*"
)

_BUILDER = AstBuilder()
_BUILDER_LOCK = threading.Lock()  # the actions hold the text being parsed: one parse at a time


@cache
def _parser() -> Lark:
    """Lark's parser for every start symbol, calling the same actions as the driver (Lark caches
    what it builds in the user's cache folder)."""
    from .tables import build, version

    folder = cache_dir()
    path = None if folder is None else folder / f"lark-{_grammar_stamp()}-{version()}.pickle"
    return build(GRAMMAR, STARTS, _BUILDER, path)


@cache
def _grammar_stamp() -> str:
    """Names the cached tables: the grammar's size and checksum with the start symbols (not the
    file's time, which every checkout changes). Not Lark's version, which would mean importing
    Lark: the driver's tables, once built, do not depend on it."""
    import zlib

    data = GRAMMAR.read_bytes() + repr(STARTS).encode()
    return f"{len(data)}-{zlib.crc32(data):08x}"


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
    simple = _SIMPLE_ARG.fullmatch(text)
    if simple is not None and simple[2] != "sizeof":  # what the parser would make of it
        span = fragment_spanner(base)(1, simple.end(1) + 1)
        if simple[2] is not None:
            return (ast.Ident(simple[2], span),)
        with suppress(ValueError):  # else the parser reports it
            return (ast.Number(parse_int(simple[3]), simple[3], span),)
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
    with _BUILDER_LOCK:
        _BUILDER.start(text, spanner, sink)
        try:
            return _driver().parse(text, start)
        except Stuck:
            pass
        except SyntaxFailure:
            return None
        except TooDeep as exc:
            where = _BUILDER._first_span(_first_item(exc.children))
            sink.error(f"nesting too deep: more than {MAX_DEPTH} levels", where)
            return None
        return _explain(text, start, spanner, sink, what)


def _first_item(items: list[Any]) -> list[Any]:
    """``items`` with the lists of Lark's ``x*`` at its start opened (a loop: they nest)."""
    while items and isinstance(items[0], list):
        items = items[0] + items[1:]
    return items


def _explain(
    text: str, start: str, spanner: Spanner, sink: DiagnosticSink, what: str | None
) -> Any:
    """Lark's own parser, with the same tables and actions, over input the driver is stuck
    on: the exception it raises is what ``errors`` explains."""
    from lark.exceptions import UnexpectedInput

    from .errors import report

    _BUILDER.start(text, spanner, sink)
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        report(exc, text, spanner, sink, what, _parser().terminals)
        return None
    except SyntaxFailure:
        return None


@cache
def _driver() -> Driver:
    """The parsing loop, from tables cached in the user's cache folder (built on a miss)."""
    folder = cache_dir()
    # the tables hold marshalled code: named for this Python's bytecode, too
    name = f"tables-{_grammar_stamp()}-{FORMAT}-{sys.implementation.cache_tag}.pickle"
    path = None if folder is None else folder / name
    tables = None if path is None else load_tables(path)
    if tables is None:
        tables = tables_from(_parser())
        if path is not None:
            save_tables(tables, path)
    return Driver(tables, _BUILDER)

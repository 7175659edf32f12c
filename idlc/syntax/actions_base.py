"""What the grammar actions share: the parse's state (its text, spanner and sink), the spans
of tokens, and the markers that some rules hand to others but the syntax tree never holds."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from ..diagnostics import DiagnosticSink
from ..nodes import Span
from . import ast
from .lexer import LineStarts, Tok

Spanner = Callable[[int, int], Span]
_later = Span.later


class SyntaxFailure(Exception):
    """A syntax error found by a grammar action, already reported to the sink."""


def _no_spanner(line: int, column: int) -> Span:
    return Span("<input>", line, column)


class Qual:
    """A ``const``/``volatile`` qualifier or a ``*`` (dropped from the AST)."""


class Ptr:
    pass


class Label:
    """An encapsulated union's ``case X:`` (or ``default:`` with ``expr`` None)."""

    def __init__(self, expr: ast.Expr | None) -> None:
        self.expr = expr


QUAL = Qual()
PTR = Ptr()


def tokens(items: list[Any]) -> list[Tok]:
    out: list[Tok] = []
    for x in items:
        if isinstance(x, Tok):
            out.append(x)
        elif isinstance(x, list):
            out.extend(tokens(x))
    return out


class ActionState:
    """The state of one parse, set by ``start`` before it: the grammar actions are bound once
    per process."""

    def __init__(self) -> None:
        self.text = ""
        self.sink = DiagnosticSink()
        self.find: Callable[[int], Span] = lambda pos: _no_spanner(1, pos + 1)
        self.top = _no_spanner(1, 1)

    def start(self, text: str, spanner: Spanner, sink: DiagnosticSink) -> None:
        self.text = text
        self.sink = sink
        starts = LineStarts(text).starts

        def find(pos: int) -> Span:
            line = bisect_right(starts, pos)
            return spanner(line, pos - starts[line - 1] + 1)

        self.find = find
        self.top = _later(find, 0)  # line 1, column 1: for what has no token of its own

    def span(self, tok: Tok) -> Span:
        """Where ``tok`` starts: found when first read, as few are (most tokens have a span)."""
        return _later(self.find, tok.start_pos)

    def _first_span(self, items: list[Any]) -> Span:
        for x in items:
            if isinstance(x, Tok):
                return self.span(x)
            s = getattr(x, "span", None)
            if isinstance(s, Span) and s.line:
                return s
        return self.top

"""Syntax errors in the user's words: Lark's exceptions turned into one diagnostic each."""

from __future__ import annotations

import re
from collections.abc import Collection

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import TerminalDef

from ..diagnostics import DiagnosticSink, did_you_mean
from .actions_base import Spanner

_TERMINAL_WORDS = {
    "NAME": "an identifier",
    "NUMBER": "a number",
    "FLOAT": "a number",
    "STRING": "a string",
    "CHAR": "a character constant",
    "UUID": "a uuid",
    "ANYTOK": "an attribute argument",
    "CALLCONV": "a calling convention",
    "$END": "end of file",
}
_OPENERS = {"struct", "union", "enum", "interface", "library", "coclass", "module", "dispinterface"}
# The words a declaration or a parameter may start with: a misspelt one reads as a type name,
# and the parser fails a word or two later.
_KEYWORDS = frozenset(
    """
    typedef struct union enum const interface import importlib library coclass dispinterface
    module cpp_quote char short long int hyper small float double void signed unsigned boolean
    byte wchar_t handle_t error_status_t pipe
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _misspelt_keyword(text: str, tok: Token) -> tuple[str, str, int] | None:
    """A first word of the failing declaration (or parameter) that is not a keyword but is
    close to one: the word, the keyword and the word's offset in ``text``."""
    end = tok.start_pos
    if end is None:
        return None
    start = max(text.rfind(c, 0, end) for c in ";{}(,") + 1
    close = text.rfind("]", start, end)  # past the attribute list
    start = close + 1 if close >= 0 else start
    words = list(_WORD.finditer(text, start, end))
    if not words or words[0].group() in _KEYWORDS:
        return None
    first = words[0]
    hint = did_you_mean(first.group(), _KEYWORDS)
    if not hint or text[start : first.start()].strip():
        return None
    return first.group(), hint, first.start()


def _describe_expected(name: str, terminals: Collection[TerminalDef]) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    term = next((t for t in terminals if t.name == name), None)
    if term is not None and term.pattern.type == "str":
        return f"'{term.pattern.value}'"
    return name.lower()


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type == "STRING":
        return f"string {tok.value}"
    return f"'{tok.value}'"


def _context(exc: UnexpectedToken) -> tuple[str | None, Token | None]:
    """The innermost open construct (``struct``, ``interface``...) and the last token read."""
    stack = exc.interactive_parser.parser_state.value_stack if exc.interactive_parser else []
    last: Token | None = None
    flat: list[Token] = []
    for value in stack:
        if isinstance(value, Token):
            flat.append(value)
    if flat:
        last = flat[-1]
    depth = 0
    for i in range(len(flat) - 1, -1, -1):
        tok = flat[i]
        if tok.type == "RBRACE":
            depth += 1
        elif tok.type == "LBRACE":
            if depth == 0:
                for j in range(i - 1, max(i - 4, -1), -1):
                    if flat[j].value in _OPENERS:
                        return str(flat[j].value), last
                return "block", last
            depth -= 1
    return None, last


def _end_of_previous(text: str, tok: Token | None, line: int, column: int) -> tuple[int, int]:
    """The position just after the last non-blank character before ``tok`` (or the end)."""
    start = tok.start_pos if tok is not None and tok.start_pos is not None else len(text)
    end = len(text[:start].rstrip(" \t\r\n\f\v\x1a"))
    if end == 0:
        return line, column
    line_start = text.rfind("\n", 0, end) + 1
    return text.count("\n", 0, end) + 1, end - line_start + 1


def report(
    exc: UnexpectedInput,
    text: str,
    spanner: Spanner,
    sink: DiagnosticSink,
    what: str | None,
    terminals: Collection[TerminalDef],
) -> None:
    """Report a Lark syntax error as one diagnostic (``what``: the attribute argument parsed)."""
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    prefix = f"in {what}: " if what else ""
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream or 0
        ch = text[at] if at < len(text) else ""
        if ch == '"':
            msg = "unterminated string"
        elif ch == "'":
            msg = "unterminated character constant"
        else:
            msg = f"unexpected character {ch!r}" if ch.isprintable() else "unexpected character"
        sink.error(prefix + msg, spanner(line, column))
        return
    if isinstance(exc, UnexpectedEOF):  # pragma: no cover - LALR reports UnexpectedToken
        sink.error(prefix + "unexpected end of file", spanner(line, column))
        return
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    expected = {e for e in exc.expected if not e.startswith("__")}
    context, last = _context(exc)
    if tok.type == "$END":
        pos = _end_of_previous(text, None, line, column)
        if what:
            msg = "incomplete expression"
        elif context is not None and "RBRACE" in expected:
            kind = "block" if context == "block" else context
            msg = f"unexpected end of file: missing '}}' to close the {kind}"
        else:
            msg = "unexpected end of file"
        sink.error(prefix + msg, spanner(*pos))
        return
    typo = _misspelt_keyword(text, tok)
    if typo is not None:
        word, hint, at = typo
        line_start = text.rfind("\n", 0, at) + 1
        where = spanner(text.count("\n", 0, at) + 1, at - line_start + 1)
        sink.error(prefix + f"unknown type '{word}'{hint}", where)
        return
    # `[` or `(` may go on the declaration (an array, a function), unless on a later line
    on_later_line = last is not None and (tok.line or 0) > (last.end_line or last.line or 0)
    if (
        "SEMICOLON" in expected
        and last is not None
        and (tok.type not in ("LPAR", "LSQB") or on_later_line)
    ):
        after = {
            "struct": "struct member",
            "union": "union arm",
            "interface": "declaration",
            "module": "declaration",
            "library": "declaration",
            "dispinterface": "declaration",
        }.get(context or "", "declaration")
        if last.type == "RBRACE":
            after = "'}'" if context is None else after
        sink.error(
            prefix + f"expected ';' after {after}, found {_describe_token(tok)}",
            spanner(*_end_of_previous(text, tok, line, column)),
        )
        return
    msg = f"unexpected {_describe_token(tok)}"
    words = sorted({_describe_expected(e, terminals) for e in expected})
    if 0 < len(words) <= 4:
        msg += ", expected " + " or ".join(words)
    sink.error(prefix + msg, spanner(line, column))

"""Lark's own LALR parser for the grammar, built only when it is needed: to explain a syntax
error (its exception carries the parser state ``errors`` reads) or to build the tables
``lalr`` runs. It reads the tokens of ``lexer.MidlLexer`` and calls the same grammar
actions as the driver, with the same ``Tok`` tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, LexerState

from .lexer import LexError, LineStarts, MidlLexer, Tok


class LarkLexer(Lexer):
    """``MidlLexer`` as a Lark lexer: Lark's tokens, with lines and columns."""

    __future_interface__ = 2  # lex(lexer_state, parser_state) with a TextSlice

    def __init__(self, conf: Any) -> None:
        literals = {t.pattern.value: t.name for t in conf.terminals if t.pattern.type == "str"}
        self.lexer = MidlLexer(literals, _Everything())

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        text = lexer_state.text
        states = parser_state.parse_conf.parse_table.states
        lines = LineStarts(text.text)
        stack = parser_state.state_stack
        tokens = self.lexer.tokens(text.text, text.start, text.end, states, stack)
        try:
            for kind, tok in tokens:
                assert tok is not None
                line, column = lines.line_column(tok.start_pos)
                end_line, end_column = lines.line_column(tok.end_pos)
                yield Token(
                    kind, tok.value, tok.start_pos, line, column, end_line, end_column, tok.end_pos
                )
        except LexError as exc:
            line, column = lines.line_column(exc.pos)
            raise UnexpectedCharacters(  # type: ignore[no-untyped-call]
                text.text, exc.pos, line, column, allowed=set(exc.accepts)
            ) from None


class _Everything:
    """Every terminal is kept: Lark's parser gets a token for each."""

    def __contains__(self, item: object) -> bool:
        return True


class Actions:
    """The grammar actions as Lark's transformer: Lark's tokens among the children become
    ``Tok``\\s, as the driver gives them (a rule with no action is Lark's to build)."""

    def __init__(self, actions: object) -> None:
        self._actions = actions

    def __getattr__(self, name: str) -> Callable[[list[Any]], Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        action = getattr(self._actions, name)

        def call(children: list[Any]) -> Any:
            return action([_tok(x) if isinstance(x, Token) else x for x in children])

        return call


def _tok(t: Token) -> Tok:
    return Tok(t.type, t.value, t.start_pos or 0, t.end_pos or 0)


def build(grammar: Path, starts: list[str], actions: object, cache_file: Path | None) -> Lark:
    options: dict[str, Any] = {
        "parser": "lalr",
        "lexer": LarkLexer,
        "start": starts,
        "maybe_placeholders": True,
        "transformer": Actions(actions),
    }
    text = grammar.read_text(encoding="utf-8")
    if cache_file is None:  # pragma: no cover - no private cache folder: build every time
        return Lark(text, **options)
    try:
        return Lark(text, cache=str(cache_file), **options)
    except OSError:  # pragma: no cover - an unwritable cache folder
        return Lark(text, **options)


@cache
def version() -> str:
    import lark

    return str(lark.__version__)

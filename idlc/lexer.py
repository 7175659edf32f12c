"""The MIDL lexer: contextual like Lark's, but with a handful of regexes compiled once.

Lark's contextual lexer compiles one big regex per parser state it meets, which costs tens of
milliseconds at every start of the compiler. This lexer reads the parser's current state instead:
a word is a keyword only where the grammar accepts that keyword (so ``in``, ``string`` or
``default`` stay names inside attribute lists), a calling convention only where one may stand,
and attribute arguments are lexed as raw ``ANYTOK`` soup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, LexerState

_SKIP = re.compile(r"(?:[ \t\f\r\n\x1a\v]+|//[^\n]*|/\*[\s\S]*?\*/|#[^\n]*)+")
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-zA-Z_])"
)
_FLOAT = re.compile(
    r"(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFlL]?|[0-9]+[eE][+-]?[0-9]+[fFlL]?"
)
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*")
_STRING = re.compile(r'L?"(?:\\.|[^"\\\n])*"')
_CHAR = re.compile(r"L?'(?:\\.|[^'\\\n])+'")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PTR_CLOSE = re.compile(r"\*(?:\s*\*)*\s*\)")
_PUNCT = re.compile(r"\.\.\.|->|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>?:;.=,()\[\]{}]")
_SOUP_PUNCT = re.compile(r"->|\.\.\.?|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>?:;.=]")
_CALLCONV = frozenset(
    [
        "__stdcall",
        "_stdcall",
        "__cdecl",
        "_cdecl",
        "__fastcall",
        "__pascal",
        "__thiscall",
        "__far",
        "__near",
        "__RPC_FAR",
        "__RPC_API",
        "__RPC_USER",
        "__RPC_STUB",
        "WINAPI",
        "STDMETHODCALLTYPE",
        "CALLBACK",
        "APIENTRY",
    ]
)
_SOUP_GROUPS = {"(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB", "{": "LBRACE", "}": "RBRACE"}


class MidlLexer(Lexer):
    __future_interface__ = 2  # lex(lexer_state, parser_state) with a TextSlice

    def __init__(self, conf: Any) -> None:
        # literal terminals by their text: keywords ("struct" -> STRUCT) and punctuation
        self.literals: dict[str, str] = {
            t.pattern.value: t.name for t in conf.terminals if t.pattern.type == "str"
        }

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        text: str = lexer_state.text.text
        pos = lexer_state.text.start
        end = lexer_state.text.end
        line, line_start = 1, 0
        states = parser_state.parse_conf.parse_table.states
        while True:
            m = _SKIP.match(text, pos)
            if m:
                skipped = m.group()
                newlines = skipped.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + skipped.rindex("\n") + 1
                pos = m.end()
            if pos >= end:
                return
            accepts = states[parser_state.position]
            kind, value = self._next(text, pos, accepts)
            if kind is None:
                raise UnexpectedCharacters(  # type: ignore[no-untyped-call]
                    text, pos, line, pos - line_start + 1, allowed=set(accepts), state=parser_state
                )
            column = pos - line_start + 1
            new_end = pos + len(value)
            newlines = value.count("\n")
            end_line = line + newlines
            end_col = (
                new_end - (pos + value.rindex("\n") + 1) + 1 if newlines else column + len(value)
            )
            tok = Token(kind, value, pos, line, column, end_line, end_col, new_end)
            if newlines:
                line, line_start = end_line, pos + value.rindex("\n") + 1
            pos = new_end
            yield tok

    def _next(self, text: str, pos: int, accepts: Any) -> tuple[str | None, str]:
        ch = text[pos]
        if "ANYTOK" in accepts:  # inside an attribute argument: raw tokens
            if ch in _SOUP_GROUPS:
                return _SOUP_GROUPS[ch], ch
            if ch == ",":
                return "COMMA", ch
            for rx in (_UUID, _FLOAT, _NUMBER, _STRING, _CHAR, _WORD, _SOUP_PUNCT):
                m = rx.match(text, pos)
                if m:
                    return "ANYTOK", m.group()
            return None, ch
        if ch == "*" and "PTR_CLOSE" in accepts:
            m = _PTR_CLOSE.match(text, pos)
            if m:
                return "PTR_CLOSE", m.group()
        if ch.isalpha() or ch in "_$":
            if ch == "L" and pos + 1 < len(text) and text[pos + 1] in "\"'":
                m = (_STRING if text[pos + 1] == '"' else _CHAR).match(text, pos)
                if m:
                    return ("STRING" if text[pos + 1] == '"' else "CHAR"), m.group()
            word = _WORD.match(text, pos).group()  # type: ignore[union-attr]
            keyword = self.literals.get(word)
            if keyword is not None and keyword in accepts:
                return keyword, word
            if word in _CALLCONV and "CALLCONV" in accepts:
                return "CALLCONV", word
            return "NAME", word
        if ch.isdigit() or (ch == "." and text[pos + 1 : pos + 2].isdigit()):
            m = _FLOAT.match(text, pos)
            if m:
                return "FLOAT", m.group()
            m = _NUMBER.match(text, pos)
            if m:
                return "NUMBER", m.group()
        if ch == '"':
            m = _STRING.match(text, pos)
            return ("STRING", m.group()) if m else (None, ch)
        if ch == "'":
            m = _CHAR.match(text, pos)
            return ("CHAR", m.group()) if m else (None, ch)
        m = _PUNCT.match(text, pos)
        if m:
            value = m.group()
            name = self.literals.get(value)
            if name is not None:
                return name, value
        return None, ch

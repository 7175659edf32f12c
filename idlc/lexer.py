"""The MIDL lexer: contextual like Lark's, but with a handful of regexes compiled once.

Lark's contextual lexer compiles one big regex per parser state it meets, which costs tens of
milliseconds at every start of the compiler. This lexer reads the parser's current state instead:
a word is a keyword only where the grammar accepts that keyword (so ``in``, ``string`` or
``default`` stay names inside attribute lists), a calling convention only where one may stand,
and attribute arguments are lexed as raw ``ANYTOK`` soup. ``parser_driver`` calls ``tokens``
directly; Lark's parser (which explains syntax errors) goes through ``lex``.

The values of literal tokens (``decode_string``, ``parse_int``) are read here too.
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
# Far, near and width modifiers of 16-bit and Win64 C (`void __RPC_FAR *p`): MIDL reads and
# ignores them; where no calling convention may stand, they are skipped like white space.
_POINTER_MODIFIERS = frozenset(
    ["__RPC_FAR", "__far", "__near", "_far", "_near", "__ptr32", "__ptr64", "__unaligned"]
)
# Token() without its check for the deprecated ``type_`` keyword: one call less per token.
_NEW_TOKEN = getattr(Token, "_future_new", Token)
_SOUP_GROUPS = {"(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB", "{": "LBRACE", "}": "RBRACE"}


class MidlLexer(Lexer):
    __future_interface__ = 2  # lex(lexer_state, parser_state) with a TextSlice

    def __init__(self, conf: Any) -> None:
        # literal terminals by their text: keywords ("struct" -> STRUCT) and punctuation
        self.literals: dict[str, str] = {
            t.pattern.value: t.name for t in conf.terminals if t.pattern.type == "str"
        }

    @classmethod
    def for_literals(cls, literals: dict[str, str]) -> MidlLexer:
        """A lexer for ``parser_driver``, which has no Lark configuration to give."""
        lexer = cls.__new__(cls)
        lexer.literals = literals
        return lexer

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        text = lexer_state.text
        states = parser_state.parse_conf.parse_table.states
        return self.tokens(text.text, text.start, text.end, states, parser_state.state_stack)

    def tokens(
        self, text: str, pos: int, end: int, states: Any, state_stack: list[int]
    ) -> Iterator[Token]:
        """The tokens of ``text[pos:end]``, each lexed for the parser state on top of
        ``state_stack`` when it is asked for (the parser pushes and pops that list)."""
        line, line_start = 1, 0
        new_token = _NEW_TOKEN
        skip = _SKIP.match
        while True:
            m = skip(text, pos)
            if m:
                skipped = m.group()
                newlines = skipped.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + skipped.rindex("\n") + 1
                pos = m.end()
            if pos >= end:
                return
            accepts = states[state_stack[-1]]
            kind, value = self._next(text, pos, accepts)
            if kind is None:
                raise UnexpectedCharacters(  # type: ignore[no-untyped-call]
                    text, pos, line, pos - line_start + 1, allowed=set(accepts)
                )
            if kind == "SKIP":  # a pointer modifier that means nothing on the wire
                pos += len(value)
                continue
            column = pos - line_start + 1
            new_end = pos + len(value)
            if "\n" in value:
                newlines = value.count("\n")
                end_line = line + newlines
                line_start = pos + value.rindex("\n") + 1
                tok = new_token(
                    kind, value, pos, line, column, end_line, new_end - line_start + 1, new_end
                )
                line = end_line
            else:
                tok = new_token(kind, value, pos, line, column, line, column + len(value), new_end)
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
            if word in _POINTER_MODIFIERS:
                after = text[pos + len(word) : pos + len(word) + 64].lstrip()
                if word not in _CALLCONV or "CALLCONV" not in accepts or after.startswith("*"):
                    return "SKIP", word
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


# ---------------------------------------------------------------------------------------------
# Token values

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]*|[0-7]{1,3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(m: re.Match[str]) -> str:
    esc = m[1]
    if esc[0] == "x":
        return chr(int(esc[1:] or "0", 16))
    if esc[0] in "01234567":
        return chr(int(esc, 8))
    return _SIMPLE_ESCAPES.get(esc, esc)


def decode_string(body: str) -> str:
    """C escapes in a string or character literal body (without quotes); a backslash ending
    the body stays, an unknown escape ``\\q`` is ``q``."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_unescape, body)


def parse_int(text: str) -> int:
    digits = text.rstrip("uUlL")
    if digits[:2] in ("0x", "0X"):
        return int(digits[2:], 16)
    if len(digits) > 1 and digits[0] == "0":
        return int(digits, 8)
    return int(digits)

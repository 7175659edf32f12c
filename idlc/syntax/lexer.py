"""The MIDL lexer: contextual like Lark's, but with two regexes compiled once.

Lark's contextual lexer compiles one big regex per parser state it meets, which costs tens of
milliseconds at every start of the compiler. This lexer reads the parser's current state instead:
a word is a keyword only where the grammar accepts that keyword (so ``in``, ``string`` or
``default`` stay names inside attribute lists), a calling convention only where one may stand,
and attribute arguments are lexed as raw ``ANYTOK`` soup.

Each token is one match of one regex (the white space and comments before it, then the token as
one named alternative). Tokens carry offsets, not lines: ``LineStarts`` counts lines when a span
is asked for, which is for fewer than half of them. The parsing loop (``lalr``) calls
``MidlLexer.tokens`` and needs no Lark; Lark's parser, which explains syntax errors, reads the same
tokens through ``tables``.

The values of literal tokens (``decode_string``, ``parse_int``) are read here too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Container, Iterator, Mapping
from typing import Any, NamedTuple


class Tok(NamedTuple):
    """A token: its terminal's name, its text and where it starts and ends in the text."""

    type: str
    value: str
    start_pos: int
    end_pos: int


class LexError(Exception):
    """No token starts at ``pos`` (after white space and comments); ``accepts``: what the parser
    state would have taken."""

    def __init__(self, pos: int, accepts: Collection[str]) -> None:
        super().__init__(pos)
        self.pos = pos
        self.accepts = accepts


class LineStarts:
    """1-based lines and columns of offsets in a text."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = [0]
        if "\n" in text:
            self.starts.extend(m.end() for m in _NEWLINE.finditer(text))

    def line_column(self, pos: int) -> tuple[int, int]:
        line = bisect_right(self.starts, pos)
        return line, pos - self.starts[line - 1] + 1


_NEWLINE = re.compile("\n")
_SKIP = r"(?:[ \t\f\r\n\x1a\v]+|//[^\n]*|/\*[\s\S]*?\*/|#[^\n]*)*+"  # possessive: never given back
_UUID = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-zA-Z_])"
)
_FLOAT = r"(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFlL]?|[0-9]+[eE][+-]?[0-9]+[fFlL]?"
_NUMBER = r"(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*"
_STRING = r'L?"(?:\\.|[^"\\\n])*"'
_CHAR = r"L?'(?:\\.|[^'\\\n])+'"
_WORD = r"[A-Za-z_$][A-Za-z0-9_$]*"
_PUNCT = r"\.\.\.|->|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>?:;.=,()\[\]{}]"
_SOUP_PUNCT = r"->|\.\.\.?|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>?:;.=]"
# Outside attribute arguments. The group that matched names the terminal, except for a WORD
# (keyword or name, by the parser state) and PUNCT (by its text). Alternatives are tried in order.
_TOKEN = re.compile(
    rf"{_SKIP}(?:(?P<STRING>{_STRING})|(?P<CHAR>{_CHAR})|(?P<WORD>{_WORD})|(?P<FLOAT>{_FLOAT})"
    rf"|(?P<NUMBER>{_NUMBER})|(?P<PUNCT>{_PUNCT})|(?P<END>\Z))"
)
# Inside attribute arguments: brackets and commas, and every other token as ANYTOK.
_SOUP = re.compile(
    rf"{_SKIP}(?:(?P<LPAR>\()|(?P<RPAR>\))|(?P<LSQB>\[)|(?P<RSQB>\])|(?P<LBRACE>\{{)"
    rf"|(?P<RBRACE>\}})|(?P<COMMA>,)"
    rf"|(?P<ANYTOK>{_UUID}|{_FLOAT}|{_NUMBER}|{_STRING}|{_CHAR}|{_WORD}|{_SOUP_PUNCT})|(?P<END>\Z))"
)
_SKIP_ONLY = re.compile(_SKIP)
_PTR_CLOSE = re.compile(r"\*(?:\s*\*)*\s*\)")
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
_ODD_WORDS = _CALLCONV | _POINTER_MODIFIERS


class MidlLexer:
    def __init__(self, literals: Mapping[str, str], kept: Container[str]) -> None:
        self.literals = literals  # keyword or punctuation text -> terminal name
        self.kept = kept  # terminals whose tokens the grammar actions read

    def tokens(
        self, text: str, pos: int, end: int, states: Any, stack: list[int]
    ) -> Iterator[tuple[str, Tok | None]]:
        """The terminal names of the tokens of ``text[pos:end]``, each with its ``Tok`` if the
        terminal is kept (else None), each lexed for the parser state on top of ``stack`` when it
        is asked for (the parser pushes and pops that list; ``states[n]`` holds the terminals
        state ``n`` takes). Raises LexError."""
        token = _TOKEN.match
        soup = _SOUP.match
        literals = self.literals
        kept = self.kept
        new = tuple.__new__  # Tok(...) runs NamedTuple's __new__, written in Python: twice slower
        while True:
            accepts = states[stack[-1]]
            if "ANYTOK" in accepts:  # inside an attribute argument: raw tokens
                m = soup(text, pos, end)
                if m is None:
                    raise LexError(_SKIP_ONLY.match(text, pos, end).end(), accepts)  # type: ignore[union-attr]
                kind: str = m.lastgroup  # type: ignore[assignment]  # one group always matches
                value = m[kind]
                pos = m.end()
            else:
                m = token(text, pos, end)
                if m is None:
                    raise LexError(_SKIP_ONLY.match(text, pos, end).end(), accepts)  # type: ignore[union-attr]
                group: str = m.lastgroup  # type: ignore[assignment]
                value = m[group]
                pos = m.end()
                if group == "WORD":
                    name = literals.get(value)
                    if name is None or name not in accepts:
                        name = "NAME"
                        if value in _ODD_WORDS:
                            name = _odd_word(text, pos, value, accepts)
                            if name is None:
                                continue
                    kind = name
                elif group == "PUNCT":
                    name = literals.get(value)
                    if value == "*" and "PTR_CLOSE" in accepts:
                        close = _PTR_CLOSE.match(text, pos - 1)
                        if close:
                            name, value, pos = "PTR_CLOSE", close[0], close.end()
                    if name is None:
                        raise LexError(pos - len(value), accepts)
                    kind = name
                else:
                    kind = group
            if kind == "END":
                return
            if kind in kept:
                yield kind, new(Tok, (kind, value, pos - len(value), pos))
            else:
                yield kind, None


def _odd_word(text: str, end: int, word: str, accepts: Collection[str]) -> str | None:
    """What a calling convention or pointer modifier is here: CALLCONV, NAME, or None (skipped
    like white space)."""
    if word in _POINTER_MODIFIERS:
        after = text[end : end + 64].lstrip()
        if word not in _CALLCONV or "CALLCONV" not in accepts or after.startswith("*"):
            return None
    if word in _CALLCONV and "CALLCONV" in accepts:
        return "CALLCONV"
    return "NAME"


# ---------------------------------------------------------------------------------------------
# Token values

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]*|[0-7]{1,3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(m: re.Match[str]) -> str:
    esc = m[1]
    if esc[0] == "x":
        code = int(esc[1:] or "0", 16)
    elif esc[0] in "01234567":
        code = int(esc, 8)
    else:
        return _SIMPLE_ESCAPES.get(esc, esc)
    # A code that is no character (past U+10FFFF, or a surrogate, which no UTF can write out)
    # is read as U+FFFD, as undecodable bytes are.
    return chr(code) if code < 0xD800 or 0xDFFF < code <= 0x10FFFF else "\ufffd"


def decode_string(body: str) -> str:
    """C escapes in a string or character literal body (without quotes); a backslash ending
    the body stays, an unknown escape ``\\q`` is ``q``."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_unescape, body)


MAX_INT = 2**64 - 1  # the largest integer IDL has (an unsigned hyper)


def parse_int(text: str) -> int:
    """An integer literal's value; ValueError, in words for the user, for a bad octal digit or
    a value over 64 bits (read without converting thousands of digits)."""
    digits = text.rstrip("uUlL")
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif len(digits) > 1 and digits[0] == "0":
        if "8" in digits or "9" in digits:
            raise ValueError("invalid digit in octal constant")
        value = int(digits, 8)
    elif len(digits) > 20:
        raise ValueError("integer constant is too large (more than 64 bits)")
    else:
        value = int(digits)
    if value > MAX_INT:
        raise ValueError("integer constant is too large (more than 64 bits)")
    return value

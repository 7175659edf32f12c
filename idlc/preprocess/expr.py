"""``#if`` expressions: C integer constant expressions over intmax_t / uintmax_t (64 bits).

The caller has already replaced ``defined X`` and expanded macros; identifiers left over count
as 0. Evaluation follows C: the usual arithmetic conversions between signed and unsigned,
truncating division, short-circuit ``&&``/``||``/``?:`` (division by zero is only an error on a
branch that is evaluated).
"""

from __future__ import annotations

import re

from .tokens import Tok

_BITS = 64
_MASK = (1 << _BITS) - 1
_SIGN = 1 << (_BITS - 1)

Value = tuple[int, bool]  # (value, unsigned)


class ExprError(Exception):
    """A malformed ``#if`` expression; the message is the diagnostic's."""


def _wrap(v: int, unsigned: bool) -> Value:
    v &= _MASK
    if not unsigned and v & _SIGN:
        v -= 1 << _BITS
    return v, unsigned


_INT = re.compile(
    r"(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)"
    r"([uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?|[uU]?[iI](?:64|32|16|8))?"
)

_BINARY = {
    "*": 10, "/": 10, "%": 10,
    "+": 9, "-": 9,
    "<<": 8, ">>": 8,
    "<": 7, ">": 7, "<=": 7, ">=": 7,
    "==": 6, "!=": 6,
    "&": 5, "^": 4, "|": 3, "&&": 2, "||": 1,
}  # fmt: skip

_ESCAPES = {"n": 10, "t": 9, "v": 11, "b": 8, "r": 13, "f": 12, "a": 7, "e": 27}


def parse_int(text: str) -> Value:
    m = _INT.fullmatch(text)
    if m is None:
        if re.fullmatch(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?[fFlL]?", text):
            raise ExprError("floating constant in preprocessor expression")
        raise ExprError(f'invalid integer constant "{text}"')
    digits, suffix = m.group(1), m.group(2) or ""
    if digits[:2] in ("0x", "0X"):
        v = int(digits[2:], 16)
    elif digits[:2] in ("0b", "0B"):
        v = int(digits[2:], 2)
    elif digits[0] == "0" and len(digits) > 1:
        try:
            v = int(digits, 8)
        except ValueError:
            raise ExprError(f'invalid digit in octal constant "{text}"') from None
    elif len(digits) > 20:  # more than 2**64 (and than int() reads: 4300 digits)
        raise ExprError("integer constant is too large for its type")
    else:
        v = int(digits)
    if v > _MASK:
        raise ExprError("integer constant is too large for its type")
    unsigned = "u" in suffix.lower() or v >= _SIGN
    return v, unsigned


def parse_char(text: str) -> Value:
    wide = text[0] in "LuU"
    body = text[text.index("'") + 1 :]
    if len(body) < 1 or body[-1] != "'":
        raise ExprError("missing terminating ' character")
    body = body[:-1]
    if not body:
        raise ExprError("empty character constant")
    chars: list[int] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 >= len(body):
            chars.append(ord(c))
            i += 1
            continue
        e = body[i + 1]
        if e in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            assert m is not None
            chars.append(int(m.group(), 8))
            i += 1 + m.end()
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2 :])
            if m is None:
                raise ExprError("\\x used with no following hex digits")
            chars.append(int(m.group(), 16))
            i += 2 + m.end()
        else:
            chars.append(_ESCAPES.get(e, ord(e)))
            i += 2
    if wide:
        return chars[-1], False
    if len(chars) == 1:
        byte = chars[0] & 0xFF
        return (byte - 256 if byte >= 128 else byte), False  # plain char is signed
    v = 0
    for code in chars:
        v = (v << 8) | (code & 0xFF)
    return _wrap(v & 0xFFFFFFFF, False)


def evaluate(toks: list[Tok]) -> int:
    """The value of a ``#if`` expression (already macro-expanded)."""
    p = _Parser(toks)
    value = p.comma(True)
    if p.i < len(toks):
        t = toks[p.i]
        if t.text == ")":
            raise ExprError("missing '(' in expression")
        if t.kind == "p" and t.text != "(":
            raise ExprError(f'token "{t.text}" is not valid in preprocessor expressions')
        raise ExprError(f'missing binary operator before token "{t.text}"')
    return value[0]


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0

    def _peek(self) -> str | None:
        if self.i < len(self.toks):
            t = self.toks[self.i]
            return t.text if t.kind == "p" else None
        return None

    def comma(self, live: bool) -> Value:
        v = self.expr(0, live)
        while self._peek() == ",":
            self.i += 1
            v = self.expr(0, live)
        return v

    def expr(self, min_prec: int, live: bool) -> Value:
        left = self.unary(live)
        while True:
            op = self._peek()
            if op is None:
                return left
            if op == "?":
                if min_prec > 0:
                    return left
                self.i += 1
                cond = left[0] != 0
                a = self.comma(live and cond)
                if self._peek() != ":":
                    raise ExprError("'?' without following ':'")
                self.i += 1
                b = self.expr(0, live and not cond)
                unsigned = a[1] or b[1]
                left = _wrap(a[0] if cond else b[0], unsigned)
                continue
            prec = _BINARY.get(op)
            if prec is None or prec < min_prec:
                return left
            self.i += 1
            if self.i >= len(self.toks):
                raise ExprError(f"operator '{op}' has no right operand")
            if op == "&&":
                right = self.expr(prec + 1, live and left[0] != 0)
                left = (int(left[0] != 0 and right[0] != 0), False)
            elif op == "||":
                right = self.expr(prec + 1, live and left[0] == 0)
                left = (int(left[0] != 0 or right[0] != 0), False)
            else:
                right = self.expr(prec + 1, live)
                left = _binary(op, left, right, live)

    def unary(self, live: bool) -> Value:
        if self.i >= len(self.toks):
            raise ExprError("expected value in expression")
        t = self.toks[self.i]
        self.i += 1
        kind, text = t.kind, t.text
        if kind == "num":
            return parse_int(text)
        if kind == "chr":
            return parse_char(text)
        if kind == "id":
            return 0, False
        if kind == "p":
            if text == "(":
                v = self.comma(live)
                if self._peek() != ")":
                    raise ExprError("missing ')' in expression")
                self.i += 1
                return v
            if text in ("+", "-", "~", "!"):
                if self.i >= len(self.toks):
                    raise ExprError(f"operator '{text}' has no right operand")
                operand, unsigned = self.unary(live)
                if text == "-":
                    return _wrap(-operand, unsigned)
                if text == "~":
                    return _wrap(~operand, unsigned)
                if text == "!":
                    return int(operand == 0), False
                return operand, unsigned
        raise ExprError(f'token "{text}" is not valid in preprocessor expressions')


def _binary(op: str, left: Value, right: Value, live: bool) -> Value:
    (a, ua), (b, ub) = left, right
    if op in ("<<", ">>"):
        if ub and b >= _SIGN:
            b -= 1 << _BITS
        if op == ">>":
            b = -b
        if b >= 0:
            return _wrap(a << min(b, _BITS), ua)
        return _wrap((a & _MASK if ua else a) >> min(-b, _BITS), ua)
    unsigned = ua or ub
    if unsigned:
        a &= _MASK
        b &= _MASK
    if op in ("/", "%"):
        if b == 0:
            if live:
                raise ExprError("division by zero in #if")
            return 0, unsigned
        q = abs(a) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        return _wrap(q if op == "/" else a - q * b, unsigned)
    if op == "*":
        return _wrap(a * b, unsigned)
    if op == "+":
        return _wrap(a + b, unsigned)
    if op == "-":
        return _wrap(a - b, unsigned)
    if op == "&":
        return _wrap(a & b, unsigned)
    if op == "|":
        return _wrap(a | b, unsigned)
    if op == "^":
        return _wrap(a ^ b, unsigned)
    result = {
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
        "==": a == b,
        "!=": a != b,
    }[op]
    return int(result), False

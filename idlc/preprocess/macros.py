"""Macro definitions and their expansion (Prosser's algorithm, with hide sets per token).

Only lines that mention a defined macro come here; everything else is copied verbatim by the
driver in ``preprocess.py``. Expansion keeps the source text of unexpanded tokens, including the
whitespace before them, so that IDL constructs a C tokenizer would mangle (a ``uuid(...)``
argument, say) come out exactly as written.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..nodes import Span
from .tokens import IDENT, Tok, tokenize

# Fetches more input when an invocation's arguments run past the end of the line: appends
# tokens to the deque and returns True, or returns False at the end of the text. With
# ``peek_paren`` it only fetches if the next non-blank line starts with ``(``.
MoreFn = Callable[[deque[Tok], bool], bool]
ReportFn = Callable[[str, Tok], None]

BUILTINS = ("__FILE__", "__LINE__")
# Bounds on one expansion, whatever the macros: how many may expand inside one another (a
# token's hide set, or arguments expanded within arguments), and how many tokens the
# replacements of one line may make (``#define A0 A1 A1``, ``#define A1 A2 A2``... doubles).
MAX_NESTING = 100
MAX_TOKENS = 1_000_000


@dataclass(slots=True)
class Macro:
    name: str
    params: tuple[str, ...] | None  # None: object-like
    variadic: bool  # the last parameter collects the remaining arguments
    body: tuple[Tok, ...]
    span: Span | None = None  # where it was defined, for "redefined" notes
    builtin: bool = False
    pastes: bool = False  # the body uses ``##``

    def same_as(self, other: Macro) -> bool:
        return (
            self.params == other.params
            and self.variadic == other.variadic
            and [(t.text, bool(t.pre)) for t in self.body[1:]]
            == [(t.text, bool(t.pre)) for t in other.body[1:]]
            and [t.text for t in self.body[:1]] == [t.text for t in other.body[:1]]
        )


def parse_macro(rest: str, span: Span | None = None) -> Macro | str:
    """Parse the text after ``#define``: a Macro, or the error message."""
    m = IDENT.match(rest)
    if not rest:
        return "no macro name given in #define directive"
    if m is None:
        return "macro names must be identifiers"
    name = m.group()
    if name == "defined":
        return "'defined' cannot be used as a macro name"
    pos = m.end()
    params: tuple[str, ...] | None = None
    variadic = False
    if rest[pos : pos + 1] == "(":
        close = rest.find(")", pos)
        if close < 0:
            return "missing ')' in macro parameter list"
        names: list[str] = []
        raw = rest[pos + 1 : close].strip()
        for part in raw.split(",") if raw else []:
            p = part.strip()
            if variadic:
                return "'...' must be the last macro parameter"
            if p == "...":
                p, variadic = "__VA_ARGS__", True
            elif p.endswith("...") and IDENT.fullmatch(p[:-3].strip()):
                p, variadic = p[:-3].strip(), True
            elif not IDENT.fullmatch(p):
                return f"invalid macro parameter '{p}'" if p else "parameter name missing"
            if p in names:
                return f"duplicate macro parameter '{p}'"
            names.append(p)
        params = tuple(names)
        pos = close + 1
    elif pos < len(rest) and not rest[pos].isspace():
        pass  # C99 wants whitespace after the name; compilers accept it (with a warning)
    body = tokenize(rest[pos:].strip())
    if body:
        if body[0].text == "##" or body[-1].text == "##":
            return "'##' cannot appear at either end of a macro expansion"
        body[0].pre = ""
        for t in body[1:]:
            if t.pre:
                t.pre = " "  # whitespace in a replacement list is one space
        if params is not None:
            for k, t in enumerate(body):
                if t.text == "#" and t.kind == "p":
                    nxt = body[k + 1] if k + 1 < len(body) else None
                    if nxt is None or nxt.text not in params:
                        return "'#' is not followed by a macro parameter"
    pastes = any(t.text == "##" and t.kind == "p" for t in body)
    return Macro(name, params, variadic, tuple(body), span, pastes=pastes)


def _needs_space(a: str, b: str) -> bool:
    """Whether two adjacent tokens would read as one if printed without a space."""
    if not a or not b:
        return False
    x, y = a[-1], b[0]
    if (x.isalnum() or x == "_") and (y.isalnum() or y == "_"):
        return True
    return x + y in _GLUED


_GLUED = frozenset(
    {"++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##", "->", "+=", "-="}
    | {"*=", "/=", "%=", "&=", "|=", "^=", "//", "/*", "..", "+.", "-."}
)


def render(toks: list[Tok]) -> tuple[str, list[tuple[int, int, int, bool]]]:
    """Print tokens; return the text and its column map.

    The map holds pieces ``(out_col, line, col, exact)`` (all 0-based): from ``out_col`` on, the
    text came from ``line``, starting at ``col`` (``exact``) or from a macro used there.
    """
    parts: list[str] = []
    pieces: list[tuple[int, int, int, bool]] = []
    pos = 0
    prev: Tok | None = None
    current: tuple[bool, int, int] | None = None
    for t in toks:
        pre = t.pre
        if (
            not pre
            and prev is not None
            and not (t.orig and prev.orig)
            and _needs_space(prev.text, t.text)
        ):
            pre = " "
        pos += len(pre)
        key = (True, t.line, pos - t.col) if t.orig else (False, t.line, t.col)
        if key != current:
            pieces.append((pos, t.line, t.col, t.orig))
            current = key
        parts.append(pre)
        parts.append(t.text)
        pos += len(t.text)
        prev = t
    return "".join(parts), pieces


def _stringify(arg: list[Tok]) -> str:
    parts = ['"']
    for k, t in enumerate(arg):
        if k and t.pre:
            parts.append(" ")
        text = t.text
        if t.kind in ("str", "chr"):
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(text)
    parts.append('"')
    return "".join(parts)


class Expander:
    """Expands macros in token lists against one mutable macro table."""

    def __init__(self, macros: dict[str, Macro], report: ReportFn) -> None:
        self.macros = macros
        self.report = report
        self.file = ""  # for __FILE__
        self.line_delta = 1  # __LINE__ of a token is its 0-based line + line_delta
        self._active = 0  # expand() calls under way: arguments are expanded within
        self._made = 0  # tokens the replacements have made since the outermost call began
        self._stopped = False  # a bound was hit and reported: the rest is copied as it is

    def expand(self, toks: list[Tok], more: MoreFn | None = None) -> list[Tok]:
        if self._active == 0:
            self._made, self._stopped = 0, False
        self._active += 1
        try:
            return self._expand(toks, more)
        finally:
            self._active -= 1

    def _stop(self, message: str, t: Tok) -> None:
        """Report a bound hit, once: what is left of the expansion is copied unexpanded."""
        if not self._stopped:
            self.report(message, t)
        self._stopped = True

    def _expand(self, toks: list[Tok], more: MoreFn | None) -> list[Tok]:
        macros = self.macros
        stream = deque(toks)
        out: list[Tok] = []
        while stream:
            t = stream.popleft()
            m = macros.get(t.text) if t.kind == "id" else None
            if m is None or t.text in t.hs or self._stopped:
                out.append(t)
                continue
            if m.builtin:
                out.append(self._builtin(t))
                continue
            if len(t.hs) >= MAX_NESTING or self._active > MAX_NESTING:
                self._stop(f"macro expansion nested too deeply (more than {MAX_NESTING})", t)
                out.append(t)
                continue
            if m.params is None:
                repl = self._subst(m, t, None, t.hs | {m.name})
            else:
                if not stream and more is not None:
                    more(stream, True)
                if not stream or stream[0].text != "(" or stream[0].kind != "p":
                    out.append(t)
                    continue
                collected = self._collect(m, t, stream, more)
                if collected is None:  # reported; the name stays, the arguments go (as in GCC)
                    out.append(t)
                    continue
                args, close = collected
                repl = self._subst(m, t, args, (t.hs & close.hs) | {m.name})
            if repl:
                repl[0].pre = t.pre
            self._made += len(repl)
            if self._made > MAX_TOKENS and not self._stopped:
                self._stop(f"macro expansion too large (more than {MAX_TOKENS} tokens)", t)
                continue
            stream.extendleft(reversed(repl))
        return out

    def _builtin(self, t: Tok) -> Tok:
        if t.text == "__LINE__":
            text, kind = str(t.line + self.line_delta), "num"
        else:
            text, kind = '"' + self.file.replace("\\", "\\\\").replace('"', '\\"') + '"', "str"
        return Tok(text, kind, t.line, t.col, t.pre, t.hs, False)

    def _collect(
        self, m: Macro, name: Tok, stream: deque[Tok], more: MoreFn | None
    ) -> tuple[list[list[Tok]], Tok] | None:
        assert m.params is not None
        stream.popleft()  # "("
        nparams = len(m.params)
        args: list[list[Tok]] = [[]]
        depth = 0
        while True:
            while not stream:  # a line given by ``more`` may hold no token
                if more is None or not more(stream, False):
                    self.report(f"unterminated argument list invoking macro '{m.name}'", name)
                    return None
            t = stream.popleft()
            if t.kind == "p":
                if t.text == "(":
                    depth += 1
                elif t.text == ")":
                    if depth == 0:
                        close = t
                        break
                    depth -= 1
                elif t.text == "," and depth == 0 and not (m.variadic and len(args) == nparams):
                    args.append([])
                    continue
            args[-1].append(t)
        given = len(args)
        if nparams == 0 and given == 1 and not args[0]:
            return [], close
        if given < nparams and m.variadic and given == nparams - 1:
            args.append([])  # the variable arguments left out entirely
        elif given < nparams:
            self.report(
                f"macro '{m.name}' requires {nparams} arguments, but only {given} given", name
            )
            return None
        elif given > nparams:
            self.report(
                f"macro '{m.name}' passed {given} arguments, but takes just {nparams}", name
            )
            return None
        return args, close

    def _subst(
        self, m: Macro, site: Tok, args: list[list[Tok]] | None, hs: frozenset[str]
    ) -> list[Tok]:
        body = m.body
        line, col = site.line, site.col
        if not m.pastes and (args is None or not m.params):
            return [
                Tok(t.text, t.kind, line, col, t.pre, hs if not t.hs else t.hs | hs, False)
                for t in body
            ]
        params = m.params or ()
        args = args or []
        index = {p: k for k, p in enumerate(params)}
        va_name = params[-1] if m.variadic else None
        expanded: dict[int, list[Tok]] = {}
        res: list[Tok] = []
        n = len(body)
        i = 0
        while i < n:
            bt = body[i]
            nxt = body[i + 1] if i + 1 < n else None
            if bt.kind == "p" and bt.text == "#" and nxt is not None and nxt.text in index:
                res.append(Tok(_stringify(args[index[nxt.text]]), "str", 0, 0, bt.pre))
                i += 2
                continue
            if bt.kind == "p" and bt.text == "##" and nxt is not None and res:
                i += 2
                if nxt.kind == "id" and nxt.text in index:
                    rtoks = [
                        t.copy(line=0, col=0, pre=t.pre, hs=t.hs) for t in args[index[nxt.text]]
                    ]
                    if nxt.text == va_name and res[-1].text == ",":
                        if not rtoks:
                            res.pop()  # GNU: ", ## __VA_ARGS__" drops the comma when empty
                        res.extend(rtoks)
                        continue
                else:
                    rtoks = [nxt]
                if not rtoks:
                    continue
                lhs = res.pop()
                if lhs.kind == "pm":
                    res.extend(rtoks)
                    continue
                glued = tokenize(lhs.text + rtoks[0].text)
                if len(glued) == 1:
                    res.append(Tok(glued[0].text, glued[0].kind, 0, 0, lhs.pre))
                    res.extend(rtoks[1:])
                else:  # not a valid token: keep both, as MSVC's preprocessor does
                    res.append(lhs)
                    res.extend(rtoks)
                continue
            if bt.kind == "id" and bt.text in index:
                k = index[bt.text]
                if nxt is not None and nxt.text == "##":
                    arg = [t.copy(line=0, col=0, pre=t.pre, hs=t.hs) for t in args[k]]
                    res.extend(arg or [Tok("", "pm", 0, 0, bt.pre)])
                else:
                    if k not in expanded:
                        expanded[k] = self.expand(list(args[k]))
                    arg = [t.copy(line=0, col=0, pre=t.pre, hs=t.hs) for t in expanded[k]]
                    if arg:
                        arg[0].pre = bt.pre
                    res.extend(arg)
                i += 1
                continue
            res.append(bt)
            i += 1
        return [
            Tok(t.text, t.kind, line, col, t.pre, hs if not t.hs else t.hs | hs, False)
            for t in res
            if t.kind != "pm"
        ]

"""The C preprocessor step that MIDL runs before reading an IDL file.

``preprocess()`` turns a file (and what it ``#include``\\s) into one text for the IDL lexer and a
map from that text back to the original files. Design:

* Each file is read, decoded (UTF-8, invalid bytes as U+FFFD, as the diagnostics renderer does),
  comment-blanked and split into directives and text runs once per process
  (``tokens.load``); a run that names no defined macro is copied out untouched.
* Line structure is kept: a directive, a skipped line or a line consumed by a multi-line macro
  call becomes an empty line, so for text outside includes output line N is source line N.
  ``Preprocessed.span`` maps back through a list of segments (output line, file, source line)
  and, for lines a macro rewrote, a per-line column map (exact outside the expansion, the macro
  use inside it).
* ``import "x.idl";``, ``cpp_quote(...)`` and ``midl_pragma`` are IDL, not directives: they pass
  through, with macros expanded outside string literals as in any IDL text.
* ``#pragma`` is dropped. A note "ignoring #pragma ..." is emitted only for pragmas in the root
  file, and never for the common harmless ones (``once``, ``pack``, ``warning``, ``region``,
  ``endregion``, ``makedep``), so system headers stay quiet.
* ``#line`` is honoured, both in spans and in this module's own diagnostics.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..diagnostics import Diagnostic, DiagnosticSink, Severity
from ..nodes import Span
from .expr import ExprError, evaluate
from .macros import BUILTINS, Expander, Macro, parse_macro, render
from .sourcemap import Piece, Preprocessed
from .tokens import (
    IDENT,
    Directive,
    SourceFile,
    TextRun,
    Tok,
    ends_with_splice,
    file_identity,
    find_include,
    load,
    split_source,
    tokenize,
)

__all__ = ["Preprocessed", "parse_define", "preprocess"]

MAX_INCLUDE_DEPTH = 200
QUIET_PRAGMAS = frozenset({"once", "pack", "warning", "region", "endregion", "makedep"})
COMMAND_LINE = Span("<command-line>", 1, 1)


def parse_define(arg: str) -> tuple[str, str]:
    """Split a ``-D`` argument: ``NAME`` -> ``("NAME", "1")``, ``NAME=V`` -> ``("NAME", "V")``.

    A leading ``-D`` is accepted. ``NAME=`` (defined as empty, as in a C compiler) gives the value
    ``" "``: ``preprocess`` reads ``""`` as ``"1"``, and a blank value as an empty definition.
    ``NAME(params)=V`` defines a function-like macro. Raises ValueError for a bad name.
    """
    if arg.startswith("-D"):
        arg = arg[2:]
    name, eq, value = arg.strip().partition("=")
    name = name.strip()
    m = IDENT.match(name)
    if m is None or (m.end() < len(name) and name[m.end()] != "("):
        raise ValueError(f"invalid macro name in -D{arg}" if name else "-D needs a macro name")
    if not eq:
        return name, "1"
    return name, value if value.strip() else " "


# Stand-ins for toolchain headers that SDK headers include (``<_mingw.h>``), searched last.
BUILTIN_INCLUDE = str(Path(__file__).resolve().parent / "include")


def preprocess(
    path: Path,
    *,
    include_dirs: Sequence[Path] = (),
    defines: Mapping[str, str] = {},
    sink: DiagnosticSink,
    text: str | None = None,
) -> Preprocessed:
    """Run the preprocessor over ``path`` (or over ``text``, named ``path``)."""
    name = str(path)
    pp = _Preprocessor(sink, [*(str(d) for d in include_dirs), BUILTIN_INCLUDE])
    for key, value in defines.items():
        pp.define_from_command_line(key, value)
    if text is not None:
        source: SourceFile | None = split_source(name, text)
    else:
        source = load(name)
    if source is None:
        sink.error(f"cannot open input file '{name}'")
        return Preprocessed("", (name,))
    pp.files.append(name)
    pp.seen.add(name)
    try:
        pp.process(source)
    except RecursionError:  # pathological nesting of macro arguments or includes
        sink.error("input nested too deeply", Span(name, 1, 1))
    out = pp.out
    return Preprocessed(
        "\n".join(out) + "\n" if out else "",
        tuple(pp.files),
        tuple(pp.segments),
        pp.colmaps,
    )


class _Cond:
    """One open ``#if`` group."""

    __slots__ = ("done", "else_seen", "kind", "outer", "span")

    def __init__(self, kind: str, span: Span, outer: bool, done: bool) -> None:
        self.kind = kind
        self.span = span
        self.outer = outer  # the enclosing text is active
        self.done = done  # some branch has been taken (or none may be)
        self.else_seen = False


class _Preprocessor:
    def __init__(self, sink: DiagnosticSink, include_dirs: list[str]) -> None:
        self.sink = sink
        self.include_dirs = include_dirs
        self.macros: dict[str, Macro] = {
            b: Macro(b, None, False, (), None, builtin=True) for b in BUILTINS
        }
        self.expander = Expander(self.macros, self._token_error)
        self.out: list[str] = []
        self.segments: list[tuple[int, str, int]] = []
        self.colmaps: dict[int, tuple[Piece, ...]] = {}
        self.files: list[str] = []
        self.seen: set[str] = set()
        self.once: set[tuple[int, int] | str] = set()
        self.include_stack: list[Span] = []  # the #include lines, outermost first
        # The file being read: its name as reported (after #line) and its line offset.
        self.file = ""
        self.delta = 1

    # -- diagnostics ---------------------------------------------------------------------------

    def _span(self, line0: int, col0: int) -> Span:
        return Span(self.file, line0 + self.delta, col0 + 1)

    def _diag(self, severity: Severity, message: str, span: Span, **kw: object) -> None:
        chain = tuple(reversed(self.include_stack))
        self.sink.add(Diagnostic(severity, message, span, chain, **kw))  # type: ignore[arg-type]

    def _error(self, message: str, line0: int, col0: int) -> None:
        self._diag("error", message, self._span(line0, col0))

    def _token_error(self, message: str, tok: Tok) -> None:
        self._error(message, tok.line, tok.col)

    # -- macros --------------------------------------------------------------------------------

    def define_from_command_line(self, name: str, value: str) -> None:
        value = "1" if value == "" else value.strip()
        result = parse_macro(f"{name} {value}", COMMAND_LINE)
        if isinstance(result, str):
            self.sink.error(f"-D{name}: {result}")
        else:
            self.macros[result.name] = result

    def _define(self, src: SourceFile, d: Directive) -> None:
        span = self._span(d.line, d.rest_col)
        key = (d.line, self.file, self.delta)
        result = src.memo.get(key)
        if not isinstance(result, (Macro, str)):
            result = src.memo[key] = parse_macro(d.rest, span)
        if isinstance(result, str):
            self._diag("error", result, span)
            return
        old = self.macros.get(result.name)
        if old is not None and old.same_as(result):
            return  # an identical redefinition: allowed, the first one stays
        if old is not None and old.builtin:
            self._diag(
                "warning",
                f"redefining builtin macro '{result.name}'",
                span,
                kind="macro-redefined",
            )
        elif old is not None:
            notes: tuple[Diagnostic, ...] = ()
            if old.span is not None:
                notes = (Diagnostic("note", "previous definition is here", old.span),)
            self._diag(
                "warning", f"'{result.name}' redefined", span, notes=notes, kind="macro-redefined"
            )
        self.macros[result.name] = result

    # -- output --------------------------------------------------------------------------------

    def _mark(self, line0: int) -> None:
        """Note that the next output line comes from ``line0`` of the current file."""
        out_line = len(self.out) + 1
        orig = line0 + self.delta
        if self.segments:
            s_out, s_file, s_orig = self.segments[-1]
            if s_file == self.file and s_orig + (out_line - s_out) == orig:
                return
        self.segments.append((out_line, self.file, orig))

    # -- files ---------------------------------------------------------------------------------

    def process(self, src: SourceFile) -> None:
        saved = self.file, self.delta
        self.file, self.delta = src.name, 1
        try:
            self._process(src)
        finally:
            self.file, self.delta = saved

    def _process(self, src: SourceFile) -> None:
        if src.unterminated_comment is not None:
            self._error("unterminated comment", *src.unterminated_comment)
        conds: list[_Cond] = []
        active = True
        out = self.out
        for item in src.items:
            self._mark(item.start if isinstance(item, TextRun) else item.line)
            if isinstance(item, TextRun):
                if active:
                    self._text(src, item)
                else:
                    out.extend([""] * (item.end - item.start))
                continue
            d = item
            out.extend([""] * d.nlines)
            name = d.name
            if name in ("if", "ifdef", "ifndef"):
                span = self._span(d.line, d.hash_col)
                value = active and self._condition(d)
                conds.append(_Cond(name, span, active, value or not active))
                active = value
            elif name in ("elif", "else"):
                if not conds:
                    self._error(f"#{name} without #if", d.line, d.hash_col)
                    continue
                c = conds[-1]
                if c.else_seen:
                    self._error(f"#{name} after #else", d.line, d.hash_col)
                    active = False
                    continue
                if name == "else":
                    c.else_seen = True
                    active = not c.done
                    c.done = True
                elif c.done:
                    active = False
                else:
                    active = self._condition(d)
                    c.done = active
            elif name == "endif":
                if not conds:
                    self._error("#endif without #if", d.line, d.hash_col)
                    continue
                active = conds.pop().outer
            elif active:
                self._directive(src, d)
        for c in conds:
            self._diag("error", f"unterminated #{c.kind}", c.span)

    def _directive(self, src: SourceFile, d: Directive) -> None:
        name = d.name
        if name == "define":
            self._define(src, d)
        elif name == "undef":
            m = IDENT.match(d.rest)
            if m is None:
                self._error("no macro name given in #undef directive", d.line, d.hash_col)
            elif m.group() in self.macros and not self.macros[m.group()].builtin:
                del self.macros[m.group()]
        elif name == "include":
            self._include(src, d)
        elif name == "pragma":
            self._pragma(src, d)
        elif name == "error":
            self._error(f"#error {d.rest}".rstrip(), d.line, d.hash_col)
        elif name == "warning":
            self._diag(
                "warning",
                f"#warning {d.rest}".rstrip(),
                self._span(d.line, d.hash_col),
                kind="cpp",
            )
        elif name == "line" or name.isdigit():
            self._line(d)
        elif name in ("", "ident", "sccs"):
            pass
        else:
            self._error(f"invalid preprocessing directive #{name}", d.line, d.name_col)

    def _pragma(self, src: SourceFile, d: Directive) -> None:
        m = IDENT.match(d.rest)
        word = m.group() if m else ""
        if word == "once":
            self.once.add(file_identity(src.name))
        elif not self.include_stack and word not in QUIET_PRAGMAS:
            self._diag("note", f"ignoring #pragma {d.rest}", self._span(d.line, d.hash_col))

    def _line(self, d: Directive) -> None:
        rest = d.rest if d.name == "line" else f"{d.name} {d.rest}"
        self.expander.file, self.expander.line_delta = self.file, self.delta
        toks = self.expander.expand(tokenize(rest, d.line, d.rest_col))
        if not toks or not (toks[0].text.isascii() and toks[0].text.isdigit()):
            self._error(
                f'"{toks[0].text if toks else ""}" after #line is not a positive integer',
                d.line,
                d.hash_col,
            )
            return
        if len(toks) > 1:
            if toks[1].kind != "str" or not toks[1].text.endswith('"'):
                self._error(f'invalid filename "{toks[1].text}"', d.line, d.hash_col)
                return
            self.file = toks[1].text[toks[1].text.index('"') + 1 : -1].replace("\\\\", "\\")
        number = toks[0].text.lstrip("0")
        if len(number) > 10 or int(number or "0") > 2147483647:  # C's bound
            self._error("line number out of range after #line", d.line, d.hash_col)
            return
        # The line after the directive gets number N.
        self.delta = int(number or "0") - (d.line + d.nlines)

    # -- #if -----------------------------------------------------------------------------------

    def _condition(self, d: Directive) -> bool:
        if d.name != "if" and d.name != "elif":
            m = IDENT.match(d.rest)
            if m is None:
                self._error(f"no macro name given in #{d.name} directive", d.line, d.hash_col)
                return False
            return (m.group() in self.macros) == (d.name == "ifdef")
        toks = tokenize(d.rest, d.line, d.rest_col)
        if not toks:
            self._error(f"#{d.name} with no expression", d.line, d.hash_col)
            return False
        self.expander.file, self.expander.line_delta = self.file, self.delta
        try:
            toks = self._replace_defined(toks)
            toks = self._replace_defined(self.expander.expand(toks))
            return evaluate(toks) != 0
        except ExprError as e:
            self._error(str(e), d.line, d.rest_col)
            return False
        except RecursionError:
            self._error(f"#{d.name} expression nested too deeply", d.line, d.rest_col)
            return False

    def _replace_defined(self, toks: list[Tok]) -> list[Tok]:
        if not any(t.text == "defined" for t in toks):
            return toks
        out: list[Tok] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.text != "defined" or t.kind != "id":
                out.append(t)
                i += 1
                continue
            i += 1
            paren = i < n and toks[i].text == "("
            if paren:
                i += 1
            if i >= n or toks[i].kind != "id":
                raise ExprError("operator 'defined' requires an identifier")
            value = toks[i].text in self.macros
            i += 1
            if paren:
                if i >= n or toks[i].text != ")":
                    raise ExprError("missing ')' after \"defined\"")
                i += 1
            out.append(Tok("1" if value else "0", "num", t.line, t.col, t.pre))
        return out

    # -- #include ------------------------------------------------------------------------------

    def _include(self, src: SourceFile, d: Directive) -> None:
        rest = d.rest
        if rest[:1] not in ('"', "<"):
            self.expander.file, self.expander.line_delta = self.file, self.delta
            rest = render(self.expander.expand(tokenize(rest, d.line, d.rest_col)))[0].strip()
        close = {'"': '"', "<": ">"}.get(rest[:1])
        end = rest.find(close, 1) if close else -1
        if end < 1:
            self._error('#include expects "FILENAME" or <FILENAME>', d.line, d.hash_col)
            return
        target = rest[1:end]
        span = self._span(d.line, d.rest_col)
        path = find_include(target, rest[0] == "<", src.name, self.include_dirs)
        source = load(path) if path is not None else None
        if path is None or source is None:
            self._diag("error", f"cannot open include file '{target}'", span)
            return
        if path not in self.seen:
            self.seen.add(path)
            self.files.append(path)
        if (source.guard is not None and source.guard in self.macros) or (
            self.once and file_identity(path) in self.once
        ):
            return
        if len(self.include_stack) >= MAX_INCLUDE_DEPTH:
            self._diag("error", f"#include nested depth {MAX_INCLUDE_DEPTH} exceeds maximum", span)
            return
        self.include_stack.append(span)
        try:
            self.process(source)
        finally:
            self.include_stack.pop()

    # -- text ----------------------------------------------------------------------------------

    def _text(self, src: SourceFile, run: TextRun) -> None:
        lines = src.lines
        macros = self.macros.keys()
        if not run.splices and macros.isdisjoint(run.idents):
            self.out.extend(lines[run.start : run.end])
            return
        hits = macros & run.idents
        i = run.start
        while i < run.end:
            line = lines[i]
            if not (run.splices and ends_with_splice(line)) and (
                not any(h in line for h in hits) or macros.isdisjoint(IDENT.findall(line))
            ):
                self.out.append(line)
                i += 1
            else:
                i = self._expand_line(src, i, run.end)

    def _expand_line(self, src: SourceFile, start: int, end: int) -> int:
        """Expand the logical line at ``start``; return the index of the next unread line."""
        lines = src.lines
        nxt = start

        def take(stream: deque[Tok] | list[Tok], separate: bool) -> None:
            nonlocal nxt
            first = True
            while nxt < end:
                line = lines[nxt]
                spliced = ends_with_splice(line)
                if spliced:
                    line = line.rstrip(" \t")[:-1]
                toks = tokenize(line, nxt)
                if toks and first and separate and not toks[0].pre:
                    toks[0].pre = " "
                if toks:
                    first = False
                stream.extend(toks)
                nxt += 1
                if not spliced:
                    break

        def more(stream: deque[Tok], peek_paren: bool) -> bool:
            if nxt >= end:
                return False
            if peek_paren:
                k = nxt
                while k < end and not lines[k].strip():
                    k += 1
                if k >= end or lines[k].lstrip()[:1] != "(":
                    return False
                while nxt <= k:
                    take(stream, True)
                return True
            take(stream, True)
            return True

        first_toks: list[Tok] = []
        take(first_toks, False)
        self.expander.file, self.expander.line_delta = self.file, self.delta
        text, pieces = render(self.expander.expand(first_toks, more))
        out_line = len(self.out) + 1
        self.out.append(text)
        if pieces != [(pieces[0][0], start, pieces[0][0], True)] if pieces else False:
            delta = self.delta
            self.colmaps[out_line] = tuple((o, ln + delta, c, x) for o, ln, c, x in pieces)
        self.out.extend([""] * (nxt - start - 1))
        return nxt

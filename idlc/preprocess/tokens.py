"""The preprocessor's lexical layer: reading a source file once, and the C token scanner.

A file is read, decoded and split into *physical lines* exactly once per process (``load``
caches by path, validated by mtime and size). Comments are blanked to spaces in place, so that
every surviving character keeps its line and column; the lines are then grouped into directives
(spliced ``\\``-continued logical lines) and runs of ordinary text, with the identifiers of each
run precomputed so that a run that mentions no macro can be copied to the output untouched.
"""

from __future__ import annotations

import dataclasses
import os
import re

from .. import sourcefiles
from ..nodes import Node

# Decoding: UTF-8 with U+FFFD for invalid bytes, the same as ``DiagnosticSink``'s line reader, so
# a caret rendered under a source line lines up with the column we report.
ENCODING = "utf-8"
ENCODING_ERRORS = "replace"

_COMMENT_OR_LITERAL = re.compile(
    r""""(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|//(?:\\\n|[^\n])*|/\*.*?(?:\*/|\Z)""",
    re.S,
)
IDENT = re.compile(r"[A-Za-z_]\w*")
_DIRECTIVE_NAME = re.compile(r"[ \t\f\v]*#[ \t\f\v]*(\w*)[ \t\f\v]*")

EMPTY: frozenset[str] = frozenset()


class Directive(Node):
    """One preprocessing directive; positions are 0-based within the file."""

    line: int  # first physical line
    nlines: int  # physical lines it spans (1 + continuations)
    hash_col: int  # column of '#'
    name: str  # "" for the null directive ``#``
    name_col: int
    rest: str  # the text after the name, spliced, stripped
    rest_col: int  # column of ``rest`` on the first line (approximate after a splice)


class TextRun(Node):
    """Consecutive non-directive lines ``[start, end)``."""

    start: int
    end: int
    idents: frozenset[str]  # every identifier-like word in the run (a superset of what matters)
    splices: bool  # some line ends with a backslash


class SourceFile(Node):
    name: str
    lines: tuple[str, ...]  # physical lines, comments blanked, no newline characters
    items: tuple[Directive | TextRun, ...]
    unterminated_comment: tuple[int, int] | None  # (line, col) of a ``/*`` never closed
    guard: str | None  # the macro of an include guard wrapping the whole file
    # Parsed ``#define``s by (line, reported file, line offset), filled in by the driver.
    memo: dict[tuple[int, str, int], object] = dataclasses.field(compare=False, repr=False)


def decode(data: bytes) -> str:
    return data.decode(ENCODING, ENCODING_ERRORS)


def split_source(name: str, text: str) -> SourceFile:
    """Normalise newlines and the DOS EOF byte, blank comments, and group lines into items."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "\x1a" in text:
        # A DOS end-of-file mark: everything after it is ignored (as by MIDL's preprocessor).
        text = text[: text.index("\x1a")]
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # a BOM: keep columns aligned with the diagnostics renderer
    unterminated: tuple[int, int] | None = None
    if "/" in text:
        opened: list[int] = []

        def blank(match: re.Match[str]) -> str:
            s = match.group()
            if s[0] != "/":
                return s  # a string or character literal: kept as is
            if s[1] == "*" and (len(s) < 4 or not s.endswith("*/")):
                opened.append(match.start())
            if "\n" not in s:
                return "" if s[1] == "/" else " " * len(s)
            return "\n".join(" " * len(part) for part in s.split("\n"))

        text = _COMMENT_OR_LITERAL.sub(blank, text)
        if opened:
            start = opened[0]
            unterminated = (text.count("\n", 0, start), start - (text.rfind("\n", 0, start) + 1))
    if text.endswith("\n"):
        text = text[:-1]
    lines = tuple(text.split("\n"))
    items = _group(lines)
    return SourceFile(name, lines, items, unterminated, _find_guard(lines, items), {})


def ends_with_splice(line: str) -> bool:
    return line.endswith("\\") or (line[-1:] in (" ", "\t") and line.rstrip(" \t").endswith("\\"))


def _group(lines: tuple[str, ...]) -> tuple[Directive | TextRun, ...]:
    items: list[Directive | TextRun] = []
    n = len(lines)
    run_start = 0
    i = 0
    while i < n:
        line = lines[i]
        if "#" not in line or not line.lstrip(" \t\f\v").startswith("#"):
            i += 1
            continue
        if run_start < i:
            items.append(_text_run(lines, run_start, i))
        m = _DIRECTIVE_NAME.match(line)
        assert m is not None
        hash_col = line.index("#")
        name = m.group(1)
        name_col = m.start(1)
        j = i
        logical = line
        while ends_with_splice(logical) and j + 1 < n:
            j += 1
            logical = logical.rstrip(" \t")[:-1] + lines[j]
        if ends_with_splice(logical):
            logical = logical.rstrip(" \t")[:-1]
        rest_col = m.end()
        rest = logical[rest_col:].strip()
        items.append(Directive(i, j - i + 1, hash_col, name, name_col, rest, rest_col))
        i = j + 1
        run_start = i
    if run_start < n:
        items.append(_text_run(lines, run_start, n))
    return tuple(items)


def _text_run(lines: tuple[str, ...], start: int, end: int) -> TextRun:
    chunk = lines[start:end]
    joined = "\n".join(chunk)
    splices = "\\" in joined and any(ends_with_splice(line) for line in chunk if line)
    return TextRun(start, end, frozenset(IDENT.findall(joined)), splices)


def _guard_name(d: Directive) -> str | None:
    if d.name == "ifndef":
        m = IDENT.fullmatch(d.rest)
        return m.group() if m else None
    if d.name == "if":
        m = re.fullmatch(r"!\s*defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|\s([A-Za-z_]\w*))", d.rest)
        if m:
            return m.group(1) or m.group(2)
    return None


def _find_guard(lines: tuple[str, ...], items: tuple[Directive | TextRun, ...]) -> str | None:
    def blank(item: Directive | TextRun) -> bool:
        return isinstance(item, TextRun) and not any(
            lines[k].strip() for k in range(item.start, item.end)
        )

    significant = [it for it in items if not blank(it)]
    if len(significant) < 2:
        return None
    first, last = significant[0], significant[-1]
    if not isinstance(first, Directive) or not isinstance(last, Directive) or last.name != "endif":
        return None
    guard = _guard_name(first)
    if guard is None:
        return None
    depth = 0
    for it in significant:
        if isinstance(it, Directive):
            if it.name in ("if", "ifdef", "ifndef"):
                depth += 1
            elif it.name == "endif":
                depth -= 1
                if depth == 0 and it is not last:
                    return None
            elif it.name in ("elif", "else") and depth == 1:
                return None
    return guard


_CACHE: dict[str, tuple[tuple[int, int], SourceFile]] = {}


def lines_read() -> int:
    """The physical lines of every file this process has read (each file once)."""
    return sum(len(entry[1].lines) for entry in _CACHE.values())


def forget_files(folder: str) -> None:
    """Drop the files under ``folder`` (an absolute path ending in a separator)."""
    for path in [p for p in _CACHE if os.path.abspath(p).startswith(folder)]:
        del _CACHE[path]


def load(path: str) -> SourceFile | None:
    """The split form of the file at ``path``, read once per process (None if unreadable)."""
    try:
        st = os.stat(path)
        key = (st.st_mtime_ns, st.st_size)
        hit = _CACHE.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        with open(sourcefiles.follow(path), "rb") as f:
            data = f.read()
    except OSError:
        return None
    source = split_source(path, decode(data))
    _CACHE[path] = (key, source)
    return source


def find_include(target: str, angle: bool, including: str, dirs: list[str]) -> str | None:
    """Where ``#include "target"`` (or ``<target>``) in file ``including`` finds its file.

    ``"..."`` searches the including file's folder, then ``dirs`` in order; ``<...>`` only
    ``dirs``. Paths are joined, never made absolute. Backslashes count as separators, and when
    no exact match exists a case-insensitive one is accepted, as on Windows where MIDL runs.
    """
    if os.sep == "/" and "\\" in target:
        target = target.replace("\\", "/")
    if os.path.isabs(target):
        return target if os.path.isfile(target) else None
    folders = dirs if angle else [os.path.dirname(including), *dirs]
    for folder in folders:
        candidate = os.path.join(folder, target)
        if os.path.isfile(candidate):
            return candidate
    for folder in folders:
        found = _case_insensitive(folder, target)
        if found is not None:
            return found
    return None


def _case_insensitive(folder: str, target: str) -> str | None:
    current = folder
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.join(current, part)
            continue
        try:
            names = os.listdir(current or ".")
        except OSError:
            return None
        folded = part.casefold()
        match = next((n for n in names if n.casefold() == folded), None)
        if match is None:
            return None
        current = os.path.join(current, match)
    return current if os.path.isfile(current) else None


def file_identity(path: str) -> tuple[int, int] | str:
    """A key naming the same file however it was reached (for ``#pragma once``)."""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.abspath(path)
    return (st.st_dev, st.st_ino)


# ---------------------------------------------------------------------------------------------
# Tokens


class Tok:
    """A preprocessing token.

    ``pre`` is the whitespace that preceded it (``""`` if none); ``line``/``col`` are 0-based and
    point at the token itself for source tokens, and at the macro use for tokens a macro
    produced (``orig`` False). ``hs`` is the hide set of Prosser's expansion algorithm.
    """

    __slots__ = ("col", "hs", "kind", "line", "orig", "pre", "text")

    def __init__(
        self,
        text: str,
        kind: str,
        line: int,
        col: int,
        pre: str,
        hs: frozenset[str] = EMPTY,
        orig: bool = True,
    ) -> None:
        self.text = text
        self.kind = kind  # "id", "num", "str", "chr", "p" (punctuator or other character)
        self.line = line
        self.col = col
        self.pre = pre
        self.hs = hs
        self.orig = orig

    def copy(self, *, line: int, col: int, pre: str, hs: frozenset[str]) -> Tok:
        return Tok(self.text, self.kind, line, col, pre, hs, False)

    def __repr__(self) -> str:
        return f"Tok({self.text!r})"


_TOKEN = re.compile(
    r"""(?P<ws>[ \t\f\v\r]+)
    |(?P<str>(?:u8|[LuU])?"(?:\\.|[^"\\\n])*"?)
    |(?P<chr>(?:u8|[LuU])?'(?:\\.|[^'\\\n])*'?)
    |(?P<id>[A-Za-z_]\w*)
    |(?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)
    |(?P<p>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^~!=<>?:;,.()\[\]{}\#]|\S)
    """,
    re.X,
)


def tokenize(text: str, line: int = 0, col0: int = 0) -> list[Tok]:
    """Scan ``text`` (one logical line) into tokens placed at ``line``, columns from ``col0``."""
    toks: list[Tok] = []
    pre = ""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        if kind == "ws":
            pre = m.group()
            continue
        toks.append(Tok(m.group(), kind, line, col0 + m.start(), pre))
        pre = ""
    return toks

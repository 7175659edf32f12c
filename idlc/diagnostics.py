"""Diagnostics: collected per pass, rendered GCC-style with the source line and a caret."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from . import sourcefiles
from .nodes import Node, Span

Severity = Literal["error", "warning", "note"]


class Diagnostic(Node):
    severity: Severity
    message: str
    span: Span | None = None
    imported_from: tuple[
        Span, ...
    ] = ()  # innermost first: where the file holding span was imported
    notes: tuple[Diagnostic, ...] = ()
    # A warning's kind (``unknown-attribute``...): shown as ``[-Wkind]``, named by ``-w``; kept
    # when ``-Werror`` makes the warning an error (then shown as ``[-Werror=kind]``).
    kind: str | None = None


class CompileError(Exception):
    """Raised to abandon a pass after its errors have been reported to the sink."""


# The lines of files diagnostics were shown in, kept across the compiles of one process with
# the file's size and time: a header's warnings are shown again by every compile importing it.
_LINES: dict[str, tuple[tuple[int, int], list[str]]] = {}


def forget_lines(folder: str) -> None:
    """Drop the lines kept of the files under ``folder`` (a path ending in a separator)."""
    for path in [p for p in _LINES if p.startswith(folder)]:
        del _LINES[path]


def _read_lines(file: str) -> list[str] | None:
    path = os.path.abspath(sourcefiles.follow(file))  # a shown name is relative to the cwd
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        kept = _LINES.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        data = Path(path).read_bytes()
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    _LINES[path] = (stamp, lines)
    return lines


@dataclass
class DiagnosticSink:
    """Collects diagnostics in order; counts errors; renders them on demand."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    werror: bool = False  # -Werror: every warning added becomes an error
    disabled: frozenset[str] = frozenset()  # -w KIND: warnings of these kinds are dropped
    line_reader: Callable[[str], list[str] | None] = _read_lines
    _lines: dict[str, list[str] | None] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.severity == "warning":
            if diagnostic.kind in self.disabled:
                return
            if self.werror:
                diagnostic = Diagnostic(
                    "error",
                    diagnostic.message,
                    diagnostic.span,
                    diagnostic.imported_from,
                    diagnostic.notes,
                    diagnostic.kind or "warning",
                )
        self.diagnostics.append(diagnostic)

    def error(self, message: str, span: Span | None = None, **kw: object) -> None:
        self.add(Diagnostic("error", message, span, **kw))  # type: ignore[arg-type]

    def warning(self, message: str, span: Span | None = None, *, kind: str, **kw: object) -> None:
        """A warning of ``kind`` (see ``WARNING_KINDS``)."""
        self.add(Diagnostic("warning", message, span, kind=kind, **kw))  # type: ignore[arg-type]

    def note(self, message: str, span: Span | None = None) -> None:
        self.add(Diagnostic("note", message, span))

    def source_line(self, file: str, line: int) -> str | None:
        if file not in self._lines:
            self._lines[file] = self.line_reader(file)
        lines = self._lines[file]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    def render(self, diagnostic: Diagnostic) -> str:
        """``file:line:col: severity: message``, the source line, a caret, then the import chain."""
        out: list[str] = []
        for span in reversed(diagnostic.imported_from):
            out.append(f"In file imported from {span}:")
        message = diagnostic.message
        if diagnostic.kind is not None:
            flag = "-W" if diagnostic.severity == "warning" else "-Werror="
            message += f" [{flag}{diagnostic.kind}]"
        if diagnostic.span is None:
            out.append(f"idlc: {diagnostic.severity}: {message}")
        else:
            span = diagnostic.span
            out.append(f"{span}: {diagnostic.severity}: {message}")
            text = self.source_line(span.file, span.line)
            if text is not None:
                text = text.rstrip("\r\n\x1a")
                out.append(" " + text)
                caret_col = max(span.column, 1)
                prefix = text[: caret_col - 1]
                pad = "".join("\t" if ch == "\t" else " " for ch in prefix)
                out.append(" " + pad + "^")
        for note in diagnostic.notes:
            out.append(self.render(note))
        return "\n".join(out)

    def write(self, stream: TextIO) -> None:
        for d in self.diagnostics:
            stream.write(self.render(d) + "\n")


# Every kind of warning, with what it says: ``-w KIND`` silences one, ``-Werror`` makes them
# all errors. ``idlc --help`` lists them.
WARNING_KINDS: dict[str, str] = {
    "ignored-attribute": "an attribute MIDL knows that idlc does not implement",
    "foreign-attribute": "an attribute of another IDL tool (go-msrpc's goext_*), not MIDL's",
    "unsupported": "a construct idlc accepts but does not implement ([transmit_as], [callback])",
    "string": "[string] where idlc cannot see the character type it applies to",
    "range": "a [range] without two constant bounds",
    "acf": "an ACF attribute that cannot apply where it is written",
    "use-before-definition": "a typedef used before its definition",
    "ms-dtyp": "a Windows type taken from idlc's copy of [MS-DTYP]",
    "redefinition": "a type redefined as an equivalent one",
    "member-initializer": "a struct member with an initialiser",
    "case-mismatch": "a name found in another case",
    "ignored-declaration": "a declaration that generates nothing",
    "ndr": "a type the NDR20 codecs cannot carry",
    "macro-redefined": "a preprocessor macro defined again",
    "cpp": "a #warning directive",
}


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for the candidate closest to ``name``, or ``""``."""
    import difflib

    pool = {c for c in candidates if c != name}
    folded = [c for c in pool if c.lower() == name.lower()]
    near = folded or difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return f"; did you mean '{min(near)}'?" if near else ""

"""The front end's process-wide memory: files parsed and lowered once, whoever imports them.

Many compiles in one process import the same system files (wtypes.idl, unknwn.idl,
ms-dtyp.idl...). Three levels, each a pure function of its key:

* ``source()``: a file preprocessed, keyed by its path (resolved and as shown), the working
  folder, the include folders and the macros; valid while every file it read is unchanged.
* its ``Syntax``: the preprocessed text parsed, shared by every source whose preprocessed text
  and position map are the same (one header preprocessed under different include folders).
* ``lowered()``: a syntax tree lowered (and checked) against one list of imported symbol tables;
  a hit returns the same ``Symbols`` object, so the files importing it hit too.

Diagnostics are kept without an import chain; the front end replays them with the importer's
chain, so its output is the same whether or not the cache was warm.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink, forget_lines
from ..preprocess.tokens import forget_files
from ..semantic.lower import FileLowerer
from ..semantic.symbols import Symbols
from ..syntax import ast
from . import timing

Stamp = tuple[int, int] | None


@dataclass(frozen=True)
class Lowered:
    """A syntax tree lowered against one list of imported symbol tables."""

    visible: tuple[Symbols, ...]  # held so that the ids in the cache key stay theirs
    module: ir.Module
    symbols: Symbols
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


@dataclass
class Syntax:
    """A preprocessed text parsed (``tree`` None after a syntax error)."""

    tree: ast.File | None
    diagnostics: tuple[Diagnostic, ...]
    lowered: dict[tuple[object, ...], Lowered] = field(default_factory=dict)

    @cached_property
    def imports(self) -> tuple[ast.Import, ...]:
        """The tree's import statements, at the top level or in interfaces and libraries
        (found once: a header every compile imports has thousands of items)."""
        return () if self.tree is None else tuple(_imports(self.tree.items))


def _imports(items: tuple[ast.Item, ...]) -> Iterator[ast.Import]:
    for item in items:
        if isinstance(item, ast.Import):
            yield item
        elif isinstance(item, ast.Interface | ast.Container):
            yield from _imports(item.items or ())


@dataclass
class Source:
    """A file preprocessed (``syntax`` None when the preprocessor reported errors)."""

    syntax: Syntax | None
    diagnostics: tuple[Diagnostic, ...]
    stamps: tuple[tuple[str, Stamp], ...]  # every file read, as it was
    no_symbols: Symbols  # what the file declares when it cannot be lowered

    @property
    def tree(self) -> ast.File | None:
        return self.syntax.tree if self.syntax is not None else None

    def current(self) -> bool:
        return all(_stamp(name) == stamp for name, stamp in self.stamps)


_SOURCES: dict[tuple[object, ...], Source] = {}
_SYNTAX: dict[tuple[object, ...], Syntax] = {}


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cycle collection while files are parsed and lowered.

    They make hundreds of thousands of small, acyclic objects (freed by reference counting),
    and the cache keeps many alive: every collection of the oldest generation walks all of them
    again, a third of the front end's time over a corpus. Cycles made meanwhile are collected
    after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _stamp(name: str) -> Stamp:
    try:
        st = os.stat(name)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def source(
    path: Path,
    shown: str,
    module: str,
    include_dirs: tuple[Path, ...],
    defines: Mapping[str, str],
) -> Source:
    """``shown`` (resolved to ``path``), preprocessed and parsed; from the cache when current."""
    key = (path, shown, module, os.getcwd(), include_dirs, tuple(defines.items()))
    hit = _SOURCES.get(key)
    if hit is not None and hit.current():
        return hit
    from ..preprocess.preprocessor import preprocess
    from ..syntax.parser import parse_idl

    sink = DiagnosticSink()
    t = timing.now()
    pp = preprocess(Path(shown), include_dirs=include_dirs, defines=defines, sink=sink)
    t = timing.charge("preprocess", t)
    syntax: Syntax | None = None
    if sink.error_count == 0:
        text_key = pp.identity()
        syntax = _SYNTAX.get(text_key)
        if syntax is None:
            parse_sink = DiagnosticSink()
            tree = parse_idl(pp.text, pp.span, parse_sink)
            syntax = _SYNTAX[text_key] = Syntax(tree, tuple(parse_sink.diagnostics))
            timing.charge("parse", t)
    stamps = tuple((name, _stamp(name)) for name in dict.fromkeys(pp.files))
    entry = Source(syntax, tuple(sink.diagnostics), stamps, Symbols(module))
    _SOURCES[key] = entry
    return entry


def lowered(
    syntax: Syntax,
    module: str,
    shown: str,
    imported_names: tuple[str, ...],
    visible: list[Symbols],
    check: bool,
) -> Lowered:
    """``syntax.tree`` lowered (and checked when ``check``), once per list of visible tables."""
    key = (module, shown, imported_names, tuple(id(v) for v in visible), check)
    hit = syntax.lowered.get(key)
    if hit is not None:
        return hit
    assert syntax.tree is not None
    sink = DiagnosticSink()
    t = timing.now()
    result, symbols = FileLowerer(module, shown, syntax.tree, imported_names, visible, sink).run()
    if check:
        from ..semantic.checks import check_module

        check_module(result, sink)
    timing.charge("lower", t)  # with the checks, and the attribute arguments it parses
    entry = Lowered(tuple(visible), result, symbols, tuple(sink.diagnostics))
    syntax.lowered[key] = entry
    return entry


def forget(folder: Path) -> None:
    """Drop what the process-wide caches hold of the files under ``folder``: a long-lived
    process that compiles many short-lived files (the IDL fuzzer) keeps its memory flat."""
    root = os.path.abspath(folder) + os.sep

    def under(name: object) -> bool:
        return os.path.abspath(str(name)).startswith(root)

    for key in [
        k for k, s in _SOURCES.items() if under(k[0]) or any(under(n) for n, _ in s.stamps)
    ]:
        del _SOURCES[key]
    live = {id(s.syntax) for s in _SOURCES.values()}
    for key in [k for k, s in _SYNTAX.items() if id(s) not in live]:
        del _SYNTAX[key]
    forget_lines(root)
    forget_files(root)

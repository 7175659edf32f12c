"""The front end: preprocess, parse and lower a file and everything it imports, merge its ACF."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from ..semantic.symbols import Symbols
from ..syntax import ast
from .cache import gc_paused, lowered, source


@dataclass(frozen=True)
class Options:
    include_dirs: tuple[Path, ...] = ()
    defines: tuple[tuple[str, str], ...] = ()
    acf: Path | None = None
    no_acf: bool = False


def module_name(path: Path | str) -> str:
    """The Python module name of an IDL file: ``AsyncRPC.Idl`` -> ``asyncrpc``. A keyword
    takes a trailing ``_`` as IDL names do (``ir.py_name``: the same fixed set on every Python,
    so ``type.idl`` is ``type`` and ``match.idl`` is ``match_`` on 3.11 and 3.12 alike)."""
    stem = Path(path).stem.lower()
    name = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "_"
    if name[0].isdigit():
        name = "_" + name
    return ir.py_name(name)


@dataclass
class _Loaded:
    """One IDL file, lowered; shared by every compile() of a FrontEnd."""

    path: Path
    module: ir.Module | None  # None when the file had errors
    symbols: Symbols
    imports: tuple[Path, ...]  # resolved, in order
    ok: bool


class FrontEnd:
    def __init__(self, options: Options, sink: DiagnosticSink) -> None:
        self.options = options
        self.sink = sink
        self._cache: dict[Path, _Loaded] = {}
        self._loading: set[Path] = set()
        self._names: dict[str, Path] = {}
        # The mingw-w64 system IDL files (wtypes.idl, unknwn.idl...) expect a widl-compatible
        # compiler: predefine __WIDL__ as widl does (a -D on the command line overrides it).
        self._defines = {"__WIDL__": "1", **dict(options.defines)}

    def compile(self, path: Path) -> ir.Program | None:
        """The program rooted at ``path``; None when errors were reported."""
        before = self.sink.error_count
        try:
            root_path = path.resolve()
        except OSError:
            root_path = path.absolute()
        if not root_path.is_file():
            self.sink.error(f"cannot open '{path}': no such file")
            return None
        with gc_paused():
            root = self._load(root_path, str(path), ())
        order: list[_Loaded] = []
        ok = self._closure(root, order, set())
        if not ok or root.module is None or self.sink.error_count > before:
            return None
        modules = [m.module for m in order if m.module is not None]
        acf = self._acf_path(path)
        if acf is not None:
            from ..semantic.acf import merge_acf

            merged = merge_acf(root.module, self._parse_acf(acf), self.sink)
            if merged is None or self.sink.error_count > before:
                return None
            modules[-1] = merged
        return ir.Program(tuple(modules), root.module.name)

    # files -------------------------------------------------------------------------------

    def _closure(self, loaded: _Loaded, order: list[_Loaded], seen: set[Path]) -> bool:
        if loaded.path in seen:
            return True
        seen.add(loaded.path)
        ok = loaded.ok
        for imp in loaded.imports:
            ok = self._closure(self._cache[imp], order, seen) and ok
        order.append(loaded)
        return ok

    def _parse_acf(self, path: Path) -> ast.AcfFile | None:
        from ..preprocess.preprocessor import preprocess
        from ..syntax.parser import parse_acf

        if not path.is_file():
            self.sink.error(f"cannot open ACF '{path}': no such file")
            return None
        before = self.sink.error_count
        pp = preprocess(
            path,
            include_dirs=self.options.include_dirs,
            defines=self._defines,
            sink=self.sink,
        )
        if self.sink.error_count > before:
            return None
        return parse_acf(pp.text, pp.span, self.sink)

    def _load(self, path: Path, shown: str, chain: tuple[ir.Span, ...]) -> _Loaded:
        if path in self._cache:
            return self._cache[path]
        self._loading.add(path)
        name = module_name(path)
        src = source(path, shown, name, self.options.include_dirs, self._defines)
        tree = src.tree
        self._replay(src.diagnostics, chain)
        if src.syntax is not None:
            self._replay(src.syntax.diagnostics, chain)
        imports: list[Path] = []
        visible: list[Symbols] = []
        ok = tree is not None
        if src.syntax is not None:
            for imp in src.syntax.imports:
                for ip in imp.paths:
                    found = self._resolve_import(ip.path, path.parent, Path(shown).parent)
                    if found is None:
                        self.sink.add(
                            Diagnostic(
                                "error",
                                f"cannot find imported file '{ip.path}'",
                                ip.span,
                                imported_from=chain,
                            )
                        )
                        ok = False
                        continue
                    target, shown_import = found
                    if target in self._loading or target in imports:
                        continue
                    loaded = self._load(target, shown_import, (ip.span, *chain))
                    imports.append(target)
                    ok = ok and loaded.ok
        for target in imports:
            self._visible(self._cache[target], visible, set())
        module: ir.Module | None = None
        symbols = src.no_symbols
        if tree is not None:
            other = self._names.get(name)
            if other is not None and other != path:
                self.sink.add(
                    Diagnostic(
                        "error",
                        f"'{shown}' and '{other}' would both generate module '{name}'",
                        ir.Span(shown, 1, 1) if not chain else chain[0],
                        imported_from=chain[1:] if chain else (),
                    )
                )
                ok = False
            self._names[name] = path
            imported_names = tuple(module_name(p) for p in imports)
            assert src.syntax is not None
            low = lowered(src.syntax, name, shown, imported_names, visible, ok)
            module, symbols = low.module, low.symbols
            ok = ok and low.ok
            self._replay(low.diagnostics, chain)
        loaded = _Loaded(path, module if ok else None, symbols, tuple(imports), ok)
        self._cache[path] = loaded
        self._loading.discard(path)
        return loaded

    def _visible(self, loaded: _Loaded, out: list[Symbols], seen: set[Path]) -> None:
        if loaded.path in seen:
            return
        seen.add(loaded.path)
        for imp in loaded.imports:
            self._visible(self._cache[imp], out, seen)
        if all(s is not loaded.symbols for s in out):
            out.append(loaded.symbols)

    def _replay(self, diagnostics: Iterable[Diagnostic], chain: tuple[ir.Span, ...]) -> None:
        for d in diagnostics:
            self.sink.add(ir.replace(d, imported_from=d.imported_from + chain))

    def _resolve_import(self, name: str, folder: Path, shown: Path) -> tuple[Path, str] | None:
        """The resolved path of an import and how to show it (the importer's folder first)."""
        for d, show in ((folder, shown), *((d, d) for d in self.options.include_dirs)):
            candidate = d / name
            if candidate.is_file():
                try:
                    resolved = candidate.resolve()
                except OSError:  # pragma: no cover
                    resolved = candidate.absolute()
                return resolved, str(show / name) if str(show) != "." else name
        return None

    def _acf_path(self, path: Path) -> Path | None:
        if self.options.no_acf:
            return None
        if self.options.acf is not None:
            return self.options.acf
        folder = path.parent
        want = path.stem + ".acf"
        try:
            entries = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            return None
        for entry in entries:
            if entry.name.lower() == want.lower() and entry.name[: len(path.stem)] == path.stem:
                return entry if entry.is_file() else None
        return None

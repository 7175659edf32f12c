"""The source tree keeps its shape: no import cycles, stages and runtime layers only import
downwards, modules stay small.

The graph is read from the sources, not from ``sys.modules``: every ``import`` and ``from ...
import`` statement counts, including those under ``if TYPE_CHECKING:`` and inside functions, so a
cycle cannot hide behind a lazy or type-only import.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"idlc": ROOT / "idlc", "idlrt": ROOT / "runtime" / "idlrt"}

# The compiler's stages in data-flow order: a module imports its own package or lower ranks.
COMPILER_RANKS = {
    "idlc": 0,  # the version
    "idlc.nodes": 0,
    "idlc.sourcefiles": 0,
    "idlc.cachedir": 0,
    "idlc.diagnostics": 1,
    "idlc.ir": 1,
    "idlc.irdump": 2,
    "idlc.preprocess": 2,
    "idlc.syntax": 3,
    "idlc.semantic": 4,
    "idlc.pipeline": 5,
    "idlc.backends": 6,
    "idlc.cli": 7,
    "idlc.__main__": 8,
}

# The runtime's layers, bottom up (STYLE rule 8): each imports only the layers below it, or
# modules of its own layer without a cycle.
RUNTIME_LAYERS = {
    # 1: status and errors
    "idlrt.status": 1,
    "idlrt.errors": 1,
    # 2: wire codecs and the helpers of generated code, no asyncio
    "idlrt.wire": 2,
    "idlrt.ctxhandle": 2,
    "idlrt.codec": 2,
    "idlrt.ntlmcred": 2,
    "idlrt.ntlm": 2,
    # 3: connection and transport
    "idlrt.binding": 3,
    "idlrt.connection": 3,
    # 4: the call and handle objects of both sides
    "idlrt.callcontext": 4,
    "idlrt.handle": 4,
    "idlrt.model": 4,
    "idlrt.call": 4,
    # 5: the client and the server
    "idlrt.client": 5,
    "idlrt.blocking": 5,
    "idlrt.registry": 5,
    "idlrt.ctxtable": 5,
    "idlrt.session": 5,
    "idlrt.dispatch": 5,
    "idlrt.server": 5,
    # 6: the public API
    "idlrt": 6,
}

MAX_LINES = 500
MAX_MODULES_PER_PACKAGE = 12  # in the compiler


def module_name(package: str, path: Path) -> str:
    parts = [package, *path.relative_to(PACKAGES[package]).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> Iterator[tuple[str, Path]]:
    for package, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            yield module_name(package, path), path


MODULES = dict(sources())


def resolve(importer: str, is_package: bool, level: int, name: str | None) -> str:
    base = importer.split(".")
    if not is_package:
        base.pop()
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(name: str, path: Path, known: Collection[str] = MODULES) -> set[str]:
    """The modules among ``known`` that ``path`` imports, by any statement anywhere in it."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = (
                resolve(name, is_package, node.level, node.module) if node.level else node.module
            )
            assert source is not None
            # "from pkg import mod" imports the module pkg.mod where there is one.
            targets = [
                f"{source}.{a.name}" if f"{source}.{a.name}" in known else source
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def rank(ranks: dict[str, int], module: str) -> tuple[str, int]:
    """The entry of ``ranks`` that holds ``module``: its own, or its nearest package's."""
    probe = module
    while probe not in ranks:
        assert "." in probe, f"{module} has no rank: add it to the map in this test"
        probe = probe.rpartition(".")[0]
    return probe, ranks[probe]


def test_the_graph_is_read_from_the_sources() -> None:
    # A guard on the reader itself: known edges are found, lazy and type-only ones included.
    assert "idlc.nodes" in GRAPH["idlc.ir"]
    assert "idlc.syntax.parser" in GRAPH["idlc.semantic.forward"]  # a function-local import
    assert "idlrt.status" in GRAPH["idlrt.errors"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_import_statement_counts(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .. import ir\n"
        "if TYPE_CHECKING:\n    from .lower import X\n"
        "def f():\n    from ..syntax.parser import parse_idl\n"
    )
    known = {"idlc.ir", "idlc.semantic.lower", "idlc.syntax.parser", "idlc.semantic.m"}
    assert imports_of("idlc.semantic.m", path, known) == {
        "idlc.ir",
        "idlc.semantic.lower",
        "idlc.syntax.parser",
    }


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_the_runtime_never_imports_the_compiler() -> None:
    assert [
        (m, sorted(d))
        for m, d in GRAPH.items()
        if m.startswith("idlrt") and any(t.startswith("idlc") for t in d)
    ] == []


@pytest.mark.parametrize(
    ("package", "ranks"), [("idlc", COMPILER_RANKS), ("idlrt", RUNTIME_LAYERS)]
)
def test_imports_go_down_the_stages_and_layers(package: str, ranks: dict[str, int]) -> None:
    upward = []
    for module, targets in GRAPH.items():
        if module.partition(".")[0] != package:
            continue
        home, level = rank(ranks, module)
        for target in targets:
            if target.partition(".")[0] != package:
                continue
            where, target_level = rank(ranks, target)
            if where != home and target_level > level:
                upward.append(f"{module} ({level}) imports {target} ({target_level})")
    assert upward == []


def test_every_module_says_its_job() -> None:
    silent = [m for m, p in MODULES.items() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert silent == []


def test_modules_are_small_and_packages_few() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
    # The compiler's packages (the runtime is one package of five layers, told apart above).
    compiler = PACKAGES["idlc"]
    crowded = {
        str(d.relative_to(ROOT)): n
        for d in [compiler, *(p for p in compiler.rglob("*") if p.is_dir())]
        if (n := len([f for f in d.glob("*.py") if f.name != "__init__.py"]))
        > MAX_MODULES_PER_PACKAGE
    }
    assert crowded == {}

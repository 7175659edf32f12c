"""The lowering stage's shape: modules that import one another in one direction only, each of
a readable size with a docstring saying its job.

Imports are read from the source, every statement counted: at the top, under
``if TYPE_CHECKING:`` and inside functions alike."""

from __future__ import annotations

import ast
from pathlib import Path

import idlc

ROOT = Path(idlc.__file__).resolve().parent
SEMANTIC = "idlc.semantic"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The idlc modules that ``name`` (at ``path``) imports, by any import statement."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # `from . import ir` imports the module idlc.ir; `from .x import f` imports idlc.x
            subs = {f"{source}.{a.name}" for a in node.names} & known
            out.update(subs or {source})
    return {m for m in out if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

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
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_import_reader_counts_every_statement(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import ir\n"
        "if TYPE_CHECKING:\n    from .lower import X\n"
        "def f():\n    from ..syntax.parser import parse_idl\n"
    )
    known = {"idlc.ir", "idlc.semantic.lower", "idlc.syntax.parser", "idlc.semantic.m"}
    assert _imports("idlc.semantic.m", path, known) == {
        "idlc.semantic.lower",
        "idlc.syntax.parser",
    }


def test_no_import_cycle_touches_the_semantic_stage() -> None:
    cycles = [c for c in _cycles(_graph()) if any(m.startswith(SEMANTIC) for m in c)]
    assert cycles == []


def test_semantic_modules_are_few_short_and_say_their_job() -> None:
    modules = {n: p for n, p in _modules().items() if n.startswith(SEMANTIC)}
    assert len(modules) <= 12
    for name, path in modules.items():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, name
        assert ast.get_docstring(ast.parse(text)), f"{name} has no module docstring"

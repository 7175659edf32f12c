"""The real-world corpus through the whole compiler, exactly as each recipe row says.

``accept`` / ``accept-unverified`` rows must compile (exit 0) and every generated module must
import; ``reject`` / ``skip`` rows must end in diagnostics (exit 1, or 0 with warnings), never a
traceback or exit 2. Skipped as a whole where ../shared/corpus is absent.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from idlc.cli import main
from support import CORPUS


@dataclass(frozen=True)
class Recipe:
    idl: str
    acf: str
    include_dirs: tuple[str, ...]
    defines: tuple[str, ...]
    role: str
    expected: str

    @property
    def argv(self) -> list[str]:
        args = [self.idl]
        for d in self.include_dirs:
            args += ["-I", d]
        for d in self.defines:
            args += ["-D", d]
        args += ["--acf", self.acf] if self.acf else ["--no-acf"]
        return args


def load_recipes() -> list[Recipe]:
    path = CORPUS / "recipes.tsv"
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Recipe(
            r["idl"],
            r["acf"],
            tuple(d for d in r["include_dirs"].split(",") if d),
            tuple(d for d in r["defines"].split(",") if d),
            r["role"],
            r["expected"],
        )
        for r in rows
        if r["expected"] in {"accept", "accept-unverified", "reject", "skip"}
    ]


RECIPES = load_recipes()


def run_idlc(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


@pytest.fixture
def in_corpus(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(corpus)
    return corpus


@pytest.mark.parametrize(
    "recipe", RECIPES, ids=[f"{r.expected}:{r.idl}:{r.role}:{i}" for i, r in enumerate(RECIPES)]
)
def test_recipe(in_corpus: Path, recipe: Recipe, tmp_path: Path) -> None:
    package = f"corpus_{abs(hash((recipe.idl, recipe.role, recipe.include_dirs))):x}"
    out = tmp_path / package
    status, stderr = run_idlc([*recipe.argv, "-o", str(out)])
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    if recipe.expected in {"accept", "accept-unverified"}:
        assert status == 0, stderr
        sys.path.insert(0, str(tmp_path))
        try:
            for module in sorted(out.glob("*.py")):
                if module.name != "__init__.py":
                    importlib.import_module(f"{package}.{module.stem}")
        finally:
            sys.path.remove(str(tmp_path))
    else:
        assert status in {0, 1}, stderr
        assert stderr.strip(), "a reject/skip row must say why"
        if status == 0:
            assert "warning:" in stderr

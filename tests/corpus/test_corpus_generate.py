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
import subprocess
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


@dataclass(frozen=True)
class Outcome:
    package: str
    out: Path
    status: int
    stderr: str


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[Recipe, Outcome]:
    """Every recipe compiled once, from the corpus folder, each into its own package."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    root = tmp_path_factory.mktemp("corpus_out")
    results: dict[Recipe, Outcome] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(CORPUS)
        for i, recipe in enumerate(RECIPES):
            package = f"corpus_{i}"
            status, stderr = run_idlc([*recipe.argv, "-o", str(root / package)])
            results[recipe] = Outcome(package, root / package, status, stderr)
    return results


@pytest.mark.parametrize(
    "recipe", RECIPES, ids=[f"{r.expected}:{r.idl}:{r.role}:{i}" for i, r in enumerate(RECIPES)]
)
def test_recipe(outcomes: dict[Recipe, Outcome], recipe: Recipe) -> None:
    result = outcomes[recipe]
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    if recipe.expected in {"accept", "accept-unverified"}:
        assert result.status == 0, result.stderr
        root = str(result.out.parent)
        sys.path.insert(0, root)
        try:
            for module in sorted(result.out.glob("*.py")):
                if module.name != "__init__.py":
                    importlib.import_module(f"{result.package}.{module.stem}")
        finally:
            sys.path.remove(root)
    else:
        assert result.status in {0, 1}, result.stderr
        assert result.stderr.strip(), "a reject/skip row must say why"
        if result.status == 0:
            assert "warning:" in result.stderr


def test_generated_corpus_code_is_formatted_and_lint_clean(outcomes: dict[Recipe, Outcome]) -> None:
    """All modules generated from the corpus pass ruff's formatter check and default lints."""
    dirs = [str(o.out) for o in outcomes.values() if o.status == 0 and o.out.is_dir()]
    assert dirs
    ruff = str(Path(sys.executable).with_name("ruff"))
    for args in (["format", "--check"], ["check"]):
        run = subprocess.run(
            [ruff, *args, "--isolated", "--no-cache", *dirs], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]


@pytest.mark.timeout(600)  # mypy --strict over some 400 generated modules: a minute or two
def test_generated_corpus_code_is_typed_clean(outcomes: dict[Recipe, Outcome]) -> None:
    """All modules generated from the corpus pass mypy --strict (with idlrt's own types)."""
    done = [o for o in outcomes.values() if o.status == 0 and o.out.is_dir()]
    assert done
    packages = [arg for o in done for arg in ("-p", o.package)]
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages],
        capture_output=True,
        text=True,
        cwd=done[0].out.parent,
    )
    assert run.returncode == 0, run.stdout[-5000:]

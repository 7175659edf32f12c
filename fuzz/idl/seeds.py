"""The inputs the IDL fuzzer mutates: each row of the shared corpus's ``recipes.tsv`` (a file
with the include folders and ``-D`` flags it compiles with), and the examples' IDL files."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Seed:
    """One way of compiling one real file: what a mutant of it is compiled with."""

    label: str  # how reports name it: its path in the corpus or the repository
    idl: Path
    acf: Path | None = None
    include_dirs: tuple[Path, ...] = ()
    defines: tuple[str, ...] = ()
    _data: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def idl_bytes(self) -> bytes:
        if "idl" not in self._data:
            self._data["idl"] = self.idl.read_bytes()
        return self._data["idl"]

    def acf_bytes(self) -> bytes | None:
        if self.acf is None:
            return None
        if "acf" not in self._data:
            self._data["acf"] = self.acf.read_bytes()
        return self._data["acf"]


def corpus_seeds(corpus: Path = CORPUS) -> list[Seed]:
    """Every recipe whose files are present; none when the corpus is absent."""
    recipes = corpus / "recipes.tsv"
    if not recipes.is_file():
        return []
    seeds = []
    with recipes.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            idl = corpus / row["idl"]
            acf = corpus / row["acf"] if row.get("acf") else None
            if not idl.is_file() or (acf is not None and not acf.is_file()):
                continue
            seeds.append(
                Seed(
                    label=row["idl"],
                    idl=idl,
                    acf=acf,
                    include_dirs=tuple(corpus / d for d in row["include_dirs"].split(",") if d),
                    defines=tuple(d for d in row["defines"].split(",") if d),
                )
            )
    return seeds


def example_seeds(root: Path = ROOT) -> list[Seed]:
    """The examples' IDL files, each with its ACF when it has one."""
    seeds = []
    for idl in sorted((root / "examples").glob("*/*.idl")):
        acf = idl.with_suffix(".acf")
        seeds.append(Seed(str(idl.relative_to(root)), idl, acf if acf.is_file() else None))
    return seeds

"""Golden files: the generated code of every example, compared byte for byte.

After an intended change to the generator, regenerate with ``make golden`` (pytest
``--update-golden``) and review the diff like any other code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from idlc.cli import main
from support import ROOT

GOLDEN = Path(__file__).resolve().parent
# example_<name>: each example's IDL, and test IDLs that show what no example shows yet
EXAMPLES = {p.parent.name: p for p in sorted((ROOT / "examples").glob("*/*.idl"))}
EXAMPLES["pipes"] = ROOT / "tests" / "codegen" / "idl" / "PipeKinds.idl"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_generated_code_matches_golden(
    name: str, tmp_path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    idl = EXAMPLES[name]
    monkeypatch.chdir(ROOT)
    assert main([str(idl.relative_to(ROOT)), "-o", str(tmp_path)]) == 0
    expected_dir = GOLDEN / f"example_{name}"
    produced = {p.name: p.read_text() for p in tmp_path.glob("*.py") if p.name != "__init__.py"}
    assert produced, "idlc wrote no module"
    if update_golden:
        expected_dir.mkdir(exist_ok=True)
        for name, text in produced.items():
            (expected_dir / name).write_text(text)
    expected = {p.name: p.read_text() for p in expected_dir.glob("*.py") if p.name != "__init__.py"}
    assert produced == expected


def test_output_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    idl = str((ROOT / "examples" / "async" / "AsyncRPC.idl").relative_to(ROOT))
    assert main([idl, "-o", str(tmp_path / "a")]) == 0
    assert main([idl, "-o", str(tmp_path / "b")]) == 0
    assert (tmp_path / "a" / "asyncrpc.py").read_bytes() == (
        tmp_path / "b" / "asyncrpc.py"
    ).read_bytes()

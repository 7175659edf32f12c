"""Each ``e_<case>.idl`` here, compiled alone, prints exactly ``e_<case>.expected`` on stderr.

Regenerate the expectations with ``pytest tests/diagnostics --update-golden``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from idlc.cli import main

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("e_*.idl"))


def _run(case: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    cwd = Path.cwd()
    os.chdir(HERE)
    try:
        status = main([case.name, "--dump-ir", "--no-acf"])
    finally:
        os.chdir(cwd)
    return status, capsys.readouterr().err


def test_there_are_many_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostic(case: Path, capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    status, err = _run(case, capsys)
    expected_file = case.with_suffix(".expected")
    if update_golden:
        expected_file.write_text(err, encoding="utf-8")
    assert status == 1, "every case has at least one error"
    assert "internal error" not in err
    assert "Traceback" not in err
    assert err == expected_file.read_text(encoding="utf-8")

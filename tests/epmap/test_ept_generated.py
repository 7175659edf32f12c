"""The ept stubs checked into the runtime (``runtime/idlrt/epm/ept.py``) are exactly what idlc
generates from ``runtime/idlrt/epm/ept.idl`` today: a change to the generator (or to the IDL)
shows up here, not as stale stubs on the wire."""

from __future__ import annotations

import contextlib
import io

import pytest

from idlc.cli import main
from support import ROOT

IDL = "runtime/idlrt/epm/ept.idl"
OUT = "runtime/idlrt/epm"
REGENERATE = f"PYTHONPATH=runtime:. python -m idlc {IDL} -o {OUT}"


def test_the_checked_in_ept_module_is_what_idlc_generates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main([IDL, "-o", OUT, "--check"])
    assert status == 0, (
        f"{OUT}/ept.py is not what idlc generates now ({err.getvalue().strip()}); "
        f"regenerate it with `{REGENERATE}` and review the diff"
    )
    assert err.getvalue() == ""  # no warnings: every construct of ept.idl has NDR codecs

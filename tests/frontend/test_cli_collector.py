"""The command line pauses the cycle collector for its run: the caller's collector state comes
back whatever happens, and the output is the same whether it was paused or not."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from idlc import cli

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "examples" / "types" / "Inventory.idl"


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:  # pragma: no cover
        gc.disable()


def test_the_run_does_not_collect_and_the_state_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    during: list[bool] = []

    def run(argv: list[str]) -> int:
        during.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_main", run)
    gc.enable()
    assert cli.main(["x.idl"]) == 0 and gc.isenabled()
    gc.disable()
    assert cli.main(["x.idl"]) == 0 and not gc.isenabled()
    assert during == [False, False]


def test_the_state_comes_back_after_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(argv: list[str]) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_main", boom)
    gc.enable()
    assert cli.main(["x.idl"]) == 2 and gc.isenabled()


def test_output_is_the_same_with_or_without_the_collector(tmp_path: Path) -> None:
    gc.enable()
    assert cli.main([str(INVENTORY), "-o", str(tmp_path / "a")]) == 0
    gc.disable()
    assert cli.main([str(INVENTORY), "-o", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "inventory.py").read_bytes()
    assert a and a == (tmp_path / "b" / "inventory.py").read_bytes()

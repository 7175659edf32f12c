"""Shared fixtures: paths, the corpus, the --update-golden flag, and the wire a test runs on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import support
from support import CORPUS

WIRES = ("msgpack", "dcerpc")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "msgpack_only: about the msgpack wire itself (its framing, its bytes): "
        "runs on that wire only",
    )
    config.addinivalue_line(
        "markers", "wire_free: opens no connection: runs once, not once per wire"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses ``wire`` runs once per wire, unless marked otherwise."""
    if "wire" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("wire_free"):
        return
    only = metafunc.definition.get_closest_marker("msgpack_only") is not None
    metafunc.parametrize("wire", ["msgpack"] if only else list(WIRES), indirect=True)


@pytest.fixture
def wire(request: pytest.FixtureRequest) -> Iterator[str]:
    """The wire the test's clients speak: "msgpack" or "dcerpc" (see pytest_generate_tests),
    also as ``support.WIRE`` for the helpers that connect."""
    support.WIRE = str(getattr(request, "param", "msgpack"))
    try:
        yield support.WIRE
    finally:
        support.WIRE = "msgpack"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS

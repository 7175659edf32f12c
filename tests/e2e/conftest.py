"""Every end-to-end test runs once per wire (the ``wire`` fixture of tests/conftest.py): the
bindings the tests' helpers hand to the generated clients carry it (``support.on_wire``).
Tests marked ``wire_free`` open no connection and run once; ``msgpack_only`` ones send the
msgpack wire's raw argument lists."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _on_the_test_wire(wire: str) -> None:
    """Every test here uses ``wire``."""

"""The runtime tests import their helpers (calc_stubs, rt_helpers) from this directory.

Every test here runs once per wire (the ``wire`` fixture of tests/conftest.py): the stub
clients of calc_stubs connect over the wire of the running test. Tests marked ``wire_free``
open no connection and run once; ``msgpack_only`` ones are about the msgpack wire itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(autouse=True)
def _on_the_test_wire(wire: str) -> None:
    """Every test here uses ``wire``: it is what calc_stubs' clients speak."""

"""The ``samba`` fixture: one throwaway Samba per pytest session (see samba.py).

When Samba cannot run here the tests that need it are skipped with the reason, and one loud
line naming the install command is printed in the terminal summary, so that ``make test``
never looks green by accident. Set IDLC_REQUIRE_SAMBA=1 (.ci/run does where it can install
Samba) to make an unusable Samba a test error instead of a skip.

Samba's endpoint mapper owns the fixed TCP port 135: run one pytest process at a time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import samba as samba_helper  # noqa: E402  (this directory's samba.py, not python3-samba)

# Why Samba could not be used, each reason once, in the order met.
_unavailable: dict[str, None] = {}
_timings: list[str] = []


def _require() -> bool:
    return os.environ.get("IDLC_REQUIRE_SAMBA", "") not in ("", "0")


def _not_available(reason: str) -> NoReturn:
    _unavailable[reason] = None
    message = f"no usable Samba: {reason}; install it as root: {samba_helper.INSTALL_COMMAND}"
    if _require():
        pytest.fail(f"{message} (IDLC_REQUIRE_SAMBA is set)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def samba() -> Iterator[samba_helper.Samba]:
    """A running samba-dcerpcd: host, netbios_name, username, password, domain, conf,
    port_of(uuid[, version]) and binding(uuid[, version])."""
    try:
        server = samba_helper.start()
    except samba_helper.SambaUnavailable as e:
        _not_available(str(e))
    try:
        yield server
    finally:
        server.stop()
        _timings.append(
            f"samba fixture: start {server.start_seconds:.2f} s, stop {server.stop_seconds:.2f} s"
        )


@pytest.fixture(scope="session")
def samba_client_ready() -> None:
    """python3-samba imports in /usr/bin/python3 (samba_client.py can run)."""
    reason = samba_helper.client_unavailable_reason()
    if reason is not None:
        _not_available(reason)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _timings:
        terminalreporter.write_line(line)
    if _unavailable:
        terminalreporter.write_line(
            "SAMBA INTEROP TESTS NOT RUN ("
            + "; ".join(_unavailable)
            + f"): install Samba as root with `{samba_helper.INSTALL_COMMAND}`",
            red=True,
            bold=True,
        )

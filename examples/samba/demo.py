"""``make samba-demo``: start a throwaway Samba on loopback (as the interop tests do: root and
the Debian package ``samba`` needed), then run client.py against it.

Samba runs from a temporary directory with its own smb.conf and user, and is stopped at the
end; see docs/interop.md.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE.parents[1] / "tests" / "interop" / "samba.py"


def main() -> int:
    spec = importlib.util.spec_from_file_location("throwaway_samba", LAUNCHER)
    assert spec is not None and spec.loader is not None
    launcher = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = launcher  # dataclasses look their module up there
    spec.loader.exec_module(launcher)
    reason = launcher.unavailable_reason()
    if reason is not None:
        print(
            f"samba-demo: cannot start Samba here ({reason}); as root: {launcher.INSTALL_COMMAND}",
            file=sys.stderr,
        )
        return 1
    with launcher.running() as samba:
        print(f"demo: Samba {samba.netbios_name} runs on {samba.host}, user {samba.username}")
        env = dict(os.environ, SRVSVC_PASSWORD=samba.password)
        client = [sys.executable, str(HERE / "client.py"), samba.host, samba.username]
        return subprocess.run([*client, samba.domain], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

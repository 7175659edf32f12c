"""Make one raw DCE/RPC call with python3-samba; print the reply stub or the error as JSON.

Run with the distribution's Python, where python3-samba imports, and with -I so that this
directory (whose samba.py would shadow the samba package) stays off sys.path:

    /usr/bin/python3 -I samba_client.py BINDING UUID VERSION OPNUM HEXSTUB
        [--user NAME [--domain DOMAIN] [--basis MODULE.CLASS]]

BINDING is a Samba binding string such as ``ncacn_ip_tcp:127.0.0.1[49152]``; add ``,seal``
(packet privacy) or ``,sign`` (packet integrity) inside the brackets for an authenticated call.
With --user the password is read from stdin and the call uses NTLM.

Samba 4.17's raw ClientConnection crashes (SIGSEGV in dcerpc_pipe_auth_send) when given
credentials, so an authenticated call first binds a typed interface client (--basis, by default
the management interface ``mgmt.mgmt``) with the credentials, then opens the raw connection as a
secondary context on that authenticated association (``basis_connection``). The server must
therefore also serve the basis interface.

Output, one JSON line: {"stub": HEX} or {"error": KIND, "code": INT, "message": TEXT}, where KIND
is "ntstatus" (Samba maps DCE/RPC faults and bind failures to NTSTATUS codes) or "runtime".
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys


def syntax_version(text: str) -> int:
    """Samba's uint32 interface version: major in the low 16 bits, minor in the high 16."""
    major, _, minor = text.partition(".")
    return int(major) | (int(minor or "0") << 16)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binding")
    parser.add_argument("uuid")
    parser.add_argument("version")
    parser.add_argument("opnum", type=int)
    parser.add_argument("stub", help="request stub, hex")
    parser.add_argument("--user")
    parser.add_argument("--domain", default="")
    parser.add_argument("--basis", default="mgmt.mgmt")
    args = parser.parse_args(argv)

    # python3-samba exists only for the distribution's Python (and a type checker run from
    # this directory would take samba.py for it), so its modules are imported by name.
    samba = importlib.import_module("samba")
    credentials = importlib.import_module("samba.credentials")
    ClientConnection = importlib.import_module("samba.dcerpc.base").ClientConnection
    LoadParm = importlib.import_module("samba.param").LoadParm

    lp = LoadParm()
    lp.load("/dev/null")  # defaults only: the machine's /etc/samba/smb.conf plays no part
    syntax = (args.uuid, syntax_version(args.version))
    result: dict[str, object]
    try:
        if args.user is None:
            conn = ClientConnection(args.binding, syntax, lp)
        else:
            creds = credentials.Credentials()
            creds.guess(lp)
            creds.set_username(args.user)
            creds.set_password(sys.stdin.read().rstrip("\n"))
            creds.set_domain(args.domain)
            creds.set_workstation("IDLCCLIENT")
            creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
            module, _, cls = args.basis.rpartition(".")
            basis_cls = getattr(importlib.import_module("samba.dcerpc." + module), cls)
            basis = basis_cls(args.binding, lp, creds)
            conn = ClientConnection(args.binding, syntax, basis_connection=basis)
        reply = conn.request(args.opnum, bytes.fromhex(args.stub))
    except samba.NTSTATUSError as e:
        result = {"error": "ntstatus", "code": e.args[0], "message": e.args[1]}
    except RuntimeError as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else None
        result = {"error": "runtime", "code": code, "message": str(e.args[-1] if e.args else e)}
    else:
        result = {"stub": reply.hex()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

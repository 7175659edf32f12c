"""Call NetrServerGetInfo (NetSrvGetInfo to Samba) with python3-samba's own srvsvc client,
whose stubs Samba generates from its own IDL (pidl); print the SERVER_INFO it decoded, or the
error, as JSON.

Run with the distribution's Python and -I (see samba_client.py for why):

    /usr/bin/python3 -I samba_srvsvc.py BINDING LEVEL [--user NAME [--domain DOMAIN]]

With --user the password is read from stdin and the call uses NTLM at the level the binding's
options say (``[PORT,seal]`` privacy, ``[PORT,sign]`` integrity).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binding")
    parser.add_argument("level", type=int)
    parser.add_argument("--user")
    parser.add_argument("--domain", default="")
    args = parser.parse_args(argv)

    samba = importlib.import_module("samba")
    credentials = importlib.import_module("samba.credentials")
    srvsvc = importlib.import_module("samba.dcerpc.srvsvc")
    LoadParm = importlib.import_module("samba.param").LoadParm

    lp = LoadParm()
    lp.load("/dev/null")
    result: dict[str, object]
    try:
        if args.user is None:
            conn = srvsvc.srvsvc(args.binding, lp)
        else:
            creds = credentials.Credentials()
            creds.guess(lp)
            creds.set_username(args.user)
            creds.set_password(sys.stdin.read().rstrip("\n"))
            creds.set_domain(args.domain)
            creds.set_workstation("IDLCCLIENT")
            creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
            conn = srvsvc.srvsvc(args.binding, lp, creds)
        info = conn.NetSrvGetInfo("\\\\IDLC", args.level)
    except samba.NTSTATUSError as e:
        result = {"error": "ntstatus", "code": e.args[0], "message": e.args[1]}
    except RuntimeError as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else None
        result = {"error": "runtime", "code": code, "message": str(e.args[-1] if e.args else e)}
    else:
        names = [f for f in dir(info) if not f.startswith("_")]
        result = {"info": {f: getattr(info, f) for f in names if not callable(getattr(info, f))}}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

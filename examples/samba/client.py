"""Ask a Windows or Samba server who it is, with the srvsvc stubs idlc generated from
srvsvc.idl: ``python client.py HOST USER [DOMAIN]``, the password in $SRVSVC_PASSWORD.

The binding names no port: the client asks HOST's endpoint mapper (port 135) where srvsvc
listens, binds with NTLM at packet privacy, and calls NetrServerGetInfo at level 101.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import srvsvc

import idlrt

PLATFORMS = {300: "DOS", 400: "OS/2", 500: "NT", 600: "OSF", 700: "VMS"}


async def who(host: str, user: str, password: str, domain: str) -> srvsvc.SERVER_INFO_101:
    auth = idlrt.NtlmAuth(user, password, domain, level="privacy")
    async with await srvsvc.srvsvcAsyncClient.connect(
        f"ncacn_ip_tcp:{host}", auth=auth, timeout=30
    ) as client:
        print(f"client: srvsvc is at {client.binding} (from the endpoint mapper)")
        result = await client.NetrServerGetInfo(None, 101)
    if result.retval != 0:
        raise idlrt.RpcError(result.retval, "NetrServerGetInfo")
    info = result.InfoStruct
    assert isinstance(info, srvsvc.SERVER_INFO_101)
    return info


def report(info: srvsvc.SERVER_INFO_101) -> None:
    platform = PLATFORMS.get(info.sv101_platform_id, str(info.sv101_platform_id))
    print(f"client: server name  {info.sv101_name}")
    print(f"client: platform     {platform} {info.sv101_version_major}.{info.sv101_version_minor}")
    print(f"client: comment      {info.sv101_comment}")
    print(f"client: type bits    0x{info.sv101_type:08x}")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    host, user = argv[0], argv[1]
    domain = argv[2] if len(argv) == 3 else ""
    password = os.environ.get("SRVSVC_PASSWORD", "")
    report(asyncio.run(who(host, user, password, domain)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A throwaway Samba ``samba-dcerpcd`` for the interop tests, and ways to talk to it.

This is a helper module, not a test file. ``conftest.py`` turns :func:`start` into the
session-scoped ``samba`` fixture; :func:`run_samba_client` runs ``samba_client.py`` under the
distribution's Python, where python3-samba imports.

The endpoint mapper listens on the fixed TCP port 135, so only one Samba (and so only one
pytest process using it) can run on a machine at a time. Binding 135 needs root.
docs/interop.md records why each configuration line is there.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMBA_DCERPCD = Path("/usr/libexec/samba/samba-dcerpcd")
SMBPASSWD = "smbpasswd"
SYSTEM_PYTHON = Path("/usr/bin/python3")
CLIENT_SCRIPT = Path(__file__).with_name("samba_client.py")
INSTALL_COMMAND = "apt-get install -y samba smbclient"

HOST = "127.0.0.1"
EPM_PORT = 135
NETBIOS_NAME = "IDLCTEST"
USERNAME = "idlcrpc"
# Samba's standalone server authenticates NTLM users against its own SAM whatever domain the
# client names (its netbios name, an empty string or anything else); the netbios name is the
# one a Windows client would send.
DOMAIN = NETBIOS_NAME

SRVSVC_UUID = "4b324fc8-1670-01d3-1278-5a47bf6ee188"
SRVSVC_VERSION = "3.0"

# Held (flock) while a fixture's Samba runs: a second pytest process fails at once with a clear
# message instead of racing the first for TCP 135 or talking to the first one's Samba.
LOCK_FILE = Path(tempfile.gettempdir()) / "idlc-samba-fixture.lock"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class SambaUnavailable(Exception):
    """Samba cannot run on this machine; the message says why and how to fix it."""


def unavailable_reason() -> str | None:
    """Why a throwaway Samba cannot be started here, or None when it can."""
    if not SAMBA_DCERPCD.is_file():
        return f"{SAMBA_DCERPCD} is missing"
    if shutil.which(SMBPASSWD) is None:
        return f"{SMBPASSWD} is missing"
    if os.geteuid() != 0:
        return f"not root, and samba-dcerpcd's endpoint mapper must bind TCP {EPM_PORT}"
    return None


def client_unavailable_reason() -> str | None:
    """Why samba_client.py cannot run here (python3-samba missing), or None when it can."""
    if not SYSTEM_PYTHON.is_file():
        return f"{SYSTEM_PYTHON} is missing"
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-I", "-c", "import samba.dcerpc.base"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        return f"python3-samba does not import in {SYSTEM_PYTHON}"
    return None


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
        return True
    return False


def _config(root: Path) -> str:
    dirs = {
        "private dir": root / "private",
        "lock directory": root / "lock",
        "state directory": root / "state",
        "cache directory": root / "cache",
        "pid directory": root / "pid",
        "ncalrpc dir": root / "ncalrpc",
        "usershare path": root / "usershares",
        "binddns dir": root / "binddns",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    lines = [
        "[global]",
        "server role = standalone server",
        f"netbios name = {NETBIOS_NAME}",
        "interfaces = lo",
        "bind interfaces only = yes",
        "disable netbios = yes",
        *(f"{name} = {path}" for name, path in dirs.items()),
        "passdb backend = tdbsam",
        "load printers = no",
        "printing = bsd",
        "printcap name = /dev/null",
        "disable spoolss = yes",
        # Without this Samba starts its RPC helpers only for named pipes: no 135, no TCP ports.
        "rpc start on demand helpers = no",
        "rpc server dynamic port range = 49152-49300",
    ]
    return "\n".join(lines) + "\n"


def _add_user(conf: Path, password: str) -> None:
    try:
        pwd.getpwnam(USERNAME)
    except KeyError:
        subprocess.run(["useradd", "-M", USERNAME], check=True, capture_output=True, timeout=30)
    subprocess.run(
        [SMBPASSWD, "-c", str(conf), "-a", "-s", USERNAME],
        input=f"{password}\n{password}\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
    )


def ept_lookup(host: str = HOST) -> list[dict[str, Any]]:
    """Every endpoint Samba's mapper lists: uuid, version, annotation and binding string.

    Samba returns its entries together with ept_s_not_registered (0x16c9a0d6) in the same
    reply, which impacket's ``hept_lookup`` turns into an exception; the request is therefore
    made with ``checkError=False`` and the entries are kept.
    """
    from impacket.dcerpc.v5 import epm, transport  # type: ignore[import-untyped, unused-ignore]
    from impacket.uuid import bin_to_string  # type: ignore[import-untyped, unused-ignore]

    rpc = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{host}[{EPM_PORT}]")
    dce = rpc.get_dce_rpc()
    dce.connect()
    try:
        dce.bind(epm.MSRPC_UUID_PORTMAP)
        found: list[dict[str, Any]] = []
        handle = epm.ept_lookup_handle_t()
        while True:
            request = epm.ept_lookup()
            request["inquiry_type"] = epm.RPC_C_EP_ALL_ELTS
            request["object"] = epm.NULL
            request["Ifid"] = epm.NULL
            request["vers_option"] = epm.RPC_C_VERS_ALL
            request["entry_handle"] = handle
            request["max_ents"] = 500
            reply = dce.request(request, checkError=False)
            for i in range(reply["num_ents"]):
                entry = reply["entries"][i]
                tower = epm.EPMTower(b"".join(entry["tower"]["tower_octet_string"]))
                floors = tower["Floors"]
                iface = floors[0]
                found.append(
                    {
                        "uuid": bin_to_string(iface["InterfaceUUID"]).lower(),
                        "version": f"{iface['MajorVersion']}.{iface['MinorVersion']}",
                        "annotation": b"".join(entry["annotation"]).rstrip(b"\0").decode(),
                        "binding": epm.PrintStringBinding(floors),
                    }
                )
            handle = reply["entry_handle"]
            if reply["status"] != 0 or handle.isNull():
                return found
    finally:
        dce.disconnect()


def hept_map_port(interface_uuid: str, version: str, host: str = HOST) -> int:
    """The TCP port Samba's endpoint mapper gives for an interface (ept_map, exact version)."""
    from impacket.dcerpc.v5 import epm  # type: ignore[import-untyped, unused-ignore]
    from impacket.uuid import uuidtup_to_bin  # type: ignore[import-untyped, unused-ignore]

    binding = epm.hept_map(host, uuidtup_to_bin((interface_uuid, version)), protocol="ncacn_ip_tcp")
    # "ncacn_ip_tcp:127.0.0.1[49152]"
    return int(str(binding).rsplit("[", 1)[1].rstrip("]"))


@dataclass
class Samba:
    """A running throwaway Samba; what a client needs to reach it."""

    workdir: Path
    conf: Path
    password: str
    process: subprocess.Popen[bytes]
    lock_fd: int
    host: str = HOST
    netbios_name: str = NETBIOS_NAME
    username: str = USERNAME
    domain: str = DOMAIN
    start_seconds: float = 0.0
    stop_seconds: float = field(default=0.0, init=False)

    def port_of(self, interface_uuid: str, version: str | None = None) -> int:
        """The dynamic TCP port serving an interface, resolved through Samba's ept_map.

        Samba's ept_map matches the interface version exactly; without ``version`` the
        version the mapper lists for the uuid (through ept_lookup) is used.
        """
        if version is None:
            uuid = interface_uuid.lower()
            versions = {e["version"] for e in ept_lookup(self.host) if e["uuid"] == uuid}
            if len(versions) != 1:
                raise LookupError(f"{interface_uuid}: endpoint mapper lists versions {versions}")
            version = versions.pop()
        return hept_map_port(interface_uuid, version, self.host)

    def binding(self, interface_uuid: str, version: str | None = None) -> str:
        return f"ncacn_ip_tcp:{self.host}[{self.port_of(interface_uuid, version)}]"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "log"

    def daemon_pids(self) -> set[int]:
        """Samba's daemons: the pids in its pid files and every process in its session."""
        pids: set[int] = set()
        for pidfile in (self.workdir / "pid").glob("*.pid"):
            with contextlib.suppress(ValueError, OSError):
                pids.add(int(pidfile.read_text().split()[0]))
        pids.update(_session_members(self.process.pid))
        pids.discard(os.getpid())
        return pids

    def stop(self) -> None:
        """Stop every daemon (SIGTERM, then SIGKILL past a deadline) and remove the files."""
        began = time.monotonic()
        try:
            _terminate(self.daemon_pids(), self.process)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
            os.close(self.lock_fd)  # releases the flock
            self.stop_seconds = time.monotonic() - began


def _session_members(sid: int) -> set[int]:
    members: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid:
            members.add(int(entry.name))
    return members


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purpose; only its parent can reap it.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2] == "Z":
            return False
    return True


def _terminate(pids: set[int], process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.02)
        pids = {p for p in pids if _alive(p)}
        if not pids and process.poll() is not None:
            return
    raise RuntimeError(f"samba daemons survived SIGKILL: {sorted(pids)}")


def _log_tail(root: Path, limit: int = 4000) -> str:
    texts = []
    for path in sorted((root / "log").glob("*")):
        if path.is_file():
            texts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-limit:]}")
    return "\n".join(texts)


def start() -> Samba:
    """Start a fresh Samba in a temp dir and wait until its mapper lists srvsvc over TCP.

    Raises SambaUnavailable when this machine cannot run it, RuntimeError when it fails to
    start (the message carries Samba's log).
    """
    reason = unavailable_reason()
    if reason is not None:
        raise SambaUnavailable(reason)
    began = time.monotonic()
    lock_fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise RuntimeError(
            f"another process holds {LOCK_FILE}: a pytest run using the samba fixture is "
            f"running, and TCP {EPM_PORT} allows only one at a time"
        ) from None
    if _port_open(EPM_PORT):
        os.close(lock_fd)
        raise RuntimeError(
            f"TCP {HOST}:{EPM_PORT} is already in use (a Samba or another endpoint mapper runs "
            "here); the fixture needs it free"
        )
    root = Path(tempfile.mkdtemp(prefix="idlc-samba-"))
    try:
        (root / "log").mkdir()
        conf = root / "smb.conf"
        conf.write_text(_config(root))
        password = "Idlc-" + secrets.token_urlsafe(18)
        _add_user(conf, password)
        with (root / "log" / "samba-dcerpcd.out").open("wb") as out:
            process = subprocess.Popen(
                [
                    str(SAMBA_DCERPCD),
                    "-s",
                    str(conf),
                    "--libexec-rpcds",
                    "-F",
                    "--no-process-group",
                    # The log basename: without it the daemons write /var/log/samba/log.*
                    # whatever `log file` says.
                    f"--log-basename={root / 'log'}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        os.close(lock_fd)
        raise
    samba = Samba(workdir=root, conf=conf, password=password, process=process, lock_fd=lock_fd)
    try:
        _wait_ready(samba, began + START_TIMEOUT)
    except BaseException:
        log = _log_tail(root)
        samba.stop()
        raise RuntimeError(f"samba-dcerpcd did not come up; its log:\n{log}") from None
    samba.start_seconds = time.monotonic() - began
    return samba


def _wait_ready(samba: Samba, deadline: float) -> None:
    def check_alive() -> None:
        if samba.process.poll() is not None:
            raise RuntimeError(f"samba-dcerpcd exited with status {samba.process.returncode}")

    while not _port_open(EPM_PORT):
        check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {HOST}:{EPM_PORT}")
        time.sleep(0.02)
    while True:
        check_alive()
        try:
            samba.port_of(SRVSVC_UUID, SRVSVC_VERSION)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.02)


@contextlib.contextmanager
def running() -> Iterator[Samba]:
    samba = start()
    try:
        yield samba
    finally:
        samba.stop()


@dataclass(frozen=True)
class RawReply:
    """What samba_client.py printed: a reply stub, or an error Samba's client raised."""

    stub: bytes | None
    error: str | None = None
    code: int | None = None
    message: str | None = None


def run_samba_client(
    binding: str,
    interface_uuid: str,
    version: str,
    opnum: int,
    stub: bytes,
    *,
    username: str | None = None,
    password: str = "",
    domain: str = "",
    basis: str = "mgmt.mgmt",
    timeout: float = 60.0,
) -> RawReply:
    """Make one raw call with python3-samba's ClientConnection (in /usr/bin/python3).

    With ``username`` the call is authenticated with NTLM; the password goes over stdin. The
    binding's options choose the level (``[PORT,seal]`` privacy, ``[PORT,sign]`` integrity).
    """
    args = [
        str(SYSTEM_PYTHON),
        "-I",  # keep this directory (and its samba.py) off sys.path
        str(CLIENT_SCRIPT),
        binding,
        interface_uuid,
        version,
        str(opnum),
        stub.hex(),
    ]
    if username is not None:
        args += ["--user", username, "--domain", domain, "--basis", basis]
    done = subprocess.run(
        args,
        input=password if username is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"samba_client.py exited {done.returncode}\nstdout: {done.stdout}\n"
            f"stderr: {done.stderr}"
        )
    result = json.loads(lines[-1])
    if "stub" in result:
        return RawReply(stub=bytes.fromhex(result["stub"]))
    return RawReply(
        stub=None, error=result["error"], code=result.get("code"), message=result.get("message")
    )

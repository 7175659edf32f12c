"""Transports: TLS on TCP (certificates made at test time with the openssl command), IPv6
loopback in both spellings, and the peer credentials of ncalrpc."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from calc_stubs import CalcAsyncClient, CalcClient, SlowResult
from rt_helpers import ServerThread, run, serving

import idlrt
from idlrt import status


@dataclass(frozen=True)
class Pki:
    ca: Path
    server: tuple[Path, Path]  # certificate, key
    client: tuple[Path, Path]

    def server_context(self, require_client: bool = True) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        ctx.load_cert_chain(*map(str, self.server))
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client else ssl.CERT_NONE
        return ctx

    def client_context(self, with_certificate: bool = True, trust: bool = True) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca) if trust else None)
        if not trust:
            ctx.load_verify_locations(cadata=_other_ca(self.ca.parent))
        if with_certificate:
            ctx.load_cert_chain(*map(str, self.client))
        return ctx


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _make_ca(d: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "1", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip


def _make_leaf(d: Path, name: str, ext: str) -> tuple[Path, Path]:
    (d / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n"
        f"authorityKeyIdentifier=keyid,issuer\n{ext}\n"
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", "-extfile", f"{name}.ext",
        cwd=d,
    )  # fmt: skip
    return d / f"{name}.pem", d / f"{name}.key"


def _other_ca(d: Path) -> str:
    if not (d / "other.pem").exists():
        _make_ca(d, "other")
    return (d / "other.pem").read_text()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make test certificates")
    d = tmp_path_factory.mktemp("pki")
    _make_ca(d, "ca")
    server = _make_leaf(
        d,
        "localhost",
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth",
    )
    client = _make_leaf(d, "idlrt-client", "extendedKeyUsage=clientAuth")
    return Pki(d / "ca.pem", server, client)


def _has_ipv6() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_tls_with_a_client_certificate(pki: Pki) -> None:
    async def body() -> None:
        async with serving() as (server, _, impl):
            binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]", ssl=pki.server_context())
            async with await CalcAsyncClient.connect(binding, ssl=pki.client_context()) as c:
                assert await c.Add(2, 3) == 5
                assert await c.Who(1) == 2
                call = c.Slow(5)
                handle = await impl.next_handle()
                handle.complete(1, c=2)
                assert await call == SlowResult(1, 2)
            cert = impl.contexts[0].peer_certificate
            assert cert is not None
            assert (("commonName", "idlrt-client"),) in cert["subject"]

    run(body)


def test_tls_without_client_certificate_and_blocking_client(pki: Pki) -> None:
    with ServerThread() as st:
        binding = st.call(
            st.server.listen("ncacn_ip_tcp:127.0.0.1[0]", ssl=pki.server_context(False))
        )
        port = idlrt.Binding.parse(binding).port
        ctx = pki.client_context(with_certificate=False)
        with CalcClient.connect(f"ncacn_ip_tcp:localhost[{port}]", ssl=ctx, timeout=5) as c:
            assert c.Who(1) == 2
        # An IP binding checked against the name in the certificate.
        with CalcClient.connect(binding, ssl=ctx, server_hostname="localhost") as c:
            assert c.Add(1, 1) == 2
        assert st.impl.contexts[0].peer_certificate is None


def test_tls_failures(pki: Pki) -> None:
    async def body() -> None:
        async with serving() as (server, plain, _):
            binding = await server.listen("ncacn_ip_tcp:127.0.0.1[0]", ssl=pki.server_context())
            # The client does not trust the server's CA.
            with pytest.raises(idlrt.RpcError) as err:
                await CalcAsyncClient.connect(binding, ssl=pki.client_context(trust=False))
            assert err.value.code == status.RPC_S_SEC_PKG_ERROR
            # The server requires a client certificate (TLS 1.3 tells the client late).
            with pytest.raises(idlrt.RpcError) as err:
                c = await CalcAsyncClient.connect(
                    binding, ssl=pki.client_context(with_certificate=False), timeout=5
                )
                await c.Add(1, 1)
            # TLS 1.3: the handshake succeeded on the client, the server closes before BIND_ACK
            assert err.value.code in (status.RPC_S_SEC_PKG_ERROR, status.RPC_S_SERVER_UNAVAILABLE)
            # Plain to TLS, and TLS to plain.
            with pytest.raises(idlrt.RpcError) as err:
                await CalcAsyncClient.connect(binding, timeout=5)
            assert err.value.code == status.RPC_S_SERVER_UNAVAILABLE
            with pytest.raises(idlrt.RpcError) as err:
                await CalcAsyncClient.connect(plain, ssl=pki.client_context(), timeout=5)
            assert err.value.code in (status.RPC_S_SEC_PKG_ERROR, status.RPC_S_SERVER_UNAVAILABLE)
            assert server.stats().connections == 0
            with pytest.raises(ValueError):
                await server.listen("ncalrpc:[/tmp/never]", ssl=pki.server_context())

    run(body)


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback")
def test_ipv6_loopback_in_both_spellings(pki: Pki) -> None:
    async def body() -> None:
        async with serving(binding="ncacn_ip_tcp:[::1][0]") as (server, binding, impl):
            assert binding.startswith("ncacn_ip_tcp:::1[")
            port = idlrt.Binding.parse(binding).port
            for spelling in (binding, f"ncacn_ip_tcp:[::1][{port}]"):
                async with await CalcAsyncClient.connect(spelling) as c:
                    assert await c.Who(1) == 2
            assert impl.contexts[0].peer[0] == "::1"
            tls = await server.listen("ncacn_ip_tcp:::1[0]", ssl=pki.server_context())
            async with await CalcAsyncClient.connect(tls, ssl=pki.client_context()) as c:
                assert await c.Add(1, 2) == 3

    run(body)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_ncalrpc_peer_credentials(tmp_path: Path) -> None:
    async def body() -> None:
        async with (
            serving(binding=f"ncalrpc:[{tmp_path}/c.sock]") as (_, binding, impl),
            await CalcAsyncClient.connect(binding) as c,
        ):
            assert await c.Who(1) == 2
            creds = impl.contexts[0].credentials
            if sys.platform.startswith("linux"):
                assert creds == idlrt.PeerCredentials(os.getpid(), os.getuid(), os.getgid())
            else:
                assert creds is None or creds.pid > 0

    run(body)

"""The [MS-*] interfaces of the visible corpus compile with NDR20 codecs, and every construct in
them is supported or reported: the reports are exactly these, at these places. A new construct
the codec cannot marshal shows up here as a new report, never as wrong octets. Their requests,
written by idlc and by impacket's hand-written classes, are the same octets.

Skipped as a whole where ../shared/corpus is absent."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from impacket.dcerpc.v5 import epm, lsat  # test-only (the test extra)
from impacket.dcerpc.v5.ndr import NULL

from idlc.cli import main
from support import CORPUS, import_generated

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")

IDL = "ms-openspecs-go-msrpc/idl"
UNSIZED = "an array without [size_is] or a size is not supported"
# go-msrpc writes buffers laid out in place (samr's stored Kerberos credentials) as "BYTE *x[]":
# not MIDL, and not a wire format; reported, never guessed at.
IN_PLACE = "a conformant array in place, not last in a structure is not supported"
# file -> (the dtyp include folder its recipe uses, the NDR20 reports expected)
FILES: dict[str, tuple[str, list[str]]] = {
    "epm": ("aliases", []),
    "samr": (
        "aliases/alt-dtyp",
        [
            f"samr.idl:{where}: warning: NDR20: {what}: {why} [-Wndr]"
            for where, what, why in (
                ("20:25", "RAW_CREDENTIALS.RawCredentials", UNSIZED),
                ("24:26", "CLEARTEXT_CREDENTIALS.CleartextCredentials", UNSIZED),
                ("32:46", "PACKAGES_CREDENTIALS.Packages", UNSIZED),
                ("51:21", "KERB_KEY_DATA.KeyData", UNSIZED),
                ("62:49", "KERB_STORED_CREDENTIAL.Credentials", IN_PLACE),
                ("63:52", "KERB_STORED_CREDENTIAL.OldCredentials", IN_PLACE),
                ("64:48", "KERB_STORED_CREDENTIAL.DefaultSalt", IN_PLACE),
                ("65:25", "KERB_STORED_CREDENTIAL.KeyValues", UNSIZED),
                ("76:21", "KERB_KEY_DATA_NEW.KeyData", UNSIZED),
                ("90:53", "KERB_STORED_CREDENTIAL_NEW.Credentials", IN_PLACE),
                ("91:60", "KERB_STORED_CREDENTIAL_NEW.ServiceCredentials", IN_PLACE),
                ("92:56", "KERB_STORED_CREDENTIAL_NEW.OldCredentials", IN_PLACE),
                ("93:58", "KERB_STORED_CREDENTIAL_NEW.OlderCredentials", IN_PLACE),
                ("94:48", "KERB_STORED_CREDENTIAL_NEW.DefaultSalt", IN_PLACE),
                ("95:25", "KERB_STORED_CREDENTIAL_NEW.KeyValues", UNSIZED),
                ("133:32", "USER_PROPERTIES.UserPropertiesRaw", IN_PLACE),
            )
        ],
    ),
    "lsad": (
        "aliases/alt-dtyp",
        [
            f"lsad.idl:{where}: warning: NDR20: {what}: {why} [-Wndr]"
            for where, what, why in (("70:21", "LSAPR_OBJECT_ATTRIBUTES.RootDirectory", UNSIZED),)
        ],
    ),
    "lsat": (
        "aliases/alt-dtyp",
        [
            f"lsat.idl:{where}: warning: NDR20: {what}: {why} [-Wndr]"
            for where, what, why in (("70:21", "LSAPR_OBJECT_ATTRIBUTES.RootDirectory", UNSIZED),)
        ],
    ),
}
_MODULES: dict[str, ModuleType] = {}


def generated(name: str, root: Path) -> tuple[ModuleType, list[str]]:
    """The generated module of ``name``.idl and the NDR20 reports idlc printed for it."""
    include, _ = FILES[name]
    err = io.StringIO()
    out = root / f"gen_ms_{name}"
    args = [f"{IDL}/{name}.idl", "-I", include, "-I", IDL, "-I", "sys", "-D", "__midl=801"]
    with contextlib.chdir(CORPUS), contextlib.redirect_stderr(err):
        assert main([*args, "--no-acf", "-o", str(out)]) == 0, err.getvalue()
    reports = [
        line.removeprefix(f"{IDL}/")
        for line in err.getvalue().splitlines()
        if "warning: NDR20" in line
    ]
    if name not in _MODULES:
        _MODULES[name] = import_generated(out, name)
    return _MODULES[name], reports


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus_ndr")


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_construct_is_supported_or_reported(name: str, root: Path) -> None:
    module, reports = generated(name, root)
    assert reports == FILES[name][1]
    assert any(n.startswith("_ndr_") for n in dir(module))


def _same(ours: bytes, call: Any) -> None:
    theirs = call.getData()
    assert ours == theirs, f"\nidlc     {ours.hex()}\nimpacket {theirs.hex()}"


def test_epm_requests_are_impackets(root: Path) -> None:
    m, _ = generated("epm", root)
    lookup = epm.ept_lookup()
    lookup["inquiry_type"] = 0
    lookup["object"] = NULL
    lookup["Ifid"] = NULL
    lookup["vers_option"] = 1
    lookup["max_ents"] = 500
    _same(m._ndr_epm_ept_lookup_cin(0, None, None, 1, None, 500), lookup)


def test_ept_map_with_a_tower_is_impackets(root: Path) -> None:
    m, _ = generated("epm", root)
    dcetypes = import_generated(root / "gen_ms_epm", "dcetypes")
    tower = bytes(range(75))  # the octets are opaque to NDR; odd, so a gap follows them
    request = epm.ept_map()
    request["obj"] = NULL
    request["map_tower"]["tower_length"] = len(tower)
    request["map_tower"]["tower_octet_string"] = tower
    request["max_towers"] = 4
    # the tower is a unique pointer's referent: impacket draws its id, idlc's is 0x00020000
    # plus the pointer's offset; impacket fills the gap after the tower with 0xab, idlc zeros
    request.fields["map_tower"].fields["ReferentID"] = 0x00020004
    theirs = bytearray(request.getData())
    gap = 4 + 4 + 4 + 75  # null obj, referent id, tower_length (max count), octets
    theirs[gap + 4 : gap + 5] = b"\0"
    ours = m._ndr_epm_ept_map_cin(None, dcetypes.twr_t(len(tower), tower), None, 4)
    assert ours == bytes(theirs), f"\nidlc     {ours.hex()}\nimpacket {theirs.hex()}"


def test_lsarpc_pointer_typedef_parameters_are_impackets(root: Path) -> None:
    # [in, out] PRPC_UNICODE_STRING *UserName: the typedef's own pointer is below the top, so
    # it takes pointer_default (unique) and a referent id, as impacket's PRPC_UNICODE_STRING has
    m, _ = generated("lsat", root)
    dtyp = import_generated(root / "gen_ms_lsat", "ms_dtyp")
    request = lsat.LsarGetUserName()
    request["SystemName"] = NULL
    request["UserName"] = NULL
    request["DomainName"] = NULL
    ours = m._ndr_lsarpc_LsarGetUserName_cin(None, None, None)
    assert ours == request.getData(), f"\nidlc     {ours.hex()}\nimpacket {request.getData().hex()}"
    name = dtyp.RPC_UNICODE_STRING(Length=4, MaximumLength=6, Buffer=["a", "b"])
    with_name = m._ndr_lsarpc_LsarGetUserName_cin(None, name, None)
    assert with_name[4:8] == (0x00020004).to_bytes(4, "little")  # UserName's referent id
    assert m._ndr_lsarpc_LsarGetUserName_sin(with_name) == (None, name, None)

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
from impacket.dcerpc.v5 import epm  # test-only (the test extra)
from impacket.dcerpc.v5.ndr import NULL

from idlc.cli import main
from support import CORPUS, import_generated

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")

IDL = "ms-openspecs-go-msrpc/idl"
UNSIZED = "an array without [size_is] or a size is not supported"
# go-msrpc writes buffers laid out in place (samr's stored Kerberos credentials) as "BYTE *x[]":
# not MIDL, and not a wire format; reported, never guessed at.
IN_PLACE = "a conformant array in place, not last in a structure is not supported"
# A [ref] pointer to a pointer typedef ([out] PSAMPR_ENUMERATION_BUFFER *Buffer): the typedef's
# own pointer is not at the top and has a referent id, which the IR cannot place yet.
POINTER_TYPEDEF = "a pointer to a pointer typedef (such as LPWSTR *) is not supported"
# file -> (the dtyp include folder its recipe uses, the NDR20 reports expected)
FILES: dict[str, tuple[str, list[str]]] = {
    "epm": ("aliases", []),
    "samr": (
        "aliases/alt-dtyp",
        [
            f"samr.idl:{where}: warning: NDR20: {what}: {why}"
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
                ("984:43", "SamrQuerySecurityObject.SecurityDescriptor", POINTER_TYPEDEF),
                ("995:22", "SamrLookupDomainInSamServer.DomainId", POINTER_TYPEDEF),
                ("1003:39", "SamrEnumerateDomainsInSamServer.Buffer", POINTER_TYPEDEF),
                ("1023:37", "SamrQueryInformationDomain.Buffer", POINTER_TYPEDEF),
                ("1050:39", "SamrEnumerateGroupsInDomain.Buffer", POINTER_TYPEDEF),
                ("1071:39", "SamrEnumerateUsersInDomain.Buffer", POINTER_TYPEDEF),
                ("1091:39", "SamrEnumerateAliasesInDomain.Buffer", POINTER_TYPEDEF),
                ("1139:36", "SamrQueryInformationGroup.Buffer", POINTER_TYPEDEF),
                ("1176:39", "SamrGetMembersInGroup.Members", POINTER_TYPEDEF),
                ("1202:36", "SamrQueryInformationAlias.Buffer", POINTER_TYPEDEF),
                ("1262:35", "SamrQueryInformationUser.Buffer", POINTER_TYPEDEF),
                ("1294:38", "SamrGetGroupsForUser.Groups", POINTER_TYPEDEF),
                ("1346:37", "SamrQueryInformationDomain2.Buffer", POINTER_TYPEDEF),
                ("1355:35", "SamrQueryInformationUser2.Buffer", POINTER_TYPEDEF),
                ("1514:22", "SamrRidToSid.Sid", POINTER_TYPEDEF),
                ("1533:36", "SamrValidatePassword.OutputArg", POINTER_TYPEDEF),
            )
        ],
    ),
    "lsad": (
        "aliases/alt-dtyp",
        [
            f"lsad.idl:{where}: warning: NDR20: {what}: {why}"
            for where, what, why in (
                ("70:21", "LSAPR_OBJECT_ATTRIBUTES.RootDirectory", UNSIZED),
                ("636:42", "LsarQuerySecurityObject.SecurityDescriptor", POINTER_TYPEDEF),
                ("665:36", "LsarQueryInformationPolicy.PolicyInformation", POINTER_TYPEDEF),
                ("746:33", "LsarEnumeratePrivilegesAccount.Privileges", POINTER_TYPEDEF),
                ("799:37", "LsarQueryInfoTrustedDomain.TrustedDomainInformation", POINTER_TYPEDEF),
                ("851:32", "LsarLookupPrivilegeName.Name", POINTER_TYPEDEF),
                ("861:32", "LsarLookupPrivilegeDisplayName.DisplayName", POINTER_TYPEDEF),
                ("911:38", "LsarQueryTrustedDomainInfo.TrustedDomainInformation", POINTER_TYPEDEF),
                ("944:39", "LsarRetrievePrivateData.EncryptedData", POINTER_TYPEDEF),
                ("966:36", "LsarQueryInformationPolicy2.PolicyInformation", POINTER_TYPEDEF),
                (
                    "985:37",
                    "LsarQueryTrustedDomainInfoByName.TrustedDomainInformation",
                    POINTER_TYPEDEF,
                ),
                (
                    "1028:43",
                    "LsarQueryDomainInformationPolicy.PolicyDomainInformation",
                    POINTER_TYPEDEF,
                ),
                ("1118:43", "LsarQueryForestTrustInformation.ForestTrustInfo", POINTER_TYPEDEF),
                ("1129:53", "LsarSetForestTrustInformation.CollisionInfo", POINTER_TYPEDEF),
                ("1339:45", "LsarQueryForestTrustInformation2.ForestTrustInfo2", POINTER_TYPEDEF),
                ("1349:53", "LsarSetForestTrustInformation2.CollisionInfo", POINTER_TYPEDEF),
            )
        ],
    ),
    "lsat": (
        "aliases/alt-dtyp",
        [
            f"lsat.idl:{where}: warning: NDR20: {what}: {why}"
            for where, what, why in (
                ("70:21", "LSAPR_OBJECT_ATTRIBUTES.RootDirectory", UNSIZED),
                ("274:42", "LsarLookupNames.ReferencedDomains", POINTER_TYPEDEF),
                ("285:42", "LsarLookupSids.ReferencedDomains", POINTER_TYPEDEF),
                ("414:35", "LsarGetUserName.UserName", POINTER_TYPEDEF),
                ("465:42", "LsarLookupSids2.ReferencedDomains", POINTER_TYPEDEF),
                ("479:42", "LsarLookupNames2.ReferencedDomains", POINTER_TYPEDEF),
                ("521:42", "LsarLookupNames3.ReferencedDomains", POINTER_TYPEDEF),
                ("557:42", "LsarLookupSids3.ReferencedDomains", POINTER_TYPEDEF),
                ("571:42", "LsarLookupNames4.ReferencedDomains", POINTER_TYPEDEF),
            )
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

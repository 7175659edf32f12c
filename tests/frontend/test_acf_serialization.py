"""The ACF's ``[encode]``/``[decode]``: which types of a module are serialized, with which flags."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import HEADER, compile_idl, messages

from idlc import ir
from idlc.irdump import dump_module

IDL = (
    HEADER
    + """interface Store
{
    typedef struct { long a; } REC;
    typedef enum { E0, E1 } KIND;
    typedef [switch_type(long)] union { [case(0)] long x; [default]; } CHOICE;
    typedef REC RECORD_ALIAS;
    const long LIMIT = 4;
    void Ping(void);
}
"""
)


def serialized(tmp_path: Path, acf: str) -> tuple[ir.Module, list[str]]:
    program, sink = compile_idl(tmp_path, IDL, name="store.idl", store__acf=acf)
    assert program is not None, messages(sink)
    return program.module(program.root), messages(sink)


def test_typedefs_named_in_the_acf_merge_their_flags(tmp_path: Path) -> None:
    module, notes = serialized(
        tmp_path,
        "typedef [encode] KIND, REC;\n"
        "interface Store { typedef [decode] REC; typedef [encode, decode] CHOICE; }\n",
    )
    assert notes == []
    assert [(t.name, t.encode, t.decode) for t in module.serialized] == [
        ("REC", True, True),
        ("KIND", True, False),
        ("CHOICE", True, True),
    ]
    assert "  serialized REC [encode, decode]" in dump_module(module)


def test_an_interface_marks_every_type_of_the_module_but_constants(tmp_path: Path) -> None:
    module, notes = serialized(tmp_path, "[encode, decode] interface Store { }\n")
    assert notes == []
    assert [t.name for t in module.serialized] == ["REC", "KIND", "CHOICE", "RECORD_ALIAS"]
    assert all(t.encode and t.decode for t in module.serialized)


def test_no_serialization_without_the_attributes(tmp_path: Path) -> None:
    module, notes = serialized(tmp_path, "typedef [allocate(all_nodes)] REC;\n")
    assert module.serialized == ()
    assert notes == []


def test_an_acf_type_the_idl_does_not_declare_is_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path, IDL, name="store.idl", store__acf="typedef [encode] REC, RECS;\n"
    )
    assert program is None
    assert messages(sink) == [
        f"error: ACF type 'RECS' is not declared in {tmp_path / 'store.idl'}; did you mean 'REC'?"
    ]

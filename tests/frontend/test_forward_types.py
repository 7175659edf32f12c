"""What published IDL needs beyond the strict letter: types used before their definition,
[MS-DTYP] names nobody declared, equivalent redefinitions, member initialisers, case slips.

Each is accepted with a warning that says what idlc did; what stays wrong stays an error."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import HEADER, compile_idl, decl, messages

from idlc import ir
from idlc.semantic.forward import wellknown_typedefs
from support import compile_package, import_generated

LONG = ir.IntType("long", 32, True)
ULONG = ir.IntType("unsigned long", 32, False)


def T(name: str) -> ir.TypeRef:
    return ir.TypeRef(name, "t")


def compiled(tmp_path: Path, body: str, header: str = HEADER) -> tuple[ir.Module, list[str]]:
    program, sink = compile_idl(tmp_path, header + "interface I {\n" + body + "\n}\n")
    assert program is not None, messages(sink)
    return program.module(program.root), messages(sink)


def test_typedef_used_before_its_definition_is_lowered_where_first_used(tmp_path: Path) -> None:
    m, notes = compiled(
        tmp_path,
        "typedef struct { long n; PLATER p; } FIRST;\n"
        "typedef struct _LATER { short s; } LATER, *PLATER;",
    )
    first = decl(m, "FIRST")
    assert isinstance(first, ir.Struct)
    # the interface's pointer_default(unique) applies to the floating pointer typedef
    assert first.fields[1].type == ir.PointerType(T("PLATER"), "unique")
    names = [d.name for d in m.decls]
    assert names.index("LATER") < names.index("FIRST")  # defined before the struct needing it
    assert names.count("LATER") == 1 and names.count("PLATER") == 1
    assert notes == [
        "warning: 'PLATER' is used before its definition; MIDL accepts that, but widl and the "
        "C headers MIDL writes need the definition first"
    ]


def test_forward_typedef_takes_its_own_interfaces_pointer_default(tmp_path: Path) -> None:
    text = (
        HEADER + "interface A { typedef struct { SB b; } S; void F([in] S *s); }\n"
        "[uuid(12345678-1234-1234-1234-123456789abd), pointer_default(ptr)]\n"
        "interface B { typedef struct { long *p; } SB; }\n"
    )
    program, sink = compile_idl(tmp_path, text)
    assert program is not None, messages(sink)
    sb = decl(program.module(program.root), "SB")
    assert isinstance(sb, ir.Struct)
    # B's default, though A's use triggered the lowering
    assert sb.fields[0].type == ir.PointerType(LONG, "ptr")


def test_a_name_defined_nowhere_is_still_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(tmp_path, HEADER + "interface I { typedef struct { NOPE n; } S; }")
    assert program is None
    assert messages(sink) == ["error: unknown type 'NOPE'"]


def test_ms_dtyp_names_nobody_declared_come_from_idlcs_copy(tmp_path: Path) -> None:
    m, notes = compiled(tmp_path, "NTSTATUS F([in] LUID id, [out] PSID *who);")
    assert decl(m, "NTSTATUS") == ir.Typedef("NTSTATUS", LONG)
    luid = decl(m, "LUID")
    assert isinstance(luid, ir.Struct)
    assert [(f.name, f.type) for f in luid.fields] == [
        ("LowPart", T("DWORD")),
        ("HighPart", T("LONG")),
    ]
    assert decl(m, "DWORD") == ir.Typedef("DWORD", ULONG)
    assert isinstance(decl(m, "RPC_SID"), ir.Struct)  # what PSID points at
    # one warning per name the file used, none for what those definitions use in turn
    assert notes == [
        f"warning: unknown type '{n}': using its [MS-DTYP] definition; import a file that "
        "declares it (ms-dtyp.idl) to make this explicit"
        for n in ("NTSTATUS", "LUID", "PSID")
    ]


def test_ms_dtyp_definitions_use_the_files_own_types(tmp_path: Path) -> None:
    m, notes = compiled(tmp_path, "typedef unsigned long DWORD;\nvoid F([in] FILETIME t);")
    assert decl(m, "DWORD") == ir.Typedef("DWORD", ULONG)
    assert [d.name for d in m.decls].count("DWORD") == 1
    assert len(notes) == 1 and "'FILETIME'" in notes[0]


def test_declared_names_win_over_ms_dtyp(tmp_path: Path) -> None:
    m, notes = compiled(tmp_path, "typedef short NTSTATUS;\nNTSTATUS F(void);")
    assert decl(m, "NTSTATUS") == ir.Typedef("NTSTATUS", ir.IntType("short", 16, True))
    assert notes == []


def test_equivalent_redefinition_warns_and_keeps_the_first(tmp_path: Path) -> None:
    m, notes = compiled(tmp_path, "typedef byte BYTE;\ntypedef unsigned char BYTE, *PBYTE;")
    assert decl(m, "BYTE") == ir.Typedef("BYTE", ir.IntType("byte", 8, False))
    assert notes == [
        "warning: redefinition of 'BYTE' as a different but equivalent type; the first "
        "definition is kept"
    ]


def test_different_redefinition_is_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path, HEADER + "interface I { typedef byte B; typedef short B; }"
    )
    assert program is None
    assert messages(sink) == ["error: redefinition of 'B'"]
    assert [n.message for n in sink.diagnostics[0].notes] == ["previous definition is here"]


def test_member_initialiser_is_dropped_with_a_warning(tmp_path: Path) -> None:
    m, notes = compiled(
        tmp_path,
        "typedef struct { unsigned long n; unsigned long r = (n + 7) & ~7;"
        " [size_is(n)] byte *d; } E;",
    )
    e = decl(m, "E")
    assert isinstance(e, ir.Struct)
    assert [f.name for f in e.fields] == ["n", "r", "d"]
    assert notes == [
        "warning: initialiser of struct member 'r' ignored: IDL members take no values"
    ]


def test_field_named_in_another_case_is_taken_with_a_warning(tmp_path: Path) -> None:
    m, notes = compiled(
        tmp_path,
        "typedef struct { long flags; [switch_is(Flags)] union { [case(1)] long a;"
        " [default]; } u; } S;",
    )
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    assert s.fields[1].switch_is == ir.Name("flags")
    assert notes == ["warning: 'Flags' taken as 'flags', which differs only in case"]


def test_ambiguous_case_slip_stays_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        HEADER + "interface I { typedef struct { long flags; long FLAGS; long n;"
        " [size_is(Flags)] long *p; } S; }",
    )
    assert program is None
    assert messages(sink) == ["error: [size_is] of 'p' refers to unknown field 'Flags'"]


def test_procedure_returning_a_void_typedef_returns_nothing(tmp_path: Path) -> None:
    m, _ = compiled(tmp_path, "typedef void VOID;\nVOID F(void);")
    (proc,) = m.interfaces[0].procedures
    assert proc.return_type == ir.VoidType()


def test_cycle_through_a_forward_typedef_resolves(tmp_path: Path) -> None:
    """PROPVARIANT's shape: a counted array of a struct that holds the array type by value."""
    m, notes = compiled(
        tmp_path,
        "typedef struct { unsigned long n; [size_is(n)] VARIANTISH *elems; } ARRAY;\n"
        "typedef struct _V { short vt; [switch_is(vt)] union { [case(1)] long l;"
        " [case(2)] ARRAY a; } u; } VARIANTISH;",
    )
    array = decl(m, "ARRAY")
    assert isinstance(array, ir.Struct)
    assert array.fields[1].type == ir.PointerType(
        ir.ArrayType(T("VARIANTISH"), None, ir.Name("n")), "unique"
    )
    assert isinstance(decl(m, "VARIANTISH"), ir.Struct)
    assert len(notes) == 1 and "'VARIANTISH' is used before its definition" in notes[0]


def test_every_ms_dtyp_definition_lowers_and_generates(tmp_path: Path) -> None:
    """Each name idlc knows from [MS-DTYP] compiles, used alone, into importable Python."""
    names = sorted(n for n in wellknown_typedefs() if "CONTEXT_HANDLE" not in n)
    fields = " ".join(f"{n} f{i};" for i, n in enumerate(names))
    (tmp_path / "all.idl").write_text(
        HEADER + f"interface All {{ typedef struct {{ {fields} }} S; }}\n"
    )
    out = tmp_path / "gen_all"
    compile_package(tmp_path / "all.idl", out, "--no-acf")
    module = import_generated(out, "all")
    for n in ("NTSTATUS", "LUID", "RPC_UNICODE_STRING", "SECURITY_DESCRIPTOR", "S"):
        assert hasattr(module, n)


def test_type_lowered_early_sees_constants_declared_before_its_definition(tmp_path: Path) -> None:
    """oaut.idl's shape: `typedef [unique] S *PS;` first, then constants, then S using them."""
    m, notes = compiled(
        tmp_path,
        "typedef [unique] S *PS;\nconst long N = 4;\ntypedef enum { K_A = 1, K_B } K;\n"
        "typedef struct _S { long a[N]; short k; [switch_is(k & K_B)] union {"
        " [case(K_A)] long x; [default]; } u; } S;\nvoid F([in] PS p);",
    )
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    assert s.fields[0].type == ir.ArrayType(LONG, 4)
    assert [d.name for d in m.decls].count("N") == 1
    assert all("used before" in n for n in notes)


def test_imported_record_declared_again_under_another_tag_is_local(tmp_path: Path) -> None:
    """go-msrpc's objref.idl declares OBJREF_TYPE again, as ms-dcom.idl (imported) does."""
    program, sink = compile_idl(
        tmp_path,
        'import "a.idl";\n' + HEADER + "interface I { typedef enum _K { K_A = 1 } K;"
        " typedef struct _P { long v; } P; void F([in] K k, [in] P p); }\n",
        a__idl="typedef enum tagK { K_A = 1 } K; typedef struct tagP { long v; } P;\n",
    )
    assert program is not None, messages(sink)
    m = program.module(program.root)
    assert isinstance(decl(m, "K"), ir.Enum_) and isinstance(decl(m, "P"), ir.Struct)
    out = tmp_path / "gen_k"
    compile_package(tmp_path / "t.idl", out, "--no-acf")
    assert hasattr(import_generated(out, "t"), "K")


def test_nested_union_alias_naming_its_structs_pointer_typedef_imports(tmp_path: Path) -> None:
    """oaut.idl's VARIANT: a union arm points back at the struct through a later typedef."""
    (tmp_path / "v.idl").write_text(
        "typedef struct _wireV { unsigned short vt;"
        " [switch_type(unsigned short), switch_is(vt)] union { [case(1)] long l;"
        " [case(2)] V *pv; } u; } _V, *V;\n" + HEADER + "interface I { void F([in] V p); }\n"
    )
    out = tmp_path / "gen_v"
    compile_package(tmp_path / "v.idl", out, "--no-acf")
    assert hasattr(import_generated(out, "v"), "V")

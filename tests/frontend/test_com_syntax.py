"""COM and 16-bit-era syntax that real IDL files carry: SAFEARRAY(T), property accessors that
share a name, and far/near pointer modifiers."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import HEADER, compile_idl, decl, messages

from idlc import ir

OBJECT = (
    "typedef long HRESULT;\n"
    "[object, uuid(12345678-1234-1234-1234-123456789abc), pointer_default(unique)]\n"
)


def test_safearray_of_a_type_is_lpsafearray_where_declared(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        'import "oa.idl";\n'
        + OBJECT
        + "interface I : IUnknown { HRESULT F([in] SAFEARRAY(BSTR) names,"
        " [out] SAFEARRAY(VARIANT) *values); }\n",
        oa__idl="typedef struct tagSAFEARRAY { unsigned short cDims; } SAFEARRAY;\n"
        "typedef SAFEARRAY *LPSAFEARRAY; typedef wchar_t *BSTR; typedef long VARIANT;\n"
        "[object, uuid(00000000-0000-0000-c000-000000000046)] interface IUnknown {}\n",
    )
    assert program is not None, messages(sink)
    (proc,) = program.module(program.root).interfaces[0].procedures
    oa = ir.TypeRef("LPSAFEARRAY", "oa")
    assert [p.type for p in proc.params] == [oa, ir.PointerType(oa, "ref")]


def test_safearray_without_oaidl_is_unsupported_not_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path, OBJECT + "interface I { HRESULT F([in] SAFEARRAY(long) a); }\n"
    )
    assert program is not None, messages(sink)
    (proc,) = program.module(program.root).interfaces[0].procedures
    assert isinstance(proc.params[0].type, ir.UnsupportedType)


def test_property_accessors_share_their_name_in_object_interfaces(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        OBJECT + "interface I { [propget] HRESULT Name([out, retval] long *v);"
        " [propput] HRESULT Name([in] long v); [propputref] HRESULT Name([in] long *v); }\n",
    )
    assert program is not None, messages(sink)
    names = [p.name for p in program.module(program.root).interfaces[0].procedures]
    assert names == ["Name", "Name", "Name"]


def test_two_getters_of_one_name_are_still_duplicates(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        OBJECT + "interface I { [propget] HRESULT N([out] long *v);"
        " [propget] HRESULT N([out] short *v); }\n",
    )
    assert program is None
    assert messages(sink) == ["error: duplicate procedure 'N' in interface 'I'"]


def test_accessor_attributes_do_not_excuse_duplicates_in_rpc_interfaces(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        HEADER + "interface I { [propget] void N([out] long *v); [propput] void N([in] long v); }",
    )
    assert program is None
    assert messages(sink) == ["error: duplicate procedure 'N' in interface 'I'"]


def test_far_and_near_pointer_modifiers_are_ignored(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        HEADER + "interface I { typedef struct _S { long v; struct _S __RPC_FAR *next; } S;"
        " void F([in] handle_t h, [in, unique] S __far * __RPC_FAR s, [in] void * __ptr64 p);"
        " void __RPC_FAR G([in] handle_t h); }",
    )
    assert program is not None, messages(sink)
    module = program.module(program.root)
    s = decl(module, "S")
    assert isinstance(s, ir.Struct)
    assert s.fields[1].type == ir.PointerType(ir.TypeRef("S", "t"), "unique")
    assert [p.name for p in module.interfaces[0].procedures] == ["F", "G"]

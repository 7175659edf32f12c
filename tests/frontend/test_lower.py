"""Lowering: IR equality on small inputs (spans take no part in equality)."""

from __future__ import annotations

from pathlib import Path

from frontend_helpers import HEADER, compile_idl, decl, iface, messages, ok

from idlc import ir
from idlc.pipeline.frontend import module_name

LONG = ir.IntType("long", 32, True)
SHORT = ir.IntType("short", 16, True)
ULONG = ir.IntType("unsigned long", 32, False)


def T(name: str) -> ir.TypeRef:
    return ir.TypeRef(name, "t")


def test_module_names() -> None:
    assert module_name("AsyncRPC.Idl") == "asyncrpc"
    assert module_name("ms-rprn.idl") == "ms_rprn"
    assert module_name("3d.idl") == "_3d"
    assert module_name("class.idl") == "class_"
    # the same names on every Python: 3.12's soft keyword `type` is kept, 3.10's `match` is not
    assert module_name("type.idl") == "type"
    assert module_name("match.idl") == "match_"
    assert module_name(Path("a/b/Foo Bar.IDL")) == "foo_bar"


def test_interface_header(tmp_path: Path) -> None:
    m = ok(
        tmp_path,
        "[uuid(7F6C4340-EB67-11d1-B9D7-00C04FAD9A3B), version(2), pointer_default(ref),"
        ' endpoint("ncacn_ip_tcp:[8765]")] interface A { void F(void); }',
    )
    (i,) = m.interfaces
    assert (i.name, i.uuid, i.version, i.pointer_default) == (
        "A",
        "7f6c4340-eb67-11d1-b9d7-00c04fad9a3b",
        (2, 0),
        "ref",
    )
    assert i.generated
    assert [a.name for a in i.attributes] == ["uuid", "version", "pointer_default", "endpoint"]


def test_base_types(tmp_path: Path) -> None:
    m = iface(
        "typedef struct { small a; short b; long c; int d; hyper e; __int64 f; __int3264 g;"
        " char h; wchar_t i; byte j; boolean k; float l; double m; unsigned char n;"
        " unsigned short o; unsigned long int p; unsigned q; error_status_t r;"
        " unsigned __int64 s; long long t; signed char u; } S;",
        tmp_path,
    )
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    assert [f.type for f in s.fields] == [
        ir.IntType("small", 8, True),
        SHORT,
        LONG,
        ir.IntType("int", 32, True),
        ir.IntType("hyper", 64, True),
        ir.IntType("hyper", 64, True),
        ir.IntType("__int3264", 32, True),
        ir.CharType(False),
        ir.CharType(True),
        ir.IntType("byte", 8, False),
        ir.BoolType(),
        ir.FloatType("float", 32),
        ir.FloatType("double", 64),
        ir.IntType("unsigned char", 8, False),
        ir.IntType("unsigned short", 16, False),
        ULONG,
        ir.IntType("unsigned int", 32, False),
        ir.IntType("error_status_t", 32, False),
        ir.IntType("unsigned hyper", 64, False),
        ir.IntType("hyper", 64, True),
        ir.IntType("signed char", 8, True),
    ]


def test_constants(tmp_path: Path) -> None:
    m = iface(
        'const long A = 20; const char *P = "tcp"; const unsigned long B = -1;'
        " const short C = (A + 2) * 3 % 7; const long D = A > 10 ? 1 << 4 : 0;"
        " const long E = -7 / 2; const long F = sizeof(long) + sizeof(hyper);",
        tmp_path,
    )
    consts = {d.name: d for d in m.decls if isinstance(d, ir.Const)}
    assert consts["A"] == ir.Const("A", LONG, 20)
    assert consts["P"] == ir.Const("P", ir.StringType(False), "tcp")
    assert consts["B"].value == 0xFFFFFFFF
    assert consts["C"].value == 66 % 7
    assert consts["D"].value == 16
    assert consts["E"].value == -3
    assert consts["F"].value == 12


def test_typedef_struct_takes_typedef_name(tmp_path: Path) -> None:
    m = iface("typedef struct _P { long a; struct _P *next; } P, *PP;", tmp_path)
    assert m.decls == (
        ir.Struct(
            "P",
            (
                ir.Field("a", LONG),
                ir.Field("next", ir.PointerType(T("P"), "unique")),
            ),
        ),
        ir.Typedef("_P", T("P")),
        ir.Typedef("PP", ir.PointerType(T("P"), "ref")),
    )


def test_enum_values(tmp_path: Path) -> None:
    m = iface("typedef [v1_enum] enum _E { A = 1, B = A << 2, C, D = -1 } E;", tmp_path)
    e = decl(m, "E")
    assert e == ir.Enum_(
        "E",
        (
            ir.EnumMember("A", 1),
            ir.EnumMember("B", 4),
            ir.EnumMember("C", 5),
            ir.EnumMember("D", -1),
        ),
        v1_enum=True,
    )


def test_params_and_pointers(tmp_path: Path) -> None:
    m = iface(
        "error_status_t F([in] handle_t h, [in] long a, [out] long *b, [in, out] long *c,"
        " [in, unique] long *d, [out] long **e, [out, retval] long *r);",
        tmp_path,
    )
    (p,) = m.interfaces[0].procedures
    assert p.return_type == ir.IntType("error_status_t", 32, False)
    assert p.params == (
        ir.Param("h", ir.Direction.IN, ir.HandleType()),
        ir.Param("a", ir.Direction.IN, LONG),
        ir.Param("b", ir.Direction.OUT, ir.PointerType(LONG, "ref")),
        ir.Param("c", ir.Direction.INOUT, ir.PointerType(LONG, "ref")),
        ir.Param("d", ir.Direction.IN, ir.PointerType(LONG, "unique")),
        ir.Param("e", ir.Direction.OUT, ir.PointerType(ir.PointerType(LONG, "unique"), "ref")),
        ir.Param("r", ir.Direction.OUT, ir.PointerType(LONG, "ref")),
    )
    assert [x.name for x in p.in_params] == ["a", "c", "d"]


def test_strings(tmp_path: Path) -> None:
    m = iface(
        "typedef [string] wchar_t *LPWSTR; typedef [string] char *LPSTR;"
        " typedef struct { LPWSTR a; [string] char b[20]; [string, ref] wchar_t *c; } S;"
        " void F([in, string] unsigned char *s, [in] LPWSTR w, [in, string, unique] char *u,"
        " [out, string] wchar_t **o);",
        tmp_path,
    )
    # a pointer level the IR leaves out ([ref], or a floating typedef's): pointer=True
    assert decl(m, "LPWSTR") == ir.Typedef("LPWSTR", ir.StringType(True, pointer=True))
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    assert [f.type for f in s.fields] == [
        ir.PointerType(T("LPWSTR"), "unique"),
        ir.StringType(False, 20),
        ir.StringType(True, pointer=True),
    ]
    params = m.interfaces[0].procedures[0].params
    assert [x.type for x in params] == [
        ir.StringType(False, pointer=True),
        T("LPWSTR"),
        ir.PointerType(ir.StringType(False), "unique"),
        ir.PointerType(ir.PointerType(ir.StringType(True), "unique"), "ref"),
    ]


def test_arrays(tmp_path: Path) -> None:
    m = iface(
        "const long N = 4;"
        " typedef struct { long n; long a[N][2]; [size_is(n)] long b[]; [size_is(n), length_is(n)]"
        " long *c; [max_is(n)] short d[]; } S;"
        " void F([in] long n, [out, size_is(,*n)] long **p, [in, size_is(n)] byte *buf);",
        tmp_path,
    )
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    n = ir.Name("n")
    assert [f.type for f in s.fields[1:]] == [
        ir.ArrayType(ir.ArrayType(LONG, 2), 4),
        ir.ArrayType(LONG, None, n),
        ir.PointerType(ir.ArrayType(LONG, None, n, n), "unique"),
        ir.ArrayType(SHORT, None, ir.Binary("+", n, ir.Literal_(1))),
    ]
    params = m.interfaces[0].procedures[0].params
    assert params[1].type == ir.PointerType(
        ir.PointerType(ir.ArrayType(LONG, None, ir.Unary("*", n)), "unique"), "ref"
    )
    assert params[2].type == ir.ArrayType(ir.IntType("byte", 8, False), None, n, pointer=True)


def test_unions(tmp_path: Path) -> None:
    m = iface(
        "typedef [switch_type(short)] union { [case(0)] short s; [case(1, 2)] float f;"
        " [default] ; } U;"
        " typedef union _X switch (long k) u { case 1: long a; default: ; } X;"
        " typedef struct { short d; [switch_is(d)] U u; } S;"
        " void F([in] short d, [in, switch_is(d)] U *u);",
        tmp_path,
    )
    assert decl(m, "U") == ir.Union(
        "U",
        SHORT,
        (
            ir.UnionArm((ir.Literal_(0),), ir.Field("s", SHORT)),
            ir.UnionArm((ir.Literal_(1), ir.Literal_(2)), ir.Field("f", ir.FloatType("float", 32))),
            ir.UnionArm((), None),
        ),
    )
    assert decl(m, "X") == ir.Union(
        "X",
        LONG,
        (ir.UnionArm((ir.Literal_(1),), ir.Field("a", LONG)), ir.UnionArm((), None)),
        switch_name="k",
        union_name="u",
    )
    s = decl(m, "S")
    assert isinstance(s, ir.Struct)
    assert s.fields[1] == ir.Field("u", T("U"), switch_is=ir.Name("d"))
    assert m.interfaces[0].procedures[0].params[1].switch_is == ir.Name("d")


def test_context_handles_and_pipes(tmp_path: Path) -> None:
    m = iface(
        "typedef [context_handle] void *CTX; typedef pipe long LPIPE;"
        " void Open([out] CTX *c); void Close([in, out] CTX *c); void P([in] LPIPE p);",
        tmp_path,
    )
    assert decl(m, "CTX") == ir.Typedef("CTX", ir.ContextHandleType("CTX"))
    assert decl(m, "LPIPE") == ir.Typedef("LPIPE", ir.PipeType(LONG))
    procs = m.interfaces[0].procedures
    assert procs[0].params[0].type == ir.PointerType(T("CTX"), "ref")
    pipe = procs[2].params[0]
    assert (pipe.type, pipe.is_pipe) == (T("LPIPE"), True)
    assert procs[2].in_params == () and procs[2].pipe_params == (pipe,)


def test_out_pipes_go_through_one_ref_pointer(tmp_path: Path) -> None:
    m = iface(
        "typedef pipe byte BP; typedef BP BP2;"
        " long Get([in] long n, [out] BP2 *data, [out] long *count);",
        tmp_path,
    )
    proc = m.interfaces[0].procedures[0]
    data = proc.params[1]
    assert (data.type, data.is_pipe) == (ir.PointerType(T("BP2"), "ref"), True)
    assert [p.name for p in proc.out_params] == ["count"]
    assert [p.name for p in proc.pipe_params] == ["data"]


def test_opnums_and_async(tmp_path: Path) -> None:
    m = iface(
        "void A(void); [async] void B(void); [callback] void C(void); void D(void);", tmp_path
    )
    # a [callback] takes its opnum in the same sequence, marked
    procs = m.interfaces[0].procedures
    assert [(p.name, p.opnum, p.is_async, p.is_callback) for p in procs] == [
        ("A", 0, False, False),
        ("B", 1, True, False),
        ("C", 2, False, True),
        ("D", 3, False, False),
    ]


def test_object_interfaces_continue_base_opnums(tmp_path: Path) -> None:
    m = ok(
        tmp_path,
        "[object, uuid(00000000-0000-0000-C000-000000000046)] interface IUnknown {"
        " long QueryInterface(void); long AddRef(void); long Release(void); }"
        "[object, uuid(00000000-0000-0000-C000-000000000047)] interface IFoo : IUnknown {"
        " long Foo([in] long x); }",
    )
    foo = m.interfaces[1]
    assert (foo.is_object, foo.base, foo.generated) == (True, "IUnknown", False)
    assert [p.opnum for p in foo.procedures] == [3]


def test_transmit_as_is_the_wire_type(tmp_path: Path) -> None:
    m = iface(
        "typedef struct { short n; } W; typedef struct { long x; } L;"
        " typedef [transmit_as(W)] L LT;",
        tmp_path,
    )
    assert decl(m, "LT") == ir.Typedef("LT", T("W"))


def test_identical_redefinition_allowed(tmp_path: Path) -> None:
    m = iface("typedef long A; typedef long A; const long N = 1; const long N = 1;", tmp_path)
    assert [d.name for d in m.decls] == ["A", "N"]


def test_unknown_attribute_is_an_error(tmp_path: Path) -> None:
    program, sink = compile_idl(tmp_path, HEADER + "interface I { [zork] void F([in, z] long x); }")
    assert program is None
    assert messages(sink) == [
        "error: unknown attribute 'zork'",
        "error: unknown attribute 'z'",
    ]


def test_ignored_attributes_warn_only_where_calls_are_generated(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path,
        HEADER
        + "interface I { [maybe] void F([in, ignore] long *x); }"
        + "[object, uuid(00000000-0000-0000-C000-000000000046)] interface IUnknown"
        + " { [maybe] long QueryInterface([in, ignore] long *x); }",
    )
    assert program is not None
    assert messages(sink) == [
        "warning: attribute [maybe] is not implemented by idlc and is ignored",
        "warning: attribute [ignore] is not implemented by idlc and is ignored",
    ]
    assert {d.kind for d in sink.diagnostics} == {"ignored-attribute"}


def test_many_errors_in_one_pass(tmp_path: Path) -> None:
    program, sink = compile_idl(
        tmp_path, HEADER + "interface I { void F([in] X a, [out] long b, [in] Y c); }"
    )
    assert program is None
    assert messages(sink) == [
        "error: unknown type 'X'",
        "error: [out] parameter 'b' is not a pointer",
        "error: unknown type 'Y'",
    ]


def test_a_lowered_file_leaves_no_reference_cycle() -> None:
    """The lowerers call each other both ways while a file is lowered; once it is, nothing may
    keep them alive but a cycle collection, which the front end pauses while it lowers."""
    import gc
    import weakref

    from idlc.diagnostics import DiagnosticSink
    from idlc.semantic.lower import FileLowerer
    from idlc.syntax.parser import parse_idl

    text = (
        HEADER + "interface I {\n"
        "typedef struct { LATER *p; long n; [size_is(n)] char *s; } FIRST;\n"
        "typedef struct _LATER { short s[(short) 2]; } LATER;\n"
        "void F([in] FIRST *f, [out] long *o);\n}\n"
    )
    sink = DiagnosticSink()
    tree = parse_idl(text, lambda line, col: ir.Span("t.idl", line, col), sink)
    assert tree is not None, messages(sink)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        lowerer = FileLowerer("t", "t.idl", tree, (), [], sink)
        lowerer.run()
        names = ("symbols", "values", "types", "records", "declarations", "forward", "interfaces")
        parts = {name: weakref.ref(getattr(lowerer, name)) for name in names}
        del lowerer
        assert [name for name, ref in parts.items() if ref() is not None] == []
    finally:
        if was_enabled:
            gc.enable()

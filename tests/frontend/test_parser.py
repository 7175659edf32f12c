"""The grammar: each construct parses (and syntax errors are phrased for people)."""

from __future__ import annotations

import pytest

from idlc.diagnostics import DiagnosticSink
from idlc.ir import Span
from idlc.syntax import ast
from idlc.syntax.parser import parse_acf, parse_idl


def parse(text: str) -> tuple[ast.File | None, DiagnosticSink]:
    sink = DiagnosticSink()
    return parse_idl(text, lambda line, col: Span("t.idl", line, col), sink), sink


CONSTRUCTS = {
    "import": 'import "a.idl", "b.idl";',
    "importlib": 'importlib("stdole2.tlb");',
    "cpp_quote": 'cpp_quote("#include <x.h>")',
    "midl_pragma": "midl_pragma warning( disable: 2111 )",
    "declare_guid": "declare_guid(CLSID_X, 086BFA6B-3C18-4B61-9D4B-120E64F165DC);",
    "uuid_digits": "[uuid(7f6c4340-eb67-11d1-b9d7-00c04fad9a3b), version(1)] interface A {}",
    "uuid_quoted": '[uuid("7f6c4340-eb67-11d1-b9d7-00c04fad9a3b")] interface A {}',
    "forward": "interface IFoo;",
    "base": "[object, uuid(00000000-0000-0000-C000-000000000046)] interface IFoo : IUnknown {}",
    "const": 'const char *S = "x" "y"; const long N = (1 << 4) | 0x10L;',
    "const_ops": "const long N = sizeof(long) * 2 > 4 ? -1 : ~0;",
    "cast": "const long N = (long)1 + (unsigned short)2;",
    "typedef_struct": "typedef struct _P { long a, b[10]; struct _P *next; } P, *PP;",
    "bitfield": "typedef struct { long a : 3; long b : 5; } B;",
    "enum": "typedef [v1_enum] enum { A = 1, B = A << 2, C, } E;",
    "union_nonencap": "typedef [switch_type(short)] union { [case(0)] short s; [case(1,2)] "
    "float f; [case(3)] ; [default] ; } U;",
    "union_encap": "typedef union _X switch (long k) u { case 1: case 2: long a; default: ; } X;",
    "arrays": "typedef struct { long a[2][3]; [size_is(n)] long b[]; [size_is(n)] long c[*];"
    " long n; } A;",
    "pointers": "typedef struct { long **pp; const char * const p; } P;",
    "pipe": "typedef pipe byte BYTE_PIPE;",
    "funcptr": "typedef void (__stdcall *PFN)(long x, char *);",
    "int_forms": "typedef struct { unsigned long int a; unsigned b; signed char c; long long d;"
    " unsigned __int64 e; __int3264 f; small g; hyper h; unsigned hyper int i; } I;",
    "library": '[uuid(12345678-1234-1234-1234-123456789abc)] library L { importlib("x.tlb");'
    " [uuid(12345678-1234-1234-1234-123456789abd)] coclass C { [default] interface I; }; }",
    "dispinterface": "[uuid(12345678-1234-1234-1234-123456789abc)] dispinterface D {"
    " properties: [id(1)] long x; methods: [id(2)] void F(); }",
    "module": '[dllname("x.dll")] module M { const long X = 1; }',
    "procs": "[uuid(12345678-1234-1234-1234-123456789abc)] interface A {"
    " [async] void F([in] handle_t h, [in, string] char *s);"
    " error_status_t __stdcall G([out, retval] long *r);"
    " void H([in] long, [in] DWORD *);"
    " void K(void); void V(const char *fmt, ...); }",
    "several_attr_lists": "[uuid(12345678-1234-1234-1234-123456789abc)] interface A {"
    " void F([in] [size_is(n)] long *p, [in] long n); }",
    "attr_exprs": "[uuid(12345678-1234-1234-1234-123456789abc)] interface A {"
    " void F([in, size_is(,*n), length_is(n > 2 ? n - 1 : (long)n)] long **p,"
    " [in] long *n, [in, range(0, sizeof(long))] long r); }",
    "odd_attr_args": "[uuid(12345678-1234-1234-1234-123456789abc), goext([x] union {"
    " [case(1)] long a; } y, 1 .. *)] interface A {}",
    "extern": "extern const GUID X;",
    "crlf": "typedef long A;\r\ntypedef long B;\r\n\x1a",
    "comments": "/* c */ typedef long A; // x\n#pragma once\n",
}


@pytest.mark.parametrize("text", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_construct_parses(text: str) -> None:
    tree, sink = parse(text)
    assert sink.diagnostics == []
    assert tree is not None


def test_uuid_attribute_text_kept() -> None:
    tree, _ = parse("[uuid(7f6c4340-eb67-11d1-b9d7-00c04fad9a3b), version(1.0)] interface A {}")
    assert tree is not None
    item = tree.items[0]
    assert isinstance(item, ast.Interface)
    assert [(a.name, [x.text for x in a.args or ()]) for a in item.attrs] == [
        ("uuid", ["7f6c4340-eb67-11d1-b9d7-00c04fad9a3b"]),
        ("version", ["1.0"]),
    ]


def test_struct_shape() -> None:
    tree, _ = parse("typedef struct _P { long a, *b; } P, *PP;")
    assert tree is not None
    td = tree.items[0]
    assert isinstance(td, ast.Typedef)
    assert isinstance(td.type, ast.StructSpec)
    assert td.type.tag == "_P"
    assert [(d.name, d.pointers) for d in td.declarators] == [("P", 0), ("PP", 1)]
    member = td.type.members[0] if td.type.members else None
    assert member is not None
    assert [(d.name, d.pointers) for d in member.declarators] == [("a", 0), ("b", 1)]


def test_keywords_are_names_where_no_keyword_fits() -> None:
    tree, sink = parse(
        "[uuid(12345678-1234-1234-1234-123456789abc)] interface A {"
        " void F([in, string, default, case] char *s); }"
    )
    assert tree is not None, sink.diagnostics


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("typedef struct { long a long b; } S;", "expected ';' after struct member, found 'long'"),
        ("interface A { void F(); ", "unexpected end of file: missing '}' to close the interface"),
        ("typedef long A; }", "unexpected '}'"),
        ("typedef long @;", "unexpected character '@'"),
    ],
)
def test_syntax_errors_in_words(text: str, message: str) -> None:
    tree, sink = parse(text)
    assert tree is None
    assert [d.message for d in sink.diagnostics] == [message]


def test_acf_parses() -> None:
    sink = DiagnosticSink()
    acf = parse_acf(
        'include "x.h";\n[implicit_handle(handle_t h), explicit_handle] interface A {\n'
        "  [async] F(); [comm_status, fault_status] G([comm_status] st);\n"
        "  typedef [encode, decode] T, U;\n}\n",
        lambda line, col: Span("t.acf", line, col),
        sink,
    )
    assert sink.diagnostics == []
    assert acf is not None
    iface = acf.items[1]
    assert isinstance(iface, ast.AcfInterface)
    assert [type(x).__name__ for x in iface.items] == ["AcfProc", "AcfProc", "AcfTypedef"]

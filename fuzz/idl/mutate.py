"""Mutants of an IDL seed: token edits, random attributes, truncation, deep nesting, huge
numbers, odd bytes and preprocessor tricks (include and import cycles, macro chains).

Everything works on bytes (a file may be invalid UTF-8), and everything random comes from the
``random.Random`` passed in: one seed gives the same mutants on every run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .seeds import Seed

# Tokens as a C-like lexer sees them, with whitespace and comments kept as their own tokens so
# that joining them all gives the file back.
_TOKEN = re.compile(
    rb"""(?P<space>\s+)
    |(?P<comment>/\*.*?\*/|//[^\n]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<word>[A-Za-z_$][A-Za-z0-9_$]*)
    |(?P<number>0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+(?:\.[0-9]*)?[uUlL]*)
    |(?P<punct>->|<<|>>|<=|>=|==|!=|&&|\|\||\.\.\.|.)""",
    re.S | re.X,
)

KNOWN_ATTRS = [
    b"in",
    b"out",
    b"ref",
    b"unique",
    b"ptr",
    b"string",
    b"retval",
    b"async",
    b"local",
    b"object",
    b"context_handle",
    b"v1_enum",
    b"ignore",
    b"callback",
    b"broadcast",
    b"idempotent",
    b"maybe",
    b"switch_is(x)",
    b"switch_type(long)",
    b"switch_type(x)",
    b"case(1)",
    b"case(1, 2)",
    b"default",
    b"size_is(n)",
    b"size_is(, n)",
    b"size_is(*n)",
    b"max_is(n - 1)",
    b"length_is(n)",
    b"first_is(f)",
    b"last_is(l)",
    b"range(0, 10)",
    b"range(10, 0)",
    b"iid_is(riid)",
    b"transmit_as(long)",
    b"represent_as(long)",
    b"handle",
    b"implicit_handle(handle_t h)",
    b"auto_handle",
    b"explicit_handle",
    b"pointer_default(unique)",
    b"pointer_default(bogus)",
    b"uuid(0b7c4f2e-9a31-4d6e-8f15-3c2a7e90d418)",
    b"uuid(nonsense)",
    b"version(1.0)",
    b"version(65536.1)",
    b'endpoint("ncacn_ip_tcp:[135]")',
    b'helpstring("x")',
    b"id(1)",
    b"propget",
    b"propput",
    b"dual",
    b"oleautomation",
    b"hidden",
    b"restricted",
    b"defaultvalue(0)",
    b"optional",
    b"size_is(sizeof(long))",
    b"switch_is(d->x)",
    b"size_is(a.b[1])",
    b"comm_status",
    b"fault_status",
    b"call_as(f)",
    b"enable_allocate",
    b"wire_marshal(long)",
]
KEYWORDS = [
    b"interface",
    b"typedef",
    b"struct",
    b"union",
    b"enum",
    b"const",
    b"switch",
    b"case",
    b"default",
    b"import",
    b"library",
    b"coclass",
    b"module",
    b"dispinterface",
    b"pipe",
    b"void",
    b"long",
    b"short",
    b"small",
    b"hyper",
    b"char",
    b"wchar_t",
    b"byte",
    b"boolean",
    b"unsigned",
    b"signed",
    b"double",
    b"float",
    b"handle_t",
    b"error_status_t",
    b"sizeof",
    b"cpp_quote",
    b"midl_pragma",
    b"SAFEARRAY",
    b"{",
    b"}",
    b"(",
    b")",
    b"[",
    b"]",
    b";",
    b",",
    b"*",
    b":",
    b"=",
    b"...",
    b"->",
    b".",
    b"<<",
    b"#",
    b"\\",
]
DEPTHS = [2, 10, 40, 100, 127, 128, 129, 200, 256, 500, 1000, 3000, 10000]
HUGE = [
    b"18446744073709551616",
    b"18446744073709551617",
    b"9223372036854775808",
    b"4294967296",
    b"0xffffffffffffffffff",
    b"0x" + b"f" * 300,
    b"0x" + b"F" * 5000,
    b"1" + b"0" * 1000,
    b"9" * 5000,
    b"0" * 5000 + b"7",
    b"0777777777777777777777777",
    b"18446744073709551616ULL",
    b"1e999999",
    b"1." + b"9" * 5000,
    b"0x",
    b"08",
]
ODD_BYTES = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\x1a",
    b"\x0c",
    b"\r",
    b"\\\n",
    b"/*",
    b'"',
    b"'",
    b"L'",
    b"\x80\x80\x80",
    b"\xf4\x90\x80\x80",
    b"#",
    b"??/",
    b"\t" * 100,
]
HEADER = b"[uuid(0b7c4f2e-9a31-4d6e-8f15-3c2a7e90d418), version(1.0)] interface FZ_I\n{\n"


@dataclass
class Mutant:
    """A seed's files, changed: what the fuzzer writes out and compiles."""

    idl: bytes
    acf: bytes | None
    extra: dict[str, bytes] = field(default_factory=dict)  # more files beside the mutant
    ops: list[str] = field(default_factory=list)  # the mutations applied, for the report


def tokens(data: bytes) -> list[bytes]:
    return [m.group() for m in _TOKEN.finditer(data)]


def _significant(toks: list[bytes]) -> list[int]:
    return [i for i, t in enumerate(toks) if not t.isspace() and not t.startswith((b"/*", b"//"))]


def _pick(rng: random.Random, toks: list[bytes]) -> int:
    """A random significant token's index (or 0 in a file without one)."""
    sig = _significant(toks)
    return rng.choice(sig) if sig else 0


# Token edits ---------------------------------------------------------------------------------


def delete_tokens(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    toks = tokens(data)
    i = _pick(rng, toks)
    del toks[i : i + rng.choice([1, 1, 2, 3, 5])]
    return b"".join(toks)


def duplicate_tokens(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    toks = tokens(data)
    i = _pick(rng, toks)
    span = toks[i : i + rng.choice([1, 1, 2, 4, 8, 20])]
    toks[i:i] = span * rng.choice([1, 1, 2, 10])
    return b"".join(toks)


def swap_tokens(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    toks = tokens(data)
    sig = _significant(toks)
    if len(sig) >= 2:
        i, j = rng.sample(sig, 2)
        toks[i], toks[j] = toks[j], toks[i]
    return b"".join(toks)


def replace_token(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    toks = tokens(data)
    sig = _significant(toks)
    if sig:
        i = rng.choice(sig)
        toks[i] = rng.choice(KEYWORDS) if rng.random() < 0.5 else toks[rng.choice(sig)]
    return b"".join(toks)


def random_attribute(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    """A known or unknown attribute, into an attribute list or before a random token."""
    if rng.random() < 0.6:
        attr = rng.choice(KNOWN_ATTRS)
    else:
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(1, 12)))
        args = rng.choice([b"", b"()", b"(1)", b"(x, y)", b"({[1]})", b"(,)", b'("s")', b"(("])
        attr = name.encode() + args
    toks = tokens(data)
    lists = [i for i, t in enumerate(toks) if t == b"["]
    if lists and rng.random() < 0.7:
        i = rng.choice(lists) + 1
        toks.insert(i, attr + b", ")
    else:
        toks.insert(_pick(rng, toks), b"[" + attr + b"] ")
    return b"".join(toks)


def truncate(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def splice(rng: random.Random, data: bytes, m: Mutant, donor: bytes = b"") -> bytes:
    """A run of tokens from another seed, into this one."""
    theirs = tokens(donor)
    start = rng.randrange(len(theirs) + 1)
    piece = theirs[start : start + rng.choice([5, 20, 100])]
    toks = tokens(data)
    toks[_pick(rng, toks) : _pick(rng, toks)] = piece  # maybe also replacing a run
    return b"".join(toks)


# Hostile constructs --------------------------------------------------------------------------


def _in_interface(rng: random.Random, data: bytes, snippet: bytes) -> bytes:
    """``snippet`` as the first item of the file's first interface (of a new one without)."""
    toks = tokens(data)
    seen_interface = False
    for i, t in enumerate(toks):
        if t == b"interface":
            seen_interface = True
        elif t == b"{" and seen_interface:
            toks.insert(i + 1, b"\n" + snippet + b"\n")
            return b"".join(toks)
    return data + b"\n" + HEADER + snippet + b"\n}\n"


def _nested(kind: str, n: int) -> bytes:
    """A declaration (or an expression in one) that nests ``n`` levels of ``kind``."""
    if kind == "parens":
        return b"const long FZ_C = " + b"(" * n + b"1" + b")" * n + b";"
    if kind == "attr_parens":
        return (
            b"void FZ_f([in] long n, [in, size_is(" + b"(" * n + b"n" + b")" * n + b")] long *p);"
        )
    if kind == "sum":
        return b"const long FZ_C = " + b"1 + " * n + b"1;"
    if kind == "unary":
        return b"const long FZ_C = " + b"- ~" * n + b"1;"
    if kind == "not":
        return b"const long FZ_C = " + b"!" * n + b"1;"
    if kind == "ternary":
        return b"const long FZ_C = " + b"1 ? 1 : " * n + b"1;"
    if kind == "cast":
        return b"const long FZ_C = " + b"(long)" * n + b"1;"
    if kind == "postfix":
        return b"void FZ_f([in] long n, [in, size_is(n" + b".a[1]" * n + b")] long *p);"
    if kind == "braces":
        return b"{" * n + b"}" * n
    if kind == "brackets":
        return b"typedef long FZ_T" + b"[2]" * n + b";"
    if kind == "stars":
        return b"typedef long " + b"*" * n + b"FZ_T;"
    if kind == "param_stars":
        return b"void FZ_f([in] long " + b"*" * n + b"p);"
    if kind == "structs":
        return b"typedef " + b"struct { " * n + b"long x; " + b"} a; " * (n - 1) + b"} FZ_T;"
    if kind == "unions":
        body = b"union switch (long d) u { case 1: " * n + b"long x;" + b" } a;" * n
        return b"typedef struct { long d; " + body + b" } FZ_T;"
    if kind == "pipes":
        return b"typedef " + b"pipe " * n + b"long FZ_T;"
    if kind == "funcptrs":
        return b"void FZ_f([in] long " + b"(*p)(long " * n + b"x" + b")" * n + b");"
    if kind == "soup":
        return b"[fz_unknown(" + b"({[" * n + b"1" + b"]})" * n + b")] void FZ_f(void);"
    if kind == "struct_refs":
        n = min(n, 300)
        first = b"typedef struct { long a; } FZ_S0;\n"
        rest = b"".join(b"typedef struct { FZ_S%d a; } FZ_S%d;\n" % (i, i + 1) for i in range(n))
        return first + rest + b"void FZ_f([in] FZ_S%d *s);" % n
    if kind == "typedef_refs":
        first = b"typedef long FZ_T0;\n"
        rest = b"".join(b"typedef FZ_T%d *FZ_T%d;\n" % (i, i + 1) for i in range(n))
        return first + rest + b"void FZ_f([in] FZ_T%d *s);" % n
    raise ValueError(kind)


NEST_KINDS = [
    "parens",
    "attr_parens",
    "sum",
    "unary",
    "not",
    "ternary",
    "cast",
    "postfix",
    "braces",
    "brackets",
    "stars",
    "param_stars",
    "structs",
    "unions",
    "pipes",
    "funcptrs",
    "soup",
    "struct_refs",
    "typedef_refs",
]


def deep_nesting(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    kind, n = rng.choice(NEST_KINDS), rng.choice(DEPTHS)
    m.ops[-1] += f"({kind},{n})"
    snippet = _nested(kind, n)
    if rng.random() < 0.2:  # anywhere at all
        toks = tokens(data)
        toks.insert(_pick(rng, toks), snippet)
        return b"".join(toks)
    return _in_interface(rng, data, snippet)


def deep_preprocessor(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    """Nesting in the preprocessor: #if blocks and expressions, macro chains, include and
    import cycles (the files of a cycle go beside the mutant)."""
    kind = rng.choice(["if", "if_expr", "macros", "fn_macros", "macro_args", "include", "import"])
    n = rng.choice(DEPTHS)
    m.ops[-1] += f"({kind},{n})"
    if kind == "if":
        return b"#if 1\n" * n + data + b"\n" + b"#endif\n" * rng.choice([n, n - 1, n + 1])
    if kind == "if_expr":
        return b"#if " + b"(" * n + b"1" + b")" * n + b"\n" + data + b"\n#endif\n"
    if kind == "macros":
        chain = b"".join(b"#define FZ_M%d FZ_M%d\n" % (i, i + 1) for i in range(n))
        end = b"#define FZ_M%d 1\n" % n if rng.random() < 0.8 else b"#define FZ_M%d FZ_M0\n" % n
        return chain + end + _in_interface(rng, data, b"const long FZ_C = FZ_M0;")
    if kind == "fn_macros":
        chain = b"".join(b"#define FZ_F%d(x) FZ_F%d(x + 1)\n" % (i, i + 1) for i in range(n))
        return (
            chain
            + b"#define FZ_F%d(x) x\n" % n
            + _in_interface(rng, data, b"const long FZ_C = FZ_F0(1);")
        )
    if kind == "macro_args":
        use = b"FZ_ID(" * n + b"1" + b")" * n
        return b"#define FZ_ID(x) x\n" + _in_interface(
            rng, data, b"const long FZ_C = " + use + b";"
        )
    if kind == "include":
        guard = rng.random() < 0.5
        for a, b in ((b"fz_a", b"fz_b"), (b"fz_b", b"fz_a")):
            body = b'#include "%s.h"\ntypedef long %s_t;\n' % (b, a)
            if guard:
                body = b"#ifndef %s_H\n#define %s_H\n%s#endif\n" % (a, a, body)
            m.extra[a.decode() + ".h"] = body
        m.extra["fz_self.h"] = b'#include "fz_self.h"\n'
        which = rng.choice([b"fz_a.h", b"fz_self.h"])
        return b'#include "%s"\n' % which + data
    a_idl = b'import "fz_b.idl";\ninterface FZ_A { typedef long fz_a_t; }\n'
    m.extra["fz_a.idl"] = a_idl
    m.extra["fz_b.idl"] = b'import "fz_a.idl";\ninterface FZ_B { typedef long fz_b_t; }\n'
    return b'import "fz_a.idl";\nimport "fz_self.idl";\n' + data


def huge_number(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    big = rng.choice(HUGE)
    toks = tokens(data)
    numbers = [i for i, t in enumerate(toks) if t[:1].isdigit()]
    if numbers and rng.random() < 0.5:
        toks[rng.choice(numbers)] = big
        return b"".join(toks)
    snippet = rng.choice(
        [
            b"typedef long FZ_T[%s];",
            b"const hyper FZ_C = %s;",
            b"const long FZ_C = 1 << %s;",
            b"const long FZ_C = %s * %s * %s;",
            b"void FZ_f([in, range(0, %s)] long n);",
            b"void FZ_f([in] long n, [in, size_is(%s)] long *p);",
            b"typedef enum { FZ_A = %s, FZ_B } FZ_E;",
            b"typedef [switch_type(long)] union { [case(%s)] long a; } FZ_U;",
            b"typedef struct { long a : %s; } FZ_S;",
        ]
    )
    if rng.random() < 0.3:
        return b"#if %s > 1\n#endif\n#line %s\n" % (big, big) + data
    return _in_interface(rng, data, snippet.replace(b"%s", big))


def odd_bytes(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return data.replace(b"\n", b"\r")  # old Mac line ends
    if roll < 0.15:
        return data.replace(b"\n", b"\r\n")
    if roll < 0.2:
        return b"\xff\xfe" + data.decode("latin-1").encode("utf-16-le")
    if roll < 0.25:
        return data + b"\n" + b"x" * 100_000
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(ODD_BYTES) * rng.choice([1, 1, 3]) + data[at:]


Mutator = Callable[[random.Random, bytes, Mutant], bytes]
MUTATORS: list[tuple[Mutator, int]] = [
    (delete_tokens, 10),
    (duplicate_tokens, 8),
    (swap_tokens, 8),
    (replace_token, 8),
    (random_attribute, 10),
    (truncate, 4),
    (splice, 4),
    (deep_nesting, 12),
    (deep_preprocessor, 5),
    (huge_number, 6),
    (odd_bytes, 5),
]


def mutate(rng: random.Random, seed: Seed, donor: Seed) -> Mutant:
    """One mutant of ``seed``: one to four mutations, mostly of the IDL, else of the ACF."""
    m = Mutant(seed.idl_bytes(), seed.acf_bytes())
    functions = [f for f, _ in MUTATORS]
    weights = [w for _, w in MUTATORS]
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        f = rng.choices(functions, weights)[0]
        on_acf = m.acf is not None and rng.random() < 0.15
        m.ops.append(f.__name__ + (":acf" if on_acf else ""))
        target = m.acf if on_acf and m.acf is not None else m.idl
        donor_bytes = donor.idl_bytes()
        out = splice(rng, target, m, donor_bytes) if f is splice else f(rng, target, m)
        if on_acf:
            m.acf = out
        else:
            m.idl = out
    return m

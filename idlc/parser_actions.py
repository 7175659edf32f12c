"""The grammar actions that turn what the LALR parser reduces into AST nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token

from . import ast
from .diagnostics import DiagnosticSink
from .ir import Span
from .lexer import decode_string, parse_int

Spanner = Callable[[int, int], Span]


class SyntaxFailure(Exception):
    """A syntax error found by a grammar action, already reported to the sink."""


def _no_spanner(line: int, column: int) -> Span:
    return Span("<input>", line, column)


class _Qual:
    """A ``const``/``volatile`` qualifier or a ``*`` (dropped from the AST)."""


class _Ptr:
    pass


class _Label:
    """An encapsulated union's ``case X:`` (or ``default:`` with ``expr`` None)."""

    def __init__(self, expr: ast.Expr | None) -> None:
        self.expr = expr


_QUAL = _Qual()
_PTR = _Ptr()


def _tokens(items: list[Any]) -> list[Token]:
    out: list[Token] = []
    for x in items:
        if isinstance(x, Token):
            out.append(x)
        elif isinstance(x, list):
            out.extend(_tokens(x))
    return out


class AstBuilder:
    """The grammar actions: Lark calls the method named after a rule (or its alias) with the
    rule's children each time the LALR parser reduces it, so the AST is built during the parse,
    with no parse tree in between.

    Lark binds these methods once per process, so the text being parsed, its spanner and the sink
    are state set by ``start`` before each parse.
    """

    def __init__(self) -> None:
        self.text = ""
        self.sp: Spanner = _no_spanner
        self.sink = DiagnosticSink()

    def start(self, text: str, spanner: Spanner, sink: DiagnosticSink) -> None:
        self.text = text
        self.sp = spanner
        self.sink = sink

    def span(self, tok: Token) -> Span:
        return self.sp(tok.line or 1, tok.column or 1)

    def _first_span(self, items: list[Any]) -> Span:
        for x in items:
            if isinstance(x, Token) and x.line is not None:
                return self.span(x)
            s = getattr(x, "span", None)
            if isinstance(s, Span) and s.line:
                return s
        return self.sp(1, 1)

    # files -----------------------------------------------------------------------------------

    def idl_file(self, c: list[Any]) -> ast.File:
        return ast.File(tuple(x for x in c if x is not None))

    def acf_file(self, c: list[Any]) -> ast.AcfFile:
        return ast.AcfFile(tuple(x for x in c if x is not None))

    def empty(self, c: list[Any]) -> None:
        return None

    def import_stmt(self, c: list[Token]) -> ast.Import:
        paths = tuple(ast.ImportPath(decode_string(t[1:-1]), self.span(t)) for t in c)
        return ast.Import(paths, paths[0].span)

    def importlib_stmt(self, c: list[Token]) -> ast.ImportLib:
        return ast.ImportLib(decode_string(c[0][1:-1]), self.span(c[0]))

    def cpp_quote(self, c: list[Token]) -> ast.CppQuote:
        return ast.CppQuote("".join(decode_string(t[1:-1]) for t in c), self.span(c[0]))

    def midl_pragma(self, c: list[Any]) -> ast.Pragma:
        return ast.Pragma(str(c[0]), self._soup_text(c[1:]), self.span(c[0]))

    def declare_guid(self, c: list[Any]) -> ast.Pragma:
        return ast.Pragma("declare_guid", self._soup_text(c), self._first_span(c))

    def _soup_text(self, c: list[Any]) -> str:
        return " ".join(str(t) for t in _tokens(c))

    # attributes ------------------------------------------------------------------------------

    def attrs(self, c: list[Any]) -> ast.Attrs:
        return tuple(a for lst in c for a in lst)

    def attr_list(self, c: list[Any]) -> list[ast.Attribute]:
        return [a for a in c if isinstance(a, ast.Attribute)]

    def attr_plain(self, c: list[Token]) -> ast.Attribute:
        return ast.Attribute(str(c[0]), None, self.span(c[0]))

    def attr_call(self, c: list[Any]) -> ast.Attribute:
        name: Token = c[0]
        base = self.span(name)
        args = tuple(a if a.span.line else ast.AttrArg(a.text, base) for a in c[1:])
        return ast.Attribute(str(name), args, base)

    def attr_arg(self, c: list[Any]) -> ast.AttrArg:
        toks = _tokens(c)
        if not toks:
            return ast.AttrArg("")
        start, end = toks[0].start_pos, toks[-1].end_pos
        if start is None or end is None:  # pragma: no cover - Lark always sets positions
            return ast.AttrArg(" ".join(toks), self.span(toks[0]))
        return ast.AttrArg(self.text[start:end], self.span(toks[0]))

    def soup(self, c: list[Any]) -> list[Token]:
        return _tokens(c)

    def soup_group(self, c: list[Any]) -> list[Token]:
        return _tokens(c)

    # containers ------------------------------------------------------------------------------

    def interface(self, c: list[Any]) -> ast.Interface:
        attrs, name, base, *items = c
        items = [x for x in items if x is not None]
        return ast.Interface(
            attrs,
            str(name),
            str(base) if base is not None else None,
            tuple(x for x in items if x is not None),
            self.span(name),
        )

    def interface_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("interface", c[0], str(c[1]), None, self.span(c[1]))

    def dispinterface(self, c: list[Any]) -> ast.Container:
        return ast.Container("dispinterface", c[0], str(c[1]), c[2], self.span(c[1]))

    def dispinterface_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("dispinterface", c[0], str(c[1]), None, self.span(c[1]))

    def disp_members(self, c: list[Any]) -> tuple[ast.Item, ...]:
        return tuple(c)

    def disp_interface(self, c: list[Any]) -> tuple[ast.Item, ...]:
        return ()

    def coclass(self, c: list[Any]) -> ast.Container:
        return ast.Container("coclass", c[0], str(c[1]), (), self.span(c[1]))

    def coclass_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("coclass", c[0], str(c[1]), None, self.span(c[1]))

    def coclass_item(self, c: list[Any]) -> None:
        return None

    def library(self, c: list[Any]) -> ast.Container:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.Container("library", c[0], str(c[1]), items, self.span(c[1]))

    def module(self, c: list[Any]) -> ast.Container:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.Container("module", c[0], str(c[1]), items, self.span(c[1]))

    # declarations ----------------------------------------------------------------------------

    def typedef(self, c: list[Any]) -> ast.Typedef:
        decls = tuple(c[2:])
        return ast.Typedef(c[0], c[1], decls, decls[0].span)

    def const_decl(self, c: list[Any]) -> ast.ConstDecl:
        return ast.ConstDecl(c[0], c[1], c[2], c[1].span)

    def decl_stmt(self, c: list[Any]) -> ast.Declaration:
        decls = tuple(d for d in c[2:] if d is not None)
        span = decls[0].span if decls else getattr(c[1], "span", self.sp(1, 1))
        return ast.Declaration(c[0], c[1], decls, span)

    def extern_decl(self, c: list[Any]) -> None:
        return None

    def decl_type(self, c: list[Any]) -> ast.TypeSpec:
        spec: ast.TypeSpec = next(x for x in c if not isinstance(x, _Qual))
        return spec

    def type_spec(self, c: list[Any]) -> ast.TypeSpec:
        spec: ast.TypeSpec = next(x for x in c if not isinstance(x, _Qual))
        return spec

    def qualifier(self, c: list[Any]) -> _Qual:
        return _QUAL

    def interface_type(self, c: list[Token]) -> ast.InterfaceType:
        return ast.InterfaceType(str(c[0]), self.span(c[0]))

    def void_type(self, c: list[Token]) -> ast.BaseType:
        return ast.BaseType("void", self.span(c[0]))

    def named_type(self, c: list[Token]) -> ast.NamedType:
        return ast.NamedType(str(c[0]), self.span(c[0]))

    def pipe_type(self, c: list[Any]) -> ast.PipeSpec:
        return ast.PipeSpec(c[0], getattr(c[0], "span", self.sp(1, 1)))

    def safearray_type(self, c: list[Any]) -> ast.SafeArraySpec:
        return ast.SafeArraySpec(c[1], self.span(c[0]))

    def int_spec(self, c: list[Any]) -> ast.BaseType:
        words: list[str] = []
        span = None
        for x in c:
            if isinstance(x, Token):
                words.append(str(x))
                span = span or self.span(x)
            else:
                words.extend(x[0])
                span = span or x[1]
        return ast.BaseType(" ".join(words), span or self.sp(1, 1))

    def sign(self, c: list[Token]) -> tuple[list[str], Span]:
        return [str(t) for t in c], self.span(c[0])

    def int_word(self, c: list[Token]) -> tuple[list[str], Span]:
        return [str(t) for t in c], self.span(c[0])

    def float_spec(self, c: list[Token]) -> ast.BaseType:
        return ast.BaseType(str(c[0]), self.span(c[0]))

    def struct_def(self, c: list[Any]) -> ast.StructSpec:
        tag = c[0]
        return ast.StructSpec(str(tag) if tag else None, tuple(c[1:]), self._tag_span(tag, c))

    def struct_ref(self, c: list[Token]) -> ast.StructSpec:
        return ast.StructSpec(str(c[0]), None, self.span(c[0]))

    def _tag_span(self, tag: Token | None, c: list[Any]) -> Span:
        return self.span(tag) if tag is not None else self._first_span(c[1:])

    def member(self, c: list[Any]) -> ast.Member:
        decls = tuple(d for d in c[2:] if d is not None)
        span = decls[0].span if decls else getattr(c[1], "span", self.sp(1, 1))
        return ast.Member(c[0], c[1], decls, span)

    def member_init(self, c: list[Any]) -> ast.Member:
        attrs, tspec, decl, init = c
        return ast.Member(attrs, tspec, (decl,), decl.span, init=init)

    def union_def(self, c: list[Any]) -> ast.UnionSpec:
        tag = c[0]
        return ast.UnionSpec(str(tag) if tag else None, tuple(c[1:]), span=self._tag_span(tag, c))

    def enc_union_def(self, c: list[Any]) -> ast.UnionSpec:
        tag, stype, sname, uname, *arms = c
        return ast.UnionSpec(
            str(tag) if tag else None,
            tuple(arms),
            stype,
            str(sname),
            str(uname) if uname is not None else None,
            self.span(tag) if tag is not None else self.span(sname),
        )

    def union_ref(self, c: list[Token]) -> ast.UnionSpec:
        return ast.UnionSpec(str(c[0]), None, span=self.span(c[0]))

    def union_arm(self, c: list[Any]) -> ast.UnionArm:
        attrs, tspec, decl = c
        return ast.UnionArm(attrs, (), ast.Member(attrs, tspec, (decl,), decl.span), decl.span)

    def union_arm_anon(self, c: list[Any]) -> ast.UnionArm:
        attrs, tspec = c
        span = getattr(tspec, "span", self.sp(1, 1))
        anon = ast.Declarator(None, span=span)
        return ast.UnionArm(attrs, (), ast.Member(attrs, tspec, (anon,), span), span)

    def union_arm_empty(self, c: list[Any]) -> ast.UnionArm:
        attrs = c[0]
        return ast.UnionArm(attrs, (), None, attrs[0].span if attrs else self.sp(1, 1))

    def enc_arm(self, c: list[Any]) -> ast.UnionArm:
        labels = tuple(x.expr for x in c if isinstance(x, _Label))
        attrs, tspec, decl = c[len(labels) :]
        return ast.UnionArm(attrs, labels, ast.Member(attrs, tspec, (decl,), decl.span), decl.span)

    def enc_arm_empty(self, c: list[Any]) -> ast.UnionArm:
        labels = [x for x in c if isinstance(x, _Label)]
        span = labels[0].expr.span if labels and labels[0].expr else self.sp(1, 1)
        return ast.UnionArm(c[-1], tuple(x.expr for x in labels), None, span)

    def case_label(self, c: list[Any]) -> _Label:
        return _Label(c[0])

    def default_label(self, c: list[Any]) -> _Label:
        return _Label(None)

    def enum_def(self, c: list[Any]) -> ast.EnumSpec:
        tag = c[0]
        members = tuple(m for m in c[1:] if isinstance(m, ast.Enumerator))
        return ast.EnumSpec(str(tag) if tag else None, members, self._tag_span(tag, c))

    def enum_ref(self, c: list[Token]) -> ast.EnumSpec:
        return ast.EnumSpec(str(c[0]), None, self.span(c[0]))

    def enumerator(self, c: list[Any]) -> ast.Enumerator:
        return ast.Enumerator(c[0], str(c[1]), c[2], self.span(c[1]))

    # declarators -----------------------------------------------------------------------------

    def declarator(self, c: list[Any]) -> ast.Declarator:
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        direct: ast.Declarator = next(x for x in c if isinstance(x, ast.Declarator))
        bits = c[-1] if not isinstance(c[-1], ast.Declarator | _Ptr) else None
        if direct.func_pointers:
            return _replace(direct, pointers=pointers, bits=bits)
        return _replace(direct, pointers=pointers + direct.pointers, bits=bits)

    def pointer(self, c: list[Any]) -> _Ptr:
        return _PTR

    def name_decl(self, c: list[Any]) -> ast.Declarator:
        conv = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Token) and t.type == "NAME")
        arrays = tuple(x for x in c if isinstance(x, ast.ArrayDim))
        return ast.Declarator(str(name), 0, arrays, callconv=conv, span=self.span(name))

    def func_decl(self, c: list[Any]) -> ast.Declarator:
        conv = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Token) and t.type == "NAME")
        return ast.Declarator(str(name), params=c[-1], callconv=conv, span=self.span(name))

    def funcptr_decl(self, c: list[Any]) -> ast.Declarator:
        conv = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Token) and t.type == "NAME")
        fp = sum(1 for x in c if isinstance(x, _Ptr))
        return ast.Declarator(
            str(name), params=c[-1], func_pointers=fp, callconv=conv, span=self.span(name)
        )

    def array_suffix(self, c: list[Any]) -> ast.ArrayDim:
        x = c[0]
        if x is None or isinstance(x, Token):
            return ast.ArrayDim(None, self.span(x) if isinstance(x, Token) else self.sp(1, 1))
        return ast.ArrayDim(x, x.span)

    def params(self, c: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(p for p in c if p is not None)

    def param(self, c: list[Any]) -> ast.Param:
        attrs, tspec, decl = c
        span = decl.span if decl is not None and decl.name else getattr(tspec, "span", None)
        return ast.Param(attrs, tspec, decl, span or self.sp(1, 1))

    def varargs(self, c: list[Any]) -> ast.Param:
        return ast.Param((), None, None)

    def abs_decl(self, c: list[Any]) -> ast.Declarator:
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        conv = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "CALLCONV")
        name = next((t for t in c if isinstance(t, Token) and t.type == "NAME"), None)
        arrays = tuple(x for x in c if isinstance(x, ast.ArrayDim))
        span = self.span(name) if name is not None else self.sp(1, 1)
        return ast.Declarator(
            str(name) if name else None, pointers, arrays, callconv=conv, span=span
        )

    def abs_funcptr(self, c: list[Any]) -> ast.Declarator:
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        inner: ast.Declarator = c[-1]
        return _replace(inner, pointers=pointers)

    def funcptr_core(self, c: list[Any]) -> ast.Declarator:
        name = next((t for t in c if isinstance(t, Token) and t.type == "NAME"), None)
        fp = sum(1 for x in c if isinstance(x, _Ptr))
        span = self.span(name) if name is not None else self.sp(1, 1)
        return ast.Declarator(
            str(name) if name else None, params=c[-1], func_pointers=fp, span=span
        )

    # expressions -----------------------------------------------------------------------------

    def conditional(self, c: list[Any]) -> ast.CondOp:
        return ast.CondOp(c[0], c[1], c[2], c[0].span)

    def binop(self, c: list[Any]) -> ast.BinaryOp:
        return ast.BinaryOp(str(c[1]), c[0], c[2], self.span(c[1]))

    def unop(self, c: list[Any]) -> ast.UnaryOp:
        return ast.UnaryOp(str(c[0]), c[1], self.span(c[0]))

    def cast(self, c: list[Any]) -> ast.CastOp:
        base = next(x for x in c if isinstance(x, ast.BaseType))
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        return ast.CastOp(base, pointers, c[-1], c[-1].span)

    def paren_cast(self, c: list[Any]) -> ast.CastOp:
        target, operand = c
        while isinstance(target, ast.Paren):
            target = target.expr
        if not isinstance(target, ast.Ident):
            self.sink.error("expected a type name in parentheses before an operand", target.span)
            raise SyntaxFailure
        return ast.CastOp(ast.NamedType(target.name, target.span), 0, operand, target.span)

    def dot(self, c: list[Any]) -> ast.MemberOp:
        return ast.MemberOp(c[0], str(c[1]), False, self.span(c[1]))

    def paren(self, c: list[Any]) -> ast.Paren:
        return ast.Paren(c[0], c[0].span)

    def ptr_cast(self, c: list[Any]) -> ast.CastOp:
        name, close, operand = c
        pointers = str(close).count("*")
        return ast.CastOp(
            ast.NamedType(str(name), self.span(name)), pointers, operand, self.span(name)
        )

    def arrow(self, c: list[Any]) -> ast.MemberOp:
        return ast.MemberOp(c[0], str(c[1]), True, self.span(c[1]))

    def index(self, c: list[Any]) -> ast.IndexOp:
        return ast.IndexOp(c[0], c[1], c[1].span)

    def number(self, c: list[Token]) -> ast.Number:
        return ast.Number(parse_int(str(c[0])), str(c[0]), self.span(c[0]))

    def float(self, c: list[Token]) -> ast.Number:
        text = str(c[0])
        return ast.Number(float(text.rstrip("fFlL")), text, self.span(c[0]))

    def string(self, c: list[Token]) -> ast.String:
        wide = c[0].startswith("L")
        value = "".join(decode_string(t[t.index('"') + 1 : -1]) for t in c)
        return ast.String(value, wide, self.span(c[0]))

    def char(self, c: list[Token]) -> ast.Char:
        t = c[0]
        return ast.Char(decode_string(t[t.index("'") + 1 : -1]), t.startswith("L"), self.span(t))

    def name(self, c: list[Token]) -> ast.Ident:
        return ast.Ident(str(c[0]), self.span(c[0]))

    def sizeof(self, c: list[Any]) -> ast.SizeOfOp:
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        return ast.SizeOfOp(c[0], pointers, getattr(c[0], "span", self.sp(1, 1)))

    # fragments -------------------------------------------------------------------------------

    def attr_exprs(self, c: list[Any]) -> tuple[ast.Expr | None, ...]:
        return tuple(c)

    def attr_type(self, c: list[Any]) -> tuple[ast.TypeSpec, int, str | None]:
        pointers = sum(1 for x in c if isinstance(x, _Ptr))
        name = c[-1]
        return (c[0], pointers, str(name) if isinstance(name, Token) else None)

    # ACF -------------------------------------------------------------------------------------

    def acf_interface(self, c: list[Any]) -> ast.AcfInterface:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.AcfInterface(c[0], str(c[1]), items, self.span(c[1]))

    def acf_include(self, c: list[Token]) -> ast.AcfInclude:
        return ast.AcfInclude(tuple(decode_string(t[1:-1]) for t in c), self.span(c[0]))

    def acf_typedef(self, c: list[Any]) -> ast.AcfTypedef:
        return ast.AcfTypedef(c[0], tuple(str(t) for t in c[1:]), self.span(c[1]))

    def acf_proc(self, c: list[Any]) -> ast.AcfProc:
        params = tuple(p for p in c[2:] if p is not None)
        return ast.AcfProc(c[0], str(c[1]), params, self.span(c[1]))

    def acf_param(self, c: list[Any]) -> ast.AcfParam:
        return ast.AcfParam(c[0], str(c[1]), self.span(c[1]))


def _replace(node: ast.Declarator, **changes: Any) -> ast.Declarator:
    result: ast.Declarator = node.replace(**changes)
    return result

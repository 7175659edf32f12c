"""The grammar actions that turn what the LALR parser reduces into AST nodes."""

from __future__ import annotations

from typing import Any

from ..nodes import NO_SPAN, Span, replace
from . import ast
from .actions_base import PTR, QUAL, ActionState, Label, Ptr, Qual, SyntaxFailure, tokens
from .lexer import Tok, decode_string, parse_int


class AstBuilder(ActionState):
    r"""The grammar actions: the parser calls the method named after a rule (or its alias) with
    the rule's children each time it reduces the rule, so the AST is built during the parse, with
    no parse tree in between. Tokens among the children are ``Tok``\s.

    The methods are bound once per process, so the text being parsed, its spanner and the sink
    are state set by ``start`` before each parse.
    """

    # files -----------------------------------------------------------------------------------

    def idl_file(self, c: list[Any]) -> ast.File:
        return ast.File(tuple(x for x in c if x is not None))

    def acf_file(self, c: list[Any]) -> ast.AcfFile:
        return ast.AcfFile(tuple(x for x in c if x is not None))

    def empty(self, c: list[Any]) -> None:
        return None

    def import_stmt(self, c: list[Tok]) -> ast.Import:
        paths = tuple(ast.ImportPath(decode_string(t.value[1:-1]), self.span(t)) for t in c)
        return ast.Import(paths, paths[0].span)

    def importlib_stmt(self, c: list[Tok]) -> ast.ImportLib:
        return ast.ImportLib(decode_string(c[0].value[1:-1]), self.span(c[0]))

    def cpp_quote(self, c: list[Tok]) -> ast.CppQuote:
        return ast.CppQuote("".join(decode_string(t.value[1:-1]) for t in c), self.span(c[0]))

    def midl_pragma(self, c: list[Any]) -> ast.Pragma:
        return ast.Pragma(c[0].value, self._soup_text(c[1:]), self.span(c[0]))

    def declare_guid(self, c: list[Any]) -> ast.Pragma:
        return ast.Pragma("declare_guid", self._soup_text(c), self._first_span(c))

    def _soup_text(self, c: list[Any]) -> str:
        return " ".join(t.value for t in tokens(c))

    # attributes ------------------------------------------------------------------------------

    def attrs(self, c: list[Any]) -> ast.Attrs:
        if len(c) < 2:  # no attribute list, or one: most declarations
            return tuple(c[0]) if c else ()
        return tuple(a for lst in c for a in lst)

    def attr_list(self, c: list[Any]) -> list[ast.Attribute]:
        return [a for a in c if isinstance(a, ast.Attribute)]

    def attr_plain(self, c: list[Tok]) -> ast.Attribute:
        return ast.Attribute(c[0].value, None, self.span(c[0]))

    def attr_call(self, c: list[Any]) -> ast.Attribute:
        name: Tok = c[0]
        base = self.span(name)
        # an empty argument has no span of its own: the attribute's
        args = tuple(a if a.span is not NO_SPAN else ast.AttrArg(a.text, base) for a in c[1:])
        return ast.Attribute(name.value, args, base)

    def attr_arg(self, c: list[Any]) -> ast.AttrArg:
        toks = tokens(c)
        if not toks:
            return ast.AttrArg("")
        text = self.text[toks[0].start_pos : toks[-1].end_pos]
        return ast.AttrArg(text, self.span(toks[0]))

    def soup(self, c: list[Any]) -> list[Tok]:
        return tokens(c)

    def soup_group(self, c: list[Any]) -> list[Tok]:
        return tokens(c)

    # containers ------------------------------------------------------------------------------

    def interface(self, c: list[Any]) -> ast.Interface:
        attrs, name, base, *items = c
        items = [x for x in items if x is not None]
        return ast.Interface(
            attrs,
            name.value,
            base.value if base is not None else None,
            tuple(x for x in items if x is not None),
            self.span(name),
        )

    def interface_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("interface", c[0], c[1].value, None, self.span(c[1]))

    def dispinterface(self, c: list[Any]) -> ast.Container:
        return ast.Container("dispinterface", c[0], c[1].value, c[2], self.span(c[1]))

    def dispinterface_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("dispinterface", c[0], c[1].value, None, self.span(c[1]))

    def disp_members(self, c: list[Any]) -> tuple[ast.Item, ...]:
        return tuple(c)

    def disp_interface(self, c: list[Any]) -> tuple[ast.Item, ...]:
        return ()

    def coclass(self, c: list[Any]) -> ast.Container:
        return ast.Container("coclass", c[0], c[1].value, (), self.span(c[1]))

    def coclass_fwd(self, c: list[Any]) -> ast.Container:
        return ast.Container("coclass", c[0], c[1].value, None, self.span(c[1]))

    def coclass_item(self, c: list[Any]) -> None:
        return None

    def library(self, c: list[Any]) -> ast.Container:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.Container("library", c[0], c[1].value, items, self.span(c[1]))

    def module(self, c: list[Any]) -> ast.Container:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.Container("module", c[0], c[1].value, items, self.span(c[1]))

    # declarations ----------------------------------------------------------------------------

    def typedef(self, c: list[Any]) -> ast.Typedef:
        decls = tuple(c[2:])
        return ast.Typedef(c[0], c[1], decls, decls[0].span)

    def const_decl(self, c: list[Any]) -> ast.ConstDecl:
        return ast.ConstDecl(c[0], c[1], c[2], c[1].span)

    def decl_stmt(self, c: list[Any]) -> ast.Declaration:
        decls = tuple(d for d in c[2:] if d is not None)
        span = decls[0].span if decls else getattr(c[1], "span", self.top)
        return ast.Declaration(c[0], c[1], decls, span)

    def extern_decl(self, c: list[Any]) -> None:
        return None

    def decl_type(self, c: list[Any]) -> ast.TypeSpec:
        spec: ast.TypeSpec = c[0] if len(c) == 1 else next(x for x in c if x is not QUAL)
        return spec

    type_spec = decl_type

    def qualifier(self, c: list[Any]) -> Qual:
        return QUAL

    def interface_type(self, c: list[Tok]) -> ast.InterfaceType:
        return ast.InterfaceType(c[0].value, self.span(c[0]))

    def void_type(self, c: list[Tok]) -> ast.BaseType:
        return ast.BaseType("void", self.span(c[0]))

    def named_type(self, c: list[Tok]) -> ast.NamedType:
        return ast.NamedType(c[0].value, self.span(c[0]))

    def pipe_type(self, c: list[Any]) -> ast.PipeSpec:
        return ast.PipeSpec(c[0], getattr(c[0], "span", self.top))

    def safearray_type(self, c: list[Any]) -> ast.SafeArraySpec:
        return ast.SafeArraySpec(c[1], self.span(c[0]))

    def int_spec(self, c: list[Any]) -> ast.BaseType:
        words: list[str] = []
        span = None
        for x in c:
            if isinstance(x, Tok):
                words.append(x.value)
                span = span or self.span(x)
            else:
                words.extend(x[0])
                span = span or x[1]
        return ast.BaseType(" ".join(words), span or self.top)

    def sign(self, c: list[Tok]) -> tuple[list[str], Span]:
        return [t.value for t in c], self.span(c[0])

    def int_word(self, c: list[Tok]) -> tuple[list[str], Span]:
        return [t.value for t in c], self.span(c[0])

    def float_spec(self, c: list[Tok]) -> ast.BaseType:
        return ast.BaseType(c[0].value, self.span(c[0]))

    def struct_def(self, c: list[Any]) -> ast.StructSpec:
        tag = c[0]
        return ast.StructSpec(tag.value if tag else None, tuple(c[1:]), self._tag_span(tag, c))

    def struct_ref(self, c: list[Tok]) -> ast.StructSpec:
        return ast.StructSpec(c[0].value, None, self.span(c[0]))

    def _tag_span(self, tag: Tok | None, c: list[Any]) -> Span:
        return self.span(tag) if tag is not None else self._first_span(c[1:])

    def member(self, c: list[Any]) -> ast.Member:
        decls = tuple(d for d in c[2:] if d is not None)
        span = decls[0].span if decls else getattr(c[1], "span", self.top)
        return ast.Member(c[0], c[1], decls, span)

    def member_init(self, c: list[Any]) -> ast.Member:
        attrs, tspec, decl, init = c
        return ast.Member(attrs, tspec, (decl,), decl.span, init=init)

    def union_def(self, c: list[Any]) -> ast.UnionSpec:
        tag = c[0]
        return ast.UnionSpec(tag.value if tag else None, tuple(c[1:]), span=self._tag_span(tag, c))

    def enc_union_def(self, c: list[Any]) -> ast.UnionSpec:
        tag, stype, sname, uname, *arms = c
        return ast.UnionSpec(
            tag.value if tag else None,
            tuple(arms),
            stype,
            sname.value,
            uname.value if uname is not None else None,
            self.span(tag) if tag is not None else self.span(sname),
        )

    def union_ref(self, c: list[Tok]) -> ast.UnionSpec:
        return ast.UnionSpec(c[0].value, None, span=self.span(c[0]))

    def union_arm(self, c: list[Any]) -> ast.UnionArm:
        attrs, tspec, decl = c
        return ast.UnionArm(attrs, (), ast.Member(attrs, tspec, (decl,), decl.span), decl.span)

    def union_arm_anon(self, c: list[Any]) -> ast.UnionArm:
        attrs, tspec = c
        span = getattr(tspec, "span", self.top)
        anon = ast.Declarator(None, span=span)
        return ast.UnionArm(attrs, (), ast.Member(attrs, tspec, (anon,), span), span)

    def union_arm_empty(self, c: list[Any]) -> ast.UnionArm:
        attrs = c[0]
        return ast.UnionArm(attrs, (), None, attrs[0].span if attrs else self.top)

    def enc_arm(self, c: list[Any]) -> ast.UnionArm:
        labels = tuple(x.expr for x in c if isinstance(x, Label))
        attrs, tspec, decl = c[len(labels) :]
        return ast.UnionArm(attrs, labels, ast.Member(attrs, tspec, (decl,), decl.span), decl.span)

    def enc_arm_empty(self, c: list[Any]) -> ast.UnionArm:
        labels = [x for x in c if isinstance(x, Label)]
        span = labels[0].expr.span if labels and labels[0].expr else self.top
        return ast.UnionArm(c[-1], tuple(x.expr for x in labels), None, span)

    def case_label(self, c: list[Any]) -> Label:
        return Label(c[0])

    def default_label(self, c: list[Any]) -> Label:
        return Label(None)

    def enum_def(self, c: list[Any]) -> ast.EnumSpec:
        tag = c[0]
        members = tuple(m for m in c[1:] if isinstance(m, ast.Enumerator))
        return ast.EnumSpec(tag.value if tag else None, members, self._tag_span(tag, c))

    def enum_ref(self, c: list[Tok]) -> ast.EnumSpec:
        return ast.EnumSpec(c[0].value, None, self.span(c[0]))

    def enumerator(self, c: list[Any]) -> ast.Enumerator:
        return ast.Enumerator(c[0], c[1].value, c[2], self.span(c[1]))

    # declarators -----------------------------------------------------------------------------

    def declarator(self, c: list[Any]) -> ast.Declarator:
        # pointer* direct_declarator [":" expr]
        bits = c[-1]
        direct: ast.Declarator = c[-2]
        pointers = len(c) - 2
        if not pointers and bits is None and not direct.pointers and direct.bits is None:
            return direct  # the usual `name`: nothing to change
        if direct.func_pointers:
            return _replace(direct, pointers=pointers, bits=bits)
        return _replace(direct, pointers=pointers + direct.pointers, bits=bits)

    def pointer(self, c: list[Any]) -> Ptr:
        return PTR

    def name_decl(self, c: list[Any]) -> ast.Declarator:
        if len(c) == 1:  # the usual `name`
            return ast.Declarator(c[0].value, span=self.span(c[0]))
        conv = tuple(t.value for t in c if isinstance(t, Tok) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Tok) and t.type == "NAME")
        arrays = tuple(x for x in c if isinstance(x, ast.ArrayDim))
        return ast.Declarator(name.value, 0, arrays, callconv=conv, span=self.span(name))

    def func_decl(self, c: list[Any]) -> ast.Declarator:
        conv = tuple(t.value for t in c if isinstance(t, Tok) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Tok) and t.type == "NAME")
        return ast.Declarator(name.value, params=c[-1], callconv=conv, span=self.span(name))

    def funcptr_decl(self, c: list[Any]) -> ast.Declarator:
        conv = tuple(t.value for t in c if isinstance(t, Tok) and t.type == "CALLCONV")
        name = next(t for t in c if isinstance(t, Tok) and t.type == "NAME")
        fp = sum(1 for x in c if isinstance(x, Ptr))
        return ast.Declarator(
            name.value, params=c[-1], func_pointers=fp, callconv=conv, span=self.span(name)
        )

    def array_suffix(self, c: list[Any]) -> ast.ArrayDim:
        x = c[0]
        if x is None or isinstance(x, Tok):
            return ast.ArrayDim(None, self.span(x) if isinstance(x, Tok) else self.top)
        return ast.ArrayDim(x, x.span)

    def params(self, c: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(p for p in c if p is not None)

    def param(self, c: list[Any]) -> ast.Param:
        attrs, tspec, decl = c
        span = decl.span if decl is not None and decl.name else getattr(tspec, "span", None)
        return ast.Param(attrs, tspec, decl, span or self.top)

    def varargs(self, c: list[Any]) -> ast.Param:
        return ast.Param((), None, None)

    def abs_decl(self, c: list[Any]) -> ast.Declarator:
        pointers = 0
        conv: list[str] = []
        name = None
        arrays = []
        for x in c:  # pointer* [CALLCONV* NAME] array_suffix*, as the alternatives allow
            if x is PTR:
                pointers += 1
            elif isinstance(x, Tok):
                if x.type == "NAME":
                    name = x
                else:
                    conv.append(x.value)
            elif x is not None:
                arrays.append(x)
        if name is None:
            return ast.Declarator(
                None, pointers, tuple(arrays), callconv=tuple(conv), span=self.top
            )
        return ast.Declarator(
            name.value, pointers, tuple(arrays), callconv=tuple(conv), span=self.span(name)
        )

    def abs_funcptr(self, c: list[Any]) -> ast.Declarator:
        pointers = sum(1 for x in c if isinstance(x, Ptr))
        inner: ast.Declarator = c[-1]
        return _replace(inner, pointers=pointers)

    def funcptr_core(self, c: list[Any]) -> ast.Declarator:
        name = next((t for t in c if isinstance(t, Tok) and t.type == "NAME"), None)
        fp = sum(1 for x in c if isinstance(x, Ptr))
        span = self.span(name) if name is not None else self.top
        return ast.Declarator(
            name.value if name else None, params=c[-1], func_pointers=fp, span=span
        )

    # expressions -----------------------------------------------------------------------------

    def conditional(self, c: list[Any]) -> ast.CondOp:
        return ast.CondOp(c[0], c[1], c[2], c[0].span)

    def binop(self, c: list[Any]) -> ast.BinaryOp:
        return ast.BinaryOp(c[1].value, c[0], c[2], self.span(c[1]))

    def unop(self, c: list[Any]) -> ast.UnaryOp:
        return ast.UnaryOp(c[0].value, c[1], self.span(c[0]))

    def cast(self, c: list[Any]) -> ast.CastOp:
        base = next(x for x in c if isinstance(x, ast.BaseType))
        pointers = sum(1 for x in c if isinstance(x, Ptr))
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
        return ast.MemberOp(c[0], c[1].value, False, self.span(c[1]))

    def paren(self, c: list[Any]) -> ast.Paren:
        return ast.Paren(c[0], c[0].span)

    def ptr_cast(self, c: list[Any]) -> ast.CastOp:
        name, close, operand = c
        pointers = close.value.count("*")
        return ast.CastOp(
            ast.NamedType(name.value, self.span(name)), pointers, operand, self.span(name)
        )

    def arrow(self, c: list[Any]) -> ast.MemberOp:
        return ast.MemberOp(c[0], c[1].value, True, self.span(c[1]))

    def index(self, c: list[Any]) -> ast.IndexOp:
        return ast.IndexOp(c[0], c[1], c[1].span)

    def number(self, c: list[Tok]) -> ast.Number:
        try:
            value = parse_int(c[0].value)
        except ValueError as exc:
            self.sink.error(str(exc), self.span(c[0]))
            raise SyntaxFailure from None
        return ast.Number(value, c[0].value, self.span(c[0]))

    def float(self, c: list[Tok]) -> ast.Number:
        text = c[0].value
        return ast.Number(float(text.rstrip("fFlL")), text, self.span(c[0]))

    def string(self, c: list[Tok]) -> ast.String:
        wide = c[0].value.startswith("L")
        value = "".join(decode_string(t.value[t.value.index('"') + 1 : -1]) for t in c)
        return ast.String(value, wide, self.span(c[0]))

    def char(self, c: list[Tok]) -> ast.Char:
        t = c[0].value
        return ast.Char(decode_string(t[t.index("'") + 1 : -1]), t.startswith("L"), self.span(c[0]))

    def name(self, c: list[Tok]) -> ast.Ident:
        return ast.Ident(c[0].value, self.span(c[0]))

    def sizeof(self, c: list[Any]) -> ast.SizeOfOp:
        pointers = sum(1 for x in c if isinstance(x, Ptr))
        return ast.SizeOfOp(c[0], pointers, getattr(c[0], "span", self.top))

    # fragments -------------------------------------------------------------------------------

    def attr_exprs(self, c: list[Any]) -> tuple[ast.Expr | None, ...]:
        return tuple(c)

    def attr_type(self, c: list[Any]) -> tuple[ast.TypeSpec, int, str | None]:
        pointers = sum(1 for x in c if isinstance(x, Ptr))
        name = c[-1]
        return (c[0], pointers, name.value if isinstance(name, Tok) else None)

    # ACF -------------------------------------------------------------------------------------

    def acf_interface(self, c: list[Any]) -> ast.AcfInterface:
        items = tuple(x for x in c[2:] if x is not None)
        return ast.AcfInterface(c[0], c[1].value, items, self.span(c[1]))

    def acf_include(self, c: list[Tok]) -> ast.AcfInclude:
        return ast.AcfInclude(tuple(decode_string(t.value[1:-1]) for t in c), self.span(c[0]))

    def acf_typedef(self, c: list[Any]) -> ast.AcfTypedef:
        return ast.AcfTypedef(c[0], tuple(t.value for t in c[1:]), self.span(c[1]))

    def acf_proc(self, c: list[Any]) -> ast.AcfProc:
        params = tuple(p for p in c[2:] if p is not None)
        return ast.AcfProc(c[0], c[1].value, params, self.span(c[1]))

    def acf_param(self, c: list[Any]) -> ast.AcfParam:
        return ast.AcfParam(c[0], c[1].value, self.span(c[1]))


def _replace(node: ast.Declarator, **changes: Any) -> ast.Declarator:
    result: ast.Declarator = replace(node, **changes)
    return result

"""The syntax tree: a small family of frozen nodes mirroring the grammar, each with a span.

Nothing here is resolved: names are strings, expressions are unevaluated and attribute arguments
are raw source text (parsed on demand by the lowering pass). Nodes are ``idlc.nodes`` records,
as the IR's are: the two trees differ in what they hold, not in how their nodes behave.
"""

from __future__ import annotations

from dataclasses import field
from typing import TypeAlias

from ..nodes import NO_SPAN, Node, Span

# ---------------------------------------------------------------------------------------------
# Expressions


class Number(Node):
    value: int | float
    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class String(Node):
    value: str
    wide: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Char(Node):
    value: str
    wide: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Ident(Node):
    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class UnaryOp(Node):
    op: str
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class BinaryOp(Node):
    op: str
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class CondOp(Node):
    cond: Expr
    then: Expr
    other: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class CastOp(Node):
    """``(T) x``; ``pointers`` counts the ``*`` after the type."""

    type: TypeSpec
    pointers: int
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class SizeOfOp(Node):
    type: TypeSpec
    pointers: int
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class MemberOp(Node):
    """``a.b`` or ``a->b``."""

    obj: Expr
    name: str
    arrow: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class IndexOp(Node):
    obj: Expr
    index: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Paren(Node):
    """A parenthesized expression; kept because ``(T) -1`` is a cast when T names a type."""

    expr: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr: TypeAlias = (
    (Number | String | Char | Ident | UnaryOp | BinaryOp | CondOp | CastOp | SizeOfOp | MemberOp)
    | IndexOp
    | Paren
)


# ---------------------------------------------------------------------------------------------
# Attributes


class AttrArg(Node):
    """One comma-separated argument of an attribute, as source text (may be empty)."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Attribute(Node):
    name: str
    args: tuple[AttrArg, ...] | None = None  # None: no parentheses
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Attrs: TypeAlias = tuple[Attribute, ...]


# ---------------------------------------------------------------------------------------------
# Types and declarators


class BaseType(Node):
    """A C/MIDL keyword type, canonically spelled: ``unsigned long``, ``double``, ``void``..."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class NamedType(Node):
    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class InterfaceType(Node):
    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class PipeSpec(Node):
    element: TypeSpec
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class SafeArraySpec(Node):
    """``SAFEARRAY(T)``: an OLE Automation array of T (COM interfaces only)."""

    element: TypeSpec
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Member(Node):
    """A struct member (or the data of a union arm): one type, several declarators."""

    attrs: Attrs
    type: TypeSpec
    declarators: tuple[Declarator, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    init: Expr | None = None  # `T m = expr;`, which MIDL does not define: warned and dropped


class StructSpec(Node):
    tag: str | None
    members: tuple[Member, ...] | None  # None: a reference ``struct X``
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class UnionArm(Node):
    """A union arm: ``[case(1)] long x;`` or, encapsulated, ``case 1: long x;``.

    ``member`` is None for an empty arm; ``labels`` holds the encapsulated labels (None for
    ``default:``).
    """

    attrs: Attrs
    labels: tuple[Expr | None, ...]
    member: Member | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class UnionSpec(Node):
    tag: str | None
    arms: tuple[UnionArm, ...] | None  # None: a reference ``union X``
    switch_type: TypeSpec | None = None  # encapsulated: ``switch (T name)``
    switch_name: str | None = None
    union_name: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Enumerator(Node):
    attrs: Attrs
    name: str
    value: Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class EnumSpec(Node):
    tag: str | None
    members: tuple[Enumerator, ...] | None  # None: a reference ``enum X``
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


TypeSpec: TypeAlias = (
    BaseType
    | NamedType
    | InterfaceType
    | PipeSpec
    | SafeArraySpec
    | StructSpec
    | UnionSpec
    | EnumSpec
)


class ArrayDim(Node):
    size: Expr | None  # None: ``[]`` or ``[*]``
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Param(Node):
    attrs: Attrs
    type: TypeSpec | None  # None: ``...``
    declarator: Declarator | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Declarator(Node):
    """``**name[2][3]``, ``name(params)``, ``(*name)(params)`` or ``name : bits``.

    ``pointers`` are the ``*`` before the name, innermost first; ``params`` is set for a function
    (``func_pointers`` > 0 for a pointer to one, whose ``pointers`` then belong to its return type).
    """

    name: str | None
    pointers: int = 0
    arrays: tuple[ArrayDim, ...] = ()
    params: tuple[Param, ...] | None = None
    func_pointers: int = 0
    bits: Expr | None = None
    callconv: tuple[str, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------
# Declarations and containers


class ImportPath(Node):
    path: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Import(Node):
    paths: tuple[ImportPath, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class ImportLib(Node):
    path: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class CppQuote(Node):
    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Pragma(Node):
    """``midl_pragma warning(...)`` or ``declare_guid(...)``, kept as text."""

    name: str
    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Typedef(Node):
    attrs: Attrs
    type: TypeSpec
    declarators: tuple[Declarator, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class ConstDecl(Node):
    type: TypeSpec
    declarator: Declarator
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Declaration(Node):
    """``[attrs] T d1, d2;``: procedures, bare tagged types, and the like."""

    attrs: Attrs
    type: TypeSpec
    declarators: tuple[Declarator, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Interface(Node):
    attrs: Attrs
    name: str
    base: str | None
    items: tuple[Item, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class Container(Node):
    """A COM construct parsed for its contents only: library, coclass, dispinterface, module,
    or a forward declaration (``items`` None)."""

    kind: str  # "library", "coclass", "dispinterface", "module", "interface"
    attrs: Attrs
    name: str
    items: tuple[Item, ...] | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Item: TypeAlias = (
    Import | ImportLib | CppQuote | Pragma | Typedef | ConstDecl | Declaration | Interface
) | Container


class File(Node):
    items: tuple[Item, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------
# ACF


class AcfParam(Node):
    attrs: Attrs
    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class AcfProc(Node):
    attrs: Attrs
    name: str
    params: tuple[AcfParam, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class AcfTypedef(Node):
    attrs: Attrs
    names: tuple[str, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class AcfInclude(Node):
    paths: tuple[str, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


class AcfInterface(Node):
    attrs: Attrs
    name: str
    items: tuple[AcfProc | AcfTypedef | AcfInclude, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


AcfItem: TypeAlias = AcfInterface | AcfTypedef | AcfInclude | Import | CppQuote


class AcfFile(Node):
    items: tuple[AcfItem, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

"""The typed, immutable intermediate representation between the front end and the generators.

Every node is a frozen, slotted dataclass holding tuples; references between declarations are by
name (``TypeRef``), never by parent pointer, so recursive types are representable. Each node that
came from source carries a ``Span`` that takes no part in equality.
"""

from __future__ import annotations

import dataclasses
import keyword
from dataclasses import dataclass
from enum import Enum
from typing import Literal, TypeAlias


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A position in a source file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<builtin>", 0, 0)


def py_name(name: str) -> str:
    """The Python spelling of an IDL identifier: verbatim, with ``_`` after a keyword."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in {"None", "True", "False"}:
        return name + "_"
    return name


# ---------------------------------------------------------------------------------------------
# Expressions (attribute arguments, array bounds, constant values)


@dataclass(frozen=True, slots=True)
class Literal_:
    """A number, string or character literal, already evaluated."""

    value: int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier: a parameter, a field, a constant or an enum member."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-", "+", "~", "!", "*" (dereference), "&"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # C operators: + - * / % << >> & | ^ && || == != < > <= >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional:
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True, slots=True)
class Cast:
    type: Type
    operand: Expr


@dataclass(frozen=True, slots=True)
class SizeOf:
    type: Type


Expr: TypeAlias = Literal_ | Name | Unary | Binary | Conditional | Cast | SizeOf


# ---------------------------------------------------------------------------------------------
# Types


@dataclass(frozen=True, slots=True)
class IntType:
    """Any integer: ``small``, ``short``, ``long``, ``hyper``, ``byte``, ``error_status_t``..."""

    name: str  # canonical IDL spelling, e.g. "unsigned long", "byte", "error_status_t"
    bits: int  # 8, 16, 32 or 64
    signed: bool

    @property
    def low(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def high(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1


@dataclass(frozen=True, slots=True)
class BoolType:
    name: str = "boolean"


@dataclass(frozen=True, slots=True)
class FloatType:
    name: str  # "float" or "double"
    bits: int  # 32 or 64


@dataclass(frozen=True, slots=True)
class CharType:
    """One character: ``char`` (8-bit) or ``wchar_t`` (16-bit)."""

    wide: bool

    @property
    def name(self) -> str:
        return "wchar_t" if self.wide else "char"


@dataclass(frozen=True, slots=True)
class StringType:
    """A ``[string]`` character pointer or array, a Python ``str``."""

    wide: bool
    max_length: int | None = None  # a fixed [string] array's capacity, terminator included


@dataclass(frozen=True, slots=True)
class VoidType:
    name: str = "void"


@dataclass(frozen=True, slots=True)
class HandleType:
    """An explicit ``handle_t``: dropped on the client, a CallContext on the server."""

    name: str = "handle_t"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A use of a named declaration (typedef, struct, union or enum), possibly in another module."""

    name: str
    module: str  # Python module name of the declaring file


PointerKind: TypeAlias = Literal["ref", "unique", "ptr"]


@dataclass(frozen=True, slots=True)
class PointerType:
    target: Type
    kind: PointerKind


@dataclass(frozen=True, slots=True)
class ArrayType:
    """A fixed, conformant and/or varying array (one dimension; nest for more)."""

    element: Type
    fixed_size: int | None = None  # [N]
    size_is: Expr | None = None  # conformance: size_is or max_is + 1
    length_is: Expr | None = None  # variance
    first_is: Expr | None = None


@dataclass(frozen=True, slots=True)
class ContextHandleType:
    """A ``[context_handle]`` type, opaque on the client."""

    name: str


@dataclass(frozen=True, slots=True)
class PipeType:
    element: Type


@dataclass(frozen=True, slots=True)
class UnsupportedType:
    """A construct parsed but not generated (COM interfaces, function pointers, ...)."""

    name: str
    reason: str


Type: TypeAlias = (
    IntType
    | BoolType
    | FloatType
    | CharType
    | StringType
    | VoidType
    | HandleType
    | TypeRef
    | PointerType
    | ArrayType
    | ContextHandleType
    | PipeType
    | UnsupportedType
)


# ---------------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute kept verbatim for checks and dumps: ``name`` and its argument text."""

    name: str
    args: tuple[str, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Const:
    name: str
    type: Type
    value: int | float | str | bool | None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumMember:
    name: str
    value: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Enum_:
    name: str
    members: tuple[EnumMember, ...]
    v1_enum: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: Type
    range: tuple[int, int] | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    switch_is: Expr | None = None  # the discriminant of a non-encapsulated union field


@dataclass(frozen=True, slots=True)
class Struct:
    name: str
    fields: tuple[Field, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class UnionArm:
    cases: tuple[Expr, ...]  # empty = default arm
    field: Field | None  # None for an arm with no data
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Union:
    """A union; encapsulated when ``switch_name`` is set (``union switch (long k) u {...}``)."""

    name: str
    switch_type: Type
    arms: tuple[UnionArm, ...]
    switch_name: str | None = None  # encapsulated: the discriminant field's name
    union_name: str | None = None  # encapsulated: the arm field's name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Typedef:
    """``typedef T Name;`` where T is not itself a new struct/enum/union of the same name."""

    name: str
    type: Type
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


Decl: TypeAlias = Const | Enum_ | Struct | Union | Typedef


class Direction(Enum):
    IN = "in"
    OUT = "out"
    INOUT = "in,out"

    @property
    def is_in(self) -> bool:
        return self is not Direction.OUT

    @property
    def is_out(self) -> bool:
        return self is not Direction.IN


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    direction: Direction
    type: Type  # the declared type, pointers included (an [out] long* is PointerType(long))
    switch_is: Expr | None = None
    range: tuple[int, int] | None = None
    comm_status: bool = False
    fault_status: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)

    @property
    def py_name(self) -> str:
        return py_name(self.name)

    @property
    def is_handle(self) -> bool:
        return isinstance(self.type, HandleType)


@dataclass(frozen=True, slots=True)
class Procedure:
    name: str
    opnum: int
    return_type: Type
    params: tuple[Param, ...]
    is_async: bool = False
    comm_status: bool = False  # on the return value
    fault_status: bool = False  # on the return value
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)

    @property
    def py_name(self) -> str:
        return py_name(self.name)

    @property
    def has_retval(self) -> bool:
        return not isinstance(self.return_type, VoidType)

    @property
    def in_params(self) -> tuple[Param, ...]:
        """Parameters the client sends, in wire order (explicit handles excluded)."""
        return tuple(p for p in self.params if p.direction.is_in and not p.is_handle)

    @property
    def out_params(self) -> tuple[Param, ...]:
        """Parameters the server sends back, in wire order, after the return value."""
        return tuple(p for p in self.params if p.direction.is_out and not p.is_handle)


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    uuid: str | None  # lower-case canonical form, or None (local / object interfaces)
    version: tuple[int, int]
    procedures: tuple[Procedure, ...]
    pointer_default: PointerKind = "unique"
    is_object: bool = False  # COM ([object]): parsed, not generated
    is_local: bool = False
    base: str | None = None
    attributes: tuple[Attribute, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)

    @property
    def generated(self) -> bool:
        """Whether idlc generates stubs for it (an RPC interface with a UUID)."""
        return self.uuid is not None and not (self.is_object or self.is_local or self.base)


@dataclass(frozen=True, slots=True)
class Module:
    """Everything one IDL file declares: becomes one Python module."""

    name: str  # Python module name, e.g. "asyncrpc"
    source: str  # the file name as given on the command line or found by import, for banners
    imports: tuple[str, ...]  # Python module names of directly imported IDL files
    decls: tuple[Decl, ...]  # in declaration order, interface-local ones included
    interfaces: tuple[Interface, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Program:
    """A root module and everything it imports, imports first; resolves cross-module references."""

    modules: tuple[Module, ...]
    root: str  # Python module name of the file compiled

    def module(self, name: str) -> Module:
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)

    def resolve(self, ref: TypeRef) -> Decl:
        """The declaration a TypeRef names (the front end guarantees it exists)."""
        for d in self.module(ref.module).decls:
            if d.name == ref.name and not isinstance(d, Const):
                return d
        raise KeyError(f"{ref.module}.{ref.name}")

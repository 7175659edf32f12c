"""The typed, immutable intermediate representation between the front end and the generators.

Every node is frozen and slotted, holding tuples; references between declarations are by name
(``TypeRef``), never by parent pointer, so recursive types are representable. Each node that
came from source carries a ``Span`` that takes no part in equality. Nodes are ``idlc.nodes``
records, as the syntax tree's are.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Literal, TypeAlias

from .nodes import NO_SPAN, Node, Span, replace

__all__ = ["NO_SPAN", "Node", "Span", "replace"]  # re-exported: the IR's users need all four


# The names that take a trailing "_": Python's keywords, and the soft keywords of 3.11, spelled
# out so that the output does not change with the Python that runs idlc (3.12 made ``type`` a
# soft keyword too; ``keyword.softkwlist`` would rename every field called type there).
# fmt: off
_RESERVED = frozenset((
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
    "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
    "try", "while", "with", "yield", "_", "case", "match",
))
# fmt: on


def py_name(name: str) -> str:
    """The Python spelling of an IDL identifier: verbatim, with ``_`` after a keyword."""
    return name + "_" if name in _RESERVED else name


# ---------------------------------------------------------------------------------------------
# Expressions (attribute arguments, array bounds, constant values)


class Literal_(Node):
    """A number, string or character literal, already evaluated."""

    value: int | float | str | bool | None


class Name(Node):
    """An identifier: a parameter, a field, a constant or an enum member."""

    name: str


class Unary(Node):
    op: str  # "-", "+", "~", "!", "*" (dereference), "&"
    operand: Expr


class Binary(Node):
    op: str  # C operators: + - * / % << >> & | ^ && || == != < > <= >=
    left: Expr
    right: Expr


class Conditional(Node):
    cond: Expr
    then: Expr
    other: Expr


class Cast(Node):
    type: Type
    operand: Expr


class SizeOf(Node):
    type: Type


Expr: TypeAlias = Literal_ | Name | Unary | Binary | Conditional | Cast | SizeOf


# ---------------------------------------------------------------------------------------------
# Types


class IntType(Node):
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


class BoolType(Node):
    name: str = "boolean"


class FloatType(Node):
    name: str  # "float" or "double"
    bits: int  # 32 or 64


class CharType(Node):
    """One character: ``char`` (8-bit) or ``wchar_t`` (16-bit)."""

    wide: bool

    @property
    def name(self) -> str:
        return "wchar_t" if self.wide else "char"


class StringType(Node):
    """A ``[string]`` character pointer or array, a Python ``str``.

    ``pointer`` is true when the string is reached through a pointer level the IR leaves out (a
    ``[ref]`` pointer, or a floating pointer typedef's own level): its characters are a
    referent, not inline. Embedded in a structure, a union or an array, NDR then writes a
    referent id in place and the string after; a top-level one (a parameter) has no pointer on
    the wire. A ``[unique]``/``[ptr]`` string is ``PointerType(StringType(pointer=False))``:
    the PointerType is that level."""

    wide: bool
    max_length: int | None = None  # a fixed [string] array's capacity, terminator included
    pointer: bool = False  # reached through an elided [ref] pointer level: a referent


class VoidType(Node):
    name: str = "void"


class HandleType(Node):
    """An explicit ``handle_t``: dropped on the client, a CallContext on the server."""

    name: str = "handle_t"


class TypeRef(Node):
    """A use of a named declaration (typedef, struct, union or enum), possibly in another module."""

    name: str
    module: str  # Python module name of the declaring file


PointerKind: TypeAlias = Literal["ref", "unique", "ptr"]


class PointerType(Node):
    target: Type
    kind: PointerKind


class ArrayType(Node):
    """A fixed, conformant and/or varying array (one dimension; nest for more).

    ``pointer`` is true when the array is reached through a pointer level the IR leaves out (a
    ``[ref, size_is(n)] long *p``, or ``[size_is(n)]`` applied to a pointer typedef): its
    elements are a referent, not inline -- unlike ``[size_is(n)] long p[]``, the same array in
    place. Embedded in a structure, a union or an array, NDR writes a referent id where it
    stands and the array after; a top-level one (a parameter) has no pointer on the wire. A
    ``[unique]``/``[ptr]`` array is ``PointerType(ArrayType(pointer=False))``: the PointerType
    is that level."""

    element: Type
    fixed_size: int | None = None  # [N]
    size_is: Expr | None = None  # conformance: size_is or max_is + 1
    length_is: Expr | None = None  # variance
    first_is: Expr | None = None
    pointer: bool = False  # reached through an elided [ref] pointer level: a referent


class ContextHandleType(Node):
    """A ``[context_handle]`` type, opaque on the client."""

    name: str


class PipeType(Node):
    """``pipe T``: an open-ended stream of chunks of ``T`` (a parameter's type only, declared
    with ``typedef pipe T NAME``); an [out] pipe is ``PointerType(TypeRef(NAME), "ref")``."""

    element: Type


class UnsupportedType(Node):
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


class Attribute(Node):
    """An attribute kept verbatim for checks and dumps: ``name`` and its argument text."""

    name: str
    args: tuple[str, ...] = ()
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


class Const(Node):
    name: str
    type: Type
    value: int | float | str | bool | None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


class EnumMember(Node):
    name: str
    value: int
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


class Enum_(Node):
    name: str
    members: tuple[EnumMember, ...]
    v1_enum: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    # the IDL comment above it: compared, so memoised views of equal nodes keep their own
    doc: str | None = dataclasses.field(default=None, repr=False)


class Field(Node):
    name: str
    type: Type
    range: tuple[int, int] | None = None
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    switch_is: Expr | None = None  # the discriminant of a non-encapsulated union field


class Struct(Node):
    name: str
    fields: tuple[Field, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    # the IDL comment above it: compared, so memoised views of equal nodes keep their own
    doc: str | None = dataclasses.field(default=None, repr=False)


class UnionArm(Node):
    cases: tuple[Expr, ...]  # empty = default arm
    field: Field | None  # None for an arm with no data
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


class Union(Node):
    """A union; encapsulated when ``switch_name`` is set (``union switch (long k) u {...}``)."""

    name: str
    switch_type: Type
    arms: tuple[UnionArm, ...]
    switch_name: str | None = None  # encapsulated: the discriminant field's name
    union_name: str | None = None  # encapsulated: the arm field's name
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    # the IDL comment above it: compared, so memoised views of equal nodes keep their own
    doc: str | None = dataclasses.field(default=None, repr=False)


class Typedef(Node):
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


class Param(Node):
    name: str
    direction: Direction
    type: Type  # the declared type, pointers included (an [out] long* is PointerType(long))
    switch_is: Expr | None = None
    range: tuple[int, int] | None = None
    comm_status: bool = False
    fault_status: bool = False
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    # a pipe: ``type`` is (an [in] pipe) or points to (an [out] pipe, one [ref] level) a
    # typedef of ``PipeType``; set by the front end, which can look through typedefs
    is_pipe: bool = False

    @property
    def py_name(self) -> str:
        return py_name(self.name)

    @property
    def is_handle(self) -> bool:
        return isinstance(self.type, HandleType)


class Procedure(Node):
    name: str
    opnum: int
    return_type: Type
    params: tuple[Param, ...]
    is_async: bool = False
    comm_status: bool = False  # on the return value
    fault_status: bool = False  # on the return value
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    # the IDL comment above it: compared, so memoised views of equal nodes keep their own
    doc: str | None = dataclasses.field(default=None, repr=False)
    # [callback]: declared here, run by the client when the server calls it during a call
    is_callback: bool = False

    @property
    def py_name(self) -> str:
        return py_name(self.name)

    @property
    def has_retval(self) -> bool:
        return not isinstance(self.return_type, VoidType)

    @property
    def in_params(self) -> tuple[Param, ...]:
        """Parameters the client sends, in wire order (explicit handles and pipes excluded)."""
        return tuple(p for p in self.params if p.direction.is_in and not (p.is_handle or p.is_pipe))

    @property
    def out_params(self) -> tuple[Param, ...]:
        """Parameters the server sends back, in wire order, after the return value (pipes
        excluded)."""
        return tuple(
            p for p in self.params if p.direction.is_out and not (p.is_handle or p.is_pipe)
        )

    @property
    def pipe_params(self) -> tuple[Param, ...]:
        """The pipe parameters, in declaration order: their index on the wire."""
        return tuple(p for p in self.params if p.is_pipe)


class Interface(Node):
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
    # the IDL comment above it: compared, so memoised views of equal nodes keep their own
    doc: str | None = dataclasses.field(default=None, repr=False)

    @property
    def generated(self) -> bool:
        """Whether idlc generates stubs for it (an RPC interface with a UUID)."""
        return self.uuid is not None and not (self.is_object or self.is_local or self.base)


class Serialized(Node):
    """A type the ACF marks ``[encode]`` and/or ``[decode]`` (MIDL's type serialization): it
    gets ``<name>_encode`` / ``<name>_decode`` functions of its own, outside any call."""

    name: str  # a Struct, Union, Enum_ or Typedef of the module
    encode: bool
    decode: bool
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


class Module(Node):
    """Everything one IDL file declares: becomes one Python module."""

    name: str  # Python module name, e.g. "asyncrpc"
    source: str  # the file name as given on the command line or found by import, for banners
    imports: tuple[str, ...]  # Python module names of directly imported IDL files
    decls: tuple[Decl, ...]  # in declaration order, interface-local ones included
    interfaces: tuple[Interface, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)
    serialized: tuple[Serialized, ...] = ()  # in declaration order


class Program(Node):
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

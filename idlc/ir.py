"""The typed, immutable intermediate representation between the front end and the generators.

Every node is frozen and slotted, holding tuples; references between declarations are by name
(``TypeRef``), never by parent pointer, so recursive types are representable. Each node that
came from source carries a ``Span`` that takes no part in equality.

Nodes are declared like dataclasses (annotations, defaults, ``field(compare=False)`` for the
span) and behave like frozen, slotted ones (keyword or positional construction, equality and
hashing by the compared fields, ``__match_args__``, ``replace``), but are built by a small
metaclass, as the syntax tree's are: creating thirty-five dataclasses cost about a sixth of the
compiler's cold start, these cost almost nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import Field as _Field
from dataclasses import FrozenInstanceError
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Any:
        return lambda cls: cls


_N = TypeVar("_N", bound="Node")


class _NodeMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> _NodeMeta:
        fields = tuple(f for f in ns.get("__annotations__", {}) if not f.startswith("_"))
        defaults: dict[str, Any] = {}
        uncompared: set[str] = set()
        unshown: set[str] = set()
        for f in fields:
            if f in ns:
                value = ns.pop(f)
                if isinstance(value, _Field):
                    if value.default_factory is not dataclasses.MISSING:
                        raise TypeError(f"{name}.{f}: no default_factory for nodes")
                    if not value.compare:
                        uncompared.add(f)
                    if not value.repr:
                        unshown.add(f)
                    if value.default is dataclasses.MISSING:
                        continue
                    value = value.default
                defaults[f] = value
        ns["__slots__"] = fields
        ns["__match_args__"] = fields
        cls = super().__new__(mcs, name, bases, ns)
        cls._fields = fields  # type: ignore[attr-defined]
        cls._compared = tuple(f for f in fields if f not in uncompared)  # type: ignore[attr-defined]
        cls._shown = tuple(f for f in fields if f not in unshown)  # type: ignore[attr-defined]
        if fields:

            def first_init(self: Any, *args: Any, **kwargs: Any) -> None:
                methods = _methods(cls, defaults)
                for method_name, method in methods.items():
                    type.__setattr__(cls, method_name, method)
                methods["__init__"](self, *args, **kwargs)

            type.__setattr__(cls, "__init__", first_init)
        return cls


def _methods(cls: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """``__init__``, ``__eq__`` and ``__hash__`` written out for the fields, as dataclasses
    write them, when the class is first instantiated (most classes never are in a small run)."""
    fields: tuple[str, ...] = cls._fields
    params = ", ".join(f"{f}=_d_{f}" if f in defaults else f for f in fields)
    # Each slot's own setter, bound once: twice as fast as object.__setattr__(self, name, v).
    sets = "".join(f"\n    _s_{f}(self, {f})" for f in fields)
    mine = "".join(f"self.{f}, " for f in cls._compared)
    theirs = "".join(f"other.{f}, " for f in cls._compared)
    source = (
        f"def __init__(self, {params}):{sets}\n"
        "def __eq__(self, other):\n"
        "    if other.__class__ is self.__class__:\n"
        f"        return ({mine}) == ({theirs})\n"
        "    return NotImplemented\n"
        "def __hash__(self):\n"
        f"    return hash(({mine}))\n"
    )
    scope: dict[str, Any] = {f"_s_{f}": getattr(cls, f).__set__ for f in fields}
    scope.update((f"_d_{f}", v) for f, v in defaults.items())
    exec(source, scope)
    out = {m: scope[m] for m in ("__init__", "__eq__", "__hash__")}
    for m, method in out.items():
        method.__qualname__ = f"{cls.__qualname__}.{m}"
    return out


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
class Node(metaclass=_NodeMeta):
    """Frozen, slotted, compared and hashed by value with ``compare=False`` fields left out."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]
    _compared: ClassVar[tuple[str, ...]]
    _shown: ClassVar[tuple[str, ...]]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._compared)

    # What the written-out methods do (they replace these at a class's first instance).
    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        body = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._shown)
        return f"{type(self).__qualname__}({body})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), tuple(getattr(self, f) for f in self._fields)


def replace(node: _N, **changes: Any) -> _N:
    """A copy of ``node`` with some fields changed (``dataclasses.replace`` for nodes)."""
    fields = node._fields
    for f in changes:
        if f not in fields:
            raise TypeError(f"{type(node).__name__}: no field {f!r}")
    return type(node)(*(changes[f] if f in changes else getattr(node, f) for f in fields))


class Span:
    """A position in a source file: 1-based line and column (ordered by file, line, column).

    Frozen and compared by value like a node. The parser makes one for almost every token and
    reads few of them (most only ever sit in the tree in case a diagnostic needs them): a span
    made by ``Span.later`` finds its position when first read.
    """

    __slots__ = ("_at", "_find", "_pos")
    __match_args__ = ("file", "line", "column")
    _at: tuple[str, int, int] | None
    _find: Callable[[int], Span] | None
    _pos: int

    def __init__(self, file: str, line: int, column: int) -> None:
        _span_at(self, (file, line, column))

    @staticmethod
    def later(find: Callable[[int], Span], pos: int) -> Span:
        """The span ``find(pos)`` returns, found when first read."""
        span = _new_span(Span)
        _span_at(span, None)
        _span_find(span, find)
        _span_pos(span, pos)
        return span

    def _where(self) -> tuple[str, int, int]:
        at = self._at
        if at is None:
            assert self._find is not None
            at = self._find(self._pos)._where()
            _span_at(self, at)
            _span_find(self, None)  # what it held (a line table, a mapping) may go
        return at

    @property
    def file(self) -> str:
        return self._where()[0]

    @property
    def line(self) -> int:
        return self._where()[1]

    @property
    def column(self) -> int:
        return self._where()[2]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        file, line, column = self._where()
        return f"Span(file={file!r}, line={line!r}, column={column!r})"

    def __str__(self) -> str:
        return "{}:{}:{}".format(*self._where())

    def __reduce__(self) -> tuple[type, tuple[str, int, int]]:
        return Span, self._where()

    def __hash__(self) -> int:
        return hash(self._where())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() == other._where()

    def __lt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() < other._where()

    def __le__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() <= other._where()

    def __gt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() > other._where()

    def __ge__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() >= other._where()


# Slot setters, bound once (Span is frozen; object.__setattr__ costs twice as much).
_new_span = object.__new__
_span_at: Callable[[Span, tuple[str, int, int] | None], None] = Span.__dict__["_at"].__set__
_span_find: Callable[[Span, Callable[[int], Span] | None], None] = Span.__dict__["_find"].__set__
_span_pos: Callable[[Span, int], None] = Span.__dict__["_pos"].__set__


NO_SPAN = Span("<builtin>", 0, 0)


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
    """A ``[string]`` character pointer or array, a Python ``str``."""

    wide: bool
    max_length: int | None = None  # a fixed [string] array's capacity, terminator included


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
    """A fixed, conformant and/or varying array (one dimension; nest for more)."""

    element: Type
    fixed_size: int | None = None  # [N]
    size_is: Expr | None = None  # conformance: size_is or max_is + 1
    length_is: Expr | None = None  # variance
    first_is: Expr | None = None


class ContextHandleType(Node):
    """A ``[context_handle]`` type, opaque on the client."""

    name: str


class PipeType(Node):
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

    @property
    def generated(self) -> bool:
        """Whether idlc generates stubs for it (an RPC interface with a UUID)."""
        return self.uuid is not None and not (self.is_object or self.is_local or self.base)


class Module(Node):
    """Everything one IDL file declares: becomes one Python module."""

    name: str  # Python module name, e.g. "asyncrpc"
    source: str  # the file name as given on the command line or found by import, for banners
    imports: tuple[str, ...]  # Python module names of directly imported IDL files
    decls: tuple[Decl, ...]  # in declaration order, interface-local ones included
    interfaces: tuple[Interface, ...]
    span: Span = dataclasses.field(default=NO_SPAN, compare=False, repr=False)


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
